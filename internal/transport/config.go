package transport

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
	DefaultHTTPPort   = 5985
	DefaultHTTPSPort  = 5986
	AuthNTLM          = "ntlm"
	AuthBasic         = "basic"
)

// Config describes how to reach one WinRM endpoint.
type Config struct {
	Host string // host name, IPv4 or IPv6 literal (brackets optional)
	Port int    // 0: 5985, or 5986 with HTTPS

	HTTPS         bool
	Insecure      bool   // skip certificate verification (HTTPS only)
	CACert        string // PEM; added to the system roots
	TLSServerName string // overrides the name sent in SNI and verified in the certificate

	Username string // "user", "DOMAIN\user" or "user@domain"
	Password string

	// Auth is "ntlm" (default) or "basic". NTLM over HTTP seals every message
	// with the NTLM session key; over HTTPS bodies are plain inside TLS.
	Auth string
	// AllowUnencrypted permits Basic authentication over plain HTTP, which sends
	// the password and every command in clear text.
	AllowUnencrypted bool

	// Timeout bounds one Run (and the connection and handshake it needs).
	// Default 60s.
	Timeout time.Duration
	// MaxRetries is how many times one request is retried after a transient
	// failure. Default 3; a negative value disables retries.
	MaxRetries int

	// FreshShellPerCommand opens a new shell for every command and deletes it
	// afterwards, as masterzen/winrm's RunWithContext does: five SOAP requests
	// (Create, Command, Receive, Signal, Delete) per command instead of three.
	// It exists only so that benchmarks can measure that naive baseline in the
	// same run as the default, which keeps shells open and reuses them.
	FreshShellPerCommand bool

	// Log, when set, receives debug events. It is never given the password.
	Log func(ctx context.Context, msg string, fields map[string]any)
}

// normalized is a validated Config with defaults applied.
type normalized struct {
	Config
	host     string // without brackets
	hostport string
	url      string
	tls      *tls.Config
	domain   string // NTLM domain part of Username
	user     string // NTLM user part of Username
}

func normalize(cfg Config) (*normalized, error) {
	n := &normalized{Config: cfg}
	h := strings.TrimSpace(cfg.Host)
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if h == "" {
		return nil, errors.New("host is empty")
	}
	if strings.ContainsAny(h, "/?#@ \t\r\n") || (strings.Contains(h, ":") && net.ParseIP(h) == nil) {
		return nil, fmt.Errorf("host %q is not a host name or IP address (give the port separately)", cfg.Host)
	}
	n.host = h
	if n.Port == 0 {
		n.Port = DefaultHTTPPort
		if n.HTTPS {
			n.Port = DefaultHTTPSPort
		}
	}
	if n.Port < 1 || n.Port > 65535 {
		return nil, fmt.Errorf("port %d is out of range 1-65535", n.Port)
	}
	n.hostport = net.JoinHostPort(h, strconv.Itoa(n.Port))
	scheme := "http"
	if n.HTTPS {
		scheme = "https"
	}
	n.url = scheme + "://" + n.hostport + "/wsman"

	if n.Username == "" {
		return nil, errors.New("username is empty")
	}
	switch strings.ToLower(n.Auth) {
	case "", AuthNTLM:
		n.Auth = AuthNTLM
	case AuthBasic:
		n.Auth = AuthBasic
	default:
		return nil, fmt.Errorf("auth %q is not supported (use %q or %q)", cfg.Auth, AuthNTLM, AuthBasic)
	}
	if n.Auth == AuthBasic && !n.HTTPS && !n.AllowUnencrypted {
		return nil, fmt.Errorf("%w: basic authentication to %s over plain HTTP would send the password and every "+
			"command in clear text; use https, or auth \"ntlm\" (which encrypts messages over HTTP), "+
			"or set allow_unencrypted to permit it", ErrBasicOverHTTP, n.hostport)
	}
	if n.Timeout == 0 {
		n.Timeout = DefaultTimeout
	}
	if n.Timeout < 0 {
		return nil, fmt.Errorf("timeout %s is negative", n.Timeout)
	}
	if n.MaxRetries == 0 {
		n.MaxRetries = DefaultMaxRetries
	}
	if n.MaxRetries < 0 {
		n.MaxRetries = 0
	}

	n.user, n.domain = n.Username, ""
	if i := strings.IndexByte(n.Username, '\\'); i >= 0 {
		n.domain, n.user = n.Username[:i], n.Username[i+1:]
	} else if i := strings.LastIndexByte(n.Username, '@'); i >= 0 {
		n.user, n.domain = n.Username[:i], n.Username[i+1:]
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
			if !roots.AppendCertsFromPEM([]byte(n.CACert)) {
				return nil, errors.New("ca_cert holds no PEM certificate")
			}
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
		strconv.FormatBool(n.FreshShellPerCommand),
	} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
