package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

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
func NewNTPConfigResource() resource.Resource {
	return &ntpConfigResource{hostBound{typeName: "windows_ntp_config", subject: "the time settings"}}
}

// ntpConfigResource manages the W32Time Type, NtpServer and AnnounceFlags of
// one host.
type ntpConfigResource struct {
	hostBound
}

func (r *ntpConfigResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = r.typeName
}

func (r *ntpConfigResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	defaultFlags, diags := types.SetValueFrom(ctx, types.StringType, wintime.DefaultFlags.Names())
	resp.Diagnostics.Append(diags...)
	defer func() { maps.Copy(resp.Schema.Attributes, tunableAttributes()) }()
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
							Default:     setdefault.StaticValue(defaultFlags),
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
			"resync_on_apply": schema.BoolAttribute{
				MarkdownDescription: "Whether an apply that changes the host then asks the service to synchronise at " +
					"once (`w32tm /resync`). When the host has no time data to synchronise from (its sources cannot " +
					"be reached: exit code `0x800705B4`), the apply succeeds with a warning; any other failure of the " +
					"resync fails the apply after the settings were written. Defaults to `false`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"policy_overrides": schema.MapAttribute{
				MarkdownDescription: policyOverridesDoc + " When the configuration sets a value that policy holds at " +
					"another value, the plan warns and the apply fails without writing it: a local value there would " +
					"never be used. The other attributes always show the effective value.",
				ElementType:   types.StringType,
				Computed:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
		},
	}
	resp.Schema.Attributes = credentialResourceAttributes(resp.Schema.Attributes)
}

func (r *ntpConfigResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	resp.Diagnostics.Append(r.configure(req.ProviderData)...)
}

func (r *ntpConfigResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m ntpConfigModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkPollRange(ctx, m, resp)
	if m.Type.IsUnknown() || m.Type.IsNull() || m.NTPServers.IsUnknown() {
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
	peers, known, diags := configPeers(ctx, m.NTPServers)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	seen := map[string]int{}
	for i, p := range peers {
		if p == nil || p.Address.IsUnknown() || p.Address.IsNull() {
			continue
		}
		key := strings.ToLower(p.Address.ValueString())
		if j, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(path.Root("ntp_servers").AtListIndex(i).AtName("address"),
				"Duplicate NTP server",
				fmt.Sprintf("%q is listed twice in ntp_servers (elements %d and %d); list each server once.", p.Address.ValueString(), j, i))
		}
		seen[key] = i
	}
	if !known || resp.Diagnostics.HasError() {
		return
	}
	checkLineLength(ctx, m, resp)
}

// checkPollRange refuses a min_poll_interval above max_poll_interval.
func checkPollRange(ctx context.Context, m ntpConfigModel, resp *resource.ValidateConfigResponse) {
	want, d := m.settings(ctx)
	if d.HasError() {
		return
	}
	if err := wintime.CheckPollRange(want); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("min_poll_interval"), "Poll intervals out of order", err.Error()+".")
	}
}

// configPeers returns the elements of a configuration's ntp_servers, nil
// where an element is unknown, and whether every element and its attributes
// are known.
func configPeers(ctx context.Context, l types.List) ([]*peerModel, bool, diag.Diagnostics) {
	var objs []types.Object
	diags := l.ElementsAs(ctx, &objs, false)
	peers := make([]*peerModel, len(objs))
	known := true
	for i, o := range objs {
		if o.IsUnknown() || o.IsNull() {
			known = false
			continue
		}
		var p peerModel
		diags.Append(o.As(ctx, &p, basetypes.ObjectAsOptions{})...)
		peers[i] = &p
		known = known && !p.Address.IsUnknown() && !p.Flags.IsUnknown()
	}
	return peers, known, diags
}

// checkLineLength refuses, at plan time, ntp_servers too long for the one
// command line that applies them, on the longest plan of any Windows version
// (the same check runs before the line is sent). The servers are known; it
// says nothing when another validator refuses a value.
func checkLineLength(ctx context.Context, m ntpConfigModel, resp *resource.ValidateConfigResponse) {
	if m.Reliable.IsUnknown() {
		m.Reliable = types.BoolValue(true) // "/reliable:YES" is the longer
	}
	want, d := m.settings(ctx)
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

// ModifyPlan fills host from the provider's host, plans replacement when the
// host changes, and lets the settings the configuration leaves out follow
// the host when the apply writes it.
func (r *ntpConfigResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() { // destroy
		return
	}
	replace := r.planHost(ctx, req, resp)
	if resp.Diagnostics.HasError() || req.State.Raw.IsNull() {
		return
	}
	if replace {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("os_version"), types.StringUnknown())...)
	}
	plan, w, diags := writes(ctx, req.Plan, req.State, req.Config)
	if resp.Diagnostics.Append(diags...); !w || diags.HasError() {
		return
	}
	planUnmanaged(ctx, ntpConfigMeta, req, resp)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("policy_overrides"), types.MapUnknown(types.StringType))...)
	var state, config ntpConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	want, diags := managedSettings(ctx, plan, config)
	if resp.Diagnostics.Append(diags...); !diags.HasError() {
		resp.Diagnostics.Append(policyWarnings(ctx, state.PolicyOverrides, want)...)
	}
}

