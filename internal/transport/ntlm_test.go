package transport

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodgit/ntlmssp"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// The first command on a new NTLM connection costs two handshake requests
// (NEGOTIATE, AUTHENTICATE), one less than with an anonymous probe first,
// then Create, Command, Receive and Signal. Over HTTPS a new Client first
// tries plain bodies, which the host refuses on an NTLM connection (one
// refused Create), and then seals them on a second session: twice the
// handshake, 2 requests less than with the probe.
func TestSimFirstCommandHandshakeRequests(t *testing.T) {
	tests := []struct {
		name     string
		opts     winsim.Options
		wantAuth int // handshake legs and refused requests; the probe made 3 and 7
	}{
		{"ntlm over http, sealed", winsim.Options{}, 2},
		{"ntlm over https", winsim.Options{HTTPS: true}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, tt.opts)
			c := simClient(t, simConfig(t, h, AuthNTLM))
			res, err := c.Run(context.Background(), "echo hello")
			if err != nil || res.Stdout != "hello\r\n" {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			settle(c)
			st := h.Stats()
			if st.Requests["Auth"] != tt.wantAuth || st.HTTPRequests != tt.wantAuth+4 {
				t.Errorf("handshake requests = %d, HTTP requests = %d; want %d and %d (by action %v)",
					st.Requests["Auth"], st.HTTPRequests, tt.wantAuth, tt.wantAuth+4, st.Requests)
			}
			for _, a := range []string{"Create", "Command", "Receive", "Signal"} {
				if st.Requests[a] != 1 {
					t.Errorf("%s requests = %d, want 1", a, st.Requests[a])
				}
			}
		})
	}
}

// Hosts that do not answer the NEGOTIATE message with a challenge are
// refused with a clear error before any SOAP body is sent.
func TestNTLMHandshakeRefusals(t *testing.T) {
	tests := []struct {
		name    string
		answer  func(w http.ResponseWriter)
		wantErr string
	}{
		{"accepts without authentication", func(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) },
			"answered HTTP 200 without asking for NTLM authentication"},
		{"bare Negotiate again: NTLM disabled on the host", func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusUnauthorized)
		}, `answered the NTLM NEGOTIATE message without a challenge: NTLM is disabled on the host (Network ` +
			`security: Restrict NTLM); use auth = "kerberos"`},
		{"malformed challenge", func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", "Negotiate AAAA")
			w.WriteHeader(http.StatusUnauthorized)
		}, "NTLM challenge that cannot be answered"},
		{"Kerberos only", func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", "Kerberos")
			w.WriteHeader(http.StatusUnauthorized)
		}, "does not offer Negotiate (NTLM) authentication; it offers: Kerberos"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests, bodies atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				if r.ContentLength > 0 {
					bodies.Add(1)
				}
				tt.answer(w)
			}))
			defer srv.Close()
			u, _ := url.Parse(srv.URL)
			port, _ := strconv.Atoi(u.Port())
			c := newTestClient(t, Config{Host: u.Hostname(), Port: port, Username: "u", Password: "p",
				Timeout: 5 * time.Second, MaxRetries: 3})
			_, err := c.Run(context.Background(), "echo hi")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if requests.Load() != 1 || bodies.Load() != 0 {
				t.Errorf("requests = %d (with a body: %d), want 1 (0): a handshake failure is not retried",
					requests.Load(), bodies.Load())
			}
		})
	}
}

// channelBindings hashes the certificate as RFC 5929 tls-server-end-point
// says: with its signature's hash, SHA-256 in place of MD5 and SHA-1.
func TestChannelBindings(t *testing.T) {
	ecKey256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecKey384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		key  any
		alg  x509.SignatureAlgorithm
		hash func([]byte) []byte
	}{
		{"ecdsa sha256", ecKey256, x509.ECDSAWithSHA256, func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }},
		{"ecdsa sha384", ecKey384, x509.ECDSAWithSHA384, func(b []byte) []byte { s := sha512.Sum384(b); return s[:] }},
		{"ecdsa sha512", ecKey384, x509.ECDSAWithSHA512, func(b []byte) []byte { s := sha512.Sum512(b); return s[:] }},
		{"ecdsa sha1 uses sha256", ecKey256, x509.ECDSAWithSHA1, func(b []byte) []byte { s := sha256.Sum256(b); return s[:] }},
		{"ed25519 has none", edKey, x509.PureEd25519, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), SignatureAlgorithm: tt.alg,
				NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, tt.key.(crypto.Signer).Public(), tt.key)
			if err != nil {
				t.Skipf("cannot make a %s certificate here: %v", tt.alg, err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			cb := channelBindings(cert)
			if tt.hash == nil {
				if cb != nil {
					t.Fatalf("channelBindings = %+v, want nil", cb)
				}
				return
			}
			want := append([]byte(ntlmssp.TLSServerEndPoint+":"), tt.hash(cert.Raw)...)
			if cb == nil || string(cb.ApplicationData) != string(want) {
				t.Errorf("channelBindings = %+v, want application data %q", cb, want)
			}
		})
	}
}
