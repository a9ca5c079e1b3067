package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*ntpConfigDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*ntpConfigDataSource)(nil)
)

// NewNTPConfigDataSource returns the windows_ntp_config data source.
func NewNTPConfigDataSource() datasource.DataSource { return &ntpConfigDataSource{} }

// ntpConfigDataSource reads a host's time settings without managing them.
type ntpConfigDataSource struct {
	data *providerData
}

// ntpConfigDataModel is the data source's configuration and result.
type ntpConfigDataModel struct {
	ID           types.String `tfsdk:"id"`
	Host         types.String `tfsdk:"host"`
	Type         types.String `tfsdk:"type"`
	NTPServers   types.List   `tfsdk:"ntp_servers"`
	Reliable     types.Bool   `tfsdk:"reliable"`
	OSVersion    types.String `tfsdk:"os_version"`
	OSName       types.String `tfsdk:"os_name"`
	ServiceState types.String `tfsdk:"service_state"`
	GroupPolicy  types.Bool   `tfsdk:"group_policy"`
}

func (d *ntpConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ntp_config"
}

func (d *ntpConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads where a Windows host takes its time from, without managing it: the effective " +
			"W32Time `Type` and `NtpServer` (Group Policy values where a policy sets them), whether the host " +
			"announces itself as reliable, the state of the service and the Windows version. One command per read, " +
			"on every version from Server 2003 to 2025.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The host.",
				Computed:            true,
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "The Windows host to read, optionally with a WinRM port. Defaults to the provider's `host`.",
				Optional:            true,
				Validators:          []validator.String{hostValidator{}},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "The effective sync type: `NoSync`, `NTP`, `NT5DS` or `AllSync`.",
				Computed:            true,
			},
			"ntp_servers": schema.ListNestedAttribute{
				MarkdownDescription: "The effective NTP peers, in order.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"address": schema.StringAttribute{MarkdownDescription: "The peer.", Computed: true},
						"flags": schema.SetAttribute{
							MarkdownDescription: "The peer's flags: `SpecialInterval`, `UseAsFallbackOnly`, `SymmetricActive`, " +
								"`Client`, or a hexadecimal number for bits Windows does not document.",
							ElementType: types.StringType,
							Computed:    true,
						},
					},
				},
			},
			"reliable": schema.BoolAttribute{
				MarkdownDescription: "Whether the host announces itself as a reliable time source (AnnounceFlags has 0x4).",
				Computed:            true,
			},
			"os_version": schema.StringAttribute{
				MarkdownDescription: "The Windows version as `ver` prints it, such as `5.2.3790` or `10.0.20348.587`.",
				Computed:            true,
			},
			"os_name": schema.StringAttribute{
				MarkdownDescription: "The Windows Server release of `os_version`, such as `Windows Server 2003`.",
				Computed:            true,
			},
			"service_state": schema.StringAttribute{
				MarkdownDescription: "The state of the W32Time service: `running`, `stopped`, `pending` or `not installed`.",
				Computed:            true,
			},
			"group_policy": schema.BoolAttribute{
				MarkdownDescription: "Whether Group Policy sets `Type` or `NtpServer` on the host (values under " +
					"`HKLM\\SOFTWARE\\Policies\\Microsoft\\W32Time\\Parameters`), which local changes cannot override.",
				Computed: true,
			},
		},
	}
}

func (d *ntpConfigDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	if data != nil {
		d.data = data
	}
}

func (d *ntpConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m ntpConfigDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	host := m.Host.ValueString()
	if pending := d.data.pendingSettings(!m.Host.IsNull()); len(pending) > 0 {
		if req.ClientCapabilities.DeferralAllowed {
			// The CLI can take "read later" for an answer.
			resp.Deferred = &datasource.Deferred{Reason: datasource.DeferredReasonProviderConfigUnknown}
			return
		}
		name := host
		if name == "" {
			name = "the provider's host"
		}
		resp.Diagnostics.AddError("Cannot read "+name+" before the provider's settings are known",
			pendingSettingsDetail(name, pending))
		return
	}
	if host == "" && d.data != nil {
		host = d.data.host
	}
	if host == "" {
		resp.Diagnostics.AddAttributeError(path.Root("host"), "No host to read",
			"Set host in this data source, or host in the provider block (or the WINDOWS_HOST environment variable).")
		return
	}
	client, diags := d.data.connect(host)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	st, err := readHost(d.data.withLogging(ctx), client)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the time settings of "+host, err.Error())
		return
	}

	// The resource model's conversion gives the same shapes for type,
	// ntp_servers, reliable and os_version.
	var r ntpConfigModel
	r.NTPServers = types.ListNull(types.ObjectType{AttrTypes: peerAttrTypes})
	resp.Diagnostics.Append(r.setFromHost(st)...)
	m.ID = types.StringValue(host)
	m.Type, m.NTPServers, m.Reliable, m.OSVersion = r.Type, r.NTPServers, r.Reliable, r.OSVersion
	m.OSName = types.StringValue(st.Version.Release())
	m.ServiceState = types.StringValue(string(st.Service))
	m.GroupPolicy = types.BoolValue(st.PolicyType != "" || st.PolicyPeers != nil)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
