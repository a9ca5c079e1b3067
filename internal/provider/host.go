package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// hostBound is embedded in every resource and data source that works on one
// Windows host, named by its host attribute (with id equal to it): it holds
// the provider's data and the handling of that host they all share, so that
// a resource or data source adds only what it does on the host.
type hostBound struct {
	data *providerData
	// typeName is the resource's or data source's type, such as
	// windows_ntp_config: its Metadata, and its name in messages.
	typeName string
	// subject is what a resource manages on the host, such as "the time
	// settings", for the shared-host warning.
	subject string
}

// configure takes the provider's data: Configure of every resource and data
// source.
func (b *hostBound) configure(providerData any) diag.Diagnostics {
	data, diags := providerDataFrom(providerData)
	if data != nil {
		b.data = data
	}
	return diags
}

// noHost is the error when neither the configuration nor the provider names
// a host; verb and kind say what it was for ("manage", "resource").
func noHost(verb, kind string) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(path.Root("host"), "No host to "+verb,
		"Set host in this "+kind+", or host in the provider block (or the WINDOWS_HOST environment variable).")
}

// planHost fills host and id in a resource's plan: the configuration's host,
// or the provider's, unknown while that is not known yet. Plan modifiers on
// the attribute cannot do this: they do not see the provider's
// configuration. It warns when another resource of this type planned the
// same host, and reports whether the plan replaces the resource because its
// host differs from the state's. Host names ignore letter case: DC01 and
// dc01 are one host, and replacing it would run the destroy against the very
// host it keeps.
func (b *hostBound) planHost(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) (replace bool) {
	var host types.String
	if resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("host"), &host)...); resp.Diagnostics.HasError() {
		return false
	}
	if host.IsNull() {
		switch {
		case b.data == nil || b.data.hostUnknown():
			host = types.StringUnknown()
		case b.data.host == "":
			resp.Diagnostics.Append(noHost("manage", "resource"))
			return false
		default:
			host = types.StringValue(b.data.host)
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("host"), host)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), host)...)
	b.warnSharedHost(host, req.Config.Raw, resp)
	b.checkCredentials(ctx, req.Config, resp)

	if req.State.Raw.IsNull() {
		return false
	}
	var prior types.String
	if resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("host"), &prior)...); resp.Diagnostics.HasError() {
		return false
	}
	if host.IsUnknown() || !strings.EqualFold(host.ValueString(), prior.ValueString()) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("host"))
		return true
	}
	return false
}

// warnSharedHost warns when another resource of this type and provider
// configuration planned the same host and port: the two would undo each
// other's settings on every apply. Resources of other types manage other
// settings, and may share a host.
func (b *hostBound) warnSharedHost(host types.String, config tftypes.Value, resp *resource.ModifyPlanResponse) {
	if b.data == nil || b.data.planned == nil || host.IsUnknown() || host.IsNull() {
		return
	}
	key, ok := b.data.hostKey(host.ValueString())
	if !ok || !b.data.planned.add(b.typeName+" "+key, config) {
		return
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("host"), "Another "+b.typeName+" manages "+host.ValueString(),
		fmt.Sprintf("Another %s resource in this configuration manages %s of %s (%s). "+
			"Each apply makes the host hold the settings of each resource in turn, so they undo each other on every "+
			"run. Manage each host with one resource: remove or merge the other one.", b.typeName, b.subject, host.ValueString(), key))
}

// checkCredentials refuses, at plan time, a resource's own username and
// password that cannot log on whatever the host, as the provider refuses its
// own (see credentials.check). Values not known yet are checked at apply:
// the resource does not connect before then.
func (b *hostBound) checkCredentials(ctx context.Context, config tfsdk.Config, resp *resource.ModifyPlanResponse) {
	var cred credentials
	resp.Diagnostics.Append(config.GetAttribute(ctx, path.Root("username"), &cred.Username)...)
	resp.Diagnostics.Append(config.GetAttribute(ctx, path.Root("password"), &cred.Password)...)
	if resp.Diagnostics.HasError() || b.data == nil || len(b.data.pendingSettings(true, cred)) > 0 {
		return
	}
	resp.Diagnostics.Append(cred.check(b.data.base, b.typeName, "resource")...)
}

