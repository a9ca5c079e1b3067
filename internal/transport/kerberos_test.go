package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/w32time/terraform-provider-windows/internal/gss4121"
	"github.com/w32time/terraform-provider-windows/internal/testkdc"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// TestPrincipalForms: the user-name forms Windows accepts give the
// principal's name and its realm, upper-cased whatever the case typed; a
// NetBIOS prefix gives way to a configured realm.
func TestPrincipalForms(t *testing.T) {
	tests := []struct {
		name, username, realm, defaultRealm string
		wantUser, wantRealm                 string
	}{
		{"plain name takes the configured realm", "admin", "example.com", "", "admin", "EXAMPLE.COM"},
		{"plain name takes the krb5.conf default realm", "admin", "", "EXAMPLE.COM", "admin", "EXAMPLE.COM"},
		{"plain name without any realm", "admin", "", "", "admin", ""},
		{"upn", "admin@EXAMPLE.COM", "", "", "admin", "EXAMPLE.COM"},
		{"upn in lower case", "admin@example.com", "", "", "admin", "EXAMPLE.COM"},
		{"upn wins over the configured realm", "admin@child.example.com", "EXAMPLE.COM", "", "admin", "CHILD.EXAMPLE.COM"},
		{"dns domain prefix", `example.com\admin`, "", "", "admin", "EXAMPLE.COM"},
		{"realm prefix", `EXAMPLE.COM\admin`, "OTHER.COM", "", "admin", "EXAMPLE.COM"},
		{"netbios prefix without a realm", `EXAMPLE\admin`, "", "", "admin", "EXAMPLE"},
		{"netbios prefix gives way to the realm", `EXAMPLE\admin`, "example.com", "", "admin", "EXAMPLE.COM"},
		{"name case kept", "Admin.User@Example.Com", "", "", "Admin.User", "EXAMPLE.COM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, realm := principalRealm(tt.username, tt.realm, tt.defaultRealm)
			if user != tt.wantUser || realm != tt.wantRealm {
				t.Errorf("principalRealm(%q, %q, %q) = %q, %q; want %q, %q", tt.username, tt.realm, tt.defaultRealm,
					user, realm, tt.wantUser, tt.wantRealm)
			}
		})
	}
}

// TestSPNFor: the default SPN is HTTP/<host> over HTTP and HTTPS alike
// (WinRM registers no HTTPS/ SPN); a service class takes the host; a whole
// SPN is used as given.
func TestSPNFor(t *testing.T) {
	tests := []struct{ configured, host, want string }{
		{"", "Win1.Example.com", "HTTP/win1.example.com"},
		{"WSMAN", "win1.example.com", "WSMAN/win1.example.com"},
		{"HTTP/alias.example.com", "win1.example.com", "HTTP/alias.example.com"},
		{"HTTP/win1.example.com@EXAMPLE.COM", "x", "HTTP/win1.example.com@EXAMPLE.COM"},
	}
	for _, tt := range tests {
		t.Run(tt.configured+" "+tt.host, func(t *testing.T) {
			if got := spnFor(tt.configured, tt.host); got != tt.want {
				t.Errorf("spnFor(%q, %q) = %q, want %q", tt.configured, tt.host, got, tt.want)
			}
		})
	}
}

// krbConfig is a Config for auth "kerberos" against kdc, to a host that
// is never reached (the failures come from the KDC first).
func krbConfig(kdc *testkdc.KDC, host, user, password string) Config {
	c := DefaultConfig()
	c.Host, c.Port, c.Username, c.Password, c.Auth = host, 1, user, password, AuthKerberos
	c.Kerberos = &KerberosConfig{KDC: kdc.Addr}
	c.MaxRetries = 0
	return c
}

// runErr runs one command with cfg through p and returns its *AuthError.
func runErr(t *testing.T, p *Pool, cfg Config) *AuthError {
	t.Helper()
	c, err := p.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), "ver")
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("Run = %v, want an *AuthError", err)
	}
	if strings.Contains(err.Error(), "%!") || strings.Contains(err.Error(), "<nil>") {
		t.Errorf("message has a formatting hole: %s", err)
	}
	return ae
}

