// Package provider is the Terraform glue of the Windows time provider: the
// provider configuration, the resources and their schemas, validators and
// plan modifiers. The time domain lives in package wintime and the WinRM
// transport in package transport; this package only connects them to
// Terraform.
package provider

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// Defaults of the provider configuration.
const (
	defaultTimeout    = 60 * time.Second
	defaultMaxRetries = 3
	defaultAuth       = "ntlm"
)

var _ provider.Provider = (*windowsProvider)(nil)

// New returns a constructor of the provider, as providerserver.Serve and the
// acceptance tests' factories want it. The provider makes its own connection
// pool and never closes it; see NewWithPool.
func New(version string) func() provider.Provider {
	return NewWithPool(version, nil)
}

// NewWithPool is New with a WinRM connection pool that the caller closes when
// the plugin stops, which deletes the shells the process opened on its hosts.
func NewWithPool(version string, pool *transport.Pool) func() provider.Provider {
	return func() provider.Provider {
		return &windowsProvider{version: version, pool: pool}
	}
}

// windowsProvider is the provider. The connection pool lives in it so that
// every resource of one provider configuration shares one WinRM client per
// host, across the whole run of the CLI.
type windowsProvider struct {
	version string
	pool    *transport.Pool
}

// providerModel is the provider block.
type providerModel struct {
	Host             types.String `tfsdk:"host"`
	Port             types.Int64  `tfsdk:"port"`
	HTTPS            types.Bool   `tfsdk:"https"`
	Insecure         types.Bool   `tfsdk:"insecure"`
	CACert           types.String `tfsdk:"ca_cert"`
	TLSServerName    types.String `tfsdk:"tls_server_name"`
	Username         types.String `tfsdk:"username"`
	Password         types.String `tfsdk:"password"`
	Auth             types.String `tfsdk:"auth"`
	AllowUnencrypted types.Bool   `tfsdk:"allow_unencrypted"`
	Timeout          types.String `tfsdk:"timeout"`
	MaxRetries       types.Int64  `tfsdk:"max_retries"`
}

func (p *windowsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "windows"
	resp.Version = p.version
}

func (p *windowsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `windows` provider manages the Windows Time service (W32Time) of Windows Server " +
			"2003 to 2025 over WinRM. It runs `w32tm`, `reg`, `ver` and `sc` through the WinRM `cmd` shell and " +
			"chooses the commands by the Windows version it detects.\n\n" +
			"Every argument can also be set through an environment variable, used when the argument is not set " +
			"in the configuration.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "Default host for resources that do not name their own `host`: a DNS name, IPv4 or " +
					"IPv6 address, optionally with a port (`dc01.example.com:5986`, `[2001:db8::1]:5985`). " +
					"Environment variable: `WINDOWS_HOST`.",
				Optional:   true,
				Validators: []validator.String{hostValidator{}},
			},
			"port": schema.Int64Attribute{
				MarkdownDescription: "WinRM port. Defaults to `5985`, or `5986` when `https` is true. A port given in " +
					"`host` takes precedence. Environment variable: `WINDOWS_PORT`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 65535)},
			},
			"https": schema.BoolAttribute{
				MarkdownDescription: "Connect over HTTPS (the WinRM HTTPS listener). Defaults to `false`. " +
					"Environment variable: `WINDOWS_HTTPS`.",
				Optional: true,
			},
			"insecure": schema.BoolAttribute{
				MarkdownDescription: "Skip verification of the host's TLS certificate. Defaults to `false`; prefer " +
					"`ca_cert`. Environment variable: `WINDOWS_INSECURE`.",
				Optional: true,
			},
			"ca_cert": schema.StringAttribute{
				MarkdownDescription: "PEM-encoded CA certificate(s) to verify the host's HTTPS certificate with, in " +
					"addition to the system roots. Environment variable: `WINDOWS_CA_CERT`.",
				Optional: true,
			},
			"tls_server_name": schema.StringAttribute{
				MarkdownDescription: "Name to verify the host's certificate against, when it differs from `host`. " +
					"Environment variable: `WINDOWS_TLS_SERVER_NAME`.",
				Optional: true,
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Account to log on with: a local administrator or a domain account in the " +
					"host's Administrators group (`Administrator`, `EXAMPLE\\admin`). Environment variable: " +
					"`WINDOWS_USERNAME`.",
				Optional: true,
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password of `username`. It is never logged. Environment variable: " +
					"`WINDOWS_PASSWORD`. Required: with neither set, the plan fails before any host is contacted " +
					"(an empty password would be a failed logon on every host).",
				Optional:  true,
				Sensitive: true,
			},
			"auth": schema.StringAttribute{
				MarkdownDescription: "Authentication scheme: `ntlm` (default; Windows' default, with message " +
					"encryption over HTTP) or `basic` (must be enabled on the host, and needs HTTPS unless " +
					"`allow_unencrypted` is set). Environment variable: `WINDOWS_AUTH`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOfCaseInsensitive(authNames()...)},
			},
			"allow_unencrypted": schema.BoolAttribute{
				MarkdownDescription: "Allow `basic` authentication over plain HTTP, which sends the password and every " +
					"command in clear text. Defaults to `false`. Environment variable: `WINDOWS_ALLOW_UNENCRYPTED`.",
				Optional: true,
			},
			"timeout": schema.StringAttribute{
				MarkdownDescription: "Deadline for one command on a host, as a Go duration (`30s`, `2m`). Defaults to " +
					"`60s`. Environment variable: `WINDOWS_TIMEOUT`.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a transient failure (connection reset, HTTP 5xx, a request " +
					"timeout) is retried, with backoff. Authentication failures are never retried, so that an " +
					"account is not locked out. Defaults to `3`. Environment variable: `WINDOWS_MAX_RETRIES`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
		},
	}
}

