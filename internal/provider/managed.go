package provider

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// planUnmanaged marks unknown, in the plan of an apply that writes the host,
// every setting the configuration leaves out (null): such a setting is not
// managed, and the apply takes what the host holds for it after writing the
// others, which may change between this plan and the apply (a saved plan
// applied later). A plan that writes nothing keeps the state's values, so
// that it stays empty. meta names the attributes that are not settings of
// the host; every other attribute is one.
func planUnmanaged(ctx context.Context, meta []string, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	for _, name := range slices.Sorted(maps.Keys(req.Plan.Schema.GetAttributes())) {
		if slices.Contains(meta, name) {
			continue
		}
		p := path.Root(name)
		var v attr.Value
		if resp.Diagnostics.Append(req.Config.GetAttribute(ctx, p, &v)...); v == nil || !v.IsNull() {
			continue
		}
		t, diags := req.Plan.Schema.TypeAtPath(ctx, p)
		if resp.Diagnostics.Append(diags...); diags.HasError() {
			continue
		}
		unknown, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), tftypes.UnknownValue))
		if err != nil {
			resp.Diagnostics.AddAttributeError(p, "Cannot plan "+name,
				"The provider cannot make an unknown value of "+name+": "+err.Error()+". This is a bug in the provider; please report it.")
			continue
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, p, unknown)...)
	}
}
