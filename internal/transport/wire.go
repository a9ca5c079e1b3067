package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

const (
	// connBufferSize is the size of each of a connection's read and write
	// buffers (net/http's default is 4 KiB): a fleet keeps a connection per
	// host, and WinRM messages are read and written whole, so larger buffers
	// save few system calls.
	connBufferSize  = 1 << 10
	soapContentType = "application/soap+xml;charset=UTF-8"
	// maxResponse bounds what is read from one response; WinRM envelopes are
	// limited to MaxEnvelopeSize (150 KiB) so this is generous.
	maxResponse = 16 << 20
)

// wire sends one SOAP envelope and returns the HTTP status and the (unsealed)
// response body. It hides the authentication scheme.
type wire interface {
	post(ctx context.Context, body []byte) (status int, resp []byte, err error)
	close()
}

func newWire(n *normalized, gate *credGate) wire {
	switch n.Auth {
	case AuthBasic:
		return newBasicWire(n, gate)
	case AuthKerberos:
		return &sessionWire{n: n, gate: gate, auth: krbAuth{n: n, gate: gate}}
	case AuthNegotiate:
		return newNegotiateWire(n, gate)
	}
	return &sessionWire{n: n, gate: gate, auth: ntlmAuth{n: n, gate: gate}}
}

func newHTTPTransport(n *normalized, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dial,
		TLSClientConfig:       n.tls,
		TLSHandshakeTimeout:   n.Timeout,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ReadBufferSize:        connBufferSize,
		WriteBufferSize:       connBufferSize,
		DisableCompression:    true,
		ExpectContinueTimeout: 0,
	}
}

func dialer(n *normalized) *net.Dialer {
	d := n.Timeout
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	return &net.Dialer{Timeout: d, KeepAlive: 30 * time.Second}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// readBody reads at most maxResponse bytes and closes the body.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxResponse {
		return nil, fmt.Errorf("response larger than %d bytes", maxResponse)
	}
	return b, nil
}

// tlsFailure converts a certificate verification failure into a *TLSError.
func tlsFailure(host string, err error) error {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &cv):
		return &TLSError{Host: host, Err: cv.Err}
	case errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci):
		return &TLSError{Host: host, Err: err}
	}
	return err
}

// offeredSchemes lists the scheme names of WWW-Authenticate, without tokens.
func offeredSchemes(h http.Header) string {
	var s []string
	for _, v := range h.Values("WWW-Authenticate") {
		name, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if name != "" {
			s = append(s, name)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// offersScheme reports whether WWW-Authenticate offers the scheme.
func offersScheme(h http.Header, scheme string) bool {
	for _, v := range h.Values("WWW-Authenticate") {
		name, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(name, scheme) {
			return true
		}
	}
	return false
}
