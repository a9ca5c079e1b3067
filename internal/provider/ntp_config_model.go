package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// ntpConfigModel is the windows_ntp_config resource's state and
// configuration: the time settings of the host, and the attributes in
// ntpConfigMeta.
type ntpConfigModel struct {
	ID   types.String `tfsdk:"id"`
	Host types.String `tfsdk:"host"`
	ntpSettingsModel
	OnDestroy types.String `tfsdk:"on_destroy"`
	OSVersion types.String `tfsdk:"os_version"`
}

// ntpConfigMeta names the attributes of windows_ntp_config that are not time
// settings of the host. Every other attribute is one: settings converts it,
// Update writes the host when it changes, and left out of the configuration
// it is unmanaged (see managedSettings and planUnmanaged).
// TestNTPConfigUpdateWritesEverySetting fails on an attribute that is in
// neither.
var ntpConfigMeta = []string{"id", "host", "on_destroy", "os_version"}

// ntpConfigDataModel is the windows_ntp_config data source's configuration
// and result.
type ntpConfigDataModel struct {
	ID   types.String `tfsdk:"id"`
	Host types.String `tfsdk:"host"`
	ntpSettingsModel
	OSVersion    types.String `tfsdk:"os_version"`
	OSName       types.String `tfsdk:"os_name"`
	ServiceState types.String `tfsdk:"service_state"`
	GroupPolicy  types.Bool   `tfsdk:"group_policy"`
}

// ntpSettingsModel is the time settings, as the resource manages them and
// the data source reads them.
type ntpSettingsModel struct {
	Type       types.String `tfsdk:"type"`
	NTPServers types.List   `tfsdk:"ntp_servers"` // of peerModel
	Reliable   types.Bool   `tfsdk:"reliable"`
}

// peerModel is one element of ntp_servers.
type peerModel struct {
	Address types.String `tfsdk:"address"`
	Flags   types.Set    `tfsdk:"flags"` // of flag names
}

// peerObjectType is the type of one ntp_servers element, as peerModel.
var peerObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"address": types.StringType,
	"flags":   types.SetType{ElemType: types.StringType},
}}

// managedSettings returns the settings m asks the host to hold: those the
// configuration sets. What the configuration leaves out (null) is not
// managed: m carries the host's value there, from the prior state, which
// must not be written back. Create, Update, ModifyPlan's decision to write
// and the read-back check after a write all take their settings from here.
func managedSettings(ctx context.Context, m, config ntpConfigModel) (wintime.Settings, diag.Diagnostics) {
	if config.NTPServers.IsNull() {
		m.NTPServers = types.ListNull(peerObjectType)
	}
	if config.Reliable.IsNull() {
		m.Reliable = types.BoolNull()
	}
	return m.settings(ctx)
}

// writes reads a plan, its prior state and the configuration, and reports
// whether applying the plan changes a setting the configuration manages, so
// that the host is written. Update asks it before it connects, and
// ModifyPlan before it lets the unmanaged values follow the host: both must
// agree.
func writes(ctx context.Context, p tfsdk.Plan, s tfsdk.State, c tfsdk.Config) (plan ntpConfigModel, write bool, diags diag.Diagnostics) {
	var state, config ntpConfigModel
	diags.Append(p.Get(ctx, &plan)...)
	diags.Append(s.Get(ctx, &state)...)
	diags.Append(c.Get(ctx, &config)...)
	if diags.HasError() {
		return plan, false, diags
	}
	want, d := managedSettings(ctx, plan, config)
	diags.Append(d...)
	held, d := managedSettings(ctx, state, config)
	diags.Append(d...)
	return plan, !want.Equal(held), diags
}

// settings converts the model into the domain's settings; a null or unknown
// value is a setting left as the host holds it. The type is taken as it is
// written: the schema admits only the four names, and a state may hold what
// another tool wrote (the plan then shows it as drift).
func (m ntpSettingsModel) settings(ctx context.Context) (wintime.Settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := wintime.Settings{Type: wintime.Type(m.Type.ValueString())}
	if !m.Reliable.IsNull() && !m.Reliable.IsUnknown() {
		b := m.Reliable.ValueBool()
		s.Reliable = &b
	}
	if !m.NTPServers.IsNull() && !m.NTPServers.IsUnknown() {
		s.Peers, diags = peersFromList(ctx, m.NTPServers)
	}
	return s, diags
}

// peersFromList converts a known ntp_servers value into peers. A peer
// without flags gets the default ones.
func peersFromList(ctx context.Context, l types.List) ([]wintime.Peer, diag.Diagnostics) {
	var elems []peerModel
	diags := l.ElementsAs(ctx, &elems, false)
	peers := make([]wintime.Peer, 0, len(elems))
	for i, e := range elems {
		p := wintime.Peer{Address: e.Address.ValueString(), Flags: wintime.DefaultFlags}
		if !e.Flags.IsNull() && !e.Flags.IsUnknown() {
			var names []string
			diags.Append(e.Flags.ElementsAs(ctx, &names, false)...)
			p.Flags = 0
			for _, n := range names {
				f, err := wintime.ParseFlag(n)
				if err != nil {
					diags.AddAttributeError(path.Root("ntp_servers").AtListIndex(i).AtName("flags"), "Invalid flag", err.Error())
					continue
				}
				p.Flags |= f
			}
		}
		peers = append(peers, p)
	}
	return peers, diags
}

// setFromHost fills the settings from what the host holds. Where the host's
// peers mean the same as the ones already in the model, the model's spelling
// is kept, so that a plan after apply is empty.
func (m *ntpSettingsModel) setFromHost(ctx context.Context, st wintime.State) diag.Diagnostics {
	var diags diag.Diagnostics
	eff := st.Effective()
	m.Type = types.StringValue(string(eff.Type))
	m.Reliable = types.BoolValue(st.Reliable())

	if !m.NTPServers.IsNull() && !m.NTPServers.IsUnknown() {
		if prior, d := peersFromList(ctx, m.NTPServers); !d.HasError() && wintime.EqualPeers(prior, eff.Peers) {
			return diags
		}
	}
	if eff.Peers == nil {
		m.NTPServers = types.ListNull(peerObjectType)
		return diags
	}
	elems := make([]peerModel, len(eff.Peers))
	for i, p := range eff.Peers {
		flags, d := types.SetValueFrom(ctx, types.StringType, p.Flags.Names())
		diags.Append(d...)
		elems[i] = peerModel{Address: types.StringValue(p.Address), Flags: flags}
	}
	l, d := types.ListValueFrom(ctx, peerObjectType, elems)
	diags.Append(d...)
	m.NTPServers = l
	return diags
}
