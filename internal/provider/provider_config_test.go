package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestConnectionSettingsMessages pins every message of the provider's
// configuration checks, with the attribute it is reported on, whichever of the
// provider and the transport owns the rule: users and their scripts see these.
func TestConnectionSettingsMessages(t *testing.T) {
	const (
		username = `No username is set: set username in the provider block or the WINDOWS_USERNAME environment ` +
			`variable to an administrator of the hosts.`
		password = `No password is set for a: set password in the provider block or the WINDOWS_PASSWORD environment ` +
			`variable. An empty password is refused before any host is contacted, so that no host counts a failed logon.`
		basic = `Basic authentication over plain HTTP would send the password and every command in clear text, and ` +
			`Windows refuses it by default. Use https = true, or auth = "ntlm" (which encrypts messages over HTTP), or ` +
			`set allow_unencrypted = true if the host allows it.`
		caCert = `ca_cert holds no PEM certificate: give the text of the CA certificate, for example ca_cert = ` +
			`file("winrm-ca.pem").`
	)
	creds := func(kv ...string) map[string]string {
		m := map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		model    providerModel
		vars     map[string]string
		wantAttr string
		wantMsg  string
	}{
		{"host", providerModel{}, creds("WINDOWS_HOST", "dc01&calc"), "host",
			`host "dc01&calc" (from the configuration or WINDOWS_HOST) is invalid: "dc01&calc" is not a host name, IPv4 ` +
				`or IPv6 address: character '&' (U+0026) at position 5 is not allowed (letters a-z, digits, hyphens and dots only)`},
		{"port in host", providerModel{}, creds("WINDOWS_HOST", "dc01:99999"), "host",
			`host "dc01:99999" (from the configuration or WINDOWS_HOST) is invalid: port "99999" is not a number between 1 and 65535`},
		{"port", providerModel{}, creds("WINDOWS_PORT", "70000"), "port", `WINDOWS_PORT="70000" is not a number between 1 and 65535`},
		{"max_retries", providerModel{}, creds("WINDOWS_MAX_RETRIES", "-1"), "max_retries",
			`WINDOWS_MAX_RETRIES="-1" is not a number between 0 and 20`},
		{"https", providerModel{}, creds("WINDOWS_HTTPS", "yes please"), "https", `WINDOWS_HTTPS="yes please" is not a boolean: use true or false`},
		{"insecure", providerModel{}, creds("WINDOWS_INSECURE", "2"), "insecure", `WINDOWS_INSECURE="2" is not a boolean: use true or false`},
		{"allow_unencrypted", providerModel{}, creds("WINDOWS_ALLOW_UNENCRYPTED", "no way"), "allow_unencrypted",
			`WINDOWS_ALLOW_UNENCRYPTED="no way" is not a boolean: use true or false`},
		{"timeout", providerModel{}, creds("WINDOWS_TIMEOUT", "soon"), "timeout",
			`timeout "soon" (from the configuration or WINDOWS_TIMEOUT) is not a positive duration such as "30s" or "2m"`},
		{"timeout zero", providerModel{Timeout: types.StringValue("0s")}, creds(), "timeout",
			`timeout "0s" (from the configuration or WINDOWS_TIMEOUT) is not a positive duration such as "30s" or "2m"`},
		{"auth", providerModel{}, creds("WINDOWS_AUTH", "Kerberos"), "auth",
			`auth "kerberos" (from the configuration or WINDOWS_AUTH) is not supported: use "ntlm" or "basic"`},
		{"basic over http", providerModel{Auth: types.StringValue("basic")}, creds(), "auth", basic},
		{"username", providerModel{}, map[string]string{"WINDOWS_PASSWORD": "pw"}, "username", username},
		{"username before password", providerModel{}, map[string]string{}, "username", username},
		{"password", providerModel{Username: types.StringValue("a")}, map[string]string{}, "password", password},
		{"password before basic", providerModel{}, map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_AUTH": "basic"}, "password", password},
		{"ca_cert", providerModel{CACert: types.StringValue("not a pem")}, creds(), "ca_cert", caCert},
		{"ca_cert over http too", providerModel{}, creds("WINDOWS_CA_CERT", "-----BEGIN nothing"), "ca_cert", caCert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := connectionSettings(tt.model, func(k string) (string, bool) { v, ok := tt.vars[k]; return v, ok })
			if err == nil {
				t.Fatalf("no error; want one on %s", tt.wantAttr)
			}
			if err.attr.String() != tt.wantAttr || err.msg != tt.wantMsg {
				t.Errorf("error on %s:\n%s\nwant on %s:\n%s", err.attr, err.msg, tt.wantAttr, tt.wantMsg)
			}
		})
	}
}
