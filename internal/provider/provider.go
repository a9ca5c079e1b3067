// Package provider is the Terraform glue of the Windows time provider: the
// provider configuration, the resources and their schemas, validators and
// plan modifiers. The time domain lives in package wintime and the WinRM
// transport in package transport; this package only connects them to
// Terraform.
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

var (
	_ provider.Provider              = (*windowsProvider)(nil)
	_ provider.ProviderWithFunctions = (*windowsProvider)(nil)
)

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
	Host             types.String   `tfsdk:"host"`
	Port             types.Int64    `tfsdk:"port"`
	HTTPS            types.Bool     `tfsdk:"https"`
	Insecure         types.Bool     `tfsdk:"insecure"`
	CACert           types.String   `tfsdk:"ca_cert"`
	TLSServerName    types.String   `tfsdk:"tls_server_name"`
	Username         types.String   `tfsdk:"username"`
	Password         types.String   `tfsdk:"password"`
	Auth             types.String   `tfsdk:"auth"`
	AllowUnencrypted types.Bool     `tfsdk:"allow_unencrypted"`
	Timeout          types.String   `tfsdk:"timeout"`
	MaxRetries       types.Int64    `tfsdk:"max_retries"`
	Kerberos         *kerberosModel `tfsdk:"kerberos"`
}

// kerberosModel is the kerberos block.
type kerberosModel struct {
	Realm    types.String `tfsdk:"realm"`
	Krb5Conf types.String `tfsdk:"krb5_conf"`
	KDC      types.String `tfsdk:"kdc"`
	SPN      types.String `tfsdk:"spn"`
	Keytab   types.String `tfsdk:"keytab"`
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
					"`WINDOWS_PASSWORD`. Required, except with `auth = \"kerberos\"` or `\"negotiate\"` and a " +
					"`keytab` or a ticket cache (`KRB5CCNAME`): with none, the plan fails before any host is " +
					"contacted (an empty password would be a failed logon on every host).",
				Optional:  true,
				Sensitive: true,
			},
			"auth": schema.StringAttribute{
				MarkdownDescription: "Authentication scheme: `ntlm` (default; Windows' default, with message " +
					"encryption over HTTP), `kerberos` (domain hosts; messages encrypted over HTTP too; see the " +
					"`kerberos` block), `negotiate` (Kerberos when a ticket can be had, NTLM otherwise; the log says " +
					"which) or `basic` (must be enabled on the host, and needs HTTPS unless `allow_unencrypted` is " +
					"set). Environment variable: `WINDOWS_AUTH`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOfCaseInsensitive(transport.AuthSchemes()...)},
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
		Blocks: map[string]schema.Block{"kerberos": kerberosBlock()},
	}
}

// kerberosBlock is the schema of the kerberos block.
func kerberosBlock() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Kerberos settings of `auth = \"kerberos\"` and `\"negotiate\"`. Every argument is " +
			"optional. Without a password or `keytab`, the ticket cache named by `KRB5CCNAME` (after `kinit`) is " +
			"used, and `username` may be left out.",
		Attributes: map[string]schema.Attribute{
			"realm": schema.StringAttribute{
				MarkdownDescription: "Realm of a `username` given without one (`admin`, or `EXAMPLE\\admin` with a " +
					"NetBIOS domain name), in any letter case. A `user@example.com` or `example.com\\user` name " +
					"carries its own. Environment variable: `WINDOWS_KRB5_REALM`.",
				Optional: true,
			},
			"krb5_conf": schema.StringAttribute{
				MarkdownDescription: "Path of a krb5.conf. Without it, a configuration is derived from the realm " +
					"and `kdc` (or, with no `kdc`, from the realm's DNS SRV records, as Active Directory publishes " +
					"them). Environment variable: `KRB5_CONFIG`.",
				Optional: true,
			},
			"kdc": schema.StringAttribute{
				MarkdownDescription: "KDC (domain controller) to ask, `host` or `host:port`, several separated by " +
					"commas; used without `krb5_conf`. Environment variable: `WINDOWS_KRB5_KDC`.",
				Optional: true,
			},
			"spn": schema.StringAttribute{
				MarkdownDescription: "Service principal of the hosts: a service class (`HTTP`, `WSMAN`), to which " +
					"`/<host>` is added, or a whole SPN (`HTTP/win1.example.com`). Defaults to `HTTP`: WinRM " +
					"registers `HTTP/<host>` for both HTTP and HTTPS. Environment variable: `WINDOWS_KRB5_SPN`.",
				Optional: true,
			},
			"keytab": schema.StringAttribute{
				MarkdownDescription: "Path of a keytab holding the keys of `username`, used instead of `password`. " +
					"Environment variable: `WINDOWS_KRB5_KEYTAB`.",
				Optional: true,
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
	unknown, uerr := unknownSettings(req.Config.Raw)
	if uerr != nil {
		resp.Diagnostics.AddError("Unexpected provider configuration",
			fmt.Sprintf("Cannot read the provider block: %v. This is a bug in the provider; please report it.", uerr))
		return
	}
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
	data := &providerData{pool: p.pool, base: cfg, host: host, unknown: unknown, planned: newPlannedHosts(), reads: newHostReads()}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *windowsProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewNTPConfigResource, NewTimeZoneResource}
}

