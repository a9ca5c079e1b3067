package provider

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// providerSchema is the provider's schema.
func providerSchema(t *testing.T) schema.Schema {
	t.Helper()
	var resp provider.SchemaResponse
	(&windowsProvider{}).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return resp.Schema
}

// providerBlock is the provider block as the CLI sends it: attrs, and null
// for every other argument of the schema.
func providerBlock(t *testing.T, attrs map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	typ := providerSchema(t).Type().TerraformType(context.Background()).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
		if v, ok := attrs[name]; ok {
			vals[name] = v
		}
	}
	return tftypes.NewValue(typ, vals)
}

// configure runs the provider's Configure on the block attrs, with the
// process environment, and returns what it hands the resources.
func configure(t *testing.T, pool *transport.Pool, attrs map[string]tftypes.Value) *providerData {
	t.Helper()
	p := &windowsProvider{pool: pool}
	req := provider.ConfigureRequest{Config: tfsdk.Config{Schema: providerSchema(t), Raw: providerBlock(t, attrs)}}
	var resp provider.ConfigureResponse
	p.Configure(context.Background(), req, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Configure: %v", resp.Diagnostics)
	}
	return resp.ResourceData.(*providerData)
}

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
		{"auth", providerModel{}, creds("WINDOWS_AUTH", "Digest"), "auth",
			`auth "digest" (from the configuration or WINDOWS_AUTH) is not supported: use "ntlm", "kerberos", "negotiate" or "basic"`},
		{"kerberos without a realm", providerModel{}, creds("WINDOWS_AUTH", "kerberos"), "kerberos.realm",
			`kerberos.realm (from the configuration or WINDOWS_KRB5_REALM) is invalid: the Kerberos realm of "a" is ` +
				`unknown: give the user name as user@REALM, set the realm, or give a krb5_conf with a default_realm.`},
		{"kerberos with nothing to log on with", providerModel{}, map[string]string{"WINDOWS_USERNAME": "a@example.com",
			"WINDOWS_AUTH": "kerberos", "KRB5CCNAME": "FILE:"}, "password",
			`Nothing to log on with for a@example.com: set password (or WINDOWS_PASSWORD), or keytab in the kerberos ` +
				`block (or WINDOWS_KRB5_KEYTAB), or run kinit and set KRB5CCNAME to its ticket cache.`},
		{"kerberos keytab unreadable", providerModel{Kerberos: &kerberosModel{Keytab: types.StringValue("no-such.keytab")}},
			map[string]string{"WINDOWS_USERNAME": "a@example.com", "WINDOWS_AUTH": "kerberos"}, "kerberos.keytab",
			`kerberos.keytab (from the configuration or WINDOWS_KRB5_KEYTAB) is invalid: keytab "no-such.keytab" ` +
				`cannot be read as a keytab: open no-such.keytab: no such file or directory.`},
		{"kerberos kdc", providerModel{}, creds("WINDOWS_AUTH", "negotiate", "WINDOWS_KRB5_KDC", "dc01/x"), "kerberos.kdc",
			`kerberos.kdc (from the configuration or WINDOWS_KRB5_KDC) is invalid: kdc "dc01/x" is not a host name, IP ` +
				`address or host:port.`},
		{"kerberos ticket cache of another kind", providerModel{}, map[string]string{"WINDOWS_USERNAME": "a@example.com",
			"WINDOWS_AUTH": "kerberos", "KRB5CCNAME": "KEYRING:persistent:0"}, "kerberos",
			`KRB5CCNAME="KEYRING:persistent:0" is a KEYRING ticket cache, which the provider cannot read: run kinit ` +
				`with KRB5CCNAME=FILE:<path> (a file cache)`},
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

