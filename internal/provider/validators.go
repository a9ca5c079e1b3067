package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// hostValidator accepts a DNS name, IPv4 or IPv6 address, optionally with a port.
type hostValidator struct{}

func (hostValidator) Description(context.Context) string {
	return "must be a DNS name, IPv4 or IPv6 address, optionally followed by :port"
}

func (v hostValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (hostValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := validateHost(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid host",
			fmt.Sprintf("%s: %s. Write a DNS name, an IPv4 or IPv6 address, optionally with a port (host:5986, [2001:db8::1]:5985).",
				req.Path, err))
		return
	}
	if w := hostPortWarning(req.Path.String(), req.ConfigValue.ValueString()); w != "" {
		resp.Diagnostics.AddAttributeWarning(req.Path, hostPortSummary, w)
	}
}

// addressValidator accepts an NTP peer address: a DNS name, IPv4 or IPv6
// literal, and nothing else, because the address goes onto a w32tm command line.
type addressValidator struct{}

func (addressValidator) Description(context.Context) string {
	return "must be a DNS name, an IPv4 address or an IPv6 address"
}

func (v addressValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (addressValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := wintime.ValidateAddress(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid NTP server address",
			fmt.Sprintf("%s: %s. Only DNS names, IPv4 and IPv6 addresses are accepted; flags go in the flags attribute.",
				req.Path, err))
	}
}

// durationValidator accepts a positive Go duration such as "30s".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return `must be a positive duration such as "30s" or "2m"`
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if d, err := time.ParseDuration(req.ConfigValue.ValueString()); err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%s: %q is not a positive duration; write it like \"30s\", \"90s\" or \"2m\".",
				req.Path, req.ConfigValue.ValueString()))
	}
}