func (p *windowsProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewNTPConfigDataSource, NewHostDataSource, NewNTPStatusDataSource}
}

func (p *windowsProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{NewParseNTPServerFunction, NewFormatNTPServerFunction}
}

// configError names the attribute a configuration error is about.
type configError struct {
	attr path.Path
	msg  string
}

// setting is the provider argument and the environment variable that set a
// field of transport.Config.
type setting struct{ attr, env string }

// settings maps the transport.Config fields the provider sets to their
// arguments: to read them, and to report the transport's *ConfigError
// against the argument the user wrote.
var settings = map[string]setting{
	"Host":              {"host", "WINDOWS_HOST"},
	"Port":              {"port", "WINDOWS_PORT"},
	"HTTPS":             {"https", "WINDOWS_HTTPS"},
	"Insecure":          {"insecure", "WINDOWS_INSECURE"},
	"CACert":            {"ca_cert", "WINDOWS_CA_CERT"},
	"TLSServerName":     {"tls_server_name", "WINDOWS_TLS_SERVER_NAME"},
	"Username":          {"username", "WINDOWS_USERNAME"},
	"Password":          {"password", "WINDOWS_PASSWORD"},
	"Auth":              {"auth", "WINDOWS_AUTH"},
	"AllowUnencrypted":  {"allow_unencrypted", "WINDOWS_ALLOW_UNENCRYPTED"},
	"Timeout":           {"timeout", "WINDOWS_TIMEOUT"},
	"MaxRetries":        {"max_retries", "WINDOWS_MAX_RETRIES"},
	"Kerberos.Realm":    {"kerberos.realm", "WINDOWS_KRB5_REALM"},
	"Kerberos.Krb5Conf": {"kerberos.krb5_conf", "KRB5_CONFIG"},
	"Kerberos.KDC":      {"kerberos.kdc", "WINDOWS_KRB5_KDC"},
	"Kerberos.SPN":      {"kerberos.spn", "WINDOWS_KRB5_SPN"},
	"Kerberos.Keytab":   {"kerberos.keytab", "WINDOWS_KRB5_KEYTAB"},
	"Kerberos.CCache":   {"kerberos", "KRB5CCNAME"},
}

// attrPath is the path of a setting's argument: "kerberos.realm" is the
// realm argument of the kerberos block.
func attrPath(attr string) path.Path {
	block, name, nested := strings.Cut(attr, ".")
	if !nested {
		return path.Root(attr)
	}
	return path.Root(block).AtName(name)
}

// connectionSettings merges the provider block with the WINDOWS_* environment
// variables (the block wins) and checks the result: the transport's rules
// (transport.Config.Validate), reported against the provider's arguments. It
// returns the transport settings without a host, and the default host. A
// setting not known during this plan is not checked.
func connectionSettings(m providerModel, env func(string) (string, bool)) (transport.Config, string, *configError) {
	r := &settingsReader{env: env, pending: map[string]bool{}}
	cfg := transport.DefaultConfig()
	host, err := r.readStrings(m, &cfg)
	if err == nil {
		err = r.readBools(m, &cfg)
	}
	if err == nil {
		err = r.readInts(m, &cfg)
	}
	if err == nil {
		err = r.readKerberos(m, &cfg)
	}
	if err == nil {
		err = r.check(cfg, host)
	}
	if err != nil {
		return transport.Config{}, "", err
	}
	return cfg, host, nil
}

