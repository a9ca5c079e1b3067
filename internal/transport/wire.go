package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bodgit/ntlmssp"
	ntlmhttp "github.com/bodgit/ntlmssp/http"
)

const (
	soapContentType = "application/soap+xml;charset=UTF-8"
	// maxResponse bounds what is read from one response; WinRM envelopes are
	// limited to MaxEnvelopeSize (150 KiB) so this is generous.
	maxResponse = 16 << 20
	// sessionIdleMax retires an NTLM session before the host is likely to have
	// closed its connection (HTTP.sys drops idle connections after 120s).
	sessionIdleMax = 60 * time.Second

	encProtocol  = "application/HTTP-SPNEGO-session-encrypted"
	encBoundary  = "--Encrypted Boundary"
	encMediaType = `multipart/encrypted;protocol="` + encProtocol + `";boundary="Encrypted Boundary"`
)

// errConnLost is returned when an NTLM session's one TCP connection is gone.
// Windows keeps NTLM state per connection, so the request was not sent on an
// authenticated connection and can be sent again on a new session.
var errConnLost = errors.New("NTLM session connection lost")

// wire sends one SOAP envelope and returns the HTTP status and the (unsealed)
// response body. It hides the authentication scheme.
type wire interface {
	post(ctx context.Context, body []byte) (status int, resp []byte, err error)
	close()
}

func newWire(n *normalized) wire {
	if n.Auth == AuthBasic {
		return newBasicWire(n)
	}
	return &ntlmWire{n: n}
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

// basicWire sends Basic credentials on every request over a shared transport.
type basicWire struct {
	n      *normalized
	tr     *http.Transport
	client *http.Client
}

func newBasicWire(n *normalized) *basicWire {
	tr := newHTTPTransport(n, dialer(n).DialContext)
	return &basicWire{n: n, tr: tr, client: &http.Client{Transport: tr, CheckRedirect: noRedirect}}
}

func (w *basicWire) post(ctx context.Context, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.n.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", soapContentType)
	req.SetBasicAuth(w.n.Username, w.n.Password)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, nil, tlsFailure(w.n.host, err)
	}
	b, err := readBody(resp)
	if resp.StatusCode == http.StatusUnauthorized {
		return resp.StatusCode, nil, &AuthError{User: w.n.Username, Host: w.n.host, Auth: w.n.Auth}
	}
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

func (w *basicWire) close() { w.tr.CloseIdleConnections() }

// ntlmWire keeps a set of NTLM sessions. A session is one TCP connection that
// completed the NTLM exchange; Windows keeps the authentication (and, over
// HTTP, the sealing keys and sequence numbers) per connection, so a session
// never dials twice and is used by one request at a time.
type ntlmWire struct {
	n      *normalized
	mu     sync.Mutex
	idle   []*ntlmSession
	closed bool
	// sealHTTPS is set once the host refused a plain body over HTTPS on an
	// authenticated connection.
	sealHTTPS atomic.Bool
}

type ntlmSession struct {
	tr       *http.Transport
	client   *http.Client
	ntlm     *ntlmssp.Client
	seal     bool
	dials    atomic.Int32
	lastUsed time.Time
}

func (w *ntlmWire) post(ctx context.Context, body []byte) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		s, reused, err := w.session(ctx, attempt > 0)
		if err != nil {
			return 0, nil, err
		}
		status, resp, err := s.post(ctx, w.n.url, body)
		if err == nil && status != http.StatusUnauthorized {
			w.put(s)
			return status, resp, nil
		}
		s.close()
		if err != nil {
			// A reused session whose connection is gone gets one new session.
			if attempt == 0 && reused && errors.Is(err, errConnLost) {
				continue
			}
			return 0, nil, tlsFailure(w.n.host, err)
		}
		// 401 on a session whose handshake succeeded: the password is right
		// (a wrong one fails in the handshake, which is never repeated).
		if attempt == 0 {
			if !s.seal {
				// The host does not keep NTLM authentication on the connection
				// for plain bodies over HTTPS; seal messages from now on, as
				// over HTTP (pywinrm's message_encryption="always").
				w.sealHTTPS.Store(true)
				continue
			}
			if reused {
				continue
			}
		}
		return 0, nil, &AuthError{User: w.n.Username, Host: w.n.host, Auth: w.n.Auth,
			Reason: "the host refused a request on an authenticated NTLM session"}
	}
}

// session returns an idle session, or a new one after a completed handshake.
func (w *ntlmWire) session(ctx context.Context, fresh bool) (*ntlmSession, bool, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, false, ErrClosed
	}
	for !fresh && len(w.idle) > 0 {
		s := w.idle[len(w.idle)-1]
		w.idle = w.idle[:len(w.idle)-1]
		if time.Since(s.lastUsed) < sessionIdleMax {
			w.mu.Unlock()
			return s, true, nil
		}
		s.close()
	}
	w.mu.Unlock()
	s, err := w.handshake(ctx)
	return s, false, err
}

func (w *ntlmWire) put(s *ntlmSession) {
	s.lastUsed = time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		s.close()
		return
	}
	w.idle = append(w.idle, s)
}

func (w *ntlmWire) close() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.closed = true
	w.mu.Unlock()
	for _, s := range idle {
		s.close()
	}
}