func (p *windowsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, host, err := connectionSettings(m, os.LookupEnv)
	unknown := unknownSettings(m)
	if err != nil && len(unknown) == 0 {
		resp.Diagnostics.AddAttributeError(err.attr, "Invalid provider configuration", err.msg)
		return
	}
	if m.Host.IsNull() && host != "" {
		// From WINDOWS_HOST: the attribute's validator did not see it.
		if w := hostPortWarning("WINDOWS_HOST", host); w != "" {
			resp.Diagnostics.AddAttributeWarning(path.Root("host"), hostPortSummary, w)
		}
	}
	if p.pool == nil {
		// One pool for the life of the plugin process: the CLI configures
		// the provider once per run, and resources share its clients.
		p.pool = transport.NewPool()
	}
	data := &providerData{pool: p.pool, base: cfg, host: host, unknown: unknown, planned: newPlannedHosts()}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *windowsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewNTPConfigResource}
}

func (p *windowsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewNTPConfigDataSource}
}

// configError names the attribute a configuration error is about.
type configError struct {
	attr path.Path
	msg  string
}

// connectionSettings merges the provider block with the WINDOWS_* environment
// variables (the block wins) and checks the result. It returns the transport
// settings without a host, and the default host.
func connectionSettings(m providerModel, env func(string) (string, bool)) (transport.Config, string, *configError) {
	cfg := transport.Config{Auth: defaultAuth, Timeout: defaultTimeout, MaxRetries: defaultMaxRetries}
	fail := func(attr, format string, a ...any) (transport.Config, string, *configError) {
		return transport.Config{}, "", &configError{attr: path.Root(attr), msg: fmt.Sprintf(format, a...)}
	}

	str := func(v types.String, name string) (string, bool) {
		if !v.IsNull() && !v.IsUnknown() {
			return v.ValueString(), true
		}
		return env(name)
	}
	host, _ := str(m.Host, "WINDOWS_HOST")
	if host != "" {
		if err := validateHost(host); err != nil {
			return fail("host", "host %q (from the configuration or WINDOWS_HOST) is invalid: %s", host, err)
		}
	}
	cfg.CACert, _ = str(m.CACert, "WINDOWS_CA_CERT")
	cfg.TLSServerName, _ = str(m.TLSServerName, "WINDOWS_TLS_SERVER_NAME")
	cfg.Username, _ = str(m.Username, "WINDOWS_USERNAME")
	cfg.Password, _ = str(m.Password, "WINDOWS_PASSWORD")
	// Not a provider argument: it exists only for the benchmarks (scripts/bench.sh), which measure the naive
	// shell-per-command transport as a baseline in the same run.
	cfg.FreshShellPerCommand = func(s string, _ bool) bool { return s == "1" || strings.EqualFold(s, "true") }(env("WINDOWS_FRESH_SHELL_PER_COMMAND"))
	if a, ok := str(m.Auth, "WINDOWS_AUTH"); ok && a != "" {
		a = strings.ToLower(a)
		if _, ok := authSchemes[a]; !ok {
			return fail("auth", "auth %q (from the configuration or WINDOWS_AUTH) is not supported: use \"ntlm\" or \"basic\"", a)
		}
		cfg.Auth = a
	}
	if s, ok := str(m.Timeout, "WINDOWS_TIMEOUT"); ok && s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return fail("timeout", "timeout %q (from the configuration or WINDOWS_TIMEOUT) is not a positive duration such as \"30s\" or \"2m\"", s)
		}
		cfg.Timeout = d
	}

	boolean := func(v types.Bool, name, attr string, dst *bool) *configError {
		if !v.IsNull() && !v.IsUnknown() {
			*dst = v.ValueBool()
			return nil
		}
		if s, ok := env(name); ok && s != "" {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return &configError{path.Root(attr), fmt.Sprintf("%s=%q is not a boolean: use true or false", name, s)}
			}
			*dst = b
		}
		return nil
	}
	for _, b := range []struct {
		v         types.Bool
		env, attr string
		dst       *bool
	}{
		{m.HTTPS, "WINDOWS_HTTPS", "https", &cfg.HTTPS},
		{m.Insecure, "WINDOWS_INSECURE", "insecure", &cfg.Insecure},
		{m.AllowUnencrypted, "WINDOWS_ALLOW_UNENCRYPTED", "allow_unencrypted", &cfg.AllowUnencrypted},
	} {
		if err := boolean(b.v, b.env, b.attr, b.dst); err != nil {
			return transport.Config{}, "", err
		}
	}

	integer := func(v types.Int64, name, attr string, lo, hi int64) (int64, bool, *configError) {
		if !v.IsNull() && !v.IsUnknown() {
			return v.ValueInt64(), true, nil
		}
		s, ok := env(name)
		if !ok || s == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < lo || n > hi {
			return 0, false, &configError{path.Root(attr), fmt.Sprintf("%s=%q is not a number between %d and %d", name, s, lo, hi)}
		}
		return n, true, nil
	}
	if n, ok, err := integer(m.Port, "WINDOWS_PORT", "port", 1, 65535); err != nil {
		return transport.Config{}, "", err
	} else if ok {
		cfg.Port = int(n)
	}
	if n, ok, err := integer(m.MaxRetries, "WINDOWS_MAX_RETRIES", "max_retries", 0, 20); err != nil {
		return transport.Config{}, "", err
	} else if ok {
		cfg.MaxRetries = int(n)
		if n == 0 {
			cfg.MaxRetries = -1 // the transport reads 0 as "default" and a negative value as "never"
		}
	}
	return cfg, host, checkConnection(cfg, m.Password.IsUnknown())
}

