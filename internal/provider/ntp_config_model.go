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
	credentials
	OnDestroy       types.String `tfsdk:"on_destroy"`
	OSVersion       types.String `tfsdk:"os_version"`
	ResyncOnApply   types.Bool   `tfsdk:"resync_on_apply"`
	PolicyOverrides types.Map    `tfsdk:"policy_overrides"`
}

// ntpConfigMeta names the attributes of windows_ntp_config that are not time
// settings of the host. Every other attribute is one: settings converts it,
// Update writes the host when it changes, and left out of the configuration
// it is unmanaged (see managedSettings and planUnmanaged).
// TestNTPConfigUpdateWritesEverySetting fails on an attribute that is in
// neither.
var ntpConfigMeta = append([]string{"id", "host", "on_destroy", "os_version", "resync_on_apply", "policy_overrides"},
	credentialAttrs...)

// ntpConfigDataModel is the windows_ntp_config data source's configuration
// and result.
type ntpConfigDataModel struct {
	ID   types.String `tfsdk:"id"`
	Host types.String `tfsdk:"host"`
	ntpSettingsModel
	credentials
	OSVersion       types.String `tfsdk:"os_version"`
	OSName          types.String `tfsdk:"os_name"`
	ServiceState    types.String `tfsdk:"service_state"`
	GroupPolicy     types.Bool   `tfsdk:"group_policy"`
	PolicyOverrides types.Map    `tfsdk:"policy_overrides"`
}

// ntpSettingsModel is the time settings, as the resource manages them and
// the data source reads them. The fields after ServiceStartup are the
// tunables of wintime.Tunables, one each, found by their tfsdk tag (see
// tunableValue): an entry added to the table needs its field here.
type ntpSettingsModel struct {
	Type           types.String `tfsdk:"type"`
	NTPServers     types.List   `tfsdk:"ntp_servers"` // of peerModel
	Reliable       types.Bool   `tfsdk:"reliable"`
	ServiceStartup types.String `tfsdk:"service_startup"`

	SpecialPollInterval        types.Int64  `tfsdk:"special_poll_interval"`
	CrossSiteSyncFlags         types.String `tfsdk:"cross_site_sync_flags"`
	ResolvePeerBackoffMinutes  types.Int64  `tfsdk:"resolve_peer_backoff_minutes"`
	ResolvePeerBackoffMaxTimes types.Int64  `tfsdk:"resolve_peer_backoff_max_times"`
	NTPClientEnabled           types.Bool   `tfsdk:"ntp_client_enabled"`
	MinPollInterval            types.Int64  `tfsdk:"min_poll_interval"`
	MaxPollInterval            types.Int64  `tfsdk:"max_poll_interval"`
	MaxPosPhaseCorrection      types.String `tfsdk:"max_pos_phase_correction"`
	MaxNegPhaseCorrection      types.String `tfsdk:"max_neg_phase_correction"`
	UpdateInterval             types.Int64  `tfsdk:"update_interval"`
	LargePhaseOffset           types.Int64  `tfsdk:"large_phase_offset"`
	MaxAllowedPhaseOffset      types.Int64  `tfsdk:"max_allowed_phase_offset"`
	PhaseCorrectRate           types.Int64  `tfsdk:"phase_correct_rate"`
	FrequencyCorrectRate       types.Int64  `tfsdk:"frequency_correct_rate"`
	HoldPeriod                 types.Int64  `tfsdk:"hold_period"`
	SpikeWatchPeriod           types.Int64  `tfsdk:"spike_watch_period"`
	EventLogFlags              types.Int64  `tfsdk:"event_log_flags"`
	UtilizeSSLTimeData         types.Bool   `tfsdk:"utilize_ssl_time_data"`
	NTPServerEnabled           types.Bool   `tfsdk:"ntp_server_enabled"`
	VMICTimeProviderEnabled    types.Bool   `tfsdk:"vmic_time_provider_enabled"`
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
	if config.ServiceStartup.IsNull() {
		m.ServiceStartup = types.StringNull()
	}
	for _, t := range wintime.Tunables {
		if config.tunableValue(t).IsNull() {
			m.setTunable(t, nil)
		}
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
	if !m.ServiceStartup.IsNull() && !m.ServiceStartup.IsUnknown() {
		s.Startup = wintime.StartType(m.ServiceStartup.ValueString())
	}
	for _, t := range wintime.Tunables {
		n, ok, err := tunableFromValue(t, m.tunableValue(t))
		if err != nil {
			diags.AddAttributeError(path.Root(t.Attr), "Invalid "+t.Attr, err.Error())
			continue
		}
		if ok {
			if s.Tunables == nil {
				s.Tunables = map[string]uint32{}
			}
			s.Tunables[t.Attr] = n
		}
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
	m.ServiceStartup = types.StringNull()
	if st.Local.Startup != "" {
		m.ServiceStartup = types.StringValue(string(st.Local.Startup))
	}
	for _, t := range wintime.Tunables {
		if n, ok := eff.Tunables[t.Attr]; ok {
			m.setTunable(t, &n)
		} else {
			m.setTunable(t, nil)
		}
	}

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