// settingsReader reads the provider's arguments, each from the block or else
// from its environment variable, and remembers those not known yet.
type settingsReader struct {
	env     func(string) (string, bool)
	pending map[string]bool // transport.Config fields whose argument is unknown during this plan
}

// fail is the error of a value of field read from the block or its variable.
func fail(field, format string, a ...any) *configError {
	return &configError{attr: attrPath(settings[field].attr), msg: fmt.Sprintf(format, a...)}
}

// str returns the string value of field, and whether it is set.
func (r *settingsReader) str(v types.String, field string) (string, bool) {
	if v.IsUnknown() {
		r.pending[field] = true
	}
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString(), true
	}
	return r.env(settings[field].env)
}

// readStrings reads the string arguments into cfg and returns the default
// host, checked: it takes a port, which transport.Config keeps apart.
func (r *settingsReader) readStrings(m providerModel, cfg *transport.Config) (string, *configError) {
	host, _ := r.str(m.Host, "Host")
	if host != "" {
		if err := validateHost(host); err != nil {
			return "", fail("Host", "host %q (from the configuration or WINDOWS_HOST) is invalid: %s", host, err)
		}
	}
	cfg.CACert, _ = r.str(m.CACert, "CACert")
	cfg.TLSServerName, _ = r.str(m.TLSServerName, "TLSServerName")
	cfg.Username, _ = r.str(m.Username, "Username")
	cfg.Password, _ = r.str(m.Password, "Password")
	if a, ok := r.str(m.Auth, "Auth"); ok && a != "" {
		cfg.Auth = strings.ToLower(a)
	}
	if s, ok := r.str(m.Timeout, "Timeout"); ok && s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return "", fail("Timeout", "timeout %q (from the configuration or WINDOWS_TIMEOUT) is not a positive duration such as \"30s\" or \"2m\"", s)
		}
		cfg.Timeout = d
	}
	return host, nil
}

// readBools reads the boolean arguments into cfg.
func (r *settingsReader) readBools(m providerModel, cfg *transport.Config) *configError {
	for _, b := range []struct {
		v     types.Bool
		field string
		dst   *bool
	}{
		{m.HTTPS, "HTTPS", &cfg.HTTPS},
		{m.Insecure, "Insecure", &cfg.Insecure},
		{m.AllowUnencrypted, "AllowUnencrypted", &cfg.AllowUnencrypted},
	} {
		if b.v.IsUnknown() {
			r.pending[b.field] = true
		}
		if !b.v.IsNull() && !b.v.IsUnknown() {
			*b.dst = b.v.ValueBool()
			continue
		}
		name := settings[b.field].env
		if s, ok := r.env(name); ok && s != "" {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return fail(b.field, "%s=%q is not a boolean: use true or false", name, s)
			}
			*b.dst = v
		}
	}
	return nil
}

