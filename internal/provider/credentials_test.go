package provider

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// noCredentials is a resource that sets no credentials of its own.
var noCredentials = credentials{Username: types.StringNull(), Password: types.StringNull()}

// cred is a resource's own credentials; "-" is null, "?" unknown.
func cred(user, password string) credentials {
	v := func(s string) types.String {
		switch s {
		case "-":
			return types.StringNull()
		case "?":
			return types.StringUnknown()
		}
		return types.StringValue(s)
	}
	return credentials{Username: v(user), Password: v(password)}
}

// TestCredentialsMerge: a resource's username and password override the
// provider's; a username of its own never takes the provider's password; a
// password of its own drops the ticket cache the provider fell back on.
func TestCredentialsMerge(t *testing.T) {
	ntlm := transport.DefaultConfig()
	ntlm.Username, ntlm.Password = "Administrator", "provider-pw"
	ccache := transport.DefaultConfig()
	ccache.Auth, ccache.Username = transport.AuthKerberos, "admin"
	ccache.Kerberos = &transport.KerberosConfig{Realm: "EXAMPLE.COM", CCache: "krb5cc_test"}
	tests := []struct {
		name               string
		base               transport.Config
		cred               credentials
		wantUser, wantPass string
		wantCCache         string
	}{
		{"none", ntlm, cred("-", "-"), "Administrator", "provider-pw", ""},
		{"both", ntlm, cred("laps", "laps-pw"), "laps", "laps-pw", ""},
		{"password alone", ntlm, cred("-", "laps-pw"), "Administrator", "laps-pw", ""},
		{"username alone", ntlm, cred("laps", "-"), "laps", "", ""},
		{"unknown", ntlm, cred("?", "?"), "Administrator", "provider-pw", ""},
		{"password over a ticket cache", ccache, cred("-", "pw"), "admin", "pw", ""},
		{"username alone over a ticket cache", ccache, cred("other", "-"), "other", "", "krb5cc_test"},
		{"nothing over a ticket cache", ccache, cred("-", "-"), "admin", "", "krb5cc_test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cred.merge(tt.base)
			if got.Username != tt.wantUser || got.Password != tt.wantPass {
				t.Errorf("merge = %q/%q, want %q/%q", got.Username, got.Password, tt.wantUser, tt.wantPass)
			}
			if got.Kerberos != nil && got.Kerberos.CCache != tt.wantCCache {
				t.Errorf("ticket cache %q, want %q", got.Kerberos.CCache, tt.wantCCache)
			}
			if tt.base.Kerberos != nil && tt.base.Kerberos.CCache != "krb5cc_test" {
				t.Error("merge changed the provider's Kerberos settings")
			}
		})
	}
}

// TestCredentialsCheck: the transport's rules, reported against the
// resource's own attribute; nothing to say without overrides or while one is
// unknown; a username alone passes where the provider needs no password.
func TestCredentialsCheck(t *testing.T) {
	ntlm := transport.DefaultConfig()
	ntlm.Username, ntlm.Password = "Administrator", "provider-pw"
	ccache := transport.DefaultConfig()
	ccache.Auth, ccache.Username = transport.AuthKerberos, "admin@EXAMPLE.COM"
	ccache.Kerberos = &transport.KerberosConfig{Realm: "EXAMPLE.COM", CCache: "krb5cc_test"}
	nameless := ccache
	nameless.Username = ""
	tests := []struct {
		name     string
		base     transport.Config
		cred     credentials
		wantAttr string // "" for no error
		wantText string
	}{
		{"none", ntlm, cred("-", "-"), "", ""},
		{"both", ntlm, cred("laps", "pw"), "", ""},
		{"empty password", ntlm, cred("-", ""), "password", "password of this windows_test resource is empty or not set, and Administrator logs on with one"},
		{"empty password with username", ntlm, cred("laps", ""), "password", "and laps logs on with one"},
		{"username alone", ntlm, cred("laps", "-"), "password", "does not take the provider's password"},
		{"empty username", ntlm, cred("", "pw"), "username", "username of this windows_test resource is empty"},
		{"unknown password", ntlm, cred("laps", "?"), "", ""},
		{"username alone, ticket cache", ccache, cred("other", "-"), "", ""},
		{"password over a ticket cache", ccache, cred("-", "pw"), "", ""},
		{"password over a nameless ticket cache", nameless, cred("-", "pw"), "username", "needs a username, and the provider has none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := tt.cred.check(tt.base, "windows_test", "resource")
			if tt.wantAttr == "" {
				if diags.HasError() {
					t.Fatalf("check: %v", diags)
				}
				return
			}
			if diags.ErrorsCount() != 1 {
				t.Fatalf("check = %v, want one error on %s", diags, tt.wantAttr)
			}
			d := diags.Errors()[0]
			wp, ok := d.(interface{ Path() path.Path })
			if !ok || !wp.Path().Equal(path.Root(tt.wantAttr)) {
				t.Errorf("error %q is not on %s", d.Summary(), tt.wantAttr)
			}
			if !strings.Contains(d.Detail(), tt.wantText) {
				t.Errorf("detail %q does not say %q", d.Detail(), tt.wantText)
			}
		})
	}
}

