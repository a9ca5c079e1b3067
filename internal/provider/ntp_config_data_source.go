package provider

import (
	"context"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var (
	_ datasource.DataSource              = (*ntpConfigDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*ntpConfigDataSource)(nil)
)

// NewNTPConfigDataSource returns the windows_ntp_config data source.
func NewNTPConfigDataSource() datasource.DataSource {
	return &ntpConfigDataSource{hostBound{typeName: "windows_ntp_config"}}
}

// ntpConfigDataSource reads a host's time settings without managing them.
type ntpConfigDataSource struct {
	hostBound
}

func (d *ntpConfigDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = d.typeName
}

func (d *ntpConfigDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	defer func() { maps.Copy(resp.Schema.Attributes, dataSourceTunableAttributes()) }()
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
			"host": dataSourceHostAttribute(),
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
	resp.Schema.Attributes = credentialDataSourceAttributes(resp.Schema.Attributes)
}

func (d *ntpConfigDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	resp.Diagnostics.Append(d.configure(req.ProviderData)...)
}

func (d *ntpConfigDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m ntpConfigDataModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	host := d.readHost(m.Host, m.credentials, req, resp)
	if host == "" {
		return
	}
	ctx, _, st, diags := d.dialAndRead(ctx, host, m.credentials)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	m.ID = types.StringValue(host)
	resp.Diagnostics.Append(m.setFromHost(ctx, st)...)
	m.OSVersion = types.StringValue(st.Version.String())
	m.OSName = types.StringValue(st.Version.Release())
	m.ServiceState = types.StringValue(string(st.Service))
	m.GroupPolicy = types.BoolValue(st.PolicyType != "" || st.PolicyPeers != nil)
	m.PolicyOverrides = policyOverridesValue(st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
