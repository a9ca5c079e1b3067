package transport

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bodgit/ntlmssp"
)

// sessionIdleMax retires an NTLM session before the host is likely to have
// closed its connection (HTTP.sys drops idle connections after 120s).
const sessionIdleMax = 60 * time.Second

// errConnLost is returned when an NTLM session's one TCP connection is gone.
// Windows keeps NTLM state per connection, so the request was not sent on an
// authenticated connection and can be sent again on a new session.
var errConnLost = errors.New("NTLM session connection lost")

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

func (s *ntlmSession) close() { s.tr.CloseIdleConnections() }

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
	challenge, conn, err := w.negotiate(ctx, s)
	if err != nil {
		return err
	}
	if err := w.answer(ctx, s, challenge, conn); err != nil {
		return err
	}
	if s.seal && s.ntlm.SecuritySession() == nil {
		return fmt.Errorf("host %s did not negotiate NTLM message sealing", w.n.host)
	}
	return nil
}

// negotiate sends the NEGOTIATE message, the first leg, and returns the
// host's CHALLENGE, checked (see challenge), and the connection's TLS state.
func (w *ntlmWire) negotiate(ctx context.Context, s *ntlmSession) ([]byte, *tls.ConnectionState, error) {
	n := w.n
	var err error
	s.ntlm, err = ntlmssp.NewClient(
		ntlmssp.SetUserInfo(n.user, n.Password),
		ntlmssp.SetDomain(n.domain),
		ntlmssp.SetVersion(ntlmssp.DefaultVersion()),
	)
	if err != nil {
		return nil, nil, err
	}
	negotiate, err := s.ntlm.Authenticate(nil, nil)
	if err != nil {
		return nil, nil, err
	}
	status, header, body, conn, err := s.leg(ctx, n.url, negotiate)
	if err != nil {
		return nil, nil, tlsFailure(n.host, err)
	}
	challenge, err := w.challenge(status, header, body, s.seal)
	if err != nil {
		return nil, nil, err
	}
	return challenge, conn, nil
}

// challenge returns the CHALLENGE message of the host's answer to the
// NEGOTIATE message. It refuses an answer that is no challenge, and, for a
// session that seals, a challenge that does not grant sealing.
func (w *ntlmWire) challenge(status int, header http.Header, body []byte, seal bool) ([]byte, error) {
	n := w.n
	switch {
	case status == http.StatusOK:
		return nil, fmt.Errorf("host %s answered HTTP %d without asking for NTLM authentication; refusing to send "+
			"commands on an unauthenticated connection", n.host, status)
	case status != http.StatusUnauthorized:
		// An error status (a 503 from HTTP.sys, a proxy's 502) is not a
		// refusal of the credentials, which were not sent yet: an
		// *HTTPError, retried like any other when it is transient.
		return nil, &HTTPError{StatusCode: status, Body: summarizeBody(body), logon: true}
	}
	challenge, ok := negotiateToken(header)
	if !ok {
		return nil, &AuthError{User: n.Username, Host: n.hostport, Auth: n.Auth,
			Reason: "the host does not offer Negotiate (NTLM) authentication; it offers: " + offeredSchemes(header)}
	}
	if len(challenge) == 0 {
		return nil, fmt.Errorf("host %s did not answer the NTLM NEGOTIATE message with a challenge", n.host)
	}
	if seal && !grantsSealing(challenge) {
		// Checked before the challenge is answered: an AUTHENTICATE message
		// is a logon attempt, which a weakened challenge would make fail.
		return nil, fmt.Errorf("host %s did not negotiate NTLM message sealing (signing and sealing with 128-bit keys "+
			"and NTLMv2 session security), which every Windows version offers; something between this machine "+
			"and the host may have altered the exchange: check the network path for a proxy or interception "+
			"device, or use HTTPS", n.host)
	}
	return challenge, nil
}

// answer answers the challenge with the AUTHENTICATE message, the second
// leg. That message is the logon attempt: it goes through the credential
// gate. The NEGOTIATE leg, which carries no secret and counts as no logon,
// did not.
func (w *ntlmWire) answer(ctx context.Context, s *ntlmSession, challenge []byte, conn *tls.ConnectionState) error {
	n := w.n
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
	return w.gate.logon(ctx, n, func() error { return w.logon(ctx, s, auth) })
}

// logon sends the AUTHENTICATE message auth and returns the host's verdict:
// nil when it accepted the credentials, an *AuthError about them when it
// refused them, for the credential gate to record.
func (w *ntlmWire) logon(ctx context.Context, s *ntlmSession, auth []byte) error {
	n := w.n
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
