package provider

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// This file is the glue between wintime.Tunables and the windows_ntp_config
// resource and data source: their schema attributes, validators, and the
// conversions between the model's fields and the DWORDs.

// tunableValue returns the model's field of tunable t, found by its tfsdk tag.
func (m *ntpSettingsModel) tunableValue(t wintime.Tunable) attr.Value {
	v, _ := m.tunableField(t).Interface().(attr.Value) // every field of the model is one
	return v
}

// setTunable sets the field of t to n, or to null when n is nil.
func (m *ntpSettingsModel) setTunable(t wintime.Tunable, n *uint32) {
	var v attr.Value
	switch t.Kind {
	case wintime.KindNumber:
		v = types.Int64Null()
		if n != nil {
			v = types.Int64Value(int64(*n))
		}
	case wintime.KindBool:
		v = types.BoolNull()
		if n != nil {
			v = types.BoolValue(*n != 0)
		}
	default:
		v = types.StringNull()
		if n != nil {
			v = types.StringValue(t.Format(*n))
		}
	}
	m.tunableField(t).Set(reflect.ValueOf(v))
}

// tunableField is the field of ntpSettingsModel whose tfsdk tag is t.Attr.
// TestTunablesHaveFields checks that every tunable has one, of the type its
// kind needs.
func (m *ntpSettingsModel) tunableField(t wintime.Tunable) reflect.Value {
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("tfsdk") == t.Attr {
			return v.Field(i)
		}
	}
	panic("ntpSettingsModel has no field for " + t.Attr)
}

// tunableFromValue converts an attribute's value into the DWORD to write;
// ok is false when the value is null or unknown (not managed). The schema's
// validators have checked the range; the error is for values that did not
// pass through them (a state written by another version).
func tunableFromValue(t wintime.Tunable, v attr.Value) (n uint32, ok bool, err error) {
	if v == nil || v.IsNull() || v.IsUnknown() {
		return 0, false, nil
	}
	var s string
	switch v := v.(type) {
	case types.Int64:
		s = strconv.FormatInt(v.ValueInt64(), 10)
	case types.Bool:
		s = strconv.FormatBool(v.ValueBool())
	case types.String:
		s = v.ValueString()
	default:
		return 0, false, fmt.Errorf("%s: unexpected value type %T; this is a bug in the provider", t.Attr, v)
	}
	n, err = t.Parse(s)
	return n, err == nil, err
}

// tunableValidator checks a tunable's configured value against its range and
// names the attribute, the range and the unit when it is outside.
type tunableValidator struct{ t wintime.Tunable }

func (v tunableValidator) Description(context.Context) string {
	return "must be " + v.t.RangeText()
}

func (v tunableValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v tunableValidator) ValidateInt64(_ context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if _, _, err := tunableFromValue(v.t, req.ConfigValue); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Value out of range", err.Error()+".")
	}
}

func (v tunableValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if _, _, err := tunableFromValue(v.t, req.ConfigValue); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value", err.Error()+".")
	}
}

// tunableDoc documents a tunable: what it does, its registry value, unit and
// range, its default per role, the versions that have it and its policy key.
func tunableDoc(t wintime.Tunable, resource bool) string {
	var b strings.Builder
	b.WriteString(t.Description)
	fmt.Fprintf(&b, " Registry value `%s` under `%s`", t.Value, t.Key)
	if t.Kind != wintime.KindBool && t.Kind != wintime.KindEnum {
		fmt.Fprintf(&b, ", in %s; allowed: %s", t.Unit, t.RangeText())
	}
	fmt.Fprintf(&b, ". Windows default: %s on a standalone server, %s on a domain member, %s on a domain controller. "+
		"Available on %s.", "`"+t.Defaults[0]+"`", "`"+t.Defaults[1]+"`", "`"+t.Defaults[2]+"`", t.SinceText())
	if t.PolicyKey != "" {
		fmt.Fprintf(&b, " Group Policy overrides it with `%s` under `%s`.", t.Value, t.PolicyKey)
	}
	if resource {
		b.WriteString(" When omitted, the host's value is left as it is and shown in the state (null where the " +
			"host does not have the value).")
	}
	return b.String()
}