// TestKerberosKDCErrors: each failure at the KDC is an *AuthError that
// names its cause and what to do.
func TestKerberosKDCErrors(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	kdc.AddUser(t, "kdcerr-alice", "Right-Pass-1")
	realm := kdc.Realm
	closed := closedPort(t)
	tests := []struct {
		name     string
		cfg      Config
		want     []string
		noTicket bool
	}{
		{"wrong password", krbConfig(kdc, "win1.example.com", "kdcerr-alice", "Wrong-Pass-1"),
			[]string{"refused the password of kdcerr-alice@" + realm, "the password is wrong"}, false},
		{"unknown principal", krbConfig(kdc, "win1.example.com", "kdcerr-nobody@example.com", "Right-Pass-1"),
			[]string{"does not know the user kdcerr-nobody@" + realm, "KDC_ERR_C_PRINCIPAL_UNKNOWN"}, false},
		{"no such SPN", krbConfig(kdc, "nospn.example.com", `EXAMPLE\kdcerr-alice`, "Right-Pass-1"),
			[]string{"knows no service principal HTTP/nospn.example.com", "set spn in the kerberos block"}, true},
		{"wrong SPN given", func() Config {
			c := krbConfig(kdc, "win1.example.com", "kdcerr-alice", "Right-Pass-1")
			c.Kerberos.SPN = "HTTPS/win1.example.com"
			return c
		}(), []string{"knows no service principal HTTPS/win1.example.com", "HTTP/<host name> for HTTP and HTTPS alike"}, true},
		{"no KDC reachable", func() Config {
			c := krbConfig(kdc, "win1.example.com", "kdcerr-alice", "Right-Pass-1")
			c.Kerberos.KDC = closed
			return c
		}(), []string{"no KDC of realm " + realm + " answered (tried " + closed + ")"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name != "no such SPN" && tt.name != "wrong SPN given" {
				tt.cfg.Kerberos.Realm = realm
			} else {
				tt.cfg.Kerberos.Realm = strings.ToLower(realm)
			}
			p := NewPool()
			defer p.Close()
			ae := runErr(t, p, tt.cfg)
			for _, w := range tt.want {
				if !strings.Contains(ae.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", ae, w)
				}
			}
			if ae.noTicket != tt.noTicket {
				t.Errorf("noTicket = %v, want %v", ae.noTicket, tt.noTicket)
			}
		})
	}
}

// TestKerberosWrongPasswordOneLogon: a password the KDC refused is not
// tried again in the process, on any host.
func TestKerberosWrongPasswordOneLogon(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	kdc.AddUser(t, "kdcerr-bob", "Right-Pass-2")
	p := NewPool()
	defer p.Close()
	first := runErr(t, p, krbConfig(kdc, "win1.example.com", "kdcerr-bob@"+kdc.Realm, "Wrong-Pass-2"))
	if first.RefusedBy != "" || !first.credentials {
		t.Fatalf("first error = %v, want the KDC's refusal", first)
	}
	second := runErr(t, p, krbConfig(kdc, "win2.example.com", "kdcerr-bob@"+kdc.Realm, "Wrong-Pass-2"))
	if second.RefusedBy != "the KDC of realm "+kdc.Realm {
		t.Errorf("second error = %v, want a logon not attempted (RefusedBy set)", second)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// fakeKDC answers every request on TCP with a KRB-ERROR of code, stamped
// with its own clock, skew ahead of this machine's.
func fakeKDC(t *testing.T, realm string, code int32, skew time.Duration) (addr string, asked *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	asked = &atomic.Int32{}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			asked.Add(1)
			go func() {
				defer c.Close()
				var l [4]byte
				if _, err := io.ReadFull(c, l[:]); err != nil {
					return
				}
				if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(l[:]))); err != nil {
					return
				}
				ke := messages.NewKRBError(types.NewPrincipalName(2, "krbtgt/"+realm), realm, code, "")
				now := time.Now().Add(skew).UTC()
				ke.STime, ke.Susec = now.Truncate(time.Second), now.Nanosecond()/1000
				b, err := ke.Marshal()
				if err != nil {
					return
				}
				binary.BigEndian.PutUint32(l[:], uint32(len(b)))
				_, _ = c.Write(append(l[:], b...))
			}()
		}
	}()
	return l.Addr().String(), asked
}

