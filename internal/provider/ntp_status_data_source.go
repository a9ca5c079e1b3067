package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

var (
	_ datasource.DataSource              = (*ntpStatusDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*ntpStatusDataSource)(nil)
)

// NewNTPStatusDataSource returns the windows_ntp_status data source.
func NewNTPStatusDataSource() datasource.DataSource {
	return &ntpStatusDataSource{hostBound{typeName: "windows_ntp_status"}}
}

// ntpStatusDataSource reads whether and from where a host synchronises its
// clock.
type ntpStatusDataSource struct {
	hostBound
}

// ntpStatusModel is the windows_ntp_status data source's configuration and
// result.
type ntpStatusModel struct {
	ID   types.String `tfsdk:"id"`
	Host types.String `tfsdk:"host"`
	credentials
	Source        types.String  `tfsdk:"source"`
	Stratum       types.Int64   `tfsdk:"stratum"`
	LeapIndicator types.String  `tfsdk:"leap_indicator"`
	LastSyncTime  types.String  `tfsdk:"last_sync_time"`
	PollInterval  types.Int64   `tfsdk:"poll_interval"`
	PhaseOffset   types.Float64 `tfsdk:"phase_offset"`
	Synchronized  types.Bool    `tfsdk:"synchronized"`
	State         types.String  `tfsdk:"state"`
	Peers         types.List    `tfsdk:"peers"` // of peerStatusModel
}

// peerStatusModel is one element of peers.
type peerStatusModel struct {
	Address       types.String  `tfsdk:"address"`
	Flags         types.Set     `tfsdk:"flags"`
	State         types.String  `tfsdk:"state"`
	Stratum       types.Int64   `tfsdk:"stratum"`
	TimeRemaining types.Float64 `tfsdk:"time_remaining"`
}

var peerStatusObjectType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"address":        types.StringType,
	"flags":          types.SetType{ElemType: types.StringType},
	"state":          types.StringType,
	"stratum":        types.Int64Type,
	"time_remaining": types.Float64Type,
}}

func (d *ntpStatusDataSource) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = d.typeName
}

func (d *ntpStatusDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads whether a Windows host's clock is synchronised, and from where: `w32tm /query " +
			"/status /verbose` and `w32tm /query /peers`, parsed by the shape of their values rather than their " +
			"labels, so that a host in any language reads the same. A stopped service is a `state`, not an error: " +
			"the status attributes are then null and `synchronized` is false.\n\n" +
			"On Server 2003, whose `w32tm` has no `/query`, only `source` (the `NtpServer` list when the sync type " +
			"uses it) and `state` are known: the other attributes are null and the read warns why.",
		Attributes: map[string]schema.Attribute{
			"id":   computedString("The host."),
			"host": dataSourceHostAttribute(),
			"source": computedString("Where the host takes its time from, as `w32tm` prints it: a peer with its " +
				"flags (`time.windows.com,0x9`), a domain controller's name, or a clock (`Local CMOS Clock`, " +
				"`Free-running System Clock`, `VM IC Time Synchronization Provider`, in the host's language). On " +
				"Server 2003, the configured `NtpServer` list, or null under `NT5DS` and `NoSync`."),
			"stratum": schema.Int64Attribute{
				MarkdownDescription: "The host's NTP stratum: 0 unspecified, 1 a reference clock, 2 to 15 one more than its source's.",
				Computed:            true,
			},
			"leap_indicator": computedString("The NTP leap indicator: `no_warning`, `add_second`, `delete_second` " +
				"or `not_synchronized`."),
			"last_sync_time": computedString("The last successful synchronisation, in RFC 3339 and UTC " +
				"(`2024-09-05T15:45:06Z`). `w32tm` prints it in the host's local time and date format: it is turned " +
				"into UTC with the host's current time zone bias (a sync before a daylight saving change is off by the " +
				"change). Null when the host has not synchronised or prints a date format the provider does not know."),
			"poll_interval": schema.Int64Attribute{
				MarkdownDescription: "The poll interval, in seconds (`Poll Interval: 6 (64s)` is 64); null when unspecified.",
				Computed:            true,
			},
			"phase_offset": schema.Float64Attribute{
				MarkdownDescription: "The offset of the local clock from its source, in seconds (`Phase Offset` of " +
					"`/verbose`); null where the version does not print it.",
				Computed: true,
			},
			"synchronized": schema.BoolAttribute{
				MarkdownDescription: "Whether the host has synchronised with a source: leap indicator not " +
					"`not_synchronized`, stratum not 0, and a last sync time. False when the service is not running; " +
					"null on Server 2003.",
				Computed: true,
			},
			"state": computedString("The state of the Windows Time service: `running`, `stopped`, `pending` or `not installed`."),
			"peers": schema.ListNestedAttribute{
				MarkdownDescription: "The peers `w32tm /query /peers` lists, in order; null where it lists none " +
					"(Server 2003, a stopped service).",
				Computed: true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"address": computedString("The peer's address, or the domain controller's name."),
					"flags": schema.SetAttribute{
						MarkdownDescription: "The peer's flags as `windows_ntp_config` names them; empty for a domain peer.",
						ElementType:         types.StringType,
						Computed:            true,
					},
					"state": computedString("The peer's state as `w32tm` prints it, in the host's language (`Active`, " +
						"`Pending`): to show, not to compare."),
					"stratum": schema.Int64Attribute{MarkdownDescription: "The peer's stratum.", Computed: true},
					"time_remaining": schema.Float64Attribute{
						MarkdownDescription: "Seconds until the next poll of the peer.",
						Computed:            true,
					},
				}},
			},
		},
	}
	resp.Schema.Attributes = credentialDataSourceAttributes(resp.Schema.Attributes)
}

