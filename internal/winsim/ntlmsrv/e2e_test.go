package ntlmsrv

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	azure "github.com/Azure/go-ntlmssp"
	bodgit "github.com/bodgit/ntlmssp"
	bodgithttp "github.com/bodgit/ntlmssp/http"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

type connKey struct{}

// miniHost is the smallest HTTP layer that uses a Conn per TCP connection, the
// way the simulator does: Authorization tokens go to Step; an authenticated
// connection may send sealed bodies; anything else gets 401 Negotiate with an
// empty body. The reply to a body is "echo:" + body, sealed when the request was.
type miniHost struct {
	*httptest.Server
	mu           sync.Mutex
	conns        int // TCP connections accepted
	negotiates   int // NEGOTIATE tokens seen
	sealedBodies []string
}

func newMiniHost(t *testing.T) *miniHost {
	t.Helper()
	ntlm := testServer(nil)
	h := &miniHost{}
	h.Server = httptest.NewUnstartedServer(http.HandlerFunc(h.serve))
	h.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		h.mu.Lock()
		h.conns++
		h.mu.Unlock()
		return context.WithValue(ctx, connKey{}, ntlm.NewConn())
	}
	h.Start()
	t.Cleanup(h.Close)
	return h
}

func (h *miniHost) serve(w http.ResponseWriter, r *http.Request) {
	c := r.Context().Value(connKey{}).(*Conn)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	deny := func(challenge string) {
		w.Header().Set("WWW-Authenticate", strings.TrimSpace("Negotiate "+challenge))
		w.WriteHeader(http.StatusUnauthorized)
	}
	ct := r.Header.Get("Content-Type")
	switch auth := r.Header.Get("Authorization"); {
	case auth != "":
		scheme, b64, _ := strings.Cut(auth, " ")
		token, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || !strings.EqualFold(scheme, "Negotiate") && !strings.EqualFold(scheme, "NTLM") {
			deny("")
			return
		}
		if bytes.HasPrefix(token, []byte("NTLMSSP\x00\x01")) {
			h.mu.Lock()
			h.negotiates++
			h.mu.Unlock()
		}
		out, done, err := c.Step(token)
		switch {
		case err != nil:
			deny("")
			return
		case !done:
			deny(base64.StdEncoding.EncodeToString(out))
			return
		}
		// Authenticated by this request: its body (sent before the keys
		// existed) is plain.
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		if len(body) > 0 {
			w.Write(append([]byte("echo:"), body...))
		}
	case IsEncrypted(ct) && c.Sealing():
		plain, err := c.DecryptBody(ct, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.sealedBodies = append(h.sealedBodies, string(plain))
		h.mu.Unlock()
		rct, sealed, err := c.EncryptBody(append([]byte("echo:"), plain...))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", rct)
		w.Write(sealed)
	default:
		deny("")
	}
}

func (h *miniHost) counts() (conns, negotiates int, sealed []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conns, h.negotiates, append([]string(nil), h.sealedBodies...)
}

// TestEndToEndBodgitHTTP drives bodgit/ntlmssp/http with Encryption(true): one
// NTLM exchange on an empty-body POST, then every request sealed on the same
// connection with advancing sequence numbers.
//
// That client's MIME framing (toWSMV/fromWSMV in its http/mime.go) rewrites the
// binary payload line by line: a ciphertext holding "\n\n" gets a tab inserted,
// "\n\r\n" loses its CRLF, "\t\n" loses its tab. The signature check then fails,
// as it would against Windows; the odds are about 2^-15 per byte in each direction.
// So the scenario uses short messages and is retried a few times: a defect on
// this side fails every attempt, the client's defect almost never strikes twice.
func TestEndToEndBodgitHTTP(t *testing.T) {
	tests := []struct {
		name     string
		password string
		wantOK   bool
	}{
		{name: "good password", password: testPassword, wantOK: true},
		{name: "bad password", password: "wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const attempts = 5
			var err error
			for range attempts {
				if err = bodgitScenario(t, tt.password, tt.wantOK); err == nil {
					return
				}
				t.Logf("attempt failed (bodgit framing defect if it does not repeat): %v", err)
			}
			t.Fatalf("%d attempts failed, last: %v", attempts, err)
		})
	}
}

