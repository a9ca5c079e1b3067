package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// hostSchema is the part of every host-bound resource's schema that the
// host helpers read and write.
var hostSchema = schema.Schema{Attributes: map[string]schema.Attribute{
	"id":       schema.StringAttribute{Computed: true},
	"host":     schema.StringAttribute{Optional: true, Computed: true},
	"type":     schema.StringAttribute{Required: true},
	"username": schema.StringAttribute{Optional: true},
	"password": schema.StringAttribute{Optional: true, Sensitive: true},
}}

// hostObject is a value of hostSchema; "" is null.
func hostObject(id, host, typ string) tftypes.Value {
	str := func(s string) tftypes.Value {
		if s == "" {
			return tftypes.NewValue(tftypes.String, nil)
		}
		return tftypes.NewValue(tftypes.String, s)
	}
	return tftypes.NewValue(hostSchema.Type().TerraformType(context.Background()), map[string]tftypes.Value{
		"id": str(id), "host": str(host), "type": str(typ), "username": str(""), "password": str(""),
	})
}

// TestPlanHost: the plan takes the resource's host, or the provider's, or
// unknown while the provider's is; no host at all is an error on host; a
// change of host replaces the resource, another spelling of it does not.
func TestPlanHost(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		data         *providerData
		configHost   string
		stateHost    string // "" for a creation
		wantHost     types.String
		wantReplace  bool
		wantError    string
		wantWarnings int
	}{
		{name: "own host", data: &providerData{host: "dc01"}, configHost: "dc02", wantHost: types.StringValue("dc02")},
		{name: "provider's host", data: &providerData{host: "dc01"}, wantHost: types.StringValue("dc01")},
		{name: "provider's host not known yet", data: &providerData{unknown: []string{"host"}}, wantHost: types.StringUnknown()},
		{name: "provider not configured yet", wantHost: types.StringUnknown()},
		{name: "no host", data: &providerData{}, wantError: "No host to manage: Set host in this resource, or host in the " +
			"provider block (or the WINDOWS_HOST environment variable)."},
		{name: "same host", data: &providerData{}, configHost: "dc01", stateHost: "dc01", wantHost: types.StringValue("dc01")},
		{name: "other spelling", data: &providerData{}, configHost: "DC01", stateHost: "dc01", wantHost: types.StringValue("DC01")},
		{name: "other host", data: &providerData{}, configHost: "dc02", stateHost: "dc01", wantHost: types.StringValue("dc02"), wantReplace: true},
		{name: "unknown host", data: &providerData{unknown: []string{"host"}}, stateHost: "dc01", wantHost: types.StringUnknown(), wantReplace: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := hostBound{data: tt.data, typeName: "windows_test"}
			config := hostObject("", tt.configHost, "x")
			state := tftypes.NewValue(hostSchema.Type().TerraformType(ctx), nil)
			if tt.stateHost != "" {
				state = hostObject(tt.stateHost, tt.stateHost, "x")
			}
			req := resource.ModifyPlanRequest{
				Config: tfsdk.Config{Schema: hostSchema, Raw: config},
				Plan:   tfsdk.Plan{Schema: hostSchema, Raw: config},
				State:  tfsdk.State{Schema: hostSchema, Raw: state},
			}
			resp := resource.ModifyPlanResponse{Plan: req.Plan}
			replace := b.planHost(ctx, req, &resp)
			if tt.wantError != "" {
				if errs := resp.Diagnostics.Errors(); len(errs) != 1 || errs[0].Summary()+": "+errs[0].Detail() != tt.wantError {
					t.Fatalf("diagnostics %v, want the error %q", resp.Diagnostics, tt.wantError)
				}
				return
			}
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var host, id types.String
			resp.Plan.GetAttribute(ctx, path.Root("host"), &host)
			resp.Plan.GetAttribute(ctx, path.Root("id"), &id)
			if !host.Equal(tt.wantHost) || !id.Equal(tt.wantHost) {
				t.Errorf("planned host %s, id %s; want both %s", host, id, tt.wantHost)
			}
			if replace != tt.wantReplace || (len(resp.RequiresReplace) > 0) != tt.wantReplace {
				t.Errorf("replace = %v (RequiresReplace %v), want %v", replace, resp.RequiresReplace, tt.wantReplace)
			}
		})
	}
}