// TestSettingsMapping: every field of transport.Config but Log is set by a
// provider argument and its environment variable, which the argument's
// description names; so a transport's *ConfigError is always reported on the
// argument the user wrote.
func TestSettingsMapping(t *testing.T) {
	want := map[string]setting{
		"Host": {"host", "WINDOWS_HOST"}, "Port": {"port", "WINDOWS_PORT"}, "HTTPS": {"https", "WINDOWS_HTTPS"},
		"Insecure": {"insecure", "WINDOWS_INSECURE"}, "CACert": {"ca_cert", "WINDOWS_CA_CERT"},
		"TLSServerName": {"tls_server_name", "WINDOWS_TLS_SERVER_NAME"}, "Username": {"username", "WINDOWS_USERNAME"},
		"Password": {"password", "WINDOWS_PASSWORD"}, "Auth": {"auth", "WINDOWS_AUTH"},
		"AllowUnencrypted": {"allow_unencrypted", "WINDOWS_ALLOW_UNENCRYPTED"}, "Timeout": {"timeout", "WINDOWS_TIMEOUT"},
		"MaxRetries":     {"max_retries", "WINDOWS_MAX_RETRIES"},
		"Kerberos.Realm": {"kerberos.realm", "WINDOWS_KRB5_REALM"}, "Kerberos.Krb5Conf": {"kerberos.krb5_conf", "KRB5_CONFIG"},
		"Kerberos.KDC": {"kerberos.kdc", "WINDOWS_KRB5_KDC"}, "Kerberos.SPN": {"kerberos.spn", "WINDOWS_KRB5_SPN"},
		"Kerberos.Keytab": {"kerberos.keytab", "WINDOWS_KRB5_KEYTAB"}, "Kerberos.CCache": {"kerberos", "KRB5CCNAME"},
	}
	attrs := providerSchema(t).Attributes
	block := providerSchema(t).Blocks["kerberos"].(schema.SingleNestedBlock)
	for name, a := range block.Attributes {
		attrs["kerberos."+name] = a
	}
	attrs["kerberos"] = schema.StringAttribute{MarkdownDescription: block.MarkdownDescription}
	var fields []string
	for f := range reflect.TypeFor[transport.Config]().Fields() {
		if f.IsExported() && f.Name != "Log" && f.Name != "Kerberos" {
			fields = append(fields, f.Name)
		}
	}
	for f := range reflect.TypeFor[transport.KerberosConfig]().Fields() {
		fields = append(fields, "Kerberos."+f.Name)
	}
	for _, name := range fields {
		t.Run(name, func(t *testing.T) {
			got, ok := settings[name]
			if !ok || got != want[name] {
				t.Fatalf("settings[%q] = %+v, %v; want %+v", name, got, ok, want[name])
			}
			a, ok := attrs[got.attr]
			if !ok {
				t.Fatalf("no provider argument %q", got.attr)
			}
			if !strings.Contains(a.GetMarkdownDescription(), "`"+got.env+"`") {
				t.Errorf("the description of %s does not name %s", got.attr, got.env)
			}
		})
	}
	if len(settings) != len(want) {
		t.Errorf("settings has %d fields, want %d", len(settings), len(want))
	}
}

// TestSettingError: each field the transport refuses is reported on its
// argument; one the provider does not know, on none, with the transport's
// words.
func TestSettingError(t *testing.T) {
	cfg := transport.Config{Username: "admin", Auth: "digest"}
	tests := []struct {
		field    string
		err      error
		wantAttr string
		wantMsg  string
	}{
		{"Username", errors.New("username is empty"), "username", "No username is set:"},
		{"Password", errors.New("password is empty"), "password", "No password is set for admin:"},
		{"Auth", errors.New("auth is not supported"), "auth", `auth "digest" (from the configuration or WINDOWS_AUTH) is not supported`},
		{"Kerberos.SPN", errors.New("spn is wrong"), "kerberos.spn",
			"kerberos.spn (from the configuration or WINDOWS_KRB5_SPN) is invalid: spn is wrong."},
		{"Auth", transport.ErrBasicOverHTTP, "auth", "Basic authentication over plain HTTP would send"},
		{"CACert", errors.New("no PEM"), "ca_cert", "ca_cert holds no PEM certificate"},
		{"Host", errors.New("host is empty"), "host", `host "dc01" (from the configuration or WINDOWS_HOST) is invalid: host is empty`},
		{"Timeout", errors.New("timeout -1s is negative"), "timeout",
			"timeout (from the configuration or WINDOWS_TIMEOUT) is invalid: timeout -1s is negative."},
		{"MaxRetries", errors.New("max retries -1 is negative"), "max_retries",
			"max_retries (from the configuration or WINDOWS_MAX_RETRIES) is invalid: max retries -1 is negative."},
		{"Future", errors.New("future is wrong"), "", "The WinRM settings are refused: future is wrong."},
	}
	for _, tt := range tests {
		t.Run(tt.field+"/"+tt.err.Error(), func(t *testing.T) {
			e := settingError(&transport.ConfigError{Field: tt.field, Err: tt.err}, cfg, "dc01")
			if e.attr.String() != tt.wantAttr || !strings.HasPrefix(e.msg, tt.wantMsg) {
				t.Errorf("error on %q: %s\nwant on %q: %s...", e.attr, e.msg, tt.wantAttr, tt.wantMsg)
			}
		})
	}
}

