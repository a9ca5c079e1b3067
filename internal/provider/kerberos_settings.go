package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// readKerberos reads the kerberos block and its variables into cfg, and the
// ticket cache of KRB5CCNAME when Kerberos has no password or keytab.
func (r *settingsReader) readKerberos(m providerModel, cfg *transport.Config) *configError {
	k := kerberosModel{Realm: types.StringNull(), Krb5Conf: types.StringNull(), KDC: types.StringNull(),
		SPN: types.StringNull(), Keytab: types.StringNull()}
	if m.Kerberos != nil {
		k = *m.Kerberos
	}
	kc := &transport.KerberosConfig{}
	kc.Realm, _ = r.str(k.Realm, "Kerberos.Realm")
	kc.Krb5Conf, _ = r.str(k.Krb5Conf, "Kerberos.Krb5Conf")
	kc.KDC, _ = r.str(k.KDC, "Kerberos.KDC")
	kc.SPN, _ = r.str(k.SPN, "Kerberos.SPN")
	kc.Keytab, _ = r.str(k.Keytab, "Kerberos.Keytab")
	if cfg.Auth != transport.AuthKerberos && cfg.Auth != transport.AuthNegotiate {
		return nil // the block is for Kerberos only
	}
	if cfg.Password == "" && kc.Keytab == "" {
		cc, err := ticketCache(r.env)
		if err != nil {
			return fail("Kerberos.CCache", "%s", err)
		}
		kc.CCache = cc
	}
	cfg.Kerberos = kc
	return nil
}

// ticketCache returns the path of the ticket cache KRB5CCNAME names; ""
// when it is unset. MIT's compiled-in default cache is not guessed: its
// place depends on how the library was built, so the user names the cache.
func ticketCache(env func(string) (string, bool)) (string, error) {
	v, ok := env("KRB5CCNAME")
	if !ok || v == "" {
		return "", nil
	}
	kind, p, typed := strings.Cut(v, ":")
	switch {
	case !typed:
		return v, nil
	case strings.EqualFold(kind, "FILE"):
		return p, nil
	}
	return "", fmt.Errorf("KRB5CCNAME=%q is a %s ticket cache, which the provider cannot read: run kinit with "+
		"KRB5CCNAME=FILE:<path> (a file cache)", v, kind)
}
