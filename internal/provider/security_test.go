package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// TestConnectionSettingsPassword: no password at all is refused at plan time,
// on the password attribute, naming the argument and the variable; a password
// that is not known yet is not missing.
func TestConnectionSettingsPassword(t *testing.T) {
	const want = `No password is set for admin: set password in the provider block or the WINDOWS_PASSWORD environment ` +
		`variable. An empty password is refused before any host is contacted, so that no host counts a failed logon.`
	tests := []struct {
		name    string
		model   providerModel
		vars    map[string]string
		wantErr bool
	}{
		{"neither set", providerModel{}, map[string]string{}, true},
		{"variable set but empty", providerModel{}, map[string]string{"WINDOWS_PASSWORD": ""}, true},
		{"attribute empty", providerModel{Password: types.StringValue("")}, map[string]string{}, true},
		{"basic needs one too", providerModel{}, map[string]string{"WINDOWS_AUTH": "basic", "WINDOWS_HTTPS": "true"}, true},
		{"from the variable", providerModel{}, map[string]string{"WINDOWS_PASSWORD": "pw"}, false},
		{"from the attribute", providerModel{Password: types.StringValue("pw")}, map[string]string{}, false},
		{"unknown during this plan", providerModel{Password: types.StringUnknown()}, map[string]string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.vars["WINDOWS_USERNAME"] = "admin"
			_, _, err := connectionSettings(tt.model, func(k string) (string, bool) { v, ok := tt.vars[k]; return v, ok })
			switch {
			case !tt.wantErr && err != nil:
				t.Fatalf("unexpected error on %s: %s", err.attr, err.msg)
			case tt.wantErr && err == nil:
				t.Fatal("no error")
			case tt.wantErr && (err.attr.String() != "password" || err.msg != want):
				t.Fatalf("error on %s: %s\nwant on password: %s", err.attr, err.msg, want)
			}
		})
	}
}

// TestUnknownSettings: the provider data keeps the names of the arguments
// not known yet, and the guard of the resource and the data source drops the
// provider's host when they name their own.
func TestUnknownSettings(t *testing.T) {
	unknown := tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	got, err := unknownSettings(providerBlock(t, map[string]tftypes.Value{"host": unknown, "password": unknown,
		"username": tftypes.NewValue(tftypes.String, "a")}))
	if err != nil || strings.Join(got, ",") != "host,password" {
		t.Fatalf("unknownSettings = %q, want host, password", got)
	}
	d := &providerData{unknown: got}
	tests := []struct {
		name    string
		d       *providerData
		ownHost bool
		cred    credentials
		want    string
	}{
		{"own host", d, true, noCredentials, "password"},
		{"provider's host", d, false, noCredentials, "host,password"},
		{"all known", &providerData{}, false, noCredentials, ""},
		{"not configured", nil, false, noCredentials, ""},
		{"own password", d, true, cred("-", "pw"), ""},
		{"own username", d, true, cred("laps", "-"), ""},
		{"own username, provider's unknown", &providerData{unknown: []string{"username", "password", "port"}}, true, cred("laps", "-"), "port"},
		{"own password, provider's username unknown", &providerData{unknown: []string{"username"}}, true, cred("-", "pw"), "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := strings.Join(tt.d.pendingSettings(tt.ownHost, tt.cred), ","); p != tt.want {
				t.Errorf("pendingSettings(%v) = %q, want %q", tt.ownHost, p, tt.want)
			}
		})
	}
	if !d.hostUnknown() || (&providerData{}).hostUnknown() {
		t.Error("hostUnknown does not follow the unknown names")
	}
}

// TestPendingSettingsDetail pins the data source's message.
func TestPendingSettingsDetail(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"password"}, "The windows provider's `password` is not known until apply: it comes from a resource that is " +
			"not created yet. A data source must be read during the plan, and reading dc01 without it would fail (with an " +
			"empty password, as a failed logon on the host), so the provider does not connect. To proceed, do one of:\n" +
			"- create that resource first: terraform apply -target=<its address>, then plan again;\n" +
			"- take the value from a variable, or from a data source that is known at plan time;\n" +
			"- add depends_on = [<that resource>] to this data source, so that Terraform reads it during apply, once the " +
			"value is known (its attributes are then unknown in the plan)."},
		{[]string{"username", "password"}, "The windows provider's `username`, `password` are not known until apply: they " +
			"come from a resource that is not created yet. A data source must be read during the plan, and reading dc01 " +
			"without them would fail"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.names, ","), func(t *testing.T) {
			if got := pendingSettingsDetail("dc01", tt.names); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got\n%s\nwant it to start with\n%s", got, tt.want)
			}
		})
	}
}

// TestHostForms: a fully qualified name with its final dot and a bracketed
// IPv6 address without a port are hosts; the transport gets the name without
// brackets.
func TestHostForms(t *testing.T) {
	tests := []struct {
		host     string
		wantName string
		wantPort int
	}{
		{"dc01.example.com.", "dc01.example.com.", 0},
		{"dc01.example.com.:5986", "dc01.example.com.", 5986},
		{"[::1]", "::1", 0},
		{"[2001:db8::1]:5985", "2001:db8::1", 5985},
		{"::1:5985", "::1:5985", 0},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			name, port, err := splitHostPort(tt.host)
			if err != nil || name != tt.wantName || port != tt.wantPort {
				t.Fatalf("splitHostPort(%q) = %q, %d, %v; want %q, %d", tt.host, name, port, err, tt.wantName, tt.wantPort)
			}
			if _, err := transport.New(transport.Config{Host: name, Port: port, Username: "a", Password: "p"}); err != nil {
				t.Errorf("the transport refuses %q: %v", name, err)
			}
		})
	}
	if _, _, err := splitHostPort("[dc01]"); err == nil {
		t.Error("a name in brackets was accepted")
	}
}

