package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors for errors.Is. The typed errors below match them, so a caller
// can branch on the kind of failure without knowing the concrete type.
var (
	// ErrTimeout matches a *TimeoutError: a command did not finish in time.
	ErrTimeout = errors.New("winrm command timed out")
	// ErrAuth matches an *AuthError: the host refused the credentials.
	ErrAuth = errors.New("winrm authentication failed")
	// ErrTLSVerify matches a *TLSError: the host's certificate was not trusted.
	ErrTLSVerify = errors.New("winrm TLS certificate verification failed")
	// ErrFault matches a *Fault: the host answered with a SOAP fault.
	ErrFault = errors.New("winrm SOAP fault")
	// ErrBasicOverHTTP is returned by New when Basic authentication would send
	// the password in clear text and Config.AllowUnencrypted is not set.
	ErrBasicOverHTTP = errors.New("basic authentication over plain HTTP is refused")
	// ErrClosed is returned by Run after Close.
	ErrClosed = errors.New("winrm client is closed")
	// ErrUnprotected matches an *IntegrityError: an answer on a sealed session
	// that was not sealed with the session's keys, or did not verify.
	ErrUnprotected = errors.New("winrm response not protected by the session")
)

// IntegrityError reports an answer that did not come sealed with the keys of
// the NTLM or Kerberos session its request was sent on (both seal every
// message over HTTP), or whose signature or sequence number did not verify. Such an
// answer may come from anything between this machine and the host, so it is
// discarded unread, and the request is not repeated: it is never retried.
type IntegrityError struct {
	Host       string // host:port
	Operation  string // the request it answered: Create, Command, Receive, Signal, Delete
	HTTPStatus int
	Reason     string // what was wrong, e.g. "plain text" or the verification failure
	Scheme     string // the session's: "NTLM" (when empty) or "Kerberos"
}

func (e *IntegrityError) Error() string {
	op := e.Operation
	if op == "" {
		op = "a"
	}
	scheme := e.Scheme
	if scheme == "" {
		scheme = "NTLM"
	}
	return fmt.Sprintf("the answer from %s to WinRM %s request was not protected by the %s session it was sent on "+
		"(HTTP %d, %s), so it was discarded and the request was not repeated; something between this machine and "+
		"the host may be answering in its place: check the network path for a proxy or interception device, or "+
		"use HTTPS with a verified certificate", e.Host, op, scheme, e.HTTPStatus, e.Reason)
}

// Is reports whether target is ErrUnprotected.
func (e *IntegrityError) Is(target error) bool { return target == ErrUnprotected }

// AuthError reports that the host refused the credentials (HTTP 401), or
// that they were not tried (see Reason). It is never retried: repeated
// failures can lock the account out.
type AuthError struct {
	User string
	Host string // host:port
	Auth string
	// Reason, when set, explains a refusal that is not a wrong password, such as
	// a host that does not offer the requested scheme.
	Reason string
	// RefusedBy, when set, is the host (host:port) that refused the same
	// credentials earlier in this process: no logon was attempted at Host,
	// so that the account is not locked out.
	RefusedBy string
	// credentials marks a refusal of the credentials themselves (a 401 to the
	// NTLM AUTHENTICATE message or to Basic credentials): a wrong password,
	// an unknown, disabled or locked account. It closes the credential gate.
	credentials bool
	// noTicket marks a Kerberos logon for which no ticket could be had (no
	// realm, no KDC reachable, no SPN for the host): auth "negotiate" then
	// uses NTLM.
	noTicket bool
	// by, when set, names who refused, when it is not Host: the KDC of a
	// realm, for a Kerberos logon. It becomes RefusedBy of later logons.
	by string
}

