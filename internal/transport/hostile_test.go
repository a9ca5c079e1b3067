package transport

import (
	"bufio"
	"bytes"
	"context"
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
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// forged is an answer a hostileProxy sends in the host's place.
type forged struct {
	status      int
	contentType string
	body        []byte
}

// hostileProxy is a machine in the middle: a loopback HTTP proxy in front of
// a host that relays every request on its own upstream connection (one per
// client connection, so NTLM, which Windows keys to the connection, works
// through it), except those decide answers itself. The handshake legs (the
// requests that carry an Authorization header) are always relayed: the
// proxy has no password, so it lets the client log on to the real host and
// then speaks for the host.
type hostileProxy struct {
	ln       net.Listener
	upstream string
	// decide is called for each request that is not a handshake leg,
	// numbered from 1 over the proxy's life; nil relays it.
	decide func(p *hostileProxy, n int) *forged
	// challenge, when set, rewrites the NTLM CHALLENGE message the host
	// sends before it is relayed.
	challenge func([]byte) []byte
	// leg, when set, is called for each handshake leg, numbered from 1;
	// nil relays it.
	leg func(n int) *forged

	mu     sync.Mutex
	n      int
	legs   int      // challenges relayed
	legN   int      // handshake legs seen
	sealed []forged // the sealed responses relayed so far, in order
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startHostileProxy(t *testing.T, upstream string, decide func(p *hostileProxy, n int) *forged) *hostileProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &hostileProxy{ln: ln, upstream: upstream, decide: decide}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// config is cfg aimed at the proxy instead of the host.
func (p *hostileProxy) config(cfg Config) Config {
	host, port, _ := net.SplitHostPort(p.ln.Addr().String())
	cfg.Host = host
	cfg.Port, _ = strconv.Atoi(port)
	return cfg
}

// requests is how many non-handshake requests reached the proxy.
func (p *hostileProxy) requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// challenges is how many NTLM challenges the proxy relayed.
func (p *hostileProxy) challenges() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.legs
}

// legCount is how many handshake legs reached the proxy.
func (p *hostileProxy) legCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.legN
}

func (p *hostileProxy) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	var up net.Conn
	var upr *bufio.Reader
	defer func() {
		if up != nil {
			up.Close()
		}
	}()
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return
		}
		var f *forged
		if req.Header.Get("Authorization") != "" && p.leg != nil {
			p.mu.Lock()
			p.legN++
			n := p.legN
			p.mu.Unlock()
			f = p.leg(n)
		}
		if req.Header.Get("Authorization") == "" && p.decide != nil {
			p.mu.Lock()
			p.n++
			n := p.n
			p.mu.Unlock()
			f = p.decide(p, n)
		}
		if f != nil {
			writeForged(c, f)
			continue
		}
		if up == nil {
			if up, err = net.Dial("tcp", p.upstream); err != nil {
				return
			}
			upr = bufio.NewReader(up)
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		if err := req.Write(up); err != nil {
			return
		}
		resp, err := http.ReadResponse(upr, req)
		if err != nil {
			return
		}
		rb, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return
		}
		if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "multipart/encrypted") {
			p.mu.Lock()
			p.sealed = append(p.sealed, forged{resp.StatusCode, ct, rb})
			p.mu.Unlock()
		}
		if tok, ok := negotiateToken(resp.Header); ok && len(tok) > 0 && p.challenge != nil {
			p.mu.Lock()
			p.legs++
			p.mu.Unlock()
			resp.Header.Set("WWW-Authenticate", "Negotiate "+base64.StdEncoding.EncodeToString(p.challenge(tok)))
		}
		resp.Body = io.NopCloser(bytes.NewReader(rb))
		resp.ContentLength = int64(len(rb))
		resp.TransferEncoding = nil
		if err := resp.Write(c); err != nil {
			return
		}
	}
}

// lastSealed returns the i-th sealed response relayed (from 0).
func (p *hostileProxy) sealedResponse(i int) *forged {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i >= len(p.sealed) {
		return &forged{status: http.StatusOK}
	}
	f := p.sealed[i]
	return &f
}

func writeForged(w io.Writer, f *forged) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", f.status, http.StatusText(f.status))
	if f.contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", f.contentType)
	}
	if f.status == http.StatusUnauthorized {
		b.WriteString("WWW-Authenticate: Negotiate\r\n")
	}
	fmt.Fprintf(&b, "Server: Microsoft-HTTPAPI/2.0\r\nContent-Length: %d\r\n\r\n", len(f.body))
	b.Write(f.body)
	_, _ = w.Write(b.Bytes())
}