// TestKerberosKDCClockSkew: a KDC that refuses the logon for clock skew is
// named with the skew measured, whichever way it goes. A real KDC runs on
// this machine's clock, so a fake one (real Kerberos framing and
// KRB-ERROR) plays the skewed KDC.
func TestKerberosKDCClockSkew(t *testing.T) {
	for _, tt := range []struct {
		skew time.Duration
		want string
	}{
		{10 * time.Minute, "its clock is 10m0s ahead of this machine's (KRB_AP_ERR_SKEW"},
		{-2 * time.Hour, "its clock is 2h0m0s behind this machine's (KRB_AP_ERR_SKEW"},
	} {
		t.Run(tt.skew.String(), func(t *testing.T) {
			addr, _ := fakeKDC(t, "SKEW.TEST", errorcode.KRB_AP_ERR_SKEW, tt.skew)
			cfg := DefaultConfig()
			cfg.Host, cfg.Port, cfg.Username, cfg.Password, cfg.Auth = "win1.skew.test", 1, "alice@skew.test", "pw", AuthKerberos
			cfg.Kerberos = &KerberosConfig{KDC: addr}
			p := NewPool()
			defer p.Close()
			ae := runErr(t, p, cfg)
			if !strings.Contains(ae.Error(), "the KDC of realm SKEW.TEST refused the logon because "+tt.want) {
				t.Errorf("error %q\nwant it to name the KDC's skew: %q", ae, tt.want)
			}
			if ae.credentials {
				t.Error("a clock skew closed the credential gate: the password was not refused")
			}
		})
	}
}

// krbSim starts a host of kdc's realm (service principal HTTP/127.0.0.1)
// with the simulator's administrator known to the KDC.
func krbSim(t *testing.T, kdc *testkdc.KDC, https bool) *winsim.Host {
	t.Helper()
	kdc.AddUser(t, simUser, simPass)
	return startSim(t, winsim.Options{Realm: kdc.Realm, Keytab: kdc.AddService(t, "HTTP/127.0.0.1"), HTTPS: https})
}

// krbSimConfig is a Config for auth against h, logging on as the
// simulator's administrator through kdc.
func krbSimConfig(t *testing.T, kdc *testkdc.KDC, h *winsim.Host, auth string) Config {
	t.Helper()
	cfg := simConfig(t, h, auth)
	cfg.Kerberos = &KerberosConfig{Realm: strings.ToLower(kdc.Realm), KDC: kdc.Addr}
	return cfg
}

