package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

var (
	_ resource.Resource                   = (*ntpConfigResource)(nil)
	_ resource.ResourceWithConfigure      = (*ntpConfigResource)(nil)
	_ resource.ResourceWithImportState    = (*ntpConfigResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*ntpConfigResource)(nil)
	_ resource.ResourceWithValidateConfig = (*ntpConfigResource)(nil)
)

// On-destroy behaviours.
const (
	onDestroyKeep  = "keep"
	onDestroyReset = "reset"
)

// NewNTPConfigResource returns the windows_ntp_config resource.
func NewNTPConfigResource() resource.Resource { return &ntpConfigResource{} }

// ntpConfigResource manages the W32Time Type and NtpServer of one host.
type ntpConfigResource struct {
	data *providerData
}

// ntpConfigModel is the resource's state and configuration.
type ntpConfigModel struct {
	ID         types.String `tfsdk:"id"`
	Host       types.String `tfsdk:"host"`
	Type       types.String `tfsdk:"type"`
	NTPServers types.List   `tfsdk:"ntp_servers"`
	Reliable   types.Bool   `tfsdk:"reliable"`
	OnDestroy  types.String `tfsdk:"on_destroy"`
	OSVersion  types.String `tfsdk:"os_version"`
}

// peerAttrTypes is the object type of one ntp_servers element.
var peerAttrTypes = map[string]attr.Type{
	"address": types.StringType,
	"flags":   types.SetType{ElemType: types.StringType},
}

func (r *ntpConfigResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_ntp_config"
}