// TestCredentialsLockout: resources on two hosts with the same wrong
// password of their own cost one failed logon in all (the transport's
// credential gate); a resource with its right password reads its host while
// the provider's password is wrong; and two resources with different
// credentials on one host do not share a read.
func TestCredentialsLockout(t *testing.T) {
	needSim(t, "counts failed NTLM logons per host, and gives a host a second administrator (Users)")
	data, hosts := startHosts(t, 2, winsim.Options{Role: winhost.Standalone,
		Users: []winsim.User{{Name: "laps", Password: "laps-pw", Admin: true}}})
	data.base.Password = "wrong-provider-pw"
	ctx := context.Background()
	b := hostBound{data: data, typeName: "windows_test"}

	t.Run("same wrong password, two hosts", func(t *testing.T) {
		for _, h := range hosts {
			if _, _, _, diags := b.dialAndReadHost(ctx, h.Addr(), cred(simUser, "wrong-laps-pw")); !diags.HasError() {
				t.Fatalf("%s: read with a wrong password succeeded", h.Addr())
			}
		}
		failed := 0
		for _, h := range hosts {
			failed += h.Stats().NTLMLogonsFailed
		}
		if failed != 1 {
			t.Errorf("%d failed logons on the two hosts, want 1", failed)
		}
	})
	t.Run("right password of its own", func(t *testing.T) {
		before := reads(hosts[0])
		if _, _, _, diags := b.dialAndReadHost(ctx, hosts[0].Addr(), cred("-", simPassword)); diags.HasError() {
			t.Fatalf("read with the resource's right password: %v", diags)
		}
		if _, _, _, diags := b.dialAndReadHost(ctx, hosts[0].Addr(), noCredentials); !diags.HasError() {
			t.Fatal("a read with the provider's wrong password took the read made with the resource's own")
		}
		if got := reads(hosts[0]) - before; got != 1 {
			t.Errorf("%d reads ran, want 1", got)
		}
	})
	t.Run("two accounts on one host", func(t *testing.T) {
		// A read is kept per account: one made with another account's
		// credentials is never handed out.
		h := hosts[1]
		for _, c := range []credentials{cred("laps", "laps-pw"), cred(simUser, simPassword)} {
			if _, _, _, diags := b.dialAndReadHost(ctx, h.Addr(), c); diags.HasError() {
				t.Fatalf("read as %s: %v", c.Username.ValueString(), diags)
			}
		}
		key, _ := data.hostKey(h.Addr())
		kept := 0
		data.reads.mu.Lock()
		for k := range data.reads.entries {
			if strings.HasPrefix(k, key) {
				kept++
			}
		}
		data.reads.mu.Unlock()
		if kept != 2 {
			t.Errorf("%d reads kept for two accounts on one host, want 2", kept)
		}
	})
}

// TestCredentialsSchema: every host-bound resource and data source has
// username and password, the password sensitive, and ntpConfigMeta counts
// them out of the settings.
func TestCredentialsSchema(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, f := range p.Resources(ctx) {
		r := f()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "windows"}, &md)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		t.Run(md.TypeName, func(t *testing.T) {
			u, uok := s.Schema.Attributes["username"]
			pw, pok := s.Schema.Attributes["password"]
			if !uok || !pok || !u.IsOptional() || !pw.IsOptional() || !pw.IsSensitive() || u.IsSensitive() {
				t.Errorf("username %v, password %v: want both optional, the password sensitive", u, pw)
			}
		})
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var md datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "windows"}, &md)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		t.Run(md.TypeName, func(t *testing.T) {
			pw, ok := s.Schema.Attributes["password"]
			if _, uok := s.Schema.Attributes["username"]; !uok || !ok || !pw.IsSensitive() {
				t.Error("username and a sensitive password wanted")
			}
		})
	}
	for _, a := range credentialAttrs {
		if !strings.Contains(strings.Join(ntpConfigMeta, " "), a) {
			t.Errorf("ntpConfigMeta lacks %s", a)
		}
	}
}

// TestWithLoggingMasksEveryPassword: a log entry of a request, in the winrm
// subsystem or not, message or field, shows neither the provider's password
// nor the resource's own.
func TestWithLoggingMasksEveryPassword(t *testing.T) {
	const providerPW, ownPW = "Provider-Secret-1", "Own-Secret-2"
	base := transport.DefaultConfig()
	base.Username, base.Password = simUser, providerPW
	data := &providerData{base: base}
	var buf bytes.Buffer
	ctx := data.withLogging(tflogtest.RootLogger(context.Background(), &buf), cred("-", ownPW))
	for _, pw := range []string{providerPW, ownPW} {
		tflog.Debug(ctx, "root "+pw, map[string]any{"f": pw})
		tflog.SubsystemDebug(ctx, logSubsystem, "winrm "+pw, map[string]any{"f": pw})
	}
	out := buf.String()
	if !strings.Contains(out, "winrm ") {
		t.Fatalf("nothing logged: %q", out)
	}
	for _, pw := range []string{providerPW, ownPW} {
		if strings.Contains(out, pw) {
			t.Errorf("%s appears in the logs:\n%s", pw, out)
		}
	}
}
