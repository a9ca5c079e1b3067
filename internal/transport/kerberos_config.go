package transport

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// KerberosConfig says how auth "kerberos" and "negotiate" obtain Kerberos
// tickets. Every field is optional.
type KerberosConfig struct {
	// Realm is the realm of a user name given without one ("admin", or
	// "EXAMPLE\admin" where EXAMPLE is a NetBIOS name), in any letter case:
	// realms are upper case and it is upper-cased.
	Realm string
	// Krb5Conf is the path of a krb5.conf. Without it, a configuration is
	// derived from the realm and KDC (or, with no KDC, from the realm's DNS
	// SRV records, as Active Directory publishes them).
	Krb5Conf string
	// KDC is the KDC to ask, "host" or "host:port" (port 88 by default),
	// several separated by commas; used only without Krb5Conf.
	KDC string
	// SPN is the service principal of the hosts: a service class ("HTTP",
	// "WSMAN"), to which "/<host>" is added, or a whole principal
	// ("HTTP/dc01.example.com"). Default "HTTP": WinRM registers HTTP/<host>
	// for both its HTTP and HTTPS listeners.
	SPN string
	// Keytab is the path of a keytab that holds the user's keys, used
	// instead of a password.
	Keytab string
	// CCache is the path of a ticket cache (the file of "FILE:path" in
	// KRB5CCNAME) filled by kinit, used when there is neither a password
	// nor a keytab. Its principal is the user: Username may then be empty.
	CCache string
}

// defaultSPNClass is the service class of the SPN WinRM listens under.
const defaultSPNClass = "HTTP"

// kdcPort is the KDC's default port.
const kdcPort = 88

// krbSetup is a KerberosConfig read and checked: the files loaded, the
// principal and realm settled.
type krbSetup struct {
	user   string // the principal's name, without realm
	realm  string // upper case
	conf   *krbconfig.Config
	keytab *keytab.Keytab      // nil without Keytab
	ccache *credentials.CCache // nil unless the cache is what logs on
	kdcs   []string            // the KDCs of a derived configuration, for messages; nil with Krb5Conf
}

// principal returns user@REALM.
func (k *krbSetup) principal() string { return k.user + "@" + k.realm }

// splitPrincipal splits a user name in one of the forms Windows accepts
// into the user and its realm, upper-cased, "" when the name carries none:
//
//	admin                 -> admin, ""
//	admin@example.com     -> admin, EXAMPLE.COM
//	EXAMPLE.COM\admin     -> admin, EXAMPLE.COM
//	example.com\admin     -> admin, EXAMPLE.COM
//	EXAMPLE\admin         -> admin, EXAMPLE, netbios
//
// A prefix without a dot is a NetBIOS domain name, which is often not the
// realm (EXAMPLE for EXAMPLE.COM): netbios says so, for the caller to
// prefer a configured realm.
func splitPrincipal(username string) (user, realm string, netbios bool) {
	if i := strings.IndexByte(username, '\\'); i >= 0 {
		prefix := username[:i]
		return username[i+1:], strings.ToUpper(prefix), !strings.Contains(prefix, ".")
	}
	if i := strings.LastIndexByte(username, '@'); i >= 0 {
		return username[:i], strings.ToUpper(username[i+1:]), false
	}
	return username, "", false
}

// principalRealm settles the user and realm of a Kerberos logon: the realm
// the user name carries (but a NetBIOS prefix gives way to a configured
// realm), else the configured realm, else the krb5.conf default realm.
func principalRealm(username, configured, defaultRealm string) (user, realm string) {
	user, realm, netbios := splitPrincipal(username)
	configured = strings.ToUpper(strings.TrimSpace(configured))
	switch {
	case realm != "" && !(netbios && configured != ""):
		return user, realm
	case configured != "":
		return user, configured
	}
	return user, strings.ToUpper(defaultRealm)
}

