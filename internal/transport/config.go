package transport

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config: DefaultConfig holds them, and New applies the port,
// auth and timeout ones to zero fields.
const (
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
	DefaultHTTPPort   = 5985
	DefaultHTTPSPort  = 5986
	AuthNTLM          = "ntlm"
	AuthBasic         = "basic"
	AuthKerberos      = "kerberos"
	AuthNegotiate     = "negotiate"
)

// Config describes how to reach one WinRM endpoint. Start from DefaultConfig:
// the zero MaxRetries means no retries.
type Config struct {
	Host string // host name, IPv4 or IPv6 literal (brackets optional)
	Port int    // 0: 5985, or 5986 with HTTPS

	HTTPS         bool
	Insecure      bool   // skip certificate verification (HTTPS only)
	CACert        string // PEM; added to the system roots
	TLSServerName string // overrides the name sent in SNI and verified in the certificate

	Username string // "user", "DOMAIN\user" or "user@domain"
	Password string

	// Auth is "ntlm" (default), "basic", "kerberos" or "negotiate" (Kerberos
	// when a ticket can be had, NTLM otherwise). NTLM and Kerberos over HTTP
	// seal every message with the session's keys; over HTTPS bodies are
	// plain inside TLS.
	Auth string
	// Kerberos holds the Kerberos settings of auth "kerberos" and
	// "negotiate"; nil means all defaults.
	Kerberos *KerberosConfig
	// AllowUnencrypted permits Basic authentication over plain HTTP, which sends
	// the password and every command in clear text.
	AllowUnencrypted bool

	// Timeout bounds one Run (and the connection and handshake it needs).
	// 0: DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times one request is retried after a transient
	// failure; 0 means none. DefaultConfig sets DefaultMaxRetries.
	MaxRetries int

	// freshShellPerCommand opens a new shell for every command and deletes it
	// afterwards, as masterzen/winrm's RunWithContext does: five SOAP requests
	// (Create, Command, Receive, Signal, Delete) per command instead of three.
	// It exists only so that benchmarks can measure that naive baseline: the
	// transport's own tests set it, and a provider built with the benchbaseline
	// tag sets it on every Config (see UseFreshShellPerCommand).
	freshShellPerCommand bool

	// Log, when set, receives debug events. It is never given the password.
	Log func(ctx context.Context, msg string, fields map[string]any)
}

// DefaultConfig returns a Config with the defaults of the settings that are
// not about the endpoint or the account: NTLM, DefaultTimeout and
// DefaultMaxRetries.
func DefaultConfig() Config {
	return Config{Auth: AuthNTLM, Timeout: DefaultTimeout, MaxRetries: DefaultMaxRetries}
}

// freshShellEverywhere makes every Config open a shell per command. Only
// UseFreshShellPerCommand, which exists in benchbaseline builds alone, sets
// it, before any Client is made.
var freshShellEverywhere bool

// port is the TCP port of the endpoint.
func (c Config) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.HTTPS:
		return DefaultHTTPSPort
	}
	return DefaultHTTPPort
}

// normalized is a validated Config with defaults applied.
type normalized struct {
	Config
	host     string // without brackets
	hostport string
	url      string
	tls      *tls.Config
	domain   string    // NTLM domain part of Username
	user     string    // NTLM user part of Username
	krb      *krbSetup // auth kerberos and negotiate; realm "" when none could be told
	spn      string    // the host's SPN, with krb
}

// normalize validates cfg (see Config.Validate) and applies the defaults of
// its zero fields.
func normalize(cfg Config) (*normalized, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &normalized{Config: cfg}
	n.freshShellPerCommand = cfg.freshShellPerCommand || freshShellEverywhere
	h := hostName(cfg.Host)
	n.host = h
	n.Port = cfg.port()
	n.hostport = net.JoinHostPort(h, strconv.Itoa(n.Port))
	scheme := "http"
	if n.HTTPS {
		scheme = "https"
	}
	n.url = scheme + "://" + n.hostport + "/wsman"
	n.Auth, _ = authScheme(cfg.Auth) // valid: checked by Validate
	if n.Timeout == 0 {
		n.Timeout = DefaultTimeout
	}

	n.user, n.domain = n.Username, ""
	if i := strings.IndexByte(n.Username, '\\'); i >= 0 {
		n.domain, n.user = n.Username[:i], n.Username[i+1:]
	} else if i := strings.LastIndexByte(n.Username, '@'); i >= 0 {
		n.user, n.domain = n.Username[:i], n.Username[i+1:]
	}

	if n.Auth == AuthKerberos || n.Auth == AuthNegotiate {
		n.krb = cfg.kerberosSetup(func(string, error) {}) // valid: checked by Validate
		var k KerberosConfig
		if cfg.Kerberos != nil {
			k = *cfg.Kerberos
		}
		n.spn = spnFor(k.SPN, h)
	}

	if n.HTTPS {
		tc := &tls.Config{
			MinVersion:         tls.VersionTLS12,
			ServerName:         n.TLSServerName,
			InsecureSkipVerify: n.Insecure, //nolint:gosec // explicit user choice
		}
		if tc.ServerName == "" {
			tc.ServerName = h
		}
		if strings.TrimSpace(n.CACert) != "" {
			roots, err := x509.SystemCertPool()
			if err != nil || roots == nil {
				roots = x509.NewCertPool()
			}
			roots.AppendCertsFromPEM([]byte(n.CACert)) // it holds one: checked by Validate
			tc.RootCAs = roots
		}
		n.tls = tc
	}
	return n, nil
}

// key identifies the connection a Client may share: endpoint, user, auth and
// TLS settings. The password is part of it (hashed) so that two configurations
// with different passwords never share an authenticated session.
func (n *normalized) key() string {
	h := sha256.New()
	for _, s := range []string{
		n.url, n.Username, n.Auth, strconv.FormatBool(n.AllowUnencrypted),
		strconv.FormatBool(n.Insecure), n.CACert, n.TLSServerName, n.Password,
		strconv.FormatBool(n.freshShellPerCommand), n.kerberosKey(),
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// kerberosKey is what of the Kerberos settings tells two connections apart.
func (n *normalized) kerberosKey() string {
	if n.Kerberos == nil || n.krb == nil {
		return ""
	}
	k := n.Kerberos
	return strings.Join([]string{k.Realm, k.Krb5Conf, k.KDC, n.spn, k.Keytab, k.CCache}, "\x00")
}

// krbCredentials is what besides the user name and password a Kerberos
// logon uses: the principal it settled on, and the keytab or ticket cache.
func (n *normalized) krbCredentials() string {
	if n.krb == nil || n.Kerberos == nil {
		return ""
	}
	return strings.Join([]string{n.krb.principal(), n.Kerberos.Keytab, n.Kerberos.CCache}, "\x00")
}