func (r *ntpConfigResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.Append(r.write(ctx, req.Plan, req.Config, nil, &resp.State)...)
}

func (r *ntpConfigResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan, w, diags := writes(ctx, req.Plan, req.State, req.Config)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	if !w {
		// No managed setting changes (on_destroy did, say, or the spelling
		// of host or of a peer): nothing to do on the host, which need not
		// even be reachable.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	var prior ntpConfigModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &prior)...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.write(ctx, req.Plan, req.Config, &prior, &resp.State)...)
}

// write is Create and Update: both make the host hold the plan. prior is
// the state an update starts from, nil for a create.
func (r *ntpConfigResource) write(ctx context.Context, p tfsdk.Plan, c tfsdk.Config, prior *ntpConfigModel, state *tfsdk.State) diag.Diagnostics {
	var plan, config ntpConfigModel
	diags := p.Get(ctx, &plan)
	diags.Append(c.Get(ctx, &config)...)
	if diags.HasError() {
		return diags
	}
	diags.Append(r.apply(ctx, &plan, config, prior)...)
	if diags.HasError() {
		return diags
	}
	diags.Append(state.Set(ctx, &plan)...)
	return diags
}

func (r *ntpConfigResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	host, cred, diags := r.refreshHost(ctx, req.State)
	if resp.Diagnostics.Append(diags...); host == "" || diags.HasError() {
		return
	}
	var state ntpConfigModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() {
		return
	}
	ctx, _, st, diags := r.dialAndRead(ctx, host, cred)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
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
	state.OSVersion = types.StringValue(st.Version.String())
	if state.ResyncOnApply.IsNull() || state.ResyncOnApply.IsUnknown() {
		state.ResyncOnApply = types.BoolValue(false)
	}
	state.PolicyOverrides = policyOverridesValue(st)
	resp.Diagnostics.Append(state.setFromHost(ctx, st)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *ntpConfigResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ntpConfigModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || state.OnDestroy.ValueString() != onDestroyReset {
		return
	}
	host := state.Host.ValueString()
	ctx, client, diags := r.dial(ctx, host, state.credentials)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
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
	if importHost(ctx, req.ID, resp) {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("on_destroy"), onDestroyKeep)...)
	}
}