// TestKerberosSim: Kerberos logs on to a host of the realm with a
// password, a keytab or a ticket cache, with no NTLM logon; over HTTP every
// body is sealed (the host refuses plain ones), over HTTPS plain inside
// TLS; a shell's commands then cost three requests on the session.
func TestKerberosSim(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	userKeytab := t.TempDir() + "/user.keytab"
	tests := []struct {
		name  string
		https bool
		edit  func(t *testing.T, c *Config)
	}{
		{"password", false, nil},
		{"password https", true, nil},
		{"keytab", false, func(t *testing.T, c *Config) {
			kdc.ExportService(t, simUser, userKeytab)
			c.Password, c.Kerberos.Keytab = "", userKeytab
		}},
		{"ticket cache", false, func(t *testing.T, c *Config) {
			c.Password, c.Username, c.Kerberos.CCache = "", "", kdc.Kinit(t, simUser, simPass)
		}},
		{"upn user name", false, func(t *testing.T, c *Config) {
			c.Username, c.Kerberos.Realm = simUser+"@"+strings.ToLower(kdc.Realm), ""
		}},
		{"realm prefix", false, func(t *testing.T, c *Config) { c.Username = strings.ToLower(kdc.Realm) + `\` + simUser }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := krbSim(t, kdc, tt.https)
			cfg := krbSimConfig(t, kdc, h, AuthKerberos)
			if tt.edit != nil {
				tt.edit(t, &cfg)
			}
			c := simClient(t, cfg)
			for range 2 {
				res, err := c.Run(context.Background(), "echo hi")
				if err != nil {
					t.Fatal(err)
				}
				if strings.TrimSpace(res.Stdout) != "hi" {
					t.Fatalf("stdout = %q", res.Stdout)
				}
			}
			// Sessions: one, or two when the second command starts while the
			// first's Signal holds the first session; over HTTPS one more,
			// refused its plain body as with NTLM and made again sealing.
			st := h.Stats()
			if st.KerberosLogons == 0 || st.KerberosLogonsFailed != 0 || st.NTLMLogons != 0 {
				t.Errorf("stats = %+v, want Kerberos logons only, none failed", st)
			}
		})
	}
}

// TestKerberosNegotiate: auth "negotiate" uses Kerberos when a ticket can
// be had, NTLM when none can (here: no realm, or no KDC reachable), and
// says which in the log.
func TestKerberosNegotiate(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	tests := []struct {
		name       string
		edit       func(c *Config)
		wantScheme string
	}{
		{"ticket", nil, "Kerberos"},
		{"no realm", func(c *Config) { c.Kerberos = nil }, "NTLM"},
		{"no KDC", func(c *Config) { c.Kerberos.KDC = closedPort(t) }, "NTLM"},
		{"no SPN for the host", func(c *Config) { c.Kerberos.SPN = "HTTP/unregistered.example.com" }, "NTLM"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := krbSim(t, kdc, false)
			cfg := krbSimConfig(t, kdc, h, AuthNegotiate)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			var logged []string
			var mu sync.Mutex
			cfg.Log = func(_ context.Context, msg string, f map[string]any) {
				mu.Lock()
				defer mu.Unlock()
				if strings.HasPrefix(msg, "winrm negotiate") {
					logged = append(logged, fmt.Sprint(f["scheme"]))
				}
			}
			c := simClient(t, cfg)
			if _, err := c.Run(context.Background(), "echo hi"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(logged) != 1 || logged[0] != tt.wantScheme {
				t.Errorf("logged schemes %v, want [%s]", logged, tt.wantScheme)
			}
			st := h.Stats()
			if krb := st.KerberosLogons > 0; krb != (tt.wantScheme == "Kerberos") || (st.NTLMLogons > 0) == krb {
				t.Errorf("stats = %+v, want only %s logons", st, tt.wantScheme)
			}
		})
	}
}

// TestKerberosHostRefusals: a host that refuses the ticket is named with
// the SPN and realm, and what to check; a host of another realm, or whose
// SPN is another's, cannot decrypt the ticket.
func TestKerberosHostRefusals(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	kdc.AddService(t, "HTTP/other.example.com")
	other := testkdc.Start(t, testkdc.Options{Realm: "OTHER.TEST"})
	tests := []struct {
		name string
		host func(t *testing.T) *winsim.Host
		spn  string
		want []string
	}{
		{"the SPN of another host", func(t *testing.T) *winsim.Host { return krbSim(t, kdc, false) },
			"HTTP/other.example.com", []string{"refused the Kerberos ticket for HTTP/other.example.com (realm EXAMPLE.COM)",
				"setspn -Q HTTP/other.example.com"}},
		{"a clock 10 minutes off the host's", func(t *testing.T) *winsim.Host {
			now := krbNow
			krbNow = func() time.Time { return now().Add(10 * time.Minute) }
			t.Cleanup(func() { krbNow = now })
			return krbSim(t, kdc, false)
		}, "", []string{"refused the Kerberos ticket for HTTP/127.0.0.1 (realm EXAMPLE.COM)",
			"this machine's clock is within 5 minutes of the host's"}},
		{"a host of another realm", func(t *testing.T) *winsim.Host {
			return startSim(t, winsim.Options{Realm: other.Realm, Keytab: other.AddService(t, "HTTP/127.0.0.1")})
		}, "", []string{"refused the Kerberos ticket for HTTP/127.0.0.1 (realm EXAMPLE.COM)", "in realm EXAMPLE.COM or trusts it"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kdc.AddUser(t, simUser, simPass)
			h := tt.host(t)
			cfg := krbSimConfig(t, kdc, h, AuthKerberos)
			cfg.Kerberos.SPN = tt.spn
			p := NewPool()
			defer p.Close()
			ae := runErr(t, p, cfg)
			for _, w := range tt.want {
				if !strings.Contains(ae.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", ae, w)
				}
			}
		})
	}
}

// TestKerberosOneTGTPerProcess: the ticket-granting ticket of a principal
// is obtained once per Pool and serves every host.
func TestKerberosOneTGTPerProcess(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	hosts := []*winsim.Host{krbSim(t, kdc, false), krbSim(t, kdc, false), krbSim(t, kdc, false)}
	p := NewPool()
	defer p.Close()
	var gate *credGate
	for _, h := range hosts {
		cfg := krbSimConfig(t, kdc, h, AuthKerberos)
		c, err := p.Client(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Run(context.Background(), "echo hi"); err != nil {
			t.Fatal(err)
		}
		gate = p.gates.get(c.core.n)
	}
	gate.krbMu.Lock()
	defer gate.krbMu.Unlock()
	if gate.krbLogins != 1 {
		t.Errorf("AS exchanges = %d for %d hosts, want 1", gate.krbLogins, len(hosts))
	}
}

// TestKerberosAnswersMustBeSealed: on a Kerberos session, as on an NTLM
// one, an answer must come sealed with the session's key and in sequence;
// anything else is an *IntegrityError naming the Kerberos session.
func TestKerberosAnswersMustBeSealed(t *testing.T) {
	key := func(b byte) types.EncryptionKey {
		return types.EncryptionKey{KeyType: 18, KeyValue: bytes.Repeat([]byte{b}, 32)}
	}
	pair := func(k types.EncryptionKey) (client, host *gss4121.Context) {
		var err error
		if client, err = gss4121.New(gss4121.Config{Key: k, AcceptorSubkey: true, SendSeq: 7, RecvSeq: 9}); err != nil {
			t.Fatal(err)
		}
		if host, err = gss4121.New(gss4121.Config{Key: k, Acceptor: true, AcceptorSubkey: true, SendSeq: 9, RecvSeq: 7}); err != nil {
			t.Fatal(err)
		}
		return client, host
	}
	sealedBy := func(host *gss4121.Context, body string) []byte {
		b, err := frame(krbSealer{host}, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ct := encMediaType(encProtocolKerberos)
	tests := []struct {
		name    string
		answer  func(host, other *gss4121.Context) (string, []byte)
		wantErr string // "" for accepted
	}{
		{"sealed by the host", func(h, _ *gss4121.Context) (string, []byte) { return ct, sealedBy(h, "<ok/>") }, ""},
		{"plain text", func(_, _ *gss4121.Context) (string, []byte) { return soapContentType, []byte("<ok/>") }, "plain text"},
		{"sealed with another key", func(_, o *gss4121.Context) (string, []byte) { return ct, sealedBy(o, "<ok/>") }, "failed verification"},
		{"replayed", func(h, _ *gss4121.Context) (string, []byte) {
			b := sealedBy(h, "<ok/>")
			_ = sealedBy(h, "<next/>") // the host moved on; the first answer is replayed
			return ct, b
		}, "failed verification"},
		{"NTLM-sealed on a Kerberos session", func(h, _ *gss4121.Context) (string, []byte) {
			return encMediaType(encProtocol), sealedBy(h, "<ok/>")
		}, "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, host := pair(key(1))
			_, other := pair(key(2))
			ctype, body := tt.answer(host, other)
			if tt.name == "replayed" {
				// The client already opened the first answer: its replay is refused.
				if _, _, err := openSealed(krbSealer{client}, 200, ctype, body); err != nil {
					t.Fatal(err)
				}
			}
			_, plain, err := openSealed(krbSealer{client}, 200, ctype, body)
			if tt.wantErr == "" {
				if err != nil || string(plain) != "<ok/>" {
					t.Fatalf("openSealed = %q, %v", plain, err)
				}
				return
			}
			var ie *IntegrityError
			if !errors.As(err, &ie) || !strings.Contains(ie.Reason, tt.wantErr) || !strings.Contains(ie.Error(), "Kerberos session") {
				t.Errorf("openSealed error = %v, want an *IntegrityError of the Kerberos session: %s", err, tt.wantErr)
			}
		})
	}
}
