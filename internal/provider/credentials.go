package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"

	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// credentials is a resource's or data source's own username and password,
// which override the provider's on its host: workgroup hosts whose local
// Administrator passwords differ (LAPS). Null fields take the provider's.
// Every model of a host-bound resource or data source embeds it.
type credentials struct {
	Username types.String `tfsdk:"username"`
	Password types.String `tfsdk:"password"`
}

// credentialAttrs names the attributes of credentials: they are not
// settings of the host (see ntpConfigMeta).
var credentialAttrs = []string{"username", "password"}

const (
	usernameDescription = "The account to log on to this host with, instead of the provider's `username`: for " +
		"workgroup hosts whose local Administrator passwords differ (LAPS). It needs `password` too, unless the " +
		"provider logs on with a Kerberos `keytab` or ticket cache. Left out, the provider's `username` is used."
	passwordDescription = "The password to log on to this host with, instead of the provider's `password` " +
		"(a LAPS password, say). It is never logged, and is stored in the state, marked sensitive. Without " +
		"`username`, it is the password of the provider's `username`. An empty password is refused at plan time, " +
		"before any host is contacted."
	// importNote is what passwordDescription adds for a resource.
	importNote = " `terraform import` cannot set it: an imported resource uses the provider's credentials until the " +
		"configuration sets these, and the next apply stores them without touching the host."
)

// credentialResourceAttributes adds username and password to a resource's
// attributes, and returns them.
func credentialResourceAttributes(attrs map[string]schema.Attribute) map[string]schema.Attribute {
	maps.Copy(attrs, map[string]schema.Attribute{
		"username": schema.StringAttribute{MarkdownDescription: usernameDescription, Optional: true},
		"password": schema.StringAttribute{MarkdownDescription: passwordDescription + importNote, Optional: true, Sensitive: true},
	})
	return attrs
}

// credentialDataSourceAttributes adds username and password to a data
// source's attributes, and returns them.
func credentialDataSourceAttributes(attrs map[string]dsschema.Attribute) map[string]dsschema.Attribute {
	maps.Copy(attrs, map[string]dsschema.Attribute{
		"username": dsschema.StringAttribute{MarkdownDescription: usernameDescription, Optional: true},
		"password": dsschema.StringAttribute{MarkdownDescription: passwordDescription, Optional: true, Sensitive: true},
	})
	return attrs
}

// set reports whether c overrides any of the provider's credentials.
func (c credentials) set() bool {
	return !c.Username.IsNull() || !c.Password.IsNull()
}

// pending returns the attributes of c not known during this plan.
func (c credentials) pending() []string {
	var names []string
	if c.Username.IsUnknown() {
		names = append(names, "username")
	}
	if c.Password.IsUnknown() {
		names = append(names, "password")
	}
	return names
}

// merge returns base with c's overrides. A username of its own takes only
// its own password, never the provider's: that would be a logon of one
// account with another's password, a failed logon on the host.
func (c credentials) merge(base transport.Config) transport.Config {
	cfg := base
	if !c.Username.IsNull() && !c.Username.IsUnknown() {
		cfg.Username = c.Username.ValueString()
		cfg.Password = ""
	}
	if !c.Password.IsNull() && !c.Password.IsUnknown() {
		cfg.Password = c.Password.ValueString()
	}
	if !c.Password.IsNull() && !c.Password.IsUnknown() && cfg.Kerberos != nil {
		// A password of its own replaces the provider's keytab or ticket
		// cache, which are the provider's account's.
		k := *cfg.Kerberos
		k.Keytab, k.CCache = "", ""
		cfg.Kerberos = &k
	}
	return cfg
}

// check refuses, at plan time, overrides that cannot log on whatever the
// host (the transport's rules, transport.Config.Validate), as diagnostics on
// the attribute of this kind ("resource", "data source") of typeName. A
// value not known yet is not checked.
func (c credentials) check(base transport.Config, typeName, kind string) diag.Diagnostics {
	var diags diag.Diagnostics
	if !c.set() || len(c.pending()) > 0 {
		return diags
	}
	cfg := c.merge(base)
	for _, ce := range configErrors(cfg.Validate()) {
		switch {
		case ce.Field == "Username" && c.Username.IsNull():
			// A password of its own where the provider logs on from a
			// ticket cache, which needs no username.
			diags.AddAttributeError(path.Root("username"), "No username",
				fmt.Sprintf("password of this %s %s needs a username, and the provider has none: set username in "+
					"this %s to an administrator of the host.", typeName, kind, kind))
		case ce.Field == "Username":
			diags.AddAttributeError(path.Root("username"), "Empty username",
				fmt.Sprintf("username of this %s %s is empty: set it to an administrator of the host, or remove it "+
					"to log on with the provider's username.", typeName, kind))
		case ce.Field == "Password":
			diags.AddAttributeError(path.Root("password"), "No password for "+cfg.Username,
				fmt.Sprintf("password of this %s %s is empty or not set, and %s logs on with one: set password "+
					"in this %s (next to username, which does not take the provider's password), or remove "+
					"username and password to log on with the provider's credentials. An empty password is refused "+
					"before any host is contacted, so that no host counts a failed logon.",
					typeName, kind, cfg.Username, kind))
		}
	}
	return diags
}

// identity tells the credentials of cfg apart, without the password in
// clear: part of the key of a host's shared read (see hostReads).
func identity(cfg transport.Config) string {
	sum := sha256.Sum256([]byte(cfg.Password))
	return cfg.Username + "\x00" + hex.EncodeToString(sum[:8])
}