// readInts reads the integer arguments into cfg. The schema bounds the
// block's values; the variables get the same bounds here.
func (r *settingsReader) readInts(m providerModel, cfg *transport.Config) *configError {
	for _, n := range []struct {
		v      types.Int64
		field  string
		lo, hi int64
		dst    *int
	}{
		{m.Port, "Port", 1, 65535, &cfg.Port},
		{m.MaxRetries, "MaxRetries", 0, 20, &cfg.MaxRetries},
	} {
		if n.v.IsUnknown() {
			r.pending[n.field] = true
		}
		if !n.v.IsNull() && !n.v.IsUnknown() {
			*n.dst = int(n.v.ValueInt64())
			continue
		}
		name := settings[n.field].env
		s, ok := r.env(name)
		if !ok || s == "" {
			continue
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < n.lo || v > n.hi {
			return fail(n.field, "%s=%q is not a number between %d and %d", name, s, n.lo, n.hi)
		}
		*n.dst = int(v)
	}
	return nil
}

// check refuses, at plan time, settings that cannot work whatever the host:
// the transport would refuse them only when a resource connects, and blame
// the host. Without a default host, every resource names its own, so the
// host is the transport's to check, then.
func (r *settingsReader) check(cfg transport.Config, host string) *configError {
	if host != "" {
		name, port, _ := splitHostPort(host) // checked by readStrings
		cfg.Host = name
		if port != 0 {
			cfg.Port = port
		}
	}
	for _, ce := range configErrors(cfg.Validate()) {
		if (ce.Field == "Host" && host == "") || r.pending[ce.Field] {
			continue
		}
		return settingError(ce, cfg, host)
	}
	return nil
}

// configErrors unpacks what transport.Config.Validate returns.
func configErrors(err error) []*transport.ConfigError {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []*transport.ConfigError
	for _, e := range errs {
		var ce *transport.ConfigError
		if !errors.As(e, &ce) {
			ce = &transport.ConfigError{Err: e} // not expected: reported on no attribute
		}
		out = append(out, ce)
	}
	return out
}

// settingError reports the transport's refusal of a field against the
// argument that sets it, in the provider's words.
func settingError(ce *transport.ConfigError, cfg transport.Config, host string) *configError {
	s, ok := settings[ce.Field]
	if !ok {
		return &configError{attr: path.Empty(), msg: fmt.Sprintf("The WinRM settings are refused: %s.", ce)}
	}
	e := &configError{attr: attrPath(s.attr)}
	switch {
	case ce.Field == "Host":
		e.msg = fmt.Sprintf("host %q (from the configuration or WINDOWS_HOST) is invalid: %s", host, ce)
	case ce.Field == "Username":
		e.msg = "No username is set: set username in the provider block or the WINDOWS_USERNAME environment " +
			"variable to an administrator of the hosts."
	case ce.Field == "Password" && (cfg.Auth == transport.AuthKerberos || cfg.Auth == transport.AuthNegotiate):
		e.msg = fmt.Sprintf("Nothing to log on with for %s: set password (or WINDOWS_PASSWORD), or keytab in the "+
			"kerberos block (or WINDOWS_KRB5_KEYTAB), or run kinit and set KRB5CCNAME to its ticket cache.", cfg.Username)
	case ce.Field == "Password":
		e.msg = fmt.Sprintf("No password is set for %s: set password in the provider block or the "+
			"WINDOWS_PASSWORD environment variable. An empty password is refused before any host is contacted, "+
			"so that no host counts a failed logon.", cfg.Username)
	case ce.Field == "Auth" && errors.Is(ce, transport.ErrBasicOverHTTP):
		e.msg = "Basic authentication over plain HTTP would send the password and every command in clear text, " +
			"and Windows refuses it by default. Use https = true, or auth = \"ntlm\" (which encrypts messages over " +
			"HTTP), or set allow_unencrypted = true if the host allows it."
	case ce.Field == "Auth":
		e.msg = fmt.Sprintf("auth %q (from the configuration or WINDOWS_AUTH) is not supported: use \"ntlm\", "+
			"\"kerberos\", \"negotiate\" or \"basic\"", cfg.Auth)
	case ce.Field == "CACert":
		e.msg = "ca_cert holds no PEM certificate: give the text of the CA certificate, for example " +
			"ca_cert = file(\"winrm-ca.pem\")."
	default:
		e.msg = fmt.Sprintf("%s (from the configuration or %s) is invalid: %s.", s.attr, s.env, ce)
	}
	return e
}

// unknownSettings returns the provider arguments not known yet during this
// plan (they depend on a resource not created yet), by their names in the
// provider block, in the order of providerModel, which is the schema's; nil
// when all are known. It reads the block as the CLI sent it, so that every
// argument is covered, a new one too.
func unknownSettings(config tftypes.Value) ([]string, error) {
	var attrs map[string]tftypes.Value
	if err := config.As(&attrs); err != nil {
		return nil, err
	}
	var names []string
	for name, v := range attrs {
		if !v.IsFullyKnown() {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if c := modelOrder(a) - modelOrder(b); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return names, nil
}

// modelOrder returns the position of an argument in providerModel, or one
// past the last for an argument it does not know.
func modelOrder(attr string) int {
	t := reflect.TypeFor[providerModel]()
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("tfsdk") == attr {
			return i
		}
	}
	return t.NumField()
}