// handshake opens a connection and runs the NTLM exchange on an empty-body
// POST (as pywinrm does), so that no SOAP body is ever sent unauthenticated or
// unsealed and each later message costs one HTTP request.
func (w *ntlmWire) handshake(ctx context.Context) (*ntlmSession, error) {
	n := w.n
	s := &ntlmSession{seal: !n.HTTPS || w.sealHTTPS.Load()}
	d := dialer(n)
	s.tr = newHTTPTransport(n, func(ctx context.Context, network, addr string) (net.Conn, error) {
		if s.dials.Add(1) > 1 {
			return nil, errConnLost
		}
		return d.DialContext(ctx, network, addr)
	})
	s.tr.IdleConnTimeout = 0 // sessions are retired by sessionIdleMax instead
	s.client = &http.Client{Transport: s.tr, CheckRedirect: noRedirect}
	var err error
	s.ntlm, err = ntlmssp.NewClient(
		ntlmssp.SetUserInfo(n.user, n.Password),
		ntlmssp.SetDomain(n.domain),
		ntlmssp.SetVersion(ntlmssp.DefaultVersion()),
	)
	if err != nil {
		return nil, err
	}
	// The bodgit client only ever answers a "Negotiate" challenge with NTLMSSP
	// tokens; it has no Basic fallback, so the password cannot leave this
	// process in a form other than an NTLMv2 response. Encryption(false): the
	// sealing is done below with bounds checks (the library's unwrap indexes
	// the body without checking its length).
	// SendCBT binds the exchange to the TLS certificate, which Windows
	// demands when CbtHardeningLevel is Strict.
	hc, err := ntlmhttp.NewClient(s.client, s.ntlm, ntlmhttp.Encryption(false), ntlmhttp.SendCBT(n.HTTPS))
	if err != nil {
		s.close()
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url, nil)
	if err != nil {
		s.close()
		return nil, err
	}
	req.Header.Set("Content-Type", soapContentType)
	resp, err := hc.Do(req)
	if err != nil {
		s.close()
		return nil, tlsFailure(n.host, err)
	}
	_, _ = readBody(resp)
	if resp.StatusCode == http.StatusUnauthorized {
		s.close()
		ae := &AuthError{User: n.Username, Host: n.host, Auth: n.Auth}
		if !s.ntlm.Complete() {
			ae.Reason = "the host does not offer Negotiate (NTLM) authentication; it offers: " + offeredSchemes(resp.Header)
		}
		return nil, ae
	}
	if !s.ntlm.Complete() {
		s.close()
		return nil, fmt.Errorf("host %s answered HTTP %d without asking for NTLM authentication; refusing to send "+
			"commands on an unauthenticated connection", n.host, resp.StatusCode)
	}
	if s.seal && s.ntlm.SecuritySession() == nil {
		s.close()
		return nil, fmt.Errorf("host %s did not negotiate NTLM message sealing", n.host)
	}
	return s, nil
}

func (s *ntlmSession) close() { s.tr.CloseIdleConnections() }

func (s *ntlmSession) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	ct := soapContentType
	if s.seal {
		var err error
		if body, err = s.wrap(body); err != nil {
			return 0, nil, err
		}
		ct = encMediaType
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", ct)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	b, err := readBody(resp)
	if err != nil {
		return 0, nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return resp.StatusCode, nil, nil
	}
	if s.seal && strings.Contains(resp.Header.Get("Content-Type"), encProtocol) {
		if b, err = s.unwrap(b); err != nil {
			return 0, nil, fmt.Errorf("decrypting response: %w", err)
		}
	}
	return resp.StatusCode, b, nil
}

// wrap seals body in the MS-WSMV 2.2.9.1 framing.
func (s *ntlmSession) wrap(body []byte) ([]byte, error) {
	sealed, sig, err := s.ntlm.SecuritySession().Wrap(body)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(encBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + encProtocol + "\r\n")
	b.WriteString("\tOriginalContent: type=" + soapContentType + ";Length=" + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString(encBoundary + "\r\n")
	b.WriteString("\tContent-Type: application/octet-stream\r\n")
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(sig)))
	b.Write(l[:])
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(encBoundary + "--\r\n")
	return b.Bytes(), nil
}

// unwrap reverses wrap for a response, checking every length it reads.
func (s *ntlmSession) unwrap(b []byte) ([]byte, error) {
	const octet = "Content-Type: application/octet-stream\r\n"
	i := bytes.Index(b, []byte("Length="))
	if i < 0 {
		return nil, errors.New("no OriginalContent length")
	}
	j := i + len("Length=")
	k := j
	for k < len(b) && b[k] >= '0' && b[k] <= '9' {
		k++
	}
	want, err := strconv.Atoi(string(b[j:k]))
	if err != nil || want < 0 {
		return nil, errors.New("bad OriginalContent length")
	}
	o := bytes.Index(b[k:], []byte(octet))
	if o < 0 {
		return nil, errors.New("no octet-stream part")
	}
	data := b[k+o+len(octet):]
	end := bytes.LastIndex(data, []byte(encBoundary+"--"))
	if end < 0 {
		return nil, errors.New("no closing boundary")
	}
	data = data[:end]
	if len(data) < 4 {
		return nil, errors.New("sealed part too short")
	}
	sigLen := int(binary.LittleEndian.Uint32(data[:4]))
	if sigLen != 16 || len(data) < 4+sigLen {
		return nil, fmt.Errorf("bad signature length %d", sigLen)
	}
	sig := data[4 : 4+sigLen]
	plain, err := s.ntlm.SecuritySession().Unwrap(data[4+sigLen:], sig)
	if err != nil {
		return nil, err
	}
	if len(plain) != want {
		return nil, fmt.Errorf("decrypted length %d does not match the declared %d", len(plain), want)
	}
	return plain, nil
}