// authNames returns the values auth takes, sorted.
func authNames() []string {
	names := make([]string, 0, len(authSchemes))
	for n := range authSchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// authSchemes are the values of auth, and whether each logs on with a
// password. A scheme that does not (Kerberos with a ticket cache, say) is
// exempted from the missing-password check by saying so here.
var authSchemes = map[string]struct{ needsPassword bool }{
	"ntlm":  {needsPassword: true},
	"basic": {needsPassword: true},
}

// checkConnection refuses, at plan time, settings that cannot work whatever
// the host: the transport would refuse them only when a resource connects,
// and blame the host. passwordPending says that the password comes from a
// value not known during this plan, which is not a missing password.
func checkConnection(cfg transport.Config, passwordPending bool) *configError {
	switch {
	case cfg.Username == "":
		return &configError{path.Root("username"), "No username is set: set username in the provider block or the " +
			"WINDOWS_USERNAME environment variable to an administrator of the hosts."}
	case cfg.Password == "" && !passwordPending && authSchemes[cfg.Auth].needsPassword:
		// An empty password is what an unset variable gives (a CI secret
		// not exported): every host would see a failed logon of username.
		return &configError{path.Root("password"), fmt.Sprintf("No password is set for %s: set password in the "+
			"provider block or the WINDOWS_PASSWORD environment variable. An empty password is refused before any "+
			"host is contacted, so that no host counts a failed logon.", cfg.Username)}
	case cfg.Auth == "basic" && !cfg.HTTPS && !cfg.AllowUnencrypted:
		return &configError{path.Root("auth"), "Basic authentication over plain HTTP would send the password and " +
			"every command in clear text, and Windows refuses it by default. Use https = true, or auth = \"ntlm\" " +
			"(which encrypts messages over HTTP), or set allow_unencrypted = true if the host allows it."}
	case strings.TrimSpace(cfg.CACert) != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(cfg.CACert)):
		return &configError{path.Root("ca_cert"), "ca_cert holds no PEM certificate: give the text of the CA " +
			"certificate, for example ca_cert = file(\"winrm-ca.pem\")."}
	}
	return nil
}

// unknownSettings returns the provider arguments not known yet during this
// plan (they depend on a resource not created yet), by their names in the
// provider block, in the order of the schema; nil when all are known.
func unknownSettings(m providerModel) []string {
	var names []string
	for _, v := range []struct {
		name string
		v    interface{ IsUnknown() bool }
	}{
		{"host", m.Host}, {"port", m.Port}, {"https", m.HTTPS}, {"insecure", m.Insecure}, {"ca_cert", m.CACert},
		{"tls_server_name", m.TLSServerName}, {"username", m.Username}, {"password", m.Password}, {"auth", m.Auth},
		{"allow_unencrypted", m.AllowUnencrypted}, {"timeout", m.Timeout}, {"max_retries", m.MaxRetries},
	} {
		if v.v.IsUnknown() {
			names = append(names, v.name)
		}
	}
	return names
}