// TestWarnSharedHost: a second resource of one type on a host is warned
// about, with the message naming the type and what it manages; a resource of
// another type on the same host is not, since it manages other settings.
func TestWarnSharedHost(t *testing.T) {
	data := &providerData{base: transport.Config{}, planned: newPlannedHosts()}
	ntp := hostBound{data: data, typeName: "windows_ntp_config", subject: "the time settings"}
	zone := hostBound{data: data, typeName: "windows_time_zone", subject: "the time zone"}
	steps := []struct {
		name string
		b    hostBound
		host string
		typ  string
		want string
	}{
		{"first", ntp, "dc01", "NTP", ""},
		{"another type", zone, "DC01", "x", ""},
		{"the same resource again", ntp, "dc01", "NTP", ""},
		{"a second of one type", ntp, "dc01.", "NT5DS", "Another windows_ntp_config manages dc01.: Another windows_ntp_config " +
			"resource in this configuration manages the time settings of dc01. (dc01:5985). Each apply makes the host hold " +
			"the settings of each resource in turn, so they undo each other on every run. Manage each host with one " +
			"resource: remove or merge the other one."},
		{"a second of the other type", zone, "dc01", "y", "Another windows_time_zone manages dc01: Another windows_time_zone " +
			"resource in this configuration manages the time zone of dc01 (dc01:5985). Each apply makes the host hold " +
			"the settings of each resource in turn, so they undo each other on every run. Manage each host with one " +
			"resource: remove or merge the other one."},
	}
	for _, s := range steps {
		var resp resource.ModifyPlanResponse
		s.b.warnSharedHost(types.StringValue(s.host), hostObject("", s.host, s.typ), &resp)
		got := ""
		if w := resp.Diagnostics.Warnings(); len(w) == 1 {
			got = w[0].Summary() + ": " + w[0].Detail()
		} else if len(resp.Diagnostics) > 0 {
			t.Fatalf("%s: diagnostics %v", s.name, resp.Diagnostics)
		}
		if got != s.want {
			t.Errorf("%s: warning %q\nwant %q", s.name, got, s.want)
		}
	}
}

// TestImportHost: an import ID is the host and id; one that is not a host is
// refused with a message that says what the ID is.
func TestImportHost(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		id, wantError string
	}{
		{"dc01.example.com:5986", ""},
		{"dc01;calc", `Invalid import ID: The import ID is the host to manage (a DNS name or IP address, optionally ` +
			`with :port); "dc01;calc" is not: "dc01;calc" is not a host name, IPv4 or IPv6 address: character ';' (U+003B) ` +
			`at position 5 is not allowed (letters a-z, digits, hyphens and dots only).`},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			resp := resource.ImportStateResponse{State: tfsdk.State{Schema: hostSchema,
				Raw: tftypes.NewValue(hostSchema.Type().TerraformType(ctx), nil)}}
			ok := importHost(ctx, tt.id, &resp)
			if tt.wantError != "" {
				if errs := resp.Diagnostics.Errors(); ok || len(errs) != 1 || errs[0].Summary()+": "+errs[0].Detail() != tt.wantError {
					t.Fatalf("ok = %v, diagnostics %v\nwant the error %q", ok, resp.Diagnostics, tt.wantError)
				}
				return
			}
			var host, id types.String
			resp.State.GetAttribute(ctx, path.Root("host"), &host)
			resp.State.GetAttribute(ctx, path.Root("id"), &id)
			if !ok || resp.Diagnostics.HasError() || host.ValueString() != tt.id || id.ValueString() != tt.id {
				t.Errorf("ok = %v, host %s, id %s, diagnostics %v", ok, host, id, resp.Diagnostics)
			}
		})
	}
}

