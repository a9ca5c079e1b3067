package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
	"github.com/w32time/terraform-provider-windows/internal/wintime/tzmap"
)

var (
	_ resource.Resource                = (*timeZoneResource)(nil)
	_ resource.ResourceWithConfigure   = (*timeZoneResource)(nil)
	_ resource.ResourceWithImportState = (*timeZoneResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*timeZoneResource)(nil)
)

// NewTimeZoneResource returns the windows_time_zone resource.
func NewTimeZoneResource() resource.Resource {
	return &timeZoneResource{hostBound{typeName: "windows_time_zone", subject: "the time zone"}}
}

// timeZoneResource manages a host's time zone.
type timeZoneResource struct {
	hostBound
}

// timeZoneModel is the windows_time_zone resource's state and configuration.
type timeZoneModel struct {
	ID   types.String `tfsdk:"id"`
	Host types.String `tfsdk:"host"`
	credentials
	TimeZone  types.String `tfsdk:"time_zone"`
	WindowsID types.String `tfsdk:"windows_id"`
}

// windowsZoneID returns the Windows zone id name means: name itself when it
// is a Windows id (in any letter case; optionally with tzutil's _dstoff), or
// the id CLDR maps an IANA name to.
func windowsZoneID(name string) (string, error) {
	base, dstOff := strings.CutSuffix(name, tzmap.DSTOffSuffix)
	id, ok := tzmap.WindowsZone(base)
	switch {
	case !ok:
		return "", fmt.Errorf("%q is neither a Windows time zone id (such as \"Tokyo Standard Time\") nor an IANA "+
			"time zone name (such as \"Asia/Tokyo\") that CLDR maps to one", name)
	case dstOff && !strings.EqualFold(id, base):
		return "", fmt.Errorf("%q: %q applies to a Windows time zone id only: write %q", name, tzmap.DSTOffSuffix, id+tzmap.DSTOffSuffix)
	case dstOff:
		return id + tzmap.DSTOffSuffix, nil
	}
	return id, nil
}

func (r *timeZoneResource) Metadata(_ context.Context, _ resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = r.typeName
}

func (r *timeZoneResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages a Windows host's time zone. `tzutil /s` where the host has it (Server 2008 R2 " +
			"and later); on Server 2003 and 2008 the Date and Time control panel's `/Z` switch (`RUNDLL32.EXE " +
			"shell32.dll,Control_RunDLL timedate.cpl,,/Z <id>`), which is inferred: it is the method scripts for " +
			"those versions use, Microsoft documents the applet but not the switch, and it reports nothing, so the " +
			"zone is read back from the registry after every change and a zone the host did not take fails the apply. " +
			"Destroying the resource leaves the zone as it is.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The host, as in `host`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "The Windows host to manage, optionally with a WinRM port. Defaults to the " +
					"provider's `host`. Changing it replaces the resource (another spelling of the same name does not).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{hostValidator{}},
			},
			"time_zone": schema.StringAttribute{
				MarkdownDescription: "The time zone: a Windows time zone id (`\"Tokyo Standard Time\"`, optionally " +
					"with `_dstoff` to turn the automatic daylight saving adjustment off, which Server 2003 and 2008 " +
					"cannot do from a command line) or an IANA name (`\"Asia/Tokyo\"`), mapped to the Windows id " +
					"through CLDR's table. Checked at plan time against the ids that table knows; a host that lacks the " +
					"zone fails the apply with its own message.",
				Required:   true,
				Validators: []validator.String{timeZoneValidator{}},
			},
			"windows_id": schema.StringAttribute{
				MarkdownDescription: "The Windows time zone id `time_zone` means, as `tzutil /g` prints it.",
				Computed:            true,
			},
		},
	}
	resp.Schema.Attributes = credentialResourceAttributes(resp.Schema.Attributes)
}

// timeZoneValidator refuses, at plan time, a name that maps to no Windows zone.
type timeZoneValidator struct{}

func (timeZoneValidator) Description(context.Context) string {
	return "a Windows time zone id or an IANA time zone name"
}

func (v timeZoneValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (timeZoneValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := windowsZoneID(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Unknown time zone", err.Error()+".")
	}
}

func (r *timeZoneResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	resp.Diagnostics.Append(r.configure(req.ProviderData)...)
}

// ModifyPlan fills host and id, and windows_id from time_zone.
func (r *timeZoneResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() { // destroy
		return
	}
	r.planHost(ctx, req, resp)
	var tz types.String
	if resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("time_zone"), &tz)...); resp.Diagnostics.HasError() {
		return
	}
	windowsID := types.StringUnknown()
	if !tz.IsUnknown() {
		if id, err := windowsZoneID(tz.ValueString()); err == nil {
			windowsID = types.StringValue(id)
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("windows_id"), windowsID)...)
}

