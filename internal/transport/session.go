package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bodgit/ntlmssp"
)

// sessionIdleMax retires a session before the host is likely to have
// closed its connection (HTTP.sys drops idle connections after 120s).
const sessionIdleMax = 60 * time.Second

// errConnLost is returned when a session's one TCP connection is gone.
// Windows keeps NTLM and Kerberos state per connection, so the request was
// not sent on an authenticated connection and can be sent again on a new
// session.
var errConnLost = errors.New("authenticated session connection lost")

// sessionWire keeps a set of sessions. A session is one TCP connection that
// completed an NTLM or Kerberos exchange; Windows keeps the authentication
// (and, over HTTP, the sealing keys and sequence numbers) per connection, so
// a session never dials twice and is used by one request at a time.
type sessionWire struct {
	n      *normalized
	gate   *credGate
	auth   authenticator
	mu     sync.Mutex
	idle   []*session
	closed bool
	// sealHTTPS is set once the host refused a plain body over HTTPS on an
	// authenticated connection.
	sealHTTPS atomic.Bool
}

// authenticator runs the exchange of one scheme on a new session's
// connection.
type authenticator interface {
	// authenticate authenticates s's connection and, when s.seal, sets
	// s.sec to the session's sealer.
	authenticate(ctx context.Context, s *session) error
	// scheme names the scheme in messages: "NTLM", "Kerberos".
	scheme() string
}

// session is one authenticated connection.
type session struct {
	tr       *http.Transport
	client   *http.Client
	ntlm     *ntlmssp.Client // with NTLM
	seal     bool
	sec      sealer // set by the handshake when seal
	dials    atomic.Int32
	lastUsed time.Time
}

func (s *session) close() { s.tr.CloseIdleConnections() }

// post sends one SOAP envelope on the session's connection (see postOn),
// sealed with the session's keys when it seals.
func (s *session) post(ctx context.Context, url string, body []byte) (int, []byte, error) {
	var sec sealer
	if s.seal {
		sec = s.sec
	}
	return postOn(ctx, s.client, url, body, sec)
}

func (w *sessionWire) post(ctx context.Context, body []byte) (int, []byte, error) {
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
			Reason: "the host refused a request on an authenticated " + w.auth.scheme() + " session"}
	}
}

// session returns an idle session, or a new one after a completed handshake.
func (w *sessionWire) session(ctx context.Context, fresh bool) (*session, bool, error) {
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

func (w *sessionWire) put(s *session) {
	s.lastUsed = time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		s.close()
		return
	}
	w.idle = append(w.idle, s)
}

func (w *sessionWire) close() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.closed = true
	w.mu.Unlock()
	for _, s := range idle {
		s.close()
	}
}

// handshake opens a connection and runs the scheme's exchange on empty-body
// POSTs, so that no SOAP body is ever sent unauthenticated or unsealed and
// each later message costs one HTTP request.
//
// With NTLM, the first request already carries the NTLM NEGOTIATE message (as pywinrm's
// requests-ntlm does) instead of first probing anonymously for the schemes on
// offer: a new session costs two round trips (NEGOTIATE -> 401 with the
// CHALLENGE, AUTHENTICATE -> 200) instead of three. The NEGOTIATE message holds
// no secret, only flags, the domain and the version, so a host that offers only
// Basic learns nothing from it; the password is used only to answer a
// Negotiate challenge, as an NTLMv2 response, never sent in another form.
func (w *sessionWire) handshake(ctx context.Context) (*session, error) {
	n := w.n
	if err := w.gate.check(n); err != nil {
		return nil, err // refused elsewhere: not even a NEGOTIATE
	}
	s := &session{seal: !n.HTTPS || w.sealHTTPS.Load()}
	d := dialer(n)
	s.tr = newHTTPTransport(n, func(ctx context.Context, network, addr string) (net.Conn, error) {
		if s.dials.Add(1) > 1 {
			return nil, errConnLost
		}
		return d.DialContext(ctx, network, addr)
	})
	s.tr.IdleConnTimeout = 0 // sessions are retired by sessionIdleMax instead
	s.client = &http.Client{Transport: s.tr, CheckRedirect: noRedirect}
	if err := w.auth.authenticate(ctx, s); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}
