package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// logSubsystem is the terraform-plugin-log subsystem of the WinRM transport,
// which logs every command line and its duration at debug level. Its level
// can be set on its own with TF_LOG_PROVIDER_WINDOWS_WINRM; the CLI passes on
// provider logs at the level of TF_LOG_PROVIDER or TF_LOG.
const logSubsystem = "winrm"

// providerData is what the provider hands its resources.
type providerData struct {
	pool *transport.Pool
	base transport.Config // connection settings without a host
	host string           // default host, possibly with a port; "" when none
	// hostUnknown and connUnknown report that the provider's host, or any
	// of its connection settings, depend on values not known during this
	// plan (a resource not created yet).
	hostUnknown, connUnknown bool
}

// providerDataFrom unpacks what the provider hands its resources and data
// sources in Configure; nil until the provider is configured.
func providerDataFrom(v any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if v == nil {
		return nil, diags
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
	}
	return data, diags
}

// connect is client for a resource or data source: its errors are
// diagnostics on the host attribute, and a nil d (a provider never
// configured) is reported rather than dereferenced.
func (d *providerData) connect(host string) (*transport.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	if d == nil {
		diags.AddError("Provider not configured",
			"The windows provider was not configured before it was used. This is a bug in the provider or in the CLI.")
		return nil, diags
	}
	c, err := d.client(host)
	if err != nil {
		diags.AddAttributeError(path.Root("host"), "Cannot connect to "+host, err.Error()+".")
	}
	return c, diags
}

// client returns the shared WinRM client of host ("name" or "name:port").
func (d *providerData) client(host string) (*transport.Client, error) {
	name, port, err := splitHostPort(host)
	if err != nil {
		return nil, err
	}
	cfg := d.base
	cfg.Host = name
	if port != 0 {
		cfg.Port = port
	}
	cfg.Log = logCommand
	return d.pool.Client(cfg)
}

// withLogging returns ctx with the WinRM log subsystem and the password masked
// in every log entry of this request, whatever field or message carries it.
func (d *providerData) withLogging(ctx context.Context) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_WINDOWS_WINRM"))
	if d.base.Password != "" {
		ctx = tflog.MaskAllFieldValuesStrings(ctx, d.base.Password)
		ctx = tflog.MaskMessageStrings(ctx, d.base.Password)
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, d.base.Password)
		ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, d.base.Password)
	}
	return ctx
}

// logCommand is the transport's log hook.
func logCommand(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemDebug(ctx, logSubsystem, msg, fields)
}

// splitHostPort splits "name", "name:port", "[v6]:port" or a bare IPv6
// literal. Port 0 means the default.
func splitHostPort(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("host is empty")
	}
	if strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "[") {
		return s, 0, wintime.ValidateAddress(s) // bare IPv6 literal
	}
	if !strings.Contains(s, ":") {
		return s, 0, wintime.ValidateAddress(s)
	}
	name, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("cannot split %q into host and port: write name, name:port or [IPv6]:port", s)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("port %q is not a number between 1 and 65535", p)
	}
	return name, port, wintime.ValidateAddress(name)
}

// validateHost checks a host as the configuration gives it.
func validateHost(s string) error {
	_, _, err := splitHostPort(s)
	return err
}
