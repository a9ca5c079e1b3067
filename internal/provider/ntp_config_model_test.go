package provider

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestNTPConfigUpdateWritesEverySetting changes each attribute of
// windows_ntp_config in turn and calls Update against a simulated host: a
// change of a setting (any attribute not in ntpConfigMeta) must reach the
// host, the same change left out of the configuration (unmanaged) must not,
// and neither must a change of on_destroy. An attribute added to the schema
// fails here until it is given a changed value below, and then until
// ntpSettingsModel.settings converts it and managedSettings leaves it out
// when the configuration does: without that, its change would be a silent
// state-only update.
func TestNTPConfigUpdateWritesEverySetting(t *testing.T) {
	ctx := context.Background()
	h, err := winsim.Start("127.0.0.1:0", winsim.Options{Profile: "2022", Username: simUser, Password: simPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	pool := transport.NewPool()
	defer pool.Close()
	r := NewNTPConfigResource().(*ntpConfigResource)
	r.data = &providerData{pool: pool, base: transport.Config{Username: simUser, Password: simPassword, Timeout: 30 * time.Second}}
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	s := sresp.Schema

	// changed holds, for each setting, a value other than base's.
	changed := map[string]attr.Value{
		"type":            types.StringValue("AllSync"),
		"ntp_servers":     peerList(t, peerModel{Address: types.StringValue("time.windows.com"), Flags: stringSet(t, "Client")}),
		"reliable":        types.BoolValue(true),
		"service_startup": types.StringValue("automatic"),
	}
	var baseSettings ntpSettingsModel
	for _, tu := range wintime.Tunables {
		n, other := tunableBaseAndChanged(t, tu)
		baseSettings.setTunable(tu, &n)
		var c ntpSettingsModel
		c.setTunable(tu, &other)
		changed[tu.Attr] = c.tunableValue(tu)
	}
	for name := range s.Attributes {
		if _, ok := changed[name]; !ok && !slices.Contains(ntpConfigMeta, name) {
			t.Errorf("attribute %s is a setting of the host (it is not in ntpConfigMeta), and this test does not "+
				"change it: give it a changed value here, and convert it in ntpSettingsModel.settings", name)
		}
	}
	baseSettings.Type = types.StringValue("NTP")
	baseSettings.NTPServers = peerList(t, peerModel{Address: types.StringValue("ntp.nict.jp"), Flags: stringSet(t, "SpecialInterval", "Client")})
	baseSettings.Reliable = types.BoolValue(false)
	baseSettings.ServiceStartup = types.StringValue("manual")
	base := ntpConfigModel{
		ID: types.StringValue(h.Addr()), Host: types.StringValue(h.Addr()),
		ntpSettingsModel: baseSettings,
		OnDestroy:        types.StringValue(onDestroyKeep), OSVersion: types.StringValue("10.0.20348.587"),
		ResyncOnApply: types.BoolValue(false), PolicyOverrides: types.MapValueMust(types.StringType, map[string]attr.Value{}),
	}
	state := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	if d := state.Set(ctx, &base); d.HasError() {
		t.Fatal(d)
	}

	type change struct {
		name      string
		attr      string
		value     attr.Value
		unmanaged bool // left out of the configuration
		wantWrite bool
	}
	var changes []change
	for _, name := range slices.Sorted(maps.Keys(changed)) {
		v := changed[name]
		changes = append(changes, change{name: name, attr: name, value: v, wantWrite: true})
		if s.Attributes[name].IsOptional() {
			changes = append(changes, change{name: name + " unmanaged", attr: name, value: v, unmanaged: true})
		}
	}
	changes = append(changes, change{name: "on_destroy", attr: "on_destroy", value: types.StringValue(onDestroyReset)},
		change{name: "resync_on_apply", attr: "resync_on_apply", value: types.BoolValue(true)})
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			plan := tfsdk.Plan{Schema: s, Raw: state.Raw.Copy()}
			if d := plan.SetAttribute(ctx, path.Root(c.attr), c.value); d.HasError() {
				t.Fatal(d)
			}
			config := tfsdk.Plan{Schema: s, Raw: plan.Raw.Copy()}
			if c.unmanaged {
				if d := config.SetAttribute(ctx, path.Root(c.attr), nullOf(t, s.Attributes[c.attr].GetType())); d.HasError() {
					t.Fatal(d)
				}
			}
			h.Machine().ClearHistory()
			resp := resource.UpdateResponse{State: tfsdk.State{Schema: s, Raw: plan.Raw.Copy()}}
			r.Update(ctx, resource.UpdateRequest{Plan: plan, State: state, Config: tfsdk.Config{Schema: s, Raw: config.Raw}}, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("Update: %v", resp.Diagnostics)
			}
			// What writes the attribute: its own command where it has one.
			marker := "w32tm /config"
			if tu, ok := wintime.LookupTunable(c.attr); ok {
				marker = tu.Key + `" /v ` + tu.Value + ` /t REG_DWORD`
			} else if c.attr == "service_startup" {
				marker = "sc config w32time start="
			}
			wrote := slices.ContainsFunc(h.Machine().History(), func(l string) bool { return strings.Contains(l, marker) })
			switch {
			case c.wantWrite && !wrote:
				t.Errorf("a change of %s did not reach the host (it ran %q): convert it in ntpSettingsModel.settings", c.attr, h.Machine().History())
			case !c.wantWrite && wrote:
				t.Errorf("a change of %s (unmanaged: %v) wrote the host: %q", c.attr, c.unmanaged, h.Machine().History())
			}
		})
	}
}