func bodgitScenario(t *testing.T, password string, wantOK bool) error {
	h := newMiniHost(t)
	defer h.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ntlmClient, err := bodgit.NewClient(bodgit.SetUserInfo("bob", password), bodgit.SetVersion(bodgit.DefaultVersion()))
	if err != nil {
		return err
	}
	hc, err := bodgithttp.NewClient(&http.Client{Transport: tr}, ntlmClient, bodgithttp.Encryption(true))
	if err != nil {
		return err
	}
	resp, err := hc.Post(h.URL+"/wsman", "application/soap+xml;charset=UTF-8", nil)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !wantOK {
		if resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("status %d, want 401", resp.StatusCode)
		}
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("handshake status %d", resp.StatusCode)
	}
	var want []string
	for i := range 4 {
		msg := "<s:Envelope>message " + strconv.Itoa(i) + "</s:Envelope>"
		want = append(want, msg)
		// bodgit's wrap replaces the body but not ContentLength: hide the
		// length (io.MultiReader) so the request goes out chunked.
		resp, err := hc.Post(h.URL+"/wsman", "application/soap+xml;charset=UTF-8", io.MultiReader(strings.NewReader(msg)))
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(got) != "echo:"+msg {
			return fmt.Errorf("message %d: status %d, body %.80q", i, resp.StatusCode, got)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/soap+xml;charset=UTF-8" {
			return fmt.Errorf("unwrapped Content-Type %q", ct)
		}
	}
	conns, negotiates, sealed := h.counts()
	if conns != 1 || negotiates != 1 {
		return fmt.Errorf("%d connections, %d NEGOTIATEs; want 1 and 1", conns, negotiates)
	}
	if strings.Join(sealed, "|") != strings.Join(want, "|") {
		return fmt.Errorf("server decrypted %q", sealed)
	}
	return nil
}

// TestEndToEndMasterzenEncryption drives masterzen/winrm's NewEncryption("ntlm")
// transport, which authenticates again (empty POST, NEGOTIATE, AUTHENTICATE) on
// the same connection before every sealed SOAP message.
func TestEndToEndMasterzenEncryption(t *testing.T) {
	h := newMiniHost(t)
	u, _ := url.Parse(h.URL)
	port, _ := strconv.Atoi(u.Port())
	for _, user := range []string{"bob", `WIN-SIM\bob`, "bob@corp.example"} {
		t.Run(user, func(t *testing.T) {
			enc, err := winrm.NewEncryption("ntlm")
			if err != nil {
				t.Fatal(err)
			}
			params := winrm.NewParameters("PT60S", "en-US", 153600)
			params.TransportDecorator = func() winrm.Transporter { return enc }
			client, err := winrm.NewClientWithParameters(winrm.NewEndpoint(u.Hostname(), port, false, false, nil, nil, nil, 0), user, testPassword, params)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				msg := soap.NewMessage()
				msg.Header().To("http://" + u.Host + "/wsman").ReplyTo("http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous").Id("uuid:" + strconv.Itoa(i)).Build()
				msg.NewBody()
				got, err := enc.Post(client, msg)
				if err != nil {
					t.Fatalf("Post %d: %v", i, err)
				}
				if want := "echo:" + msg.String(); got != want {
					t.Fatalf("Post %d = %.120q, want %.120q", i, got, want)
				}
			}
		})
	}
	if _, _, sealed := h.counts(); len(sealed) != 9 {
		t.Errorf("server decrypted %d sealed messages, want 9", len(sealed))
	}
}

// TestEndToEndAzureNegotiator drives Azure/go-ntlmssp's Negotiator (what
// masterzen/winrm's ClientNTLM uses): a full exchange per request, plain bodies.
func TestEndToEndAzureNegotiator(t *testing.T) {
	tests := []struct {
		name, user, password string
		wantStatus           int
	}{
		{name: "good", user: "bob", password: testPassword, wantStatus: http.StatusOK},
		{name: "domain form", user: `CORP\bob`, password: testPassword, wantStatus: http.StatusOK},
		{name: "bad password", user: "bob", password: "x", wantStatus: http.StatusUnauthorized},
	}
	h := newMiniHost(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: azure.Negotiator{RoundTripper: tr}}
			for i := range 2 {
				req, _ := http.NewRequest(http.MethodPost, h.URL+"/wsman", strings.NewReader("<plain/>"))
				req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
				req.SetBasicAuth(tt.user, tt.password)
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus {
					t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, tt.wantStatus)
				}
				if tt.wantStatus == http.StatusOK && string(body) != "echo:<plain/>" {
					t.Fatalf("request %d: body %q", i, body)
				}
				if tt.wantStatus == http.StatusUnauthorized && len(body) != 0 {
					t.Fatalf("401 with a body: %q", body)
				}
			}
		})
	}
}