// TestUnknownSettingsFromBlock: the arguments not known yet are found in the
// block as the CLI sent it, so an argument added to the schema is covered
// without a list to edit; the names come in the schema's order.
func TestUnknownSettingsFromBlock(t *testing.T) {
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	tests := []struct {
		name  string
		block tftypes.Value
		want  string
	}{
		{"all known", providerBlock(t, map[string]tftypes.Value{"username": tftypes.NewValue(tftypes.String, "a")}), ""},
		{"in the schema's order", providerBlock(t, map[string]tftypes.Value{"password": unknown, "username": unknown,
			"max_retries": tftypes.NewValue(tftypes.Number, tftypes.UnknownValue), "host": unknown}),
			"host,username,password,max_retries"},
		{"an argument the model does not know yet", tftypes.NewValue(
			tftypes.Object{AttributeTypes: map[string]tftypes.Type{"future_setting": tftypes.String, "password": tftypes.String,
				"another_one": tftypes.Bool}},
			map[string]tftypes.Value{"future_setting": unknown, "password": unknown,
				"another_one": tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue)}), "password,another_one,future_setting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unknownSettings(tt.block)
			if err != nil || strings.Join(got, ",") != tt.want {
				t.Errorf("unknownSettings = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// simProvider starts a simulated host and configures the provider for it
// with extra arguments in the block.
func simProvider(t *testing.T, extra map[string]tftypes.Value) (*winsim.Host, *transport.Client) {
	t.Helper()
	h, err := winsim.Start("127.0.0.1:0", winsim.Options{Username: simUser, Password: simPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	pool := transport.NewPool()
	t.Cleanup(func() { _ = pool.Close() })
	attrs := map[string]tftypes.Value{
		"username": tftypes.NewValue(tftypes.String, simUser),
		"password": tftypes.NewValue(tftypes.String, simPassword),
		"timeout":  tftypes.NewValue(tftypes.String, "30s"),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	c, err := configure(t, pool, attrs).client(h.Addr(), noCredentials)
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

// TestMaxRetries: max_retries = 0 means no retry at all, end to end: a
// dropped Receive is the command's failure, after one Receive request; the
// default retries it.
func TestMaxRetries(t *testing.T) {
	tests := []struct {
		name         string
		extra        map[string]tftypes.Value
		wantErr      bool
		wantReceives int
	}{
		{"0 means none", map[string]tftypes.Value{"max_retries": tftypes.NewValue(tftypes.Number, 0)}, true, 1},
		{"default", nil, false, 2},
		{"1", map[string]tftypes.Value{"max_retries": tftypes.NewValue(tftypes.Number, 1)}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, c := simProvider(t, tt.extra)
			h.DropNext("Receive", 1)
			_, err := c.Run(context.Background(), "ver")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run error = %v, want error %v", err, tt.wantErr)
			}
			if got := h.Stats().Requests["Receive"]; got != tt.wantReceives {
				t.Errorf("Receive requests = %d, want %d", got, tt.wantReceives)
			}
		})
	}
}

// TestNoFreshShellSwitch: the provider users run has no switch to the
// benchmarks' shell-per-command baseline (that takes a build with
// -tags benchbaseline): with the variable the benchmarks once used set, two
// commands still share one shell.
func TestNoFreshShellSwitch(t *testing.T) {
	t.Setenv("WINDOWS_FRESH_SHELL_PER_COMMAND", "1")
	h, c := simProvider(t, nil)
	for range 2 {
		if _, err := c.Run(context.Background(), "ver"); err != nil {
			t.Fatal(err)
		}
	}
	if st := h.Stats(); st.Requests["Create"] != 1 || st.Requests["Delete"] != 0 {
		t.Errorf("Create, Delete requests = %d, %d; want 1, 0 (one shell, kept open)", st.Requests["Create"], st.Requests["Delete"])
	}
}