// tunableBaseAndChanged returns a valid value of tu (its standalone default)
// and another valid one.
func tunableBaseAndChanged(t *testing.T, tu wintime.Tunable) (base, other uint32) {
	t.Helper()
	base, err := tu.Parse(tu.Defaults[0])
	if err != nil {
		t.Fatalf("%s: default %q: %v", tu.Attr, tu.Defaults[0], err)
	}
	switch tu.Kind {
	case wintime.KindBool:
		return base, 1 - base
	case wintime.KindEnum:
		return base, (base + 1) % uint32(len(tu.Names))
	case wintime.KindNumber, wintime.KindUnlimited:
	}
	if base == wintime.Unlimited || base+1 > tu.Max {
		return base, tu.Min
	}
	return base, base + 1
}

// TestTunablesHaveFields: every tunable has its field in ntpSettingsModel,
// of the type its kind needs, and the conversions both ways agree.
func TestTunablesHaveFields(t *testing.T) {
	for _, tu := range wintime.Tunables {
		t.Run(tu.Attr, func(t *testing.T) {
			var m ntpSettingsModel
			_, want := tunableBaseAndChanged(t, tu)
			m.setTunable(tu, &want)
			got, ok, err := tunableFromValue(tu, m.tunableValue(tu))
			if err != nil || !ok || got != want {
				t.Errorf("round trip of %d: got %d, %v, %v", want, got, ok, err)
			}
			m.setTunable(tu, nil)
			if !m.tunableValue(tu).IsNull() {
				t.Errorf("setTunable(nil) left %v", m.tunableValue(tu))
			}
		})
	}
}

// peerList is an ntp_servers value.
func peerList(t *testing.T, peers ...peerModel) types.List {
	t.Helper()
	l, d := types.ListValueFrom(context.Background(), peerObjectType, peers)
	if d.HasError() {
		t.Fatal(d)
	}
	return l
}

// stringSet is a set of strings, such as flags.
func stringSet(t *testing.T, elems ...string) types.Set {
	t.Helper()
	s, d := types.SetValueFrom(context.Background(), types.StringType, elems)
	if d.HasError() {
		t.Fatal(d)
	}
	return s
}

// nullOf is the null value of typ.
func nullOf(t *testing.T, typ attr.Type) attr.Value {
	t.Helper()
	ctx := context.Background()
	v, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(typ.TerraformType(ctx), nil))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