// plainAnswer is the plain-text SOAP answer a forger sends to the n-th
// request of a first command on a new shell: Create, Command, Receive (done,
// exit 0, with a forged read-back), Signal, then Delete.
func plainAnswer(n int) *forged {
	const id = "2B4E2A1C-7A4B-4E8E-9E61-0C1F6A3F2D11"
	var body string
	switch n {
	case 1:
		body = fmt.Sprintf(envOpen, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse") +
			fmt.Sprintf(createBody, id, id) + envClose
	case 2:
		body = fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse") +
			fmt.Sprintf(commandBody, id) + envClose
	case 3:
		out := `<rsp:Stream Name="stdout" CommandId="` + id + `">` +
			base64.StdEncoding.EncodeToString([]byte("forged read-back\r\n")) + `</rsp:Stream>`
		body = fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse") +
			fmt.Sprintf(receiveDone, out, id, 0) + envClose
	case 4:
		body = fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse") +
			signalBody + envClose
	default:
		body = fmt.Sprintf(envOpen, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse") + envClose
	}
	return &forged{http.StatusOK, soapContentType, []byte(body)}
}

// A machine in the middle of a sealed (NTLM over HTTP) session cannot speak
// for the host: every answer that is not sealed with the session's keys, or
// whose signature or sequence number does not verify, fails the Run with
// ErrUnprotected, is not retried, and is never read. Before this check a
// proxy that relayed the two logon legs and then answered in plain text
// made Run report the forged read-back while the host ran nothing.
func TestSealedSessionRefusesUnprotectedAnswers(t *testing.T) {
	garbage := []byte(encBoundary + "\r\n\tContent-Type: " + encProtocol + "\r\n\tOriginalContent: type=" +
		soapContentType + ";Length=5\r\n" + encBoundary + "\r\n\tContent-Type: application/octet-stream\r\n" +
		"\x10\x00\x00\x00" + "0123456789abcdef" + "hello" + encBoundary + "--\r\n")
	tests := []struct {
		name  string
		relay int // requests relayed before the proxy answers itself
		// answer is what the proxy sends in place of request n (> relay).
		answer       func(p *hostileProxy, n int) *forged
		wantOp       string
		wantCommands int // commands the host ran
		// wantRequests counts the requests through the proxy: the refused
		// one is not repeated; after a refused Receive come the Signal and
		// the Delete of the shell.
		wantRequests int
	}{
		{"plain Create answer", 0, func(_ *hostileProxy, n int) *forged { return plainAnswer(n) }, "Create", 0, 1},
		{"plain Command answer", 1, func(_ *hostileProxy, n int) *forged { return plainAnswer(n) }, "Command", 0, 2},
		{"plain Receive answer with a forged read-back", 2,
			func(_ *hostileProxy, n int) *forged { return plainAnswer(n) }, "Receive", 1, 5},
		{"plain transient fault", 0, func(*hostileProxy, int) *forged {
			return &forged{http.StatusInternalServerError, soapContentType, []byte(faultInternal)}
		}, "Create", 0, 1},
		{"plain shell-gone fault", 1, func(*hostileProxy, int) *forged {
			return &forged{http.StatusInternalServerError, soapContentType, []byte(faultInvalidSelectors)}
		}, "Command", 0, 2},
		{"plain 200 with no body", 0, func(*hostileProxy, int) *forged {
			return &forged{status: http.StatusOK}
		}, "Create", 0, 1},
		{"401 with a body", 0, func(*hostileProxy, int) *forged {
			return &forged{http.StatusUnauthorized, "text/html", []byte("<html>log on here</html>")}
		}, "Create", 0, 1},
		{"sealed framing with a forged signature", 0, func(*hostileProxy, int) *forged {
			return &forged{http.StatusOK, encMediaType(encProtocol), garbage}
		}, "Create", 0, 1},
		{"replayed sealed answer", 1, func(p *hostileProxy, _ int) *forged {
			// The host's sealed CreateResponse, sent again as the answer to
			// the Command: valid keys, old sequence number.
			return p.sealedResponse(0)
		}, "Command", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, winsim.Options{})
			p := startHostileProxy(t, h.Addr(), func(p *hostileProxy, n int) *forged {
				if n <= tt.relay {
					return nil
				}
				return tt.answer(p, n)
			})
			c := simClient(t, p.config(simConfig(t, h, AuthNTLM)))
			res, err := c.Run(context.Background(), "echo real")
			var ie *IntegrityError
			if !errors.Is(err, ErrUnprotected) || !errors.As(err, &ie) {
				t.Fatalf("Run = %+v, %v; want ErrUnprotected", res, err)
			}
			if ie.Operation != tt.wantOp || classify(err) != classPermanent {
				t.Errorf("operation = %q, class %v; want %q, permanent", ie.Operation, classify(err), tt.wantOp)
			}
			if n := p.requests(); n != tt.wantRequests {
				t.Errorf("requests through the proxy = %d, want %d: an unprotected answer is not retried", n, tt.wantRequests)
			}
			if got := len(h.Commands()); got != tt.wantCommands {
				t.Errorf("host ran %d commands, want %d", got, tt.wantCommands)
			}
			if res.Stdout != "" {
				t.Errorf("stdout = %q: a forged answer was read", res.Stdout)
			}
		})
	}
}

