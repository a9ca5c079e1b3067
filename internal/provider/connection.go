package provider

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// logSubsystem is the terraform-plugin-log subsystem of the WinRM transport,
// which logs every command line and its duration at debug level. Its level
// can be set on its own with TF_LOG_PROVIDER_WINDOWS_WINRM; the CLI passes on
// provider logs at the level of TF_LOG_PROVIDER or TF_LOG.
const logSubsystem = "winrm"

// providerData is what the provider hands its resources. A new one is made
// each time the CLI configures the provider, that is once per plan or apply.
type providerData struct {
	pool *transport.Pool
	base transport.Config // connection settings without a host
	host string           // default host, possibly with a port; "" when none
	// unknown names the provider arguments that depend on values not known
	// during this plan (a resource not created yet); see unknownSettings.
	unknown []string
	// planned is the hosts the resources planned so far, to warn when two
	// resources manage one host.
	planned *plannedHosts
	// reads is the last read of each host, shared by every resource and
	// data source of this configuration.
	reads *hostReads
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
func (d *providerData) connect(host string, cred credentials) (*transport.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	if d == nil {
		diags.AddError("Provider not configured",
			"The windows provider was not configured before it was used. This is a bug in the provider or in the CLI.")
		return nil, diags
	}
	c, err := d.client(host, cred)
	if err != nil {
		diags.AddAttributeError(path.Root("host"), "Cannot connect to "+host, err.Error()+".")
	}
	return c, diags
}

// client returns the shared WinRM client of host ("name" or "name:port"),
// logged on with the provider's credentials overridden by cred.
func (d *providerData) client(host string, cred credentials) (*transport.Client, error) {
	name, port, err := splitHostPort(host)
	if err != nil {
		return nil, err
	}
	cfg := cred.merge(d.base)
	cfg.Host = name
	if port != 0 {
		cfg.Port = port
	}
	cfg.Log = logCommand
	return d.pool.Client(cfg)
}

// withLogging returns ctx with the WinRM log subsystem and every password in
// use masked in every log entry of this request, whatever field or message
// carries it: the provider's, and cred's own.
func (d *providerData) withLogging(ctx context.Context, cred credentials) context.Context {
	ctx = tflog.NewSubsystem(ctx, logSubsystem, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_WINDOWS_WINRM"))
	for _, pw := range []string{d.base.Password, cred.Password.ValueString()} {
		if pw == "" {
			continue
		}
		ctx = tflog.MaskAllFieldValuesStrings(ctx, pw)
		ctx = tflog.MaskMessageStrings(ctx, pw)
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, logSubsystem, pw)
		ctx = tflog.SubsystemMaskMessageStrings(ctx, logSubsystem, pw)
	}
	return ctx
}

// logCommand is the transport's log hook.
func logCommand(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemDebug(ctx, logSubsystem, msg, fields)
}

// splitHostPort splits "name", "name:port", "[v6]:port", "[v6]" or a bare
// IPv6 literal. Port 0 means the default. The name comes without brackets.
func splitHostPort(s string) (string, int, error) {
	if s == "" {
		return "", 0, errors.New("host is empty")
	}
	if strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "[") {
		return s, 0, wintime.ValidateAddress(s) // bare IPv6 literal
	}
	if v6, ok := strings.CutPrefix(s, "["); ok && strings.HasSuffix(v6, "]") {
		v6 = strings.TrimSuffix(v6, "]")
		if !strings.Contains(v6, ":") {
			return "", 0, fmt.Errorf("%q has brackets, which only an IPv6 address takes", s)
		}
		return v6, 0, wintime.ValidateAddress(v6) // [v6] without a port
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

// hostPortSummary is the summary of hostPortWarning's warning.
const hostPortSummary = "IPv6 address or port?"

// winrmPorts are the ports WinRM listens on by default: 5985 and 5986, and
// 80 and 443 for WinRM 1.1 (Server 2003 and 2008).
var winrmPorts = map[string]bool{"80": true, "443": true, "5985": true, "5986": true}

// hostPortWarning returns a warning when host, as attr gives it, is a bare
// IPv6 literal that looks like an address followed by a port: ::1:5985 is a
// valid address, and taken as one (with the default port), but was more
// likely meant as [::1]:5985. The rule: no brackets, and the last group is
// written in decimal and is one of the WinRM ports. Any other all-decimal last
// group (2001:db8::1234) is an ordinary address, so it is not warned about.
// Returns "" when there is nothing to say.
func hostPortWarning(attr, host string) string {
	if strings.HasPrefix(host, "[") || strings.Count(host, ":") < 2 {
		return ""
	}
	i := strings.LastIndex(host, ":")
	addr, port := host[:i], host[i+1:]
	if !winrmPorts[port] {
		return ""
	}
	if strings.HasSuffix(addr, ":") { // fe80::5985: the split took one colon of "::"
		addr += ":"
	}
	if wintime.ValidateAddress(addr) != nil {
		return ""
	}
	return fmt.Sprintf("%s %q is read as the IPv6 address %s with the default WinRM port. If %s is meant as the port, "+
		"write [%s]:%s.", attr, host, host, port, addr, port)
}

// hostKey identifies a host and port the way the transport connects to it:
// the name without letter case, brackets or the root's final dot, and the
// port given, or the provider's port, or the default of the scheme.
func (d *providerData) hostKey(host string) (string, bool) {
	name, port, err := splitHostPort(host)
	if err != nil {
		return "", false
	}
	if port == 0 {
		port = d.base.Port
	}
	if port == 0 {
		port = transport.DefaultHTTPPort
		if d.base.HTTPS {
			port = transport.DefaultHTTPSPort
		}
	}
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	return net.JoinHostPort(name, strconv.Itoa(port)), true
}

// plannedHosts remembers, for one configuration of the provider (one plan or
// one apply), the host each resource planned, so that a second resource of
// the same type on the same host is warned about: both would write their own
// settings on every apply, undoing each other.
//
// The framework does not tell which resource a plan is for, and the CLI plans
// one resource twice in one run when it replaces it (once against its state,
// once as a creation). So a resource is told apart by its configuration: a
// plan whose configuration equals one already planned for the host is taken
// as the same resource planned again. Two resources with the very same
// configuration write the same values and do not undo each other, so missing
// them costs no warning that matters.
//
// A configuration is kept as the SHA-256 of its wire encoding (MessagePack,
// whose objects list their attributes in order of name), not as the value:
// a fleet plans one resource per host, and the values took a few KiB each
// for the whole run.
type plannedHosts struct {
	mu      sync.Mutex
	configs map[string][]configDigest // by type name and hostKey (see hostBound.warnSharedHost)
}

// configDigest identifies a configuration (see plannedHosts).
type configDigest [sha256.Size]byte

func newPlannedHosts() *plannedHosts { return &plannedHosts{configs: map[string][]configDigest{}} }

// digestOf is config's configDigest. A value that cannot be encoded (none
// the framework hands a plan) gets its own digest, the zero one: taken as
// another resource's when the host has one already, which errs towards the
// warning.
func digestOf(config tftypes.Value) configDigest {
	dv, err := tfprotov6.NewDynamicValue(config.Type(), config)
	if err != nil {
		return configDigest{}
	}
	return sha256.Sum256(dv.MsgPack)
}

// add records that a resource with configuration config plans key, and
// reports whether another resource planned the same host before it.
func (p *plannedHosts) add(key string, config tftypes.Value) (another bool) {
	d := digestOf(config)
	p.mu.Lock()
	defer p.mu.Unlock()
	if slices.Contains(p.configs[key], d) {
		return false
	}
	another = len(p.configs[key]) > 0
	p.configs[key] = append(p.configs[key], d)
	return another
}