// importHost takes an import ID as the host and id of a resource, and
// reports whether it is one.
func importHost(ctx context.Context, id string, resp *resource.ImportStateResponse) bool {
	if err := validateHost(id); err != nil {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("The import ID is the host to manage (a DNS name or IP address, optionally with :port); %q is not: %s.", id, err))
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("host"), id)...)
	return !resp.Diagnostics.HasError()
}

// refreshHost returns the host of a resource's state (its id, in a state
// that has no host), or "" when Read must keep the state as it is: the
// connection settings depend on a resource not created yet, and connecting
// with half of them could count as a failed logon. The refresh after that
// resource exists reads the host.
// The credentials returned are the state's own (see credentials).
func (b *hostBound) refreshHost(ctx context.Context, state tfsdk.State) (string, credentials, diag.Diagnostics) {
	var host, id types.String
	var cred credentials
	diags := state.GetAttribute(ctx, path.Root("host"), &host)
	diags.Append(state.GetAttribute(ctx, path.Root("id"), &id)...)
	diags.Append(state.GetAttribute(ctx, path.Root("username"), &cred.Username)...)
	diags.Append(state.GetAttribute(ctx, path.Root("password"), &cred.Password)...)
	if diags.HasError() || len(b.data.pendingSettings(true, cred)) > 0 {
		return "", cred, diags
	}
	if host.ValueString() == "" {
		return id.ValueString(), cred, diags
	}
	return host.ValueString(), cred, diags
}

// readHost returns the host a data source reads: own, or the provider's.
// It returns "" when there is none to read during this plan: the connection
// settings depend on a resource not created yet (the read is deferred when
// the CLI takes that, and refused with the ways out otherwise), or neither
// own nor the provider names a host; the diagnostics are in resp.
//
// cred is the data source's own credentials: checked as the provider's are,
// and read later, or refused, while not known, as the provider's.
func (b *hostBound) readHost(own types.String, cred credentials, req datasource.ReadRequest, resp *datasource.ReadResponse) string {
	host := own.ValueString()
	if names := cred.pending(); len(names) > 0 {
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &datasource.Deferred{Reason: datasource.DeferredReasonDataSourceConfigUnknown}
			return ""
		}
		resp.Diagnostics.AddAttributeError(path.Root(names[0]), "Cannot read before the credentials are known",
			fmt.Sprintf("%s of this %s data source %s not known until apply, and reading the host without them "+
				"could count as a failed logon there, so the provider does not connect. Take the value from a "+
				"variable or a data source known at plan time, or add depends_on = [<the resource it comes from>] "+
				"so that Terraform reads this data source during apply.", strings.Join(names, " and "), b.typeName,
				map[bool]string{true: "is", false: "are"}[len(names) == 1]))
		return ""
	}
	if pending := b.data.pendingSettings(!own.IsNull(), cred); len(pending) > 0 {
		if req.ClientCapabilities.DeferralAllowed {
			// The CLI can take "read later" for an answer.
			resp.Deferred = &datasource.Deferred{Reason: datasource.DeferredReasonProviderConfigUnknown}
			return ""
		}
		name := host
		if name == "" {
			name = "the provider's host"
		}
		resp.Diagnostics.AddError("Cannot read "+name+" before the provider's settings are known",
			pendingSettingsDetail(name, pending))
		return ""
	}
	if host == "" && b.data != nil {
		host = b.data.host
	}
	if host == "" {
		resp.Diagnostics.Append(noHost("read", "data source"))
		return ""
	}
	if b.data != nil {
		if diags := cred.check(b.data.base, b.typeName, "data source"); diags.HasError() {
			resp.Diagnostics.Append(diags...)
			return ""
		}
	}
	return host
}

// dial returns the client of host, logged on with the provider's
// credentials overridden by cred, and ctx with the WinRM logging of this
// request.
func (b *hostBound) dial(ctx context.Context, host string, cred credentials) (context.Context, *transport.Client, diag.Diagnostics) {
	client, diags := b.data.connect(host, cred)
	if diags.HasError() {
		return ctx, nil, diags
	}
	return b.data.withLogging(ctx, cred), client, diags
}