// Signal and Delete answers are checked too: a forged SignalResponse does
// not return the shell for reuse (it is deleted instead) and a forged
// DeleteResponse is reported as a shell that could not be deleted.
func TestSealedSessionRefusesUnprotectedSignalAndDelete(t *testing.T) {
	h := startSim(t, winsim.Options{})
	p := startHostileProxy(t, h.Addr(), func(_ *hostileProxy, n int) *forged {
		if n <= 3 {
			return nil // Create, Command, Receive: the real host
		}
		return plainAnswer(n)
	})
	var mu sync.Mutex
	var logged []string
	cfg := p.config(simConfig(t, h, AuthNTLM))
	cfg.Log = func(_ context.Context, msg string, f map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		logged = append(logged, fmt.Sprintf("%s: %v", msg, f["error"]))
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Run(context.Background(), "echo real")
	if err != nil || res.Stdout != "real\r\n" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	var signal, del bool
	for _, l := range logged {
		signal = signal || strings.HasPrefix(l, "winrm signal failed") && strings.Contains(l, "not protected")
		del = del || strings.HasPrefix(l, "winrm shell not deleted") && strings.Contains(l, "not protected")
	}
	if !signal || !del {
		t.Errorf("log = %q; want the Signal and the Delete refused as not protected", logged)
	}
}

// HTTP.sys answers 503 itself, outside WinRM's session, when the service
// cannot take a request: plain text on a sealed session that is retried, and
// never parsed as a SOAP answer.
func TestSealedSessionRetriesPlain503(t *testing.T) {
	h := startSim(t, winsim.Options{})
	p := startHostileProxy(t, h.Addr(), func(_ *hostileProxy, n int) *forged {
		if n == 1 {
			return &forged{http.StatusServiceUnavailable, soapContentType, []byte(faultInvalidSelectors)}
		}
		return nil
	})
	c := simClient(t, p.config(simConfig(t, h, AuthNTLM)))
	res, err := c.Run(context.Background(), "echo real")
	if err != nil || res.Stdout != "real\r\n" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if got := len(h.Commands()); got != 1 {
		t.Errorf("host ran %d commands, want 1", got)
	}
}

// A machine in the middle that rewrites the host's NTLM CHALLENGE to grant
// less than sealing (no SEAL, no SIGN, or the weak pre-NTLMv2 session
// security) would leave requests unencrypted or answers unverified. The
// client refuses such a challenge before it answers it: no AUTHENTICATE
// message, so no logon attempt, and no SOAP body is sent.
func TestSealedSessionRefusesWeakenedChallenge(t *testing.T) {
	const (
		sign = 1 << 4
		seal = 1 << 5
		ess  = 1 << 19
		k128 = 1 << 29
	)
	for _, tt := range []struct {
		name  string
		strip uint32
	}{
		{"no seal", seal},
		{"no sign, no seal", sign | seal},
		{"no extended session security", ess},
		{"no 128-bit keys", k128},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, winsim.Options{})
			p := startHostileProxy(t, h.Addr(), nil)
			p.challenge = func(tok []byte) []byte {
				tok = append([]byte(nil), tok...)
				flags := binary.LittleEndian.Uint32(tok[20:24]) &^ tt.strip
				binary.LittleEndian.PutUint32(tok[20:24], flags)
				return tok
			}
			c := simClient(t, p.config(simConfig(t, h, AuthNTLM)))
			_, err := c.Run(context.Background(), "echo real")
			if err == nil || !strings.Contains(err.Error(), "message sealing") {
				t.Fatalf("err = %v, want a refusal of the weakened challenge", err)
			}
			st := h.Stats()
			if p.challenges() != 1 || st.HTTPRequests != 1 || len(h.Commands()) != 0 {
				t.Errorf("challenges = %d, host HTTP requests = %d, commands = %d; want 1, 1 (the NEGOTIATE only), 0",
					p.challenges(), st.HTTPRequests, len(h.Commands()))
			}
		})
	}
}