// TestHostPortWarning: a bare IPv6 address whose last group is a WinRM port
// written in decimal is accepted with a warning on the attribute that shows
// how to write the port; other hosts get none.
func TestHostPortWarning(t *testing.T) {
	tests := []struct {
		host, want string
	}{
		{"::1:5985", `host "::1:5985" is read as the IPv6 address ::1:5985 with the default WinRM port. If 5985 is meant as the port, write [::1]:5985.`},
		{"2001:db8::1:5986", `host "2001:db8::1:5986" is read as the IPv6 address 2001:db8::1:5986 with the default WinRM port. If 5986 is meant as the port, write [2001:db8::1]:5986.`},
		{"fe80::443", `host "fe80::443" is read as the IPv6 address fe80::443 with the default WinRM port. If 443 is meant as the port, write [fe80::]:443.`},
		{"2001:db8::1234", ""}, // all decimal, but no WinRM port
		{"2001:db8::5985:1", ""},
		{"[::1]:5985", ""},
		{"dc01:5985", ""},
		{"::1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			resp := &validator.StringResponse{}
			hostValidator{}.ValidateString(context.Background(), validator.StringRequest{
				Path: path.Root("host"), ConfigValue: types.StringValue(tt.host)}, resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("refused: %v", resp.Diagnostics)
			}
			var got string
			if w := resp.Diagnostics.Warnings(); len(w) == 1 {
				got = w[0].Detail()
			} else if len(w) > 1 {
				t.Fatalf("%d warnings", len(w))
			}
			if got != tt.want {
				t.Errorf("warning %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestPlannedHosts: the second resource on a host and port is reported, in
// any spelling of the name; a resource planned twice (as the CLI does when it
// replaces one) is not.
func TestPlannedHosts(t *testing.T) {
	d := &providerData{base: transport.Config{}, planned: newPlannedHosts()}
	cfg := func(typ string) tftypes.Value {
		return tftypes.NewValue(tftypes.Object{AttributeTypes: map[string]tftypes.Type{"type": tftypes.String}},
			map[string]tftypes.Value{"type": tftypes.NewValue(tftypes.String, typ)})
	}
	steps := []struct {
		host, typ string
		another   bool
	}{
		{"dc01.example.com", "NTP", false},
		{"dc01.example.com", "NTP", false}, // the same resource planned again
		{"DC01.example.com.:5985", "NT5DS", true},
		{"dc01.example.com:5986", "NT5DS", false}, // another port, another listener
		{"dc02.example.com", "NT5DS", false},
		{"[::1]", "NTP", false},
		{"::1", "NoSync", true},
	}
	for _, s := range steps {
		key, ok := d.hostKey(s.host)
		if !ok {
			t.Fatalf("hostKey(%q) failed", s.host)
		}
		if got := d.planned.add(key, cfg(s.typ)); got != s.another {
			t.Errorf("add(%s, %s) = %v, want %v", key, s.typ, got, s.another)
		}
	}
}

// TestPlannedHostsDigest: configurations are told apart by their digest as
// they were by their value: null, unknown and empty differ, and so do lists
// in another order; a configuration built again with its attributes given in
// another order is the same one.
func TestPlannedHostsDigest(t *testing.T) {
	objType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"type": tftypes.String, "servers": tftypes.List{ElementType: tftypes.String},
	}}
	cfg := func(typ any, servers ...string) tftypes.Value {
		list := make([]tftypes.Value, len(servers))
		for i, s := range servers {
			list[i] = tftypes.NewValue(tftypes.String, s)
		}
		return tftypes.NewValue(objType, map[string]tftypes.Value{
			"type":    tftypes.NewValue(tftypes.String, typ),
			"servers": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, list),
		})
	}
	tests := []struct {
		name        string
		first, then tftypes.Value
		another     bool
	}{
		{"equal", cfg("NTP", "a", "b"), cfg("NTP", "a", "b"), false},
		{"null and empty", cfg(nil, "a"), cfg("", "a"), true},
		{"unknown and empty", cfg(tftypes.UnknownValue, "a"), cfg("", "a"), true},
		{"list order", cfg("NTP", "a", "b"), cfg("NTP", "b", "a"), true},
		{"one more element", cfg("NTP", "a"), cfg("NTP", "a", "a"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlannedHosts()
			if p.add("k", tt.first) {
				t.Fatal("the first resource on a host reported another")
			}
			if got := p.add("k", tt.then); got != tt.another {
				t.Errorf("second add = %v, want %v", got, tt.another)
			}
			if want := 1 + map[bool]int{true: 1}[tt.another]; len(p.configs["k"]) != want {
				t.Errorf("%d configurations kept, want %d", len(p.configs["k"]), want)
			}
		})
	}
}