// apply makes the host hold the settings the configuration manages, reads
// the host back and fills the plan's computed attributes from what it holds.
//
// An update takes the Windows version and what Group Policy holds from the
// prior state (the refresh before the plan has just read them) and sends one
// command line, which starts the service if needed, writes, has the service
// reread its settings and reads the host back. A create reads the host first.
func (r *ntpConfigResource) apply(ctx context.Context, plan *ntpConfigModel, config ntpConfigModel, prior *ntpConfigModel) diag.Diagnostics {
	host := plan.Host.ValueString()
	want, diags := managedSettings(ctx, *plan, config)
	if diags.HasError() {
		return diags
	}
	resync := plan.ResyncOnApply.ValueBool()
	p, d := r.prepare(ctx, host, plan.credentials, want, resync, prior)
	if diags.Append(d...); diags.HasError() {
		return diags
	}
	res, err := p.client.Run(p.ctx, p.line)
	if err != nil {
		diags.AddError("Cannot configure the time settings of "+host, err.Error())
		return diags
	}
	started := p.starts
	if prior != nil {
		started = wintime.ServiceBefore(res.Stdout) == wintime.ServiceStopped && want.Startup != wintime.StartDisabled
	}
	got, readErr := wintime.ParseState(res.Stdout)
	resynced := resync && readErr == nil // the read-back ran: the exit code is the resync's
	switch {
	case resynced && res.ExitCode == wintime.ExitNoTimeData:
		diags.AddWarning("No time data to resynchronise "+host,
			"The settings were written, and the resync that followed (w32tm /resync) found no time data: the host "+
				"could not reach its time sources. Check that they answer on UDP port 123 (or the domain "+
				"hierarchy, for NT5DS); the service keeps trying on its own.")
	case resynced && res.ExitCode != 0:
		diags.AddError("Cannot resynchronise "+host,
			fmt.Sprintf("The settings were written, but w32tm /resync failed with exit code %d: %s\nRun terraform "+
				"apply again, or set resync_on_apply = false.", res.ExitCode, hostMessage(res)))
		return diags
	case res.ExitCode != 0:
		note := ""
		if started || (prior != nil && want.Startup != wintime.StartDisabled) {
			note = "The provider starts the W32Time service first when it is stopped (net start w32time), " +
				"and its output is part of the message above. "
		}
		diags.AddError("Cannot configure the time settings of "+host,
			fmt.Sprintf("The host (%s) refused the change with exit code %d: %s\n%sCheck that the account is an "+
				"administrator of the host and that the Windows Time service can run.",
				p.version.Release(), res.ExitCode, hostMessage(res), note))
		return diags
	}
	if err := readErr; err != nil {
		diags.AddError("Cannot read back the time settings of "+host,
			fmt.Sprintf("The change ran, but its read-back could not be understood: %s. Run terraform plan to see what the host holds.", err))
		return diags
	}
	if m := wintime.Mismatch(got, want); m != "" {
		diags.AddError("The host does not hold the requested time settings",
			fmt.Sprintf("After the change, %s reports: %s.", host, m))
		return diags
	}
	if started && got.Service == wintime.ServiceRunning {
		diags.AddWarning("Windows Time service started on "+host,
			"The W32Time service was stopped, and w32tm cannot apply settings to a stopped service, so the provider "+
				"started it. If something stops it on purpose (a script, a disabled start type), fix that, or the "+
				"host will not keep time.")
	}
	plan.OSVersion = types.StringValue(got.Version.String())
	plan.PolicyOverrides = policyOverridesValue(got)
	diags.Append(plan.setFromHost(ctx, got)...)
	plan.ID = types.StringValue(host)
	return diags
}

// applyPlan is the command line an apply sends, and what it needs to run it.
type applyPlan struct {
	ctx     context.Context
	client  *transport.Client
	line    string
	version wintime.Version
	starts  bool // a create found the service stopped and starts it
}

// prepare connects to host, with cred, and builds the apply's command line: for an
// update whose prior state knows the Windows version, from that state alone;
// otherwise (a create, or a state without os_version) after reading the
// host. Settings Group Policy holds at other values are refused before
// anything is written.
func (r *ntpConfigResource) prepare(ctx context.Context, host string, cred credentials, want wintime.Settings, resync bool, prior *ntpConfigModel) (applyPlan, diag.Diagnostics) {
	var p applyPlan
	var diags diag.Diagnostics
	var policy map[string]string
	var err error
	if v, ok := priorVersion(prior); ok {
		p.version = v
		if d := prior.PolicyOverrides.ElementsAs(ctx, &policy, false); d.HasError() || prior.PolicyOverrides.IsNull() {
			policy = nil
		}
		p.ctx, p.client, diags = r.dial(ctx, host, cred)
		if diags.HasError() {
			return p, diags
		}
		p.line, err = wintime.UpdateCommand(v, want, resync)
	} else {
		var current wintime.State
		p.ctx, p.client, current, diags = r.dialAndRead(ctx, host, cred)
		if diags.HasError() {
			return p, diags
		}
		p.version, policy = current.Version, current.PolicyOverrides()
		p.starts = wintime.StartsService(current, want)
		p.line, err = wintime.ApplyCommand(current, want, resync)
	}
	if conflicts := wintime.PolicyConflicts(policy, want); len(conflicts) > 0 {
		for _, c := range conflicts {
			diags.AddAttributeError(path.Root(c.Attr), "Group Policy overrides "+c.Attr,
				"Nothing was written to "+host+". "+c.String()+".")
		}
		return p, diags
	}
	if tooLong := (*wintime.CommandLineTooLongError)(nil); errors.As(err, &tooLong) {
		diags.Append(commandLineTooLong(len(want.Peers), tooLong))
		return p, diags
	}
	if err != nil {
		diags.AddError("Cannot configure the time settings of "+host, err.Error())
	}
	return p, diags
}

// priorVersion returns the Windows version an update's prior state records.
func priorVersion(prior *ntpConfigModel) (wintime.Version, bool) {
	if prior == nil || prior.OSVersion.IsNull() || prior.OSVersion.IsUnknown() {
		return wintime.Version{}, false
	}
	v, err := wintime.ParseVer("[" + prior.OSVersion.ValueString() + "]")
	return v, err == nil && v.Supported()
}