// tunableAttributes returns the resource's attribute of every tunable:
// optional, computed from the host when left out.
func tunableAttributes() map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, t := range wintime.Tunables {
		doc := tunableDoc(t, true)
		switch t.Kind {
		case wintime.KindNumber:
			out[t.Attr] = schema.Int64Attribute{
				MarkdownDescription: doc, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown()},
				Validators:    []validator.Int64{tunableValidator{t}},
			}
		case wintime.KindBool:
			out[t.Attr] = schema.BoolAttribute{
				MarkdownDescription: doc, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			}
		default:
			out[t.Attr] = schema.StringAttribute{
				MarkdownDescription: doc, Optional: true, Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Validators:    []validator.String{tunableValidator{t}},
			}
		}
	}
	out["service_startup"] = schema.StringAttribute{
		MarkdownDescription: serviceStartupDoc + " When omitted, the host's start type is left as it is and shown in the state.",
		Optional:            true, Computed: true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		Validators:    []validator.String{stringvalidator.OneOf(wintime.StartTypeNames()...)},
	}
	return out
}

// dataSourceTunableAttributes returns the data source's attribute of every
// tunable: computed.
func dataSourceTunableAttributes() map[string]dschema.Attribute {
	out := map[string]dschema.Attribute{}
	for _, t := range wintime.Tunables {
		doc := "The effective value (Group Policy's where a policy sets it). " + tunableDoc(t, false) +
			" Null where the host does not have the value."
		switch t.Kind {
		case wintime.KindNumber:
			out[t.Attr] = dschema.Int64Attribute{MarkdownDescription: doc, Computed: true}
		case wintime.KindBool:
			out[t.Attr] = dschema.BoolAttribute{MarkdownDescription: doc, Computed: true}
		default:
			out[t.Attr] = dschema.StringAttribute{MarkdownDescription: doc, Computed: true}
		}
	}
	out["service_startup"] = dschema.StringAttribute{MarkdownDescription: serviceStartupDoc, Computed: true}
	out["policy_overrides"] = dschema.MapAttribute{MarkdownDescription: policyOverridesDoc, ElementType: types.StringType, Computed: true}
	return out
}

const serviceStartupDoc = "How the W32Time service starts: `automatic`, `automatic_delayed` (Server 2008 and later), " +
	"`manual` or `disabled`. Written with `sc config w32time start= auto|delayed-auto|demand|disabled`, read with " +
	"`sc qc w32time`. `manual` also restores, from Server 2008 R2 on, the domain-join trigger start Windows gives " +
	"the service (`sc triggerinfo w32time start/domainjoin stop/domainleave`), so that a domain member still starts " +
	"it; outside a domain a manual service stays stopped after a reboot, and the host does not keep time: use " +
	"`automatic` there. With `disabled` the provider neither starts the service nor asks it to reread its settings; " +
	"they apply when it next starts. Windows default: `manual` (trigger start) on a standalone server from 2008 R2 " +
	"on, `automatic` otherwise."

const policyOverridesDoc = "What Group Policy sets on the host, by the attribute it overrides (`type`, `ntp_servers`, " +
	"`reliable` and the tunables), each value as the attribute shows it (`ntp_servers` as the `NtpServer` text). " +
	"Read from `HKLM\\SOFTWARE\\Policies\\Microsoft\\W32Time` (`Parameters`, `Config`, `TimeProviders\\NtpClient`, " +
	"`TimeProviders\\NtpServer`). Empty when no policy applies."

// policyOverridesValue is the policy_overrides value of a host's state.
func policyOverridesValue(st wintime.State) types.Map {
	elems := map[string]attr.Value{}
	for k, v := range st.PolicyOverrides() {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// policyWarnings are the plan's warnings for settings the configuration
// manages that Group Policy holds at another value, as the prior state
// recorded the policy (the refresh before the plan has just read it).
func policyWarnings(ctx context.Context, policy types.Map, want wintime.Settings) diag.Diagnostics {
	var diags diag.Diagnostics
	if policy.IsNull() || policy.IsUnknown() {
		return diags
	}
	held := map[string]string{}
	diags.Append(policy.ElementsAs(ctx, &held, false)...)
	for _, c := range wintime.PolicyConflicts(held, want) {
		diags.AddWarning("Group Policy overrides "+c.Attr,
			c.String()+". The apply will refuse to write it.")
	}
	return diags
}