// dialAndRead connects to host and reads what wintime.State holds (the
// settings the provider manages, the Windows version, the service), for
// Read and before an apply. It returns ctx with the WinRM logging of this
// request and the client, for the commands that follow.
func (b *hostBound) dialAndRead(ctx context.Context, host string, cred credentials) (context.Context, *transport.Client, wintime.State, diag.Diagnostics) {
	ctx, client, r, diags := b.dialAndReadHost(ctx, host, cred)
	return ctx, client, r.State, diags
}

// dialAndReadHost connects to host and returns everything the provider reads
// there (wintime.HostRead): the read the resources and data sources of this
// configuration share, made once per host unless a command ran on the host
// since (see hostReads). A read is shared only by those that log on with the
// same credentials: one made with another account's is not this one's to
// see.
func (b *hostBound) dialAndReadHost(ctx context.Context, host string, cred credentials) (context.Context, *transport.Client, wintime.HostRead, diag.Diagnostics) {
	ctx, client, diags := b.dial(ctx, host, cred)
	if diags.HasError() {
		return ctx, nil, wintime.HostRead{}, diags
	}
	key, _ := b.data.hostKey(host) // host passed dial's checks
	key += " " + identity(cred.merge(b.data.base))
	r, err := b.data.reads.get(ctx, key, client)
	if err != nil {
		diags.AddError("Cannot read the time settings of "+host, err.Error())
	}
	return ctx, client, r, diags
}

// readState runs the read command on a host and parses its output.
func readState(ctx context.Context, c *transport.Client) (wintime.State, error) {
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

// hostUnknown reports whether the provider's default host is not known yet.
func (d *providerData) hostUnknown() bool { return d != nil && slices.Contains(d.unknown, "host") }

// pendingSettings returns the provider arguments that are not known yet and
// that a connection to a host needs: a resource or data source must not
// connect while any is (with half of the settings, an empty password say, a
// host would count a failed logon). ownHost says that the caller names its
// own host, so the provider's default host does not matter; cred is the
// caller's own credentials, so that the provider's username and password do
// not matter when it overrides them (a username of its own takes no
// password of the provider's).
func (d *providerData) pendingSettings(ownHost bool, cred credentials) []string {
	if d == nil {
		return nil
	}
	overridden := map[string]bool{
		"host":     ownHost,
		"username": !cred.Username.IsNull(),
		"password": !cred.Username.IsNull() || !cred.Password.IsNull(),
	}
	var names []string
	for _, n := range d.unknown {
		if !overridden[n] {
			names = append(names, n)
		}
	}
	return names
}

// pendingSettingsDetail explains to the user of a data source why it cannot
// be read during this plan and how to proceed.
func pendingSettingsDetail(host string, names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	return fmt.Sprintf("The windows provider's %s %s not known until apply: %s from a resource that is not created "+
		"yet. A data source must be read during the plan, and reading %s without %s would fail (with an empty "+
		"password, as a failed logon on the host), so the provider does not connect. To proceed, do one of:\n"+
		"- create that resource first: terraform apply -target=<its address>, then plan again;\n"+
		"- take the value from a variable, or from a data source that is known at plan time;\n"+
		"- add depends_on = [<that resource>] to this data source, so that Terraform reads it during apply, once "+
		"the value is known (its attributes are then unknown in the plan).",
		strings.Join(quoted, ", "), map[bool]string{true: "is", false: "are"}[len(names) == 1],
		map[bool]string{true: "it comes", false: "they come"}[len(names) == 1], host,
		map[bool]string{true: "it", false: "them"}[len(names) == 1])
}

// dataSourceHostAttribute is the host attribute every data source has.
func dataSourceHostAttribute() dsschema.StringAttribute {
	return dsschema.StringAttribute{
		MarkdownDescription: "The Windows host to read, optionally with a WinRM port. Defaults to the provider's `host`.",
		Optional:            true,
		Validators:          []validator.String{hostValidator{}},
	}
}