// TestReadHost: a data source reads its own host or the provider's; with
// neither it fails on host, and while the connection settings are not known
// it defers when the CLI allows it and fails otherwise, connecting nowhere.
func TestReadHost(t *testing.T) {
	s := dsschema.Schema{Attributes: map[string]dsschema.Attribute{"host": dsschema.StringAttribute{Optional: true}}}
	tests := []struct {
		name      string
		data      *providerData
		own       types.String
		cred      credentials
		deferral  bool
		want      string
		wantDefer bool
		wantError string
	}{
		{name: "own host", data: &providerData{host: "dc01"}, own: types.StringValue("dc02"), want: "dc02"},
		{name: "provider's host", data: &providerData{host: "dc01"}, own: types.StringNull(), want: "dc01"},
		{name: "no host", data: &providerData{}, own: types.StringNull(), wantError: "No host to read: Set host in this " +
			"data source, or host in the provider block (or the WINDOWS_HOST environment variable)."},
		{name: "own host, provider's unknown", data: &providerData{unknown: []string{"host"}}, own: types.StringValue("dc02"), want: "dc02"},
		{name: "password unknown, deferral allowed", data: &providerData{unknown: []string{"password"}},
			own: types.StringValue("dc02"), deferral: true, wantDefer: true},
		{name: "password unknown", data: &providerData{unknown: []string{"password"}}, own: types.StringValue("dc02"),
			wantError: "Cannot read dc02 before the provider's settings are known: " + pendingSettingsDetail("dc02", []string{"password"})},
		{name: "own password unknown, deferral allowed", data: &providerData{}, own: types.StringValue("dc02"),
			cred: cred("-", "?"), deferral: true, wantDefer: true},
		{name: "own password unknown", data: &providerData{}, own: types.StringValue("dc02"), cred: cred("laps", "?"),
			wantError: "Cannot read before the credentials are known: password of this windows_test data source is " +
				"not known until apply, and reading the host without them could count as a failed logon there, so " +
				"the provider does not connect. Take the value from a variable or a data source known at plan time, " +
				"or add depends_on = [<the resource it comes from>] so that Terraform reads this data source during apply."},
		{name: "own password, provider's unknown", data: &providerData{unknown: []string{"password"}, base: transport.Config{Username: "admin"}},
			own: types.StringValue("dc02"), cred: cred("-", "pw"), want: "dc02"},
		{name: "own empty password", data: &providerData{base: transport.Config{Username: "admin", Password: "pw"}},
			own: types.StringValue("dc02"), cred: cred("-", ""), wantError: "No password for admin: password of this " +
				"windows_test data source is empty or not set, and admin logs on with one: set password in this data " +
				"source (next to username, which does not take the provider's password), or remove username and " +
				"password to log on with the provider's credentials. An empty password is refused before any host " +
				"is contacted, so that no host counts a failed logon."},
		{name: "provider's host unknown", data: &providerData{unknown: []string{"host"}}, own: types.StringNull(),
			wantError: "Cannot read the provider's host before the provider's settings are known: " +
				pendingSettingsDetail("the provider's host", []string{"host"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := hostBound{data: tt.data, typeName: "windows_test"}
			req := datasource.ReadRequest{ClientCapabilities: datasource.ReadClientCapabilities{DeferralAllowed: tt.deferral}}
			resp := datasource.ReadResponse{State: tfsdk.State{Schema: s}}
			got := b.readHost(tt.own, tt.cred, req, &resp)
			if got != tt.want || (resp.Deferred != nil) != tt.wantDefer {
				t.Errorf("host %q, deferred %v; want %q, %v", got, resp.Deferred != nil, tt.want, tt.wantDefer)
			}
			var gotError string
			if errs := resp.Diagnostics.Errors(); len(errs) == 1 {
				gotError = errs[0].Summary() + ": " + errs[0].Detail()
			} else if resp.Diagnostics.HasError() {
				t.Fatalf("diagnostics %v", resp.Diagnostics)
			}
			if gotError != tt.wantError {
				t.Errorf("error %q\nwant %q", gotError, tt.wantError)
			}
		})
	}
}