func (e *AuthError) Error() string {
	if e.RefusedBy != "" {
		return fmt.Sprintf("authentication not attempted for %s at %s (auth=%s): %s refused the same user name "+
			"and password earlier in this run, and no further logon is attempted with them on any host, so that "+
			"the account is not locked out (Windows locks an account after a number of failed logons); correct "+
			"the username or password, check that the account is enabled and not locked out, and run again",
			e.User, e.Host, e.Auth, e.RefusedBy)
	}
	s := fmt.Sprintf("authentication failed for %s at %s (auth=%s)", e.User, e.Host, e.Auth)
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Is reports whether target is ErrAuth.
func (e *AuthError) Is(target error) bool { return target == ErrAuth }

// TimeoutError reports that a command did not finish before its deadline.
type TimeoutError struct {
	Host    string
	After   time.Duration // how long the command ran before it was abandoned
	Timeout time.Duration // the configured timeout

	// NotStarted says that the host never acknowledged the command's
	// Command request: no command ran, so none was terminated.
	NotStarted bool
	// Port is the endpoint's port, named when NotStarted.
	Port int
	// Unanswered, when set, is the request that was waiting for its answer
	// on an accepted connection when the time ran out (with NotStarted),
	// and Waited how long it had waited.
	Unanswered string
	Waited     time.Duration
}

func (e *TimeoutError) Error() string {
	if !e.NotStarted {
		return fmt.Sprintf("command on %s did not finish within %s (timeout %s); the command was terminated; "+
			"if the host is slow, raise `timeout`", e.Host, e.After.Round(time.Millisecond), e.Timeout)
	}
	ep := net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
	s := fmt.Sprintf("no command was started on %s within %s (timeout %s)", ep, e.After.Round(time.Millisecond), e.Timeout)
	if e.Unanswered != "" {
		return s + fmt.Sprintf(": the host accepted the connection but never answered the WinRM %s request "+
			"(waited %s for its answer); check that port %d on the host is a WinRM listener (winrm enumerate "+
			"winrm/config/listener) and that no proxy or firewall in between holds connections open without "+
			"answering", e.Unanswered, e.Waited.Round(time.Millisecond), e.Port)
	}
	return s + "; if the host is slow to answer, raise `timeout`"
}

// Is reports whether target is ErrTimeout.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns context.DeadlineExceeded so callers that test for it still work.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// TLSError reports that the host's certificate could not be verified.
type TLSError struct {
	Host string
	Err  error
}

func (e *TLSError) Error() string {
	var name x509.HostnameError
	if errors.As(e.Err, &name) {
		// The certificate is trusted but names another host: the CA is not
		// the problem, the name is.
		return fmt.Sprintf("TLS certificate verification failed for %s: %v; set tls_server_name to a name the "+
			"certificate holds, or connect to the host by that name", e.Host, e.Err)
	}
	return fmt.Sprintf("TLS certificate verification failed for %s: %v; set ca_cert to the PEM of the CA "+
		"that issued the host's certificate, or insecure = true to skip verification", e.Host, e.Err)
}

// Is reports whether target is ErrTLSVerify.
func (e *TLSError) Is(target error) bool { return target == ErrTLSVerify }

// Unwrap returns the underlying x509 or tls error.
func (e *TLSError) Unwrap() error { return e.Err }

// Well-known WSManFault codes (decimal, as Windows writes them).
const (
	// CodeTimedOut is the Receive long-poll expiring with no output: poll again.
	CodeTimedOut = "2150858793"
	// CodeInvalidSelectors is an unknown shell or command id, e.g. an expired shell.
	CodeInvalidSelectors = "2150858843"
	// CodeAccessDenied is E_ACCESSDENIED (0x80070005).
	CodeAccessDenied = "2147942405"
	// CodeShellPluginError is the shell plugin's internal error (0x800700CE).
	CodeShellPluginError = "2147942606"
	// CodeQuotaMaxShells is ERROR_WSMAN_QUOTA_MAX_SHELLS: too many shells for this user.
	CodeQuotaMaxShells = "2150859174"
	// CodeQuotaMaxShellUsers is ERROR_WSMAN_QUOTA_MAX_SHELLUSERS.
	CodeQuotaMaxShellUsers = "2150859173"
	// CodeQuotaMaxOperations is ERROR_WSMAN_QUOTA_MAX_OPERATIONS.
	CodeQuotaMaxOperations = "2150859176"
)

// Fault is a SOAP fault returned by the host, whatever the HTTP status.
type Fault struct {
	Host       string
	Operation  string // the request that failed: Create, Command, Receive, Signal, Delete
	HTTPStatus int
	Code       string // e.g. "s:Receiver"
	Subcode    string // e.g. "w:InternalError"
	WSManCode  string // WSManFault Code attribute, e.g. "2150858843"
	Message    string // the host's own text (WSManFault Message, else Reason)
}

func (f *Fault) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "WinRM fault from %s on %s: ", f.Host, f.Operation)
	switch {
	case f.Subcode != "":
		b.WriteString(f.Subcode)
	case f.Code != "":
		b.WriteString(f.Code)
	default:
		b.WriteString("fault")
	}
	if f.WSManCode != "" {
		fmt.Fprintf(&b, " (WSManFault %s)", f.WSManCode)
	}
	if f.Message != "" {
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// Is reports whether target is ErrFault.
func (f *Fault) Is(target error) bool { return target == ErrFault }

func (f *Fault) subcodeIs(local string) bool {
	s := f.Subcode
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[i+1:]
	}
	return s == local
}

