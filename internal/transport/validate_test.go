package transport

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// TestValidate: each rule names the field at fault and says what is wrong;
// the defaults and the zero values New fills in are valid; every problem is
// reported, in the documented order.
func TestValidate(t *testing.T) {
	good := func(edit func(*Config)) Config {
		c := DefaultConfig()
		c.Host, c.Username, c.Password = "dc01", "admin", "pw"
		if edit != nil {
			edit(&c)
		}
		return c
	}
	tests := []struct {
		name      string
		cfg       Config
		wantField string // "" for valid
		wantMsg   string
		wantIs    error
	}{
		{"defaults", good(nil), "", "", nil},
		{"zero values New fills in", Config{Host: "dc01", Username: "admin", Password: "pw"}, "", "", nil},
		{"bracketed ipv6", good(func(c *Config) { c.Host = "[fe80::1]" }), "", "", nil},
		{"basic over https", good(func(c *Config) { c.Auth, c.HTTPS = "BASIC", true }), "", "", nil},
		{"basic over http allowed", good(func(c *Config) { c.Auth, c.AllowUnencrypted = "basic", true }), "", "", nil},
		{"max retries 0", good(func(c *Config) { c.MaxRetries = 0 }), "", "", nil},
		{"empty host", good(func(c *Config) { c.Host = " " }), "Host", "host is empty", nil},
		{"host with port", good(func(c *Config) { c.Host = "dc01:5985" }), "Host",
			`host "dc01:5985" is not a host name or IP address (give the port separately)`, nil},
		{"url as host", good(func(c *Config) { c.Host = "http://dc01/" }), "Host",
			`host "http://dc01/" is not a host name or IP address (give the port separately)`, nil},
		{"port", good(func(c *Config) { c.Port = 70000 }), "Port", "port 70000 is out of range 1-65535", nil},
		{"negative port", good(func(c *Config) { c.Port = -1 }), "Port", "port -1 is out of range 1-65535", nil},
		{"auth", good(func(c *Config) { c.Auth = "digest" }), "Auth",
			`auth "digest" is not supported (use "basic", "kerberos", "negotiate", "ntlm")`, nil},
		{"kerberos with a realm in the name", good(func(c *Config) { c.Auth, c.Username = "kerberos", "admin@example.com" }), "", "", nil},
		{"kerberos with a realm", good(func(c *Config) { c.Auth, c.Kerberos = "Kerberos", &KerberosConfig{Realm: "example.com"} }), "", "", nil},
		{"kerberos without a realm", good(func(c *Config) { c.Auth = "kerberos" }), "Kerberos.Realm",
			`the Kerberos realm of "admin" is unknown: give the user name as user@REALM, set the realm, or give a ` +
				`krb5_conf with a default_realm`, nil},
		{"negotiate without a realm falls back to NTLM", good(func(c *Config) { c.Auth = "negotiate" }), "", "", nil},
		{"kerberos with nothing to log on with", good(func(c *Config) { c.Auth, c.Username, c.Password = "kerberos", "a@R", "" }),
			"Password", `auth "kerberos" has nothing to log on with: give a password, a keytab, or a ticket cache ` +
				`(KRB5CCNAME after kinit)`, nil},
		{"kerberos password and keytab", good(func(c *Config) {
			c.Auth, c.Username, c.Kerberos = "kerberos", "a@R", &KerberosConfig{Keytab: "a.keytab"}
		}), "Kerberos.Keytab", "both a password and a keytab are given: give one of them", nil},
		{"kerberos keytab missing", good(func(c *Config) {
			c.Auth, c.Username, c.Password, c.Kerberos = "kerberos", "a@R", "", &KerberosConfig{Keytab: "no-such.keytab"}
		}), "Kerberos.Keytab", `keytab "no-such.keytab" cannot be read as a keytab: open no-such.keytab: no such file or directory`, nil},
		{"kerberos krb5.conf missing", good(func(c *Config) {
			c.Auth, c.Username, c.Kerberos = "kerberos", "a@R", &KerberosConfig{Krb5Conf: "no-such.conf"}
		}), "Kerberos.Krb5Conf", `krb5_conf "no-such.conf" cannot be read as a krb5.conf: open no-such.conf: no such file or directory`, nil},
		{"kerberos ticket cache missing", good(func(c *Config) {
			c.Auth, c.Username, c.Password, c.Kerberos = "kerberos", "", "", &KerberosConfig{CCache: "no-such.ccache"}
		}), "Kerberos.CCache", `ticket cache "no-such.ccache" cannot be read (run kinit, and give KRB5CCNAME as ` +
			`FILE:path): open no-such.ccache: no such file or directory`, nil},
		{"kerberos kdc", good(func(c *Config) { c.Auth, c.Kerberos = "kerberos", &KerberosConfig{Realm: "R", KDC: "kdc/x"} }),
			"Kerberos.KDC", `kdc "kdc/x" is not a host name, IP address or host:port`, nil},
		{"kerberos kdc port", good(func(c *Config) { c.Auth, c.Kerberos = "kerberos", &KerberosConfig{Realm: "R", KDC: "kdc:0"} }),
			"Kerberos.KDC", `kdc "kdc:0" has no valid port`, nil},
		{"kerberos spn", good(func(c *Config) { c.Auth, c.Kerberos = "kerberos", &KerberosConfig{Realm: "R", SPN: "HTTP/a b"} }),
			"Kerberos.SPN", `spn "HTTP/a b" is not a service class (HTTP) or a service principal (HTTP/host.example.com)`, nil},
		{"username", good(func(c *Config) { c.Username = "" }), "Username", "username is empty", nil},
		{"password", good(func(c *Config) { c.Password = "" }), "Password", `password is empty, and auth "ntlm" logs on with one`, nil},
		{"password for basic", good(func(c *Config) { c.Password, c.Auth, c.HTTPS = "", "Basic", true }), "Password",
			`password is empty, and auth "basic" logs on with one`, nil},
		{"basic over http", good(func(c *Config) { c.Auth = "basic" }), "Auth",
			`basic authentication over plain HTTP is refused: basic authentication to dc01:5985 over plain HTTP would ` +
				`send the password and every command in clear text; use https, or auth "ntlm" (which encrypts messages ` +
				`over HTTP), or set allow_unencrypted to permit it`, ErrBasicOverHTTP},
		{"ca cert", good(func(c *Config) { c.CACert = "not a pem" }), "CACert", "ca_cert holds no PEM certificate", nil},
		{"ca cert over http too", good(func(c *Config) { c.CACert = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n" }), "CACert", "ca_cert holds no PEM certificate", nil},
		{"timeout", good(func(c *Config) { c.Timeout = -time.Second }), "Timeout", "timeout -1s is negative", nil},
		{"max retries", good(func(c *Config) { c.MaxRetries = -1 }), "MaxRetries", "max retries -1 is negative: 0 means no retries", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate = %v, want a *ConfigError", err)
			}
			if ce.Field != tt.wantField || ce.Error() != tt.wantMsg {
				t.Errorf("Validate = %s: %q\nwant %s: %q", ce.Field, ce, tt.wantField, tt.wantMsg)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if _, nerr := New(tt.cfg); nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("New = %v, want Validate's error", nerr)
			}
		})
	}
}

// TestValidateAll: every field in error is reported, in the documented
// order, so that a caller may skip the ones it checks itself.
func TestValidateAll(t *testing.T) {
	cfg := Config{Auth: "Basic", CACert: "x", Timeout: -1, MaxRetries: -1, Port: -1}
	var got []string
	for _, e := range cfg.Validate().(interface{ Unwrap() []error }).Unwrap() {
		var ce *ConfigError
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *ConfigError", e)
		}
		got = append(got, ce.Field)
	}
	want := []string{"Host", "Port", "Username", "Password", "Auth", "CACert", "Timeout", "MaxRetries"}
	if len(got) != len(want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fields = %v, want %v", got, want)
		}
	}
}

// TestMaxRetriesZero: MaxRetries 0 means no retry: a dropped connection
// fails the command after one request, where DefaultConfig's retries
// recover from it.
func TestMaxRetriesZero(t *testing.T) {
	tests := []struct {
		name         string
		retries      int
		wantErr      bool
		wantCommands int
	}{
		{"none", 0, true, 1},
		{"default", DefaultConfig().MaxRetries, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, winsim.Options{Username: simUser, Password: simPass})
			cfg := simConfig(t, h, AuthNTLM)
			cfg.MaxRetries = tt.retries
			c := simClient(t, cfg)
			h.DropNext("Command", 1)
			_, err := c.Run(context.Background(), "echo hi")
			if (err != nil) != tt.wantErr {
				t.Fatalf("Run = %v, want an error: %v", err, tt.wantErr)
			}
			if got := h.Stats().Requests["Command"]; got != tt.wantCommands {
				t.Errorf("Command requests = %d, want %d", got, tt.wantCommands)
			}
		})
	}
}

// TestDefaultConfig: the defaults the provider documents.
func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.Auth != AuthNTLM || c.Timeout != 60*time.Second || c.MaxRetries != 3 || c.freshShellPerCommand {
		t.Errorf("DefaultConfig = %+v", c)
	}
}
