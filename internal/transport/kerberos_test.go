package transport

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/w32time/terraform-provider-windows/internal/testkdc"
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
	t.Log(err)
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