func (d *ntpStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	resp.Diagnostics.Append(d.configure(req.ProviderData)...)
}

func (d *ntpStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m ntpStatusModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	host := d.readHost(m.Host, m.credentials, req, resp)
	if host == "" {
		return
	}
	_, _, r, diags := d.dialAndReadHost(ctx, host, m.credentials)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	m.ID = types.StringValue(host)
	resp.Diagnostics.Append(m.setStatus(ctx, r)...)
	if !wintime.HasQuery(r.State.Version) {
		resp.Diagnostics.AddWarning(host+" cannot report its sync status",
			r.State.Version.Release()+"'s w32tm has no /query: only the configured source and the state of the "+
				"service are known, and the other attributes of windows_ntp_status are null.")
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// setStatus fills the model from a host read.
func (m *ntpStatusModel) setStatus(ctx context.Context, r wintime.HostRead) diag.Diagnostics {
	m.State = types.StringValue(string(r.State.Service))
	m.Source, m.LeapIndicator, m.LastSyncTime = types.StringNull(), types.StringNull(), types.StringNull()
	m.Stratum, m.PollInterval = types.Int64Null(), types.Int64Null()
	m.PhaseOffset = types.Float64Null()
	m.Synchronized = types.BoolValue(false)
	m.Peers = types.ListNull(peerStatusObjectType)
	if !wintime.HasQuery(r.State.Version) {
		m.Source = stringOrNull(wintime.ConfiguredSource(r.State))
		m.Synchronized = types.BoolNull()
		return nil
	}
	if s := r.Status; s != nil {
		m.Source = stringOrNull(s.Source)
		m.Stratum = types.Int64Value(int64(s.Stratum))
		m.LeapIndicator = types.StringValue(s.Leap.Name())
		if !s.LastSyncTime.IsZero() {
			m.LastSyncTime = types.StringValue(s.LastSyncTime.UTC().Format(time.RFC3339))
		}
		if s.PollIntervalSeconds > 0 {
			m.PollInterval = types.Int64Value(int64(s.PollIntervalSeconds))
		}
		if s.HasPhaseOffset {
			m.PhaseOffset = types.Float64Value(s.PhaseOffset)
		}
		m.Synchronized = types.BoolValue(s.Synchronized())
	}
	if r.Peers == nil {
		return nil
	}
	var diags diag.Diagnostics
	elems := make([]peerStatusModel, len(r.Peers))
	for i, p := range r.Peers {
		flags, d := types.SetValueFrom(ctx, types.StringType, p.Peer.Flags.Names())
		diags.Append(d...)
		elems[i] = peerStatusModel{Address: types.StringValue(p.Peer.Address), Flags: flags,
			State: types.StringValue(p.State), Stratum: types.Int64Value(int64(p.Stratum)),
			TimeRemaining: types.Float64Value(p.TimeRemaining)}
	}
	l, d := types.ListValueFrom(ctx, peerStatusObjectType, elems)
	diags.Append(d...)
	m.Peers = l
	return diags
}
