package transport

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// ConfigError is a Config that cannot work whatever the host answers, found
// by Validate before any network use. Field names the Config field at fault
// ("Host", "Port", "Username", "Password", "Auth", "CACert", "Timeout",
// "MaxRetries"), so that a caller can report it against its own setting.
type ConfigError struct {
	Field string
	Err   error // what is wrong; Basic authentication over HTTP matches ErrBasicOverHTTP
}

func (e *ConfigError) Error() string { return e.Err.Error() }

func (e *ConfigError) Unwrap() error { return e.Err }

// authSchemes are the values of Config.Auth (lower case), and whether each
// logs on with a password. A scheme that does not (Kerberos with a ticket
// cache, say) is exempted from the missing-password check by saying so here.
var authSchemes = map[string]struct{ needsPassword bool }{
	AuthNTLM:  {needsPassword: true},
	AuthBasic: {needsPassword: true},
	// Kerberos logs on with a password, a keytab or a ticket cache: checked
	// by checkKerberos.
	AuthKerberos:  {needsPassword: false},
	AuthNegotiate: {needsPassword: false},
}

// AuthSchemes returns the values Config.Auth takes, sorted.
func AuthSchemes() []string {
	names := make([]string, 0, len(authSchemes))
	for n := range authSchemes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Validate checks c without touching the network, as New and Pool.Client do;
// with auth "kerberos" or "negotiate" it reads the krb5.conf, keytab and
// ticket cache files it names. It returns nil, or one *ConfigError per field
// in error joined with errors.Join, in this order: Host, Port, Auth (its
// name), Username, Password, Auth (Basic over plain HTTP), the Kerberos
// fields ("Kerberos.Realm", "Kerberos.Krb5Conf", "Kerberos.KDC",
// "Kerberos.SPN", "Kerberos.Keytab", "Kerberos.CCache", and "Password" when
// Kerberos has nothing to log on with), CACert, Timeout, MaxRetries. Zero
// values that New replaces by a default (Port, Auth, Timeout) are valid.
func (c Config) Validate() error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, &ConfigError{Field: field, Err: err})
		}
	}
	add("Host", checkHost(c.Host))
	if c.Port < 0 || c.Port > 65535 {
		add("Port", fmt.Errorf("port %d is out of range 1-65535", c.Port))
	}
	auth, authErr := authScheme(c.Auth)
	add("Auth", authErr)
	if c.Username == "" && !c.fromTicketCache(auth) {
		add("Username", errors.New("username is empty"))
	}
	if c.Password == "" && authErr == nil && authSchemes[auth].needsPassword {
		// An empty password is what an unset variable gives: every host
		// would count a failed logon of Username.
		add("Password", fmt.Errorf("password is empty, and auth %q logs on with one", auth))
	}
	if auth == AuthBasic && !c.HTTPS && !c.AllowUnencrypted {
		add("Auth", fmt.Errorf("%w: basic authentication to %s over plain HTTP would send the password and every "+
			"command in clear text; use https, or auth \"ntlm\" (which encrypts messages over HTTP), "+
			"or set allow_unencrypted to permit it", ErrBasicOverHTTP, net.JoinHostPort(hostName(c.Host), strconv.Itoa(c.port()))))
	}
	if authErr == nil && (auth == AuthKerberos || auth == AuthNegotiate) {
		c.checkKerberos(auth, add)
	}
	if strings.TrimSpace(c.CACert) != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CACert)) {
		add("CACert", errors.New("ca_cert holds no PEM certificate"))
	}
	if c.Timeout < 0 {
		add("Timeout", fmt.Errorf("timeout %s is negative", c.Timeout))
	}
	if c.MaxRetries < 0 {
		add("MaxRetries", fmt.Errorf("max retries %d is negative: 0 means no retries", c.MaxRetries))
	}
	return errors.Join(errs...)
}

// checkHost accepts a host name or an IP literal, an IPv6 one with or without
// brackets, and nothing that would change the URL it goes into.
func checkHost(host string) error {
	h := hostName(host)
	if h == "" {
		return errors.New("host is empty")
	}
	if strings.ContainsAny(h, "/?#@ \t\r\n") || (strings.Contains(h, ":") && net.ParseIP(h) == nil) {
		return fmt.Errorf("host %q is not a host name or IP address (give the port separately)", host)
	}
	return nil
}

// hostName is host without surrounding space and IPv6 brackets.
func hostName(host string) string {
	h := strings.TrimSpace(host)
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	return h
}

// authScheme returns the scheme auth names, in lower case; "" is NTLM.
func authScheme(auth string) (string, error) {
	a := strings.ToLower(auth)
	if a == "" {
		return AuthNTLM, nil
	}
	if _, ok := authSchemes[a]; !ok {
		return "", fmt.Errorf("auth %q is not supported (use %s)", auth, strings.Join(quoted(AuthSchemes()), ", "))
	}
	return a, nil
}

// quoted returns each of names in double quotes.
func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// fromTicketCache reports whether a Kerberos logon takes its principal from
// a ticket cache, so that no user name is needed.
func (c Config) fromTicketCache(auth string) bool {
	return auth == AuthKerberos && c.Password == "" && c.Kerberos != nil && c.Kerberos.Keytab == "" &&
		c.Kerberos.CCache != ""
}

// checkKerberos checks the Kerberos settings of auth "kerberos" or
// "negotiate": the files they name, something to log on with, and (for
// "kerberos", which has no NTLM to fall back to) a realm.
func (c Config) checkKerberos(auth string, add func(field string, err error)) {
	k := KerberosConfig{}
	if c.Kerberos != nil {
		k = *c.Kerberos
	}
	if c.Password == "" && k.Keytab == "" && k.CCache == "" {
		add("Password", fmt.Errorf("auth %q has nothing to log on with: give a password, a keytab, or a ticket "+
			"cache (KRB5CCNAME after kinit)", auth))
	}
	if c.Password != "" && k.Keytab != "" {
		add("Kerberos.Keytab", errors.New("both a password and a keytab are given: give one of them"))
	}
	s := c.kerberosSetup(add)
	if s != nil && s.realm == "" && auth == AuthKerberos {
		add("Kerberos.Realm", fmt.Errorf("the Kerberos realm of %q is unknown: give the user name as user@REALM, "+
			"set the realm, or give a krb5_conf with a default_realm", c.Username))
	}
}
