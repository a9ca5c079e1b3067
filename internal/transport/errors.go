package transport

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
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
)

// AuthError reports that the host refused the credentials (HTTP 401). It is
// never retried: repeated failures can lock the account out.
type AuthError struct {
	User, Host, Auth string
	// Reason, when set, explains a refusal that is not a wrong password, such as
	// a host that does not offer the requested scheme.
	Reason string
}

func (e *AuthError) Error() string {
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
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("command on %s did not finish within %s (timeout %s); the command was terminated; "+
		"if the host is slow, raise `timeout`", e.Host, e.After.Round(time.Millisecond), e.Timeout)
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
	Body       string // first bytes of the body, for diagnosis
}

func (e *HTTPError) Error() string {
	s := fmt.Sprintf("WinRM request %s to %s failed: HTTP %d", e.Operation, e.Host, e.StatusCode)
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}