func (r *timeZoneResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan timeZoneModel
	if resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...); resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(r.apply(ctx, &plan)...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

func (r *timeZoneResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior timeZoneModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.Append(req.State.Get(ctx, &prior)...); resp.Diagnostics.HasError() {
		return
	}
	if plan.TimeZone.Equal(prior.TimeZone) && plan.WindowsID.Equal(prior.WindowsID) {
		// Only the credentials changed (the refresh before the plan read
		// the zone): nothing to do on the host, which need not even be
		// reachable.
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	resp.Diagnostics.Append(r.apply(ctx, &plan)...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// apply sets the host's zone to the plan's, unless it holds it already, and
// checks what the host reads back.
func (r *timeZoneResource) apply(ctx context.Context, plan *timeZoneModel) diag.Diagnostics {
	host := plan.Host.ValueString()
	want, err := windowsZoneID(plan.TimeZone.ValueString())
	var diags diag.Diagnostics
	if err != nil {
		diags.AddAttributeError(path.Root("time_zone"), "Unknown time zone", err.Error()+".")
		return diags
	}
	ctx, client, held, diags := r.dialAndReadHost(ctx, host, plan.credentials)
	if diags.HasError() {
		return diags
	}
	plan.ID = types.StringValue(host)
	plan.WindowsID = types.StringValue(want)
	if wintime.TimeZoneMismatch(held.Facts.TimeZone, want) == "" {
		return diags
	}
	summary := "Cannot set the time zone of " + host
	line, err := wintime.TimeZoneSetCommand(held.State.Version, want)
	if err != nil {
		diags.AddAttributeError(path.Root("time_zone"), summary, err.Error()+".")
		return diags
	}
	res, err := client.Run(ctx, line)
	if err != nil {
		diags.AddError(summary, err.Error())
		return diags
	}
	if res.ExitCode != 0 {
		diags.AddAttributeError(path.Root("time_zone"), summary, fmt.Sprintf("Setting %q failed with exit code %d: %s\n"+
			"Check that the host knows the zone (tzutil /l lists them) and that the account is an administrator of the host.",
			want, res.ExitCode, hostMessage(res)))
		return diags
	}
	got, err := wintime.ParseTimeZone(res.Stdout)
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("The zone could not be read back after it was set (%s); the host said: %s", err, hostMessage(res)))
		return diags
	}
	if d := wintime.TimeZoneMismatch(got, want); d != "" {
		diags.AddAttributeError(path.Root("time_zone"), summary, fmt.Sprintf("The host did not take the zone %q: "+
			"after the change %s. The host may not know this zone (its registry lists the zones it knows under %s).",
			want, d, wintime.TimeZonesKey))
	}
	return diags
}

func (r *timeZoneResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	host, cred, diags := r.refreshHost(ctx, req.State)
	if resp.Diagnostics.Append(diags...); host == "" || diags.HasError() {
		return
	}
	var state timeZoneModel
	if resp.Diagnostics.Append(req.State.Get(ctx, &state)...); resp.Diagnostics.HasError() {
		return
	}
	_, _, r2, diags := r.dialAndReadHost(ctx, host, cred)
	if resp.Diagnostics.Append(diags...); diags.HasError() {
		return
	}
	state.ID = types.StringValue(host)
	state.Host = types.StringValue(host)
	state.setFromHost(r2.Facts.TimeZone)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// setFromHost takes the zone the host holds: the state keeps its spelling
// (an IANA name, say) while the host holds the zone it means; otherwise
// time_zone becomes the host's id (its standard name when the id is not
// known), which a plan shows as drift.
func (m *timeZoneModel) setFromHost(z wintime.TimeZone) {
	if want, err := windowsZoneID(m.TimeZone.ValueString()); err == nil && wintime.TimeZoneMismatch(z, want) == "" {
		m.WindowsID = types.StringValue(want)
		return
	}
	held := z.TzutilID()
	if held == "" {
		held = z.StandardName
	}
	m.TimeZone = types.StringValue(held)
	m.WindowsID = stringOrNull(z.TzutilID())
}

// Delete leaves the host's zone as it is: a host always has one, and no
// zone is more right than the one it holds.
func (r *timeZoneResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}

func (r *timeZoneResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importHost(ctx, req.ID, resp)
}
