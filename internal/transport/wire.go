package transport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
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

func newWire(n *normalized, gate *credGate) wire {
	if n.Auth == AuthBasic {
		return newBasicWire(n, gate)
	}
	return &ntlmWire{n: n, gate: gate}
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

// basicWire sends Basic credentials on every request over a shared transport.
type basicWire struct {
	n      *normalized
	gate   *credGate
	tr     *http.Transport
	client *http.Client
}

func newBasicWire(n *normalized, gate *credGate) *basicWire {
	tr := newHTTPTransport(n, dialer(n).DialContext)
	return &basicWire{n: n, gate: gate, tr: tr, client: &http.Client{Transport: tr, CheckRedirect: noRedirect}}
}

// post sends one request. With Basic every request is a logon attempt, so
// each goes through the credential gate.
func (w *basicWire) post(ctx context.Context, body []byte) (status int, resp []byte, err error) {
	err = w.gate.logon(ctx, w.n, func() error {
		var err error
		status, resp, err = w.send(ctx, body)
		return err
	})
	return status, resp, err
}

func (w *basicWire) send(ctx context.Context, body []byte) (int, []byte, error) {
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
		if !offersScheme(resp.Header, "Basic") {
			return resp.StatusCode, nil, &AuthError{User: w.n.Username, Host: w.n.hostport, Auth: w.n.Auth,
				Reason: "the host does not offer Basic authentication; it offers: " + offeredSchemes(resp.Header)}
		}
		return resp.StatusCode, nil, &AuthError{User: w.n.Username, Host: w.n.hostport, Auth: w.n.Auth, credentials: true}
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
	gate   *credGate
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
		// Closed on any error, an unprotected error status included: the
		// host may not have seen the request, whose sealing advanced this
		// side's sequence number, so the two sides may be out of step.
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
		return 0, nil, &AuthError{User: w.n.Username, Host: w.n.hostport, Auth: w.n.Auth,
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

// handshake opens a connection and runs the NTLM exchange on empty-body POSTs,
// so that no SOAP body is ever sent unauthenticated or unsealed and each later
// message costs one HTTP request.
//
// The first request already carries the NTLM NEGOTIATE message (as pywinrm's
// requests-ntlm does) instead of first probing anonymously for the schemes on
// offer: a new session costs two round trips (NEGOTIATE -> 401 with the
// CHALLENGE, AUTHENTICATE -> 200) instead of three. The NEGOTIATE message holds
// no secret, only flags, the domain and the version, so a host that offers only
// Basic learns nothing from it; the password is used only to answer a
// Negotiate challenge, as an NTLMv2 response, never sent in another form.
func (w *ntlmWire) handshake(ctx context.Context) (*ntlmSession, error) {
	n := w.n
	if err := w.gate.check(n); err != nil {
		return nil, err // refused elsewhere: not even a NEGOTIATE
	}
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
	if err := w.authenticate(ctx, s); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// authenticate runs the two legs of the NTLM exchange on s's connection.
func (w *ntlmWire) authenticate(ctx context.Context, s *ntlmSession) error {
	n := w.n
	var err error
	s.ntlm, err = ntlmssp.NewClient(
		ntlmssp.SetUserInfo(n.user, n.Password),
		ntlmssp.SetDomain(n.domain),
		ntlmssp.SetVersion(ntlmssp.DefaultVersion()),
	)
	if err != nil {
		return err
	}
	negotiate, err := s.ntlm.Authenticate(nil, nil)
	if err != nil {
		return err
	}
	status, header, body, conn, err := s.leg(ctx, n.url, negotiate)
	if err != nil {
		return tlsFailure(n.host, err)
	}
	switch {
	case status == http.StatusOK:
		return fmt.Errorf("host %s answered HTTP %d without asking for NTLM authentication; refusing to send "+
			"commands on an unauthenticated connection", n.host, status)
	case status != http.StatusUnauthorized:
		// An error status (a 503 from HTTP.sys, a proxy's 502) is not a
		// refusal of the credentials, which were not sent yet: an
		// *HTTPError, retried like any other when it is transient.
		return &HTTPError{StatusCode: status, Body: summarizeBody(body), logon: true}
	}
	challenge, ok := negotiateToken(header)
	if !ok {
		return &AuthError{User: n.Username, Host: n.hostport, Auth: n.Auth,
			Reason: "the host does not offer Negotiate (NTLM) authentication; it offers: " + offeredSchemes(header)}
	}
	if len(challenge) == 0 {
		return fmt.Errorf("host %s did not answer the NTLM NEGOTIATE message with a challenge", n.host)
	}
	if s.seal && !grantsSealing(challenge) {
		// Checked before the challenge is answered: an AUTHENTICATE message
		// is a logon attempt, which a weakened challenge would make fail.
		return fmt.Errorf("host %s did not negotiate NTLM message sealing (signing and sealing with 128-bit keys "+
			"and NTLMv2 session security), which every Windows version offers; something between this machine "+
			"and the host may have altered the exchange: check the network path for a proxy or interception "+
			"device, or use HTTPS", n.host)
	}
	// Channel bindings tie the exchange to the TLS certificate, which Windows
	// demands when CbtHardeningLevel is Strict.
	var cbt *ntlmssp.ChannelBindings
	if n.HTTPS && conn != nil && len(conn.PeerCertificates) > 0 {
		cbt = channelBindings(conn.PeerCertificates[0])
	}
	auth, err := s.ntlm.Authenticate(challenge, cbt)
	if err != nil {
		// %v, not %w: a parse error such as io.ErrUnexpectedEOF must not make
		// the handshake look like a transient network failure.
		return fmt.Errorf("host %s sent an NTLM challenge that cannot be answered: %v", n.host, err) //nolint:errorlint // deliberately not wrapped (see above)
	}
	// The AUTHENTICATE message is the logon attempt: it goes through the
	// credential gate. The NEGOTIATE leg, which carries no secret and counts
	// as no logon, did not.
	err = w.gate.logon(ctx, n, func() error {
		status, _, body, _, err := s.leg(ctx, n.url, auth)
		if err != nil {
			return tlsFailure(n.host, err)
		}
		switch status {
		case http.StatusOK:
			return nil
		case http.StatusUnauthorized:
			return &AuthError{User: n.Username, Host: n.hostport, Auth: n.Auth, credentials: true}
		}
		// Not an answer to the credentials: a logon the host did not
		// process (a 503 from HTTP.sys) or could not complete.
		return &HTTPError{StatusCode: status, Body: summarizeBody(body), logon: true}
	})
	if err != nil {
		return err
	}
	if s.seal && s.ntlm.SecuritySession() == nil {
		return fmt.Errorf("host %s did not negotiate NTLM message sealing", n.host)
	}
	return nil
}

// NegotiateFlags of an NTLM CHALLENGE message (MS-NLMP 2.2.2.5) that a
// sealed session needs: without SIGN the answers are not verified, without
// SEAL the requests travel in clear, and without EXTENDED_SESSIONSECURITY and
// 128 the signatures and keys are the weak NTLMv1 ones.
const (
	ntlmSign = 1 << 4
	ntlmSeal = 1 << 5
	ntlmESS  = 1 << 19
	ntlm128  = 1 << 29

	ntlmSealing = ntlmSign | ntlmSeal | ntlmESS | ntlm128
)

// grantsSealing reports whether an NTLM CHALLENGE message grants every flag
// of ntlmSealing. Its NegotiateFlags sit at offset 20.
func grantsSealing(challenge []byte) bool {
	if len(challenge) < 24 || string(challenge[:8]) != "NTLMSSP\x00" {
		return true // not a challenge: bodgit/ntlmssp refuses it with its own error
	}
	return binary.LittleEndian.Uint32(challenge[20:24])&ntlmSealing == ntlmSealing
}

// leg sends one handshake message on an empty-body POST and returns the
// response's status, header, body (read whole, so the connection stays
// usable) and TLS state.
func (s *ntlmSession) leg(ctx context.Context, url string, token []byte) (int, http.Header, []byte, *tls.ConnectionState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	req.Header.Set("Content-Type", soapContentType)
	req.Header.Set("Authorization", "Negotiate "+base64.StdEncoding.EncodeToString(token))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	return resp.StatusCode, resp.Header, body, resp.TLS, nil
}

// negotiateToken returns the token of the Negotiate scheme in
// WWW-Authenticate (empty when the scheme is offered bare) and whether the
// scheme is offered at all.
func negotiateToken(h http.Header) ([]byte, bool) {
	for _, v := range h.Values("WWW-Authenticate") {
		name, tok, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(name, "Negotiate") {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok))
		if err != nil {
			return nil, true
		}
		return b, true
	}
	return nil, false
}

// channelBindings returns the tls-server-end-point channel bindings (RFC
// 5929) of the host's certificate, as bodgit/ntlmssp/http computes them: the
// certificate hashed with its signature's hash, SHA-256 for MD5 and SHA-1.
func channelBindings(cert *x509.Certificate) *ntlmssp.ChannelBindings {
	var sum []byte
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.DSAWithSHA256, x509.ECDSAWithSHA256, x509.SHA256WithRSAPSS:
		h := sha256.Sum256(cert.Raw)
		sum = h[:]
	case x509.SHA384WithRSA, x509.ECDSAWithSHA384, x509.SHA384WithRSAPSS:
		h := sha512.Sum384(cert.Raw)
		sum = h[:]
	case x509.SHA512WithRSA, x509.ECDSAWithSHA512, x509.SHA512WithRSAPSS:
		h := sha512.Sum512(cert.Raw)
		sum = h[:]
	default:
		return nil // e.g. Ed25519: RFC 5929 names no hash for it; the library sends none either
	}
	return &ntlmssp.ChannelBindings{ApplicationData: append([]byte(ntlmssp.TLSServerEndPoint+":"), sum...)}
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
	if !s.seal {
		if resp.StatusCode == http.StatusUnauthorized {
			return resp.StatusCode, nil, nil
		}
		return resp.StatusCode, b, nil
	}
	return s.open(resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

// open returns the body of an answer on a sealed session, unsealed and
// verified. Once a session seals its requests, the host seals every answer
// that carries WinRM content, faults included, with the session's keys; so an
// answer that is not sealed, or whose signature or sequence number does not
// verify (bodgit/ntlmssp's Unwrap checks both, and the session is closed
// after a failure: its RC4 state is spent), is an *IntegrityError.
//
// Only answers without WinRM content may come plain, and then only their
// status is used, as an error, never their body:
//   - 401 with an empty body: WinRM's own refusal (it sends no body with it);
//     the caller handles it as before;
//   - any other non-200 status with an empty body, and 502, 503 and 504 with
//     any body: what HTTP.sys (which answers 503 itself, with an HTML page,
//     when the WinRM service cannot take the request) or a proxy send without
//     the session. They become an *HTTPError marked unprotected, which is
//     retried as a request that may have been acted on (see classify): an
//     unprotected "not processed" cannot be believed.
//
// A 200 is never empty in WinRM (Delete answers an envelope with an empty
// s:Body), so a plain or empty 200 is refused like any other plain answer.
func (s *ntlmSession) open(status int, contentType string, b []byte) (int, []byte, error) {
	if strings.Contains(strings.ToLower(contentType), strings.ToLower(encProtocol)) {
		plain, err := s.unwrap(b)
		if err != nil {
			return 0, nil, &IntegrityError{HTTPStatus: status, Reason: "sealed body failed verification: " + err.Error()}
		}
		return status, plain, nil
	}
	switch {
	case status == http.StatusUnauthorized && len(b) == 0:
		return status, nil, nil
	case status != http.StatusOK && (len(b) == 0 || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout):
		return 0, nil, &HTTPError{StatusCode: status, Body: summarizeBody(b), unprotected: true}
	case len(b) == 0:
		return 0, nil, &IntegrityError{HTTPStatus: status, Reason: "empty body"}
	}
	return 0, nil, &IntegrityError{HTTPStatus: status, Reason: "plain text"}
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