func (r *ntpConfigResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	defaultFlags := []attr.Value{}
	for _, n := range wintime.DefaultFlags.Names() {
		defaultFlags = append(defaultFlags, types.StringValue(n))
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages where a Windows host takes its time from: the Windows Time service's `Type` and " +
			"its `NtpServer` peers, under `HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters`.\n\n" +
			"Changes are made with `w32tm /config ... /update`, chosen by the Windows version the provider detects. " +
			"On Windows Server 2003, whose `w32tm` refuses `/syncfromflags:ALL` and `NO`, `AllSync` is written as " +
			"`/syncfromflags:DOMHIER,MANUAL` and `NoSync` through `reg add` followed by `w32tm /config /update`. " +
			"After every change the provider reads the registry back and fails if the host does not hold what was " +
			"asked (for example because Group Policy overrides it).\n\n" +
			"The state is read from the registry on every version, so plans work on localized hosts too.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The host, as in `host`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "The Windows host to manage: a DNS name, IPv4 or IPv6 address, optionally with a " +
					"WinRM port (`dc01.example.com`, `10.0.0.5:5986`, `[2001:db8::1]:5985`). Defaults to the " +
					"provider's `host`. Changing it replaces the resource (another spelling of the same name does not). " +
					"WinRM must listen on the host (Server 2003 and 2008 need Windows Management Framework).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{hostValidator{}},
			},
			"type": schema.StringAttribute{
				MarkdownDescription: "Where the host takes its time from (the W32Time `Type` value): `NoSync` (nowhere), " +
					"`NTP` (the `ntp_servers`), `NT5DS` (the domain hierarchy: a domain member from a domain " +
					"controller, a domain controller from the PDC emulator of its domain) or `AllSync` (both the " +
					"domain hierarchy and the `ntp_servers`). On Server 2003, `AllSync` is set with " +
					"`/syncfromflags:DOMHIER,MANUAL` and `NoSync` through the registry.",
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(wintime.TypeNames()...)},
			},
			"ntp_servers": schema.ListNestedAttribute{
				MarkdownDescription: "The NTP peers (the W32Time `NtpServer` value), in order. Required when `type` is " +
					"`NTP` or `AllSync`. When omitted with `NoSync` or `NT5DS`, the host's list is left as it is " +
					"and shown in the state. Peers are compared by meaning: `0x9` equals `0x09`, and host names " +
					"ignore letter case. Written with `w32tm /config /manualpeerlist`, the same on every version " +
					"from Server 2003 on.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()},
				Validators:    []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"address": schema.StringAttribute{
							MarkdownDescription: "The peer: a DNS name, IPv4 or IPv6 address (no port, no flags).",
							Required:            true,
							Validators:          []validator.String{addressValidator{}},
						},
						"flags": schema.SetAttribute{
							MarkdownDescription: "The peer's mode flags: `SpecialInterval` (0x1: poll every " +
								"SpecialPollInterval), `UseAsFallbackOnly` (0x2), `SymmetricActive` (0x4) and " +
								"`Client` (0x8). Defaults to `[\"SpecialInterval\", \"Client\"]` (0x9), the flags Windows " +
								"gives time.windows.com (Server 2003 defaults to 0x1). The same bits on every version.",
							ElementType: types.StringType,
							Optional:    true,
							Computed:    true,
							Default:     setdefault.StaticValue(types.SetValueMust(types.StringType, defaultFlags)),
							Validators: []validator.Set{
								setvalidator.ValueStringsAre(stringvalidator.OneOf(wintime.FlagNames()...)),
							},
						},
					},
				},
			},
			"reliable": schema.BoolAttribute{
				MarkdownDescription: "Whether the host announces itself as a reliable time source to the domain " +
					"(`w32tm /config /reliable:YES`, AnnounceFlags `0x5`; `false` writes `/reliable:NO`, AnnounceFlags " +
					"`0xa`, the Windows default). Set it on the PDC emulator of the forest root domain, the one domain " +
					"controller that takes its time from outside. When omitted, the host's setting is left as it is " +
					"and shown in the state. Available on every version, Server 2003 included.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"on_destroy": schema.StringAttribute{
				MarkdownDescription: "What `terraform destroy` does on the host: `keep` (default) leaves the settings " +
					"as they are; `reset` restores the Windows defaults for the host's role (standalone server, " +
					"domain member or domain controller) with `w32tm /unregister` and `w32tm /register`, and " +
					"restarts the service. The same commands on every version, Server 2003 included.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString(onDestroyKeep),
				Validators: []validator.String{stringvalidator.OneOf(onDestroyKeep, onDestroyReset)},
			},
			"os_version": schema.StringAttribute{
				MarkdownDescription: "The Windows version detected on the host, as `ver` prints it " +
					"(`5.2.3790` is Server 2003, `10.0.20348.587` Server 2022).",
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
	}
}

func (r *ntpConfigResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	if data != nil {
		r.data = data
	}
}

func (r *ntpConfigResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m ntpConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Type.IsUnknown() || m.Type.IsNull() || m.NTPServers.IsUnknown() {
		return
	}
	t := wintime.Type(m.Type.ValueString())
	if t.NeedsPeers() && m.NTPServers.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("ntp_servers"), "Missing NTP servers",
			fmt.Sprintf("type %q synchronises from the ntp_servers list, so it needs at least one server. "+
				"Add ntp_servers, or use type \"NT5DS\" to follow the domain hierarchy only.", t))
		return
	}
	if m.NTPServers.IsNull() {
		return
	}
	seen := map[string]int{}
	for i, el := range m.NTPServers.Elements() {
		obj, ok := el.(types.Object)
		if !ok || obj.IsUnknown() {
			continue
		}
		a, ok := obj.Attributes()["address"].(types.String)
		if !ok || a.IsUnknown() || a.IsNull() {
			continue
		}
		key := strings.ToLower(a.ValueString())
		if j, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(path.Root("ntp_servers").AtListIndex(i).AtName("address"),
				"Duplicate NTP server",
				fmt.Sprintf("%q is listed twice in ntp_servers (elements %d and %d); list each server once.", a.ValueString(), j, i))
		}
		seen[key] = i
	}
	if resp.Diagnostics.HasError() {
		return
	}
	checkLineLength(m, resp)
}