// timedOut reports the Receive long-poll expiry, which means "poll again".
func (f *Fault) timedOut() bool { return f.WSManCode == CodeTimedOut || f.subcodeIs("TimedOut") }

// shellGone reports that the shell (or command) id is unknown to the host.
func (f *Fault) shellGone() bool {
	return f.WSManCode == CodeInvalidSelectors || f.subcodeIs("InvalidSelectors")
}

// quota reports a per-user quota fault (too many shells or operations).
func (f *Fault) quota() bool {
	switch f.WSManCode {
	case CodeQuotaMaxShells, CodeQuotaMaxShellUsers, CodeQuotaMaxOperations:
		return true
	}
	return f.subcodeIs("QuotaLimit")
}

// transient reports a fault that a retry can cure: an internal error of the
// service that is not access denied.
func (f *Fault) transient() bool {
	if f.WSManCode == CodeAccessDenied || f.subcodeIs("AccessDenied") {
		return false
	}
	return f.subcodeIs("InternalError") || f.subcodeIs("ServiceUnavailable")
}

// HTTPError is a non-200 answer that carried no SOAP fault.
type HTTPError struct {
	Host       string
	Operation  string
	StatusCode int
	Body       string // a one-line excerpt of the body (see summarizeBody), for diagnosis
	// logon marks an error status answering an NTLM handshake leg.
	logon bool
	// unprotected marks an error status that came outside the NTLM session
	// of a sealed request (see openSealed): nothing proves the host
	// did not act on the request.
	unprotected bool
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("WinRM request %s to %s failed: HTTP %d", e.Operation, e.Host, e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + t
	}
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// maxExcerpt bounds the excerpt of an HTTP body quoted in an error.
const maxExcerpt = 120

var (
	htmlHidden = regexp.MustCompile(`(?is)<head\b.*?</head\s*>|<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->`)
	htmlTag    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// summarizeBody turns an HTTP error body (often a whole HTML page, from
// HTTP.sys, IIS or a proxy) into a short single line: the head, scripts,
// styles, comments and tags removed, entities decoded, control characters
// and runs of white space collapsed to one space, cut to maxExcerpt
// characters.
func summarizeBody(b []byte) string {
	if len(b) > 64<<10 {
		b = b[:64<<10]
	}
	s := htmlHidden.ReplaceAllString(string(b), " ")
	s = htmlTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxExcerpt {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:maxExcerpt-1])) + "…"
	}
	return s
}
