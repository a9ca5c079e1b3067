package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// unavailablePage is HTTP.sys's own 503 page, as Windows sends it.
const unavailablePage = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n" +
	"<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n" +
	"<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n" +
	"<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n"

// A 503 on a leg of the NTLM exchange is transient like any other: the
// logon is retried, and it is no failed logon. Before, a 503 to the
// NEGOTIATE failed the Run at once, claiming the host would run commands
// unauthenticated, and a 503 to the AUTHENTICATE passed for a success.
func TestLogonRetriedAfter503(t *testing.T) {
	unavailable := &forged{http.StatusServiceUnavailable, "text/html; charset=us-ascii", []byte(unavailablePage)}
	tests := []struct {
		name    string
		leg     func(n int) *forged
		retries int
		wantErr string // "" for success
	}{
		{"503 to the first NEGOTIATE", func(n int) *forged {
			if n == 1 {
				return unavailable
			}
			return nil
		}, 3, ""},
		{"503 to the first AUTHENTICATE", func(n int) *forged {
			if n == 2 {
				return unavailable
			}
			return nil
		}, 3, ""},
		{"503 to every NEGOTIATE, retries exhausted", func(int) *forged { return unavailable }, 2, "WinRM request Create (NTLM logon) to 127.0.0.1 failed: HTTP 503 Service Unavailable: " +
			"Service Unavailable HTTP Error 503. The service is unavailable."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, winsim.Options{})
			p := startHostileProxy(t, h.Addr(), nil)
			p.leg = tt.leg
			cfg := p.config(simConfig(t, h, AuthNTLM))
			cfg.MaxRetries = tt.retries
			c := simClient(t, cfg)
			res, err := c.Run(context.Background(), "echo real")
			if tt.wantErr == "" {
				if err != nil || res.Stdout != "real\r\n" {
					t.Fatalf("Run = %+v, %v; want success after a retry", res, err)
				}
			} else {
				var he *HTTPError
				if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable || err.Error() != tt.wantErr {
					t.Fatalf("err = %v\nwant %s", err, tt.wantErr)
				}
				if n := p.legCount(); n != tt.retries+1 {
					t.Errorf("NEGOTIATE legs = %d, want %d (1 + MaxRetries)", n, tt.retries+1)
				}
			}
			if st := h.Stats(); st.NTLMLogonsFailed != 0 {
				t.Errorf("failed logons = %d, want 0", st.NTLMLogonsFailed)
			}
		})
	}
}

// HTTP error pages are summarised on one short line, not pasted whole.
func TestSummarizeBody(t *testing.T) {
	long := "<html><body><p>" + strings.Repeat("word ", 60) + "</p></body></html>"
	tests := []struct {
		name, body, want string
	}{
		{"HTTP.sys 503 page", unavailablePage, "Service Unavailable HTTP Error 503. The service is unavailable."},
		{"scripts, styles, comments and entities", "<html><head><title>x</title><style>p{}</style></head>" +
			"<body><script>var a = 1 < 2;</script><!-- hidden --><h1>Bad&nbsp;Gateway &amp; more</h1>\r\n\t</body></html>",
			"Bad Gateway & more"},
		{"control characters", "line1\x00\x1b[31mline2", "line1 [31mline2"},
		{"cut to 120 characters", long, strings.TrimSpace(strings.Repeat("word ", 24)[:119]) + "…"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarizeBody([]byte(tt.body))
			if got != tt.want {
				t.Errorf("summarizeBody = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > maxExcerpt {
				t.Errorf("excerpt of %d characters, want at most %d", n, maxExcerpt)
			}
		})
	}
	err := &HTTPError{Host: "10.0.0.5", Operation: "Create", StatusCode: 502, Body: summarizeBody([]byte(long))}
	want := "WinRM request Create to 10.0.0.5 failed: HTTP 502 Bad Gateway: " + summarizeBody([]byte(long))
	if err.Error() != want {
		t.Errorf("HTTPError = %q, want %q", err.Error(), want)
	}
}