// checkLineLength refuses, at plan time, ntp_servers too long for the one
// command line that applies them, on the longest plan of any Windows version
// (the same check runs before the line is sent). It says nothing while a
// server is unknown, or when another validator refuses a value.
func checkLineLength(m ntpConfigModel, resp *resource.ValidateConfigResponse) {
	for _, el := range m.NTPServers.Elements() {
		obj, ok := el.(types.Object)
		if !ok || obj.IsUnknown() || obj.IsNull() {
			return
		}
		for _, v := range obj.Attributes() {
			if v.IsUnknown() {
				return
			}
		}
	}
	if m.Reliable.IsUnknown() {
		m.Reliable = types.BoolValue(true) // "/reliable:YES" is the longer
	}
	want, d := m.settings()
	if d.HasError() {
		return
	}
	var tooLong *wintime.CommandLineTooLongError
	if errors.As(wintime.CheckApplyLength(want), &tooLong) {
		resp.Diagnostics.Append(commandLineTooLong(len(want.Peers), tooLong))
	}
}

// commandLineTooLong is the error on ntp_servers when the command line that
// applies them is longer than cmd.exe takes.
func commandLineTooLong(peers int, err *wintime.CommandLineTooLongError) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root("ntp_servers"), "Too many NTP servers for one command line",
		fmt.Sprintf("ntp_servers: with these %d servers, the command line that applies them would have %d characters, "+
			"and cmd.exe refuses command lines over %d characters. List fewer servers or shorter names (each server "+
			"takes its address and 5 more characters).", peers, err.Length, wintime.MaxCommandLine))
}

// ModifyPlan fills host from the provider's host and plans replacement when
// the host changes. Plan modifiers on the attribute cannot do this: they do
// not see the provider's configuration.
func (r *ntpConfigResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() { // destroy
		return
	}
	var plan, config ntpConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	host := config.Host
	if host.IsNull() {
		switch {
		case r.data == nil || r.data.hostUnknown():
			host = types.StringUnknown()
		case r.data.host == "":
			resp.Diagnostics.AddAttributeError(path.Root("host"), "No host to manage",
				"Set host in this resource, or host in the provider block (or the WINDOWS_HOST environment variable).")
			return
		default:
			host = types.StringValue(r.data.host)
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("host"), host)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), host)...)
	r.warnSharedHost(host, req.Config.Raw, resp)

	if req.State.Raw.IsNull() {
		return
	}
	var state ntpConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Host names ignore letter case: DC01 and dc01 are one host, and
	// replacing it would run on_destroy against the very host it keeps.
	if host.IsUnknown() || !strings.EqualFold(host.ValueString(), state.Host.ValueString()) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("host"))
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("os_version"), types.StringUnknown())...)
	}
	if writes(plan, state, config) {
		// The apply writes the host and then takes what the host holds for
		// the values this resource does not manage: they may change between
		// this plan and the apply (a saved plan applied later), so they are
		// unknown here, and the state takes the host's values. When nothing
		// is written they keep the state's, so that a plan stays empty.
		if config.NTPServers.IsNull() {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("ntp_servers"),
				types.ListUnknown(types.ObjectType{AttrTypes: peerAttrTypes}))...)
		}
		if config.Reliable.IsNull() {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("reliable"), types.BoolUnknown())...)
		}
	}
}

// writes reports whether applying plan over state changes a setting the
// configuration manages, so that the host is written. Update asks it before
// it connects, and ModifyPlan before it lets the unmanaged values follow the
// host: both must agree. Values the configuration leaves out are not
// compared: they are what the host holds, whatever it is.
func writes(plan, state, config ntpConfigModel) bool {
	return !plan.Type.Equal(state.Type) ||
		!config.NTPServers.IsNull() && !plan.NTPServers.Equal(state.NTPServers) ||
		!config.Reliable.IsNull() && !plan.Reliable.Equal(state.Reliable)
}

