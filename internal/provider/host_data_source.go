package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

var (
	_ datasource.DataSource              = (*hostDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*hostDataSource)(nil)
)

// NewHostDataSource returns the windows_host data source.
func NewHostDataSource() datasource.DataSource {
	return &hostDataSource{hostBound{typeName: "windows_host"}}
}

// hostDataSource reads facts about a host: version, role, names, language,
// the time service and the time zone.
type hostDataSource struct {
	hostBound
}

// hostDataModel is the windows_host data source's configuration and result.
type hostDataModel struct {
	ID   types.String `tfsdk:"id"`
	Host types.String `tfsdk:"host"`
	credentials
	OSVersion      types.String `tfsdk:"os_version"`
	Build          types.Int64  `tfsdk:"build"`
	ProductName    types.String `tfsdk:"product_name"`
	DomainRole     types.String `tfsdk:"domain_role"`
	Domain         types.String `tfsdk:"domain"`
	Hostname       types.String `tfsdk:"hostname"`
	Locale         types.String `tfsdk:"locale"`
	OEMCodePage    types.Int64  `tfsdk:"oem_code_page"`
	W32TimeState   types.String `tfsdk:"w32time_state"`
	W32TimeStartup types.String `tfsdk:"w32time_startup"`
	TimeZone       types.String `tfsdk:"time_zone"`
}

func (d *hostDataSource) Metadata(_ context.Context, _ datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = d.typeName
}

func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
}

func (d *hostDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads facts about a Windows host: its version and edition, its place in a domain, its " +
			"names, language and OEM code page, the state and start type of the Windows Time service, and its time " +
			"zone. From the registry, `ver`, `sc` and (where the host has it) `wmic`, in the one command the " +
			"provider runs per host and plan, on every version from Server 2003 to 2025.",
		Attributes: map[string]schema.Attribute{
			"id":   computedString("The host."),
			"host": dataSourceHostAttribute(),
			"os_version": computedString("The Windows version as `windows_ntp_config` shows it: `ver`'s, such as " +
				"`5.2.3790` or `10.0.20348.587`."),
			"build": schema.Int64Attribute{
				MarkdownDescription: "The build number (`CurrentBuildNumber`), such as `20348`.",
				Computed:            true,
			},
			"product_name": computedString("The edition as the registry names it (`ProductName`), such as " +
				"`Windows Server 2022 Datacenter`."),
			"domain_role": computedString("The host's place in a domain: `standalone_workstation`, " +
				"`member_workstation`, `standalone_server`, `member_server`, `backup_dc` or `primary_dc` " +
				"(`Win32_ComputerSystem.DomainRole`, through `wmic`). Where `wmic` is missing (it is optional on the " +
				"newest versions) the role is inferred from the registry: `ProductType` and the primary DNS suffix, " +
				"which joining a domain sets; a domain controller is then `domain_controller`, since only WMI tells " +
				"which one holds the PDC emulator role."),
			"domain": computedString("The domain the host is a member of (from WMI), else its primary DNS suffix; " +
				"null when it has neither."),
			"hostname": computedString("The DNS host name (`Tcpip\\Parameters` `Hostname`), else the NetBIOS name."),
			"locale": computedString("The system language (`Nls\\Language` `Default`) as a language tag, such as " +
				"`en-US` or `ja-JP`; null when the provider does not know its code."),
			"oem_code_page": schema.Int64Attribute{
				MarkdownDescription: "The OEM code page (`Nls\\CodePage` `OEMCP`), such as `437` or `932`: the one " +
					"programs that ignore the WinRM shell's UTF-8 write in. The provider decodes such output with it.",
				Computed: true,
			},
			"w32time_state": computedString("The state of the Windows Time service: `running`, `stopped`, `pending` " +
				"or `not installed`."),
			"w32time_startup": computedString("The start type of the Windows Time service as `sc qc` reports it: " +
				"`automatic`, `automatic_delayed`, `manual` or `disabled`; null when it is not installed. A trigger " +
				"start (which `sc qtriggerinfo` lists) is not part of it."),
			"time_zone": computedString("The time zone as a Windows id, as `tzutil /g` prints it (`Tokyo Standard " +
				"Time`, with `_dstoff` when the automatic daylight saving adjustment is off). On Server 2003, whose " +
				"registry holds only the zone's localized standard name, the id is the zone whose standard name it " +
				"is; null when none matches."),
		},
	}
	resp.Schema.Attributes = credentialDataSourceAttributes(resp.Schema.Attributes)
}

func (d *hostDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	resp.Diagnostics.Append(d.configure(req.ProviderData)...)
}

func (d *hostDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m hostDataModel
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
	m.setFacts(r)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// setFacts fills the model from a host read.
func (m *hostDataModel) setFacts(r wintime.HostRead) {
	f := r.Facts
	m.OSVersion = types.StringValue(r.State.Version.String()) // as windows_ntp_config shows it
	m.Build = types.Int64Value(int64(f.Build))
	m.ProductName = stringOrNull(f.ProductName)
	m.DomainRole = stringOrNull(string(f.DomainRole))
	m.Domain = stringOrNull(f.Domain)
	m.Hostname = stringOrNull(f.Hostname)
	m.Locale = stringOrNull(f.Locale)
	m.OEMCodePage = types.Int64Null()
	if f.OEMCodePage != 0 {
		m.OEMCodePage = types.Int64Value(int64(f.OEMCodePage))
	}
	m.W32TimeState = types.StringValue(string(r.State.Service))
	m.W32TimeStartup = stringOrNull(string(r.State.Local.Startup))
	m.TimeZone = stringOrNull(f.TimeZone.TzutilID())
}

// stringOrNull is s, or null when it is empty: a value the host did not give.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