// spnPattern is what an SPN may hold: a service class, optionally a host
// (with a port) and a realm. Nothing else reaches a ticket request.
var spnPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*(/[A-Za-z0-9._-]+(:[0-9]+)?)?(@[A-Za-z0-9._-]+)?$`)

// spnFor returns the SPN of host under the configured SPN.
func spnFor(configured, host string) string {
	spn := strings.TrimSpace(configured)
	if spn == "" {
		spn = defaultSPNClass
	}
	if strings.Contains(spn, "/") {
		return spn
	}
	return spn + "/" + strings.ToLower(host)
}

// kdcAddrs parses KerberosConfig.KDC into host:port addresses.
func kdcAddrs(s string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(s, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		host, port := a, strconv.Itoa(kdcPort)
		if h, p, err := net.SplitHostPort(a); err == nil {
			host, port = h, p
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("kdc %q has no valid port", a)
			}
		}
		if err := checkHost(host); err != nil {
			return nil, fmt.Errorf("kdc %q is not a host name, IP address or host:port", a)
		}
		out = append(out, net.JoinHostPort(hostName(host), port))
	}
	return out, nil
}

// derivedConf is the krb5.conf of realm without a file: its KDCs, or DNS
// SRV records when there are none; TCP only, since Active Directory's
// tickets (with their PAC) rarely fit a UDP datagram.
func derivedConf(realm string, kdcs []string) (*krbconfig.Config, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "[libdefaults]\n default_realm = %s\n udp_preference_limit = 1\n dns_lookup_kdc = %t\n"+
		" dns_lookup_realm = false\n rdns = false\n dns_canonicalize_hostname = false\n", realm, len(kdcs) == 0)
	if len(kdcs) > 0 {
		fmt.Fprintf(&b, "[realms]\n %s = {\n", realm)
		for _, k := range kdcs {
			fmt.Fprintf(&b, "  kdc = %s\n", k)
		}
		b.WriteString(" }\n")
	}
	return krbconfig.NewFromString(b.String())
}

// kerberosSetup reads and checks the Kerberos settings of c, adding one
// *ConfigError per field in error through add. It returns nil when a
// setting is wrong, and a setup with an empty realm when the realm cannot
// be told: auth "kerberos" refuses that, auth "negotiate" falls back to NTLM.
func (c Config) kerberosSetup(add func(field string, err error)) *krbSetup {
	k := KerberosConfig{}
	if c.Kerberos != nil {
		k = *c.Kerberos
	}
	ok := true
	fail := func(field string, err error) {
		add("Kerberos."+field, err)
		ok = false
	}
	s := &krbSetup{}
	var err error
	if k.Krb5Conf != "" {
		if s.conf, err = loadKrb5Conf(k.Krb5Conf); err != nil {
			fail("Krb5Conf", fmt.Errorf("krb5_conf %q cannot be read as a krb5.conf: %w", k.Krb5Conf, err))
		}
	}
	if s.kdcs, err = kdcAddrs(k.KDC); err != nil {
		fail("KDC", err)
	}
	if k.SPN != "" && !spnPattern.MatchString(strings.TrimSpace(k.SPN)) {
		fail("SPN", fmt.Errorf("spn %q is not a service class (HTTP) or a service principal (HTTP/host.example.com)", k.SPN))
	}
	if k.Keytab != "" && c.Password == "" {
		if s.keytab, err = keytab.Load(k.Keytab); err != nil {
			fail("Keytab", fmt.Errorf("keytab %q cannot be read as a keytab: %v", k.Keytab, err)) //nolint:errorlint // as above
		}
	}
	if k.CCache != "" && c.Password == "" && k.Keytab == "" {
		if s.ccache, err = credentials.LoadCCache(k.CCache); err != nil {
			fail("CCache", fmt.Errorf("ticket cache %q cannot be read (run kinit, and give KRB5CCNAME as FILE:path): %v", k.CCache, err)) //nolint:errorlint // as above
		}
	}
	if !ok {
		return nil
	}
	defaultRealm := ""
	if s.conf != nil {
		defaultRealm = s.conf.LibDefaults.DefaultRealm
	}
	if s.ccache != nil {
		s.user = strings.Join(s.ccache.DefaultPrincipal.PrincipalName.NameString, "/")
		s.realm = strings.ToUpper(s.ccache.DefaultPrincipal.Realm)
		if c.Username != "" {
			if u, r := principalRealm(c.Username, s.realm, ""); !strings.EqualFold(u, s.user) || r != s.realm {
				add("Username", fmt.Errorf("username %q is not the principal of the ticket cache %q (%s): run kinit as %s, "+
					"or remove username", c.Username, k.CCache, s.principal(), c.Username))
				return nil
			}
		}
	} else {
		s.user, s.realm = principalRealm(c.Username, k.Realm, defaultRealm)
	}
	if s.realm == "" {
		return s
	}
	if s.conf == nil {
		if s.conf, err = derivedConf(s.realm, s.kdcs); err != nil {
			fail("KDC", err)
			return nil
		}
	}
	return s
}

// loadKrb5Conf reads and parses the krb5.conf at path.
func loadKrb5Conf(path string) (*krbconfig.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return krbconfig.NewFromString(string(b))
}
