package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	krbconfig "github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/w32time/terraform-provider-windows/internal/testkdc"
)

// TestKerberosFlags: --realm and --keytab make every host take tickets for HTTP/<its address>
// (printed on its line), and --spn names another service principal for a single host.
func TestKerberosFlags(t *testing.T) {
	kdc := testkdc.Start(t, testkdc.Options{})
	kdc.AddUser(t, "Administrator", "Passw0rd!")
	cfg, err := krbconfig.NewFromString(kdc.Krb5Conf())
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword("Administrator", kdc.Realm, "Passw0rd!", cfg, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		t.Fatal(err)
	}
	// logsOn authenticates to url with a ticket for spn: an empty-body POST is answered 200.
	logsOn := func(t *testing.T, url, spn string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := spnego.SetSPNEGOHeader(cl, req, spn); err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with a ticket for %s: HTTP %d, want 200", url, spn, resp.StatusCode)
		}
	}

	t.Run("hosts take tickets for HTTP/<address>", func(t *testing.T) {
		keytab := kdc.AddService(t, "HTTP/127.0.0.2")
		kdc.ExportService(t, "HTTP/127.0.0.3", keytab)
		s := startCommand(t, 2, "--listen", "127.0.0.1:0", "--hosts", "2", "--realm", kdc.Realm, "--keytab", keytab, "--control", "127.0.0.1:0")
		if strings.Contains(s.urls[0], "//127.0.0.1:") {
			t.Skip("127.0.0.2 cannot be bound here")
		}
		for i, spn := range []string{"HTTP/127.0.0.2", "HTTP/127.0.0.3"} {
			if want := " realm=" + kdc.Realm + " spn=" + spn; !strings.HasSuffix(s.lines[i], want) {
				t.Fatalf("host line %q does not end with %q", s.lines[i], want)
			}
			logsOn(t, s.urls[i], spn)
		}
	})
	t.Run("--spn", func(t *testing.T) {
		keytab := kdc.AddService(t, "HTTP/win1.example.com")
		s := startCommand(t, 1, "--listen", "127.0.0.1:0", "--realm", kdc.Realm, "--keytab", keytab, "--spn", "HTTP/win1.example.com", "--control", "127.0.0.1:0")
		if !strings.HasSuffix(s.lines[0], " spn=HTTP/win1.example.com") {
			t.Fatalf("host line %q", s.lines[0])
		}
		logsOn(t, s.urls[0], "HTTP/win1.example.com")
	})
}
