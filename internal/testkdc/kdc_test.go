package testkdc

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"
)

// TestKDCIssuesTicketsTheServiceKeytabOpens proves the realm works end to end: a user added
// with AddUser logs in (gokrb5, over TCP as the krb5.conf says), gets a ticket for a service
// added with AddService, and the exported keytab decrypts that ticket; kinit's cache holds a TGT.
func TestKDCIssuesTicketsTheServiceKeytabOpens(t *testing.T) {
	k := Start(t, Options{})
	if k.Realm != DefaultRealm {
		t.Fatalf("Realm = %q, want %q", k.Realm, DefaultRealm)
	}
	k.AddUser(t, "alice", "Secret-1")
	ktPath := k.AddService(t, "HTTP/win1.example.com")

	cfg, err := config.NewFromString(k.Krb5Conf())
	if err != nil {
		t.Fatalf("gokrb5 cannot read Krb5Conf: %v", err)
	}
	cl := client.NewWithPassword("alice", k.Realm, "Secret-1", cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		t.Fatalf("login: %v", err)
	}
	tkt, _, err := cl.GetServiceTicket("HTTP/win1.example.com")
	if err != nil {
		t.Fatalf("service ticket: %v", err)
	}
	kt, err := keytab.Load(ktPath)
	if err != nil {
		t.Fatalf("keytab: %v", err)
	}
	if err := tkt.DecryptEncPart(kt, nil); err != nil {
		t.Fatalf("the exported keytab does not open the ticket: %v", err)
	}
	if got := tkt.DecryptedEncPart.CName.PrincipalNameString(); got != "alice" {
		t.Errorf("ticket client = %q, want alice", got)
	}

	// A second export (another test of the process) keeps the key: the first keytab stays valid.
	k.AddService(t, "HTTP/win1.example.com")
	tkt2, _, err := cl.GetServiceTicket("HTTP/win1.example.com")
	if err != nil {
		t.Fatalf("service ticket: %v", err)
	}
	if err := tkt2.DecryptEncPart(kt, nil); err != nil {
		t.Fatalf("a second AddService changed the key: %v", err)
	}

	t.Run("wrong password", func(t *testing.T) {
		bad := client.NewWithPassword("alice", k.Realm, "wrong", cfg, client.DisablePAFXFAST(true))
		if err := bad.Login(); err == nil {
			t.Fatal("login with a wrong password succeeded")
		}
	})
	t.Run("AddUser again changes the password", func(t *testing.T) {
		k.AddUser(t, "alice", "Secret-2")
		if err := client.NewWithPassword("alice", k.Realm, "Secret-2", cfg, client.DisablePAFXFAST(true)).Login(); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}
		k.AddUser(t, "alice", "Secret-1")
	})
	t.Run("kinit", func(t *testing.T) {
		cc, err := credentials.LoadCCache(k.Kinit(t, "alice", "Secret-1"))
		if err != nil {
			t.Fatalf("kinit's cache: %v", err)
		}
		tgt := types.NewPrincipalName(2, "krbtgt/"+k.Realm)
		if _, ok := cc.GetEntry(tgt); !ok {
			t.Fatalf("kinit's cache has no %s", tgt.PrincipalNameString())
		}
	})
}

// TestStartSharesOneKDCPerRealm: tests asking for the same realm get the same KDC, another
// realm gets its own.
func TestStartSharesOneKDCPerRealm(t *testing.T) {
	a, b := Start(t, Options{}), Start(t, Options{Realm: DefaultRealm})
	if a != b {
		t.Fatal("two KDCs for one realm")
	}
	other := Start(t, Options{Realm: "OTHER.TEST"})
	if other == a || other.Addr == a.Addr || other.Realm != "OTHER.TEST" {
		t.Fatalf("OTHER.TEST got %+v, EXAMPLE.COM %+v", other, a)
	}
	if !strings.Contains(other.Krb5Conf(), "default_realm = OTHER.TEST") {
		t.Fatalf("krb5.conf of OTHER.TEST:\n%s", other.Krb5Conf())
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) {
	r.failed = fmt.Sprint(args...)
	runtime.Goexit()
}

// runRecorded runs f with a recorder in a goroutine of its own, as Skip and Fatal end it.
func runRecorded(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(r)
	}()
	wg.Wait()
	return r
}

// TestRequireSkipsOrFailsWhenItCannotInstall: a program that cannot be installed skips the test
// with the installer's reason, but fails it when CI is set; the install is tried once.
func TestRequireSkipsOrFailsWhenItCannotInstall(t *testing.T) {
	calls := 0
	orig := installer
	installer = func([]string) error { calls++; return errors.New("no apt here") }
	t.Cleanup(func() { installer = orig })
	missing := []string{"testkdc-no-such-program"}
	pkgs := []string{"testkdc-no-such-package"}

	tests := []struct {
		name     string
		ci       string
		wantSkip bool
	}{
		{"without CI the test skips", "", true},
		{"with CI the test fails", "true", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			if tt.ci == "" {
				os.Unsetenv("CI")
			}
			r := runRecorded(t, func(tb testing.TB) { Require(tb, missing, pkgs) })
			got := r.skipped
			if !tt.wantSkip {
				got = r.failed
			}
			if got == "" || !strings.Contains(got, "no apt here") || !strings.Contains(got, "testkdc-no-such-package") {
				t.Fatalf("skipped %q, failed %q", r.skipped, r.failed)
			}
			if (r.skipped != "") != tt.wantSkip || (r.failed != "") == tt.wantSkip {
				t.Fatalf("skipped %q, failed %q; want skip %v", r.skipped, r.failed, tt.wantSkip)
			}
		})
	}
	if calls != 1 {
		t.Errorf("installer called %d times, want once per process", calls)
	}

	t.Run("programs present: no install", func(t *testing.T) {
		r := runRecorded(t, func(tb testing.TB) { Require(tb, []string{"sh"}, []string{"testkdc-other"}) })
		if r.skipped != "" || r.failed != "" || calls != 1 {
			t.Fatalf("skipped %q, failed %q, installer calls %d", r.skipped, r.failed, calls)
		}
	})
}