// warnSharedHost warns when another windows_ntp_config resource of this
// provider configuration planned the same host and port: the two would undo
// each other's settings on every apply.
func (r *ntpConfigResource) warnSharedHost(host types.String, config tftypes.Value, resp *resource.ModifyPlanResponse) {
	if r.data == nil || r.data.planned == nil || host.IsUnknown() || host.IsNull() {
		return
	}
	key, ok := r.data.hostKey(host.ValueString())
	if !ok || !r.data.planned.add(key, config) {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("host"), "Another windows_ntp_config manages "+host.ValueString(),
		fmt.Sprintf("Another windows_ntp_config resource in this configuration manages the time settings of %s (%s). "+
			"Each apply makes the host hold the settings of each resource in turn, so they undo each other on every "+
			"run. Manage each host with one resource: remove or merge the other one.", host.ValueString(), key))
}

func (r *ntpConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.Append(r.write(ctx, req.Plan, req.Config, &resp.State)...)
}

func (r *ntpConfigResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config ntpConfigModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !writes(plan, state, config) {
		// Only on_destroy (or the spelling of host) changed: nothing to do
		// on the host, which need not even be reachable.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	resp.Diagnostics.Append(r.write(ctx, req.Plan, req.Config, &resp.State)...)
}

// write is Create and Update: both make the host hold the plan.
func (r *ntpConfigResource) write(ctx context.Context, p tfsdk.Plan, c tfsdk.Config, state *tfsdk.State) diag.Diagnostics {
	var plan, config ntpConfigModel
	diags := p.Get(ctx, &plan)
	diags.Append(c.Get(ctx, &config)...)
	if diags.HasError() {
		return diags
	}
	diags.Append(r.apply(ctx, &plan, config)...)
	if diags.HasError() {
		return diags
	}
	diags.Append(state.Set(ctx, &plan)...)
	return diags
}

func (r *ntpConfigResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ntpConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	host := state.Host.ValueString()
	if host == "" {
		host = state.ID.ValueString()
	}
	if len(r.data.pendingSettings(true)) > 0 {
		// The connection settings depend on a resource not created yet:
		// connecting with half of them could count as a failed logon.
		// Keep the state; the refresh after that resource exists reads it.
		return
	}
	client, diags := r.data.connect(host)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	ctx = r.data.withLogging(ctx)
	st, err := readHost(ctx, client)
	if err != nil {
		resp.Diagnostics.AddError("Cannot read the time settings of "+host, err.Error())
		return
	}
	if !st.Installed && st.Service == wintime.ServiceNotInstalled {
		// w32tm /unregister removes the service and its settings: there is
		// nothing left of what this resource manages.
		resp.Diagnostics.AddWarning("Windows Time service not installed on "+host,
			"The W32Time Parameters key is missing (w32tm /unregister removes it), so the resource is removed from "+
				"the state; the next apply registers the settings again if the service is back.")
		resp.State.RemoveResource(ctx)
		return
	}
	state.ID = types.StringValue(host)
	state.Host = types.StringValue(host)
	if state.OnDestroy.IsNull() || state.OnDestroy.IsUnknown() {
		state.OnDestroy = types.StringValue(onDestroyKeep)
	}
	resp.Diagnostics.Append(state.setFromHost(st)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *ntpConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ntpConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.OnDestroy.ValueString() != onDestroyReset {
		return
	}
	host := state.Host.ValueString()
	client, diags := r.data.connect(host)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	ctx = r.data.withLogging(ctx)
	res, err := client.Run(ctx, wintime.ResetCommand())
	if err != nil {
		resp.Diagnostics.AddError("Cannot reset the time settings of "+host, err.Error())
		return
	}
	if res.ExitCode != 0 {
		resp.Diagnostics.AddError("Cannot reset the time settings of "+host,
			fmt.Sprintf("Re-registering the Windows Time service (w32tm /unregister, w32tm /register, net start w32time) "+
				"failed with exit code %d: %s\nCheck that the account is an administrator of the host, or set "+
				"on_destroy = \"keep\" to leave the settings in place.", res.ExitCode, hostMessage(res)))
	}
}

func (r *ntpConfigResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if err := validateHost(req.ID); err != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("The import ID is the host to manage (a DNS name or IP address, optionally with :port); %q is not: %s.", req.ID, err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("host"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_destroy"), onDestroyKeep)...)
}

// apply makes the host hold the plan, reads it back and fills the plan's
// computed attributes from what the host holds. What the configuration
// leaves out (ntp_servers, reliable) is not managed: the plan carries the
// prior state's value there, which must not be written back.
func (r *ntpConfigResource) apply(ctx context.Context, plan *ntpConfigModel, config ntpConfigModel) diag.Diagnostics {
	var diags diag.Diagnostics
	host := plan.Host.ValueString()
	client, d := r.data.connect(host)
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	ctx = r.data.withLogging(ctx)

	managed := *plan
	if config.NTPServers.IsNull() {
		managed.NTPServers = types.ListNull(types.ObjectType{AttrTypes: peerAttrTypes})
	}
	if config.Reliable.IsNull() {
		managed.Reliable = types.BoolNull()
	}
	want, d := managed.settings()
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	current, err := readHost(ctx, client)
	if err != nil {
		diags.AddError("Cannot read the time settings of "+host, err.Error())
		return diags
	}
	line, err := wintime.ApplyCommand(current, want)
	if tooLong := (*wintime.CommandLineTooLongError)(nil); errors.As(err, &tooLong) {
		diags.Append(commandLineTooLong(len(want.Peers), tooLong))
		return diags
	}
	if err != nil {
		diags.AddError("Cannot configure the time settings of "+host, err.Error())
		return diags
	}
	res, err := client.Run(ctx, line)
	if err != nil {
		diags.AddError("Cannot configure the time settings of "+host, err.Error())
		return diags
	}
	if res.ExitCode != 0 {
		started := ""
		if wintime.NeedsStart(current) {
			started = "The W32Time service was stopped; the provider tried to start it first (net start w32time), " +
				"and its output is part of the message above. "
		}
		diags.AddError("Cannot configure the time settings of "+host,
			fmt.Sprintf("The host (%s) refused the change with exit code %d: %s\n%sCheck that the account is an "+
				"administrator of the host and that the Windows Time service can run.",
				current.Version.Release(), res.ExitCode, hostMessage(res), started))
		return diags
	}
	got, err := wintime.ParseState(res.Stdout)
	if err != nil {
		diags.AddError("Cannot read back the time settings of "+host,
			fmt.Sprintf("The change ran, but its read-back could not be understood: %s. Run terraform plan to see what the host holds.", err))
		return diags
	}
	if m := wintime.Mismatch(got, want); m != "" {
		diags.AddError("The host does not hold the requested time settings",
			fmt.Sprintf("After the change, %s reports: %s.", host, m))
		return diags
	}
	if wintime.NeedsStart(current) && got.Service == wintime.ServiceRunning {
		diags.AddWarning("Windows Time service started on "+host,
			"The W32Time service was stopped, and w32tm cannot apply settings to a stopped service, so the provider "+
				"started it. If something stops it on purpose (a script, a disabled start type), fix that, or the "+
				"host will not keep time.")
	}
	diags.Append(plan.setFromHost(got)...)
	plan.ID = types.StringValue(host)
	return diags
}

// readHost runs the read command and parses its output.
func readHost(ctx context.Context, c *transport.Client) (wintime.State, error) {
	res, err := c.Run(ctx, wintime.ReadCommand())
	if err != nil {
		return wintime.State{}, err
	}
	st, err := wintime.ParseState(res.Stdout)
	if err != nil {
		return st, fmt.Errorf("the output of ver and reg query could not be understood (%w); the host said: %s", err, hostMessage(res))
	}
	return st, nil
}

// hostMessage is the host's own account of a command, for error messages.
func hostMessage(res transport.Result) string {
	msg := strings.TrimSpace(strings.TrimSpace(res.Stderr) + "\n" + strings.TrimSpace(res.Stdout))
	if msg == "" {
		return "(no output)"
	}
	const limit = 2000
	if len(msg) > limit {
		msg = strings.ToValidUTF8(msg[:limit], "") + "..."
	}
	return msg
}

// settings converts the plan into the domain's settings.
func (m *ntpConfigModel) settings() (wintime.Settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	t, err := wintime.ParseType(m.Type.ValueString())
	if err != nil {
		diags.AddAttributeError(path.Root("type"), "Invalid type", err.Error())
		return wintime.Settings{}, diags
	}
	s := wintime.Settings{Type: t}
	if !m.Reliable.IsNull() && !m.Reliable.IsUnknown() {
		b := m.Reliable.ValueBool()
		s.Reliable = &b
	}
	if m.NTPServers.IsNull() || m.NTPServers.IsUnknown() {
		return s, diags
	}
	peers, d := peersFromList(m.NTPServers)
	diags.Append(d...)
	s.Peers = peers
	return s, diags
}

// peersFromList converts an ntp_servers value into peers.
func peersFromList(l types.List) ([]wintime.Peer, diag.Diagnostics) {
	var diags diag.Diagnostics
	peers := []wintime.Peer{}
	for i, el := range l.Elements() {
		obj, ok := el.(types.Object)
		if !ok {
			continue
		}
		at := obj.Attributes()
		addr, _ := at["address"].(types.String)
		p := wintime.Peer{Address: addr.ValueString()}
		if fs, ok := at["flags"].(types.Set); ok && !fs.IsNull() && !fs.IsUnknown() {
			for _, fv := range fs.Elements() {
				s, _ := fv.(types.String)
				f, err := wintime.ParseFlag(s.ValueString())
				if err != nil {
					diags.AddAttributeError(path.Root("ntp_servers").AtListIndex(i).AtName("flags"), "Invalid flag", err.Error())
					continue
				}
				p.Flags |= f
			}
		} else {
			p.Flags = wintime.DefaultFlags
		}
		peers = append(peers, p)
	}
	return peers, diags
}

// setFromHost fills type, ntp_servers, reliable and os_version from what the
// host holds.
// Where the host's peers mean the same as the ones already in the model, the
// model's spelling is kept, so that a plan after apply is empty.
func (m *ntpConfigModel) setFromHost(st wintime.State) diag.Diagnostics {
	var diags diag.Diagnostics
	eff := st.Effective()
	m.OSVersion = types.StringValue(st.Version.String())
	m.Type = types.StringValue(string(eff.Type))
	m.Reliable = types.BoolValue(st.Reliable())

	if !m.NTPServers.IsNull() && !m.NTPServers.IsUnknown() {
		if prior, d := peersFromList(m.NTPServers); !d.HasError() && wintime.EqualPeers(prior, eff.Peers) {
			return diags
		}
	}
	if eff.Peers == nil {
		m.NTPServers = types.ListNull(types.ObjectType{AttrTypes: peerAttrTypes})
		return diags
	}
	elems := make([]attr.Value, 0, len(eff.Peers))
	for _, p := range eff.Peers {
		names := p.Flags.Names()
		flags := make([]attr.Value, len(names))
		for i, n := range names {
			flags[i] = types.StringValue(n)
		}
		fs, d := types.SetValue(types.StringType, flags)
		diags.Append(d...)
		obj, d := types.ObjectValue(peerAttrTypes, map[string]attr.Value{
			"address": types.StringValue(p.Address),
			"flags":   fs,
		})
		diags.Append(d...)
		elems = append(elems, obj)
	}
	l, d := types.ListValue(types.ObjectType{AttrTypes: peerAttrTypes}, elems)
	diags.Append(d...)
	m.NTPServers = l
	return diags
}
