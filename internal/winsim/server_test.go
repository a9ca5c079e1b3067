package winsim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

func TestBasicOverHTTP(t *testing.T) {
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true})
	c := newClient(t, h, defaultUsername, defaultPassword, nil)
	stdout, stderr, code, err := run(t, c, "echo hello & exit /b 3")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != "hello \r\n" || stderr != "" || code != 3 {
		t.Errorf("got %q %q %d", stdout, stderr, code)
	}
	if got := h.Machine().History(); len(got) != 1 || got[0] != "echo hello & exit /b 3" {
		t.Errorf("history %q", got)
	}
	if got := h.Commands(); len(got) != 1 {
		t.Errorf("commands %q", got)
	}
	st := h.Stats()
	for _, a := range []string{"Create", "Command", "Receive", "Signal", "Delete"} {
		if st.Requests[a] != 1 {
			t.Errorf("%s requests = %d, want 1 (%v)", a, st.Requests[a], st.Requests)
		}
	}
	if st.ShellsOpened != 1 || st.ShellsOpen != 0 || st.HTTPRequests != 5 {
		t.Errorf("stats %+v", st)
	}
	h.ResetStats()
	if st := h.Stats(); st.HTTPRequests != 0 || len(st.Requests) != 0 {
		t.Errorf("after reset %+v", st)
	}
}

// TestAuthRefusals: every refusal is 401 with an empty body, which masterzen reports as
// "invalid content type", as against Windows.
func TestAuthRefusals(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		user, pass string
		tweak      func(*winrm.Parameters)
		challenges []string
	}{
		{"basic not offered", Options{AllowUnencrypted: true}, defaultUsername, defaultPassword, nil, []string{"Negotiate"}},
		{"basic over http without AllowUnencrypted", Options{Auth: "basic"}, defaultUsername, defaultPassword, nil, []string{`Basic realm="WSMAN"`}},
		{"wrong password", Options{Auth: "any", AllowUnencrypted: true}, defaultUsername, "nope", nil, []string{"Negotiate", `Basic realm="WSMAN"`}},
		{"unknown user", Options{Auth: "basic", AllowUnencrypted: true}, "mallory", defaultPassword, nil, []string{`Basic realm="WSMAN"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHost(t, tt.opts)
			c := newClient(t, h, tt.user, tt.pass, tt.tweak)
			_, _, _, err := run(t, c, "echo hi")
			if err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("err = %v, want a 401", err)
			}
			r := newRaw(t, h)
			r.user, r.pass = tt.user, tt.pass
			resp := r.post(winrm.NewOpenShellRequest(h.URL(), params()).String())
			if resp.status != http.StatusUnauthorized || resp.body != "" {
				t.Errorf("status %d body %q", resp.status, resp.body)
			}
			if got := resp.header.Values("WWW-Authenticate"); strings.Join(got, "|") != strings.Join(tt.challenges, "|") {
				t.Errorf("challenges %q, want %q", got, tt.challenges)
			}
			if h.Machine().History() != nil || h.Stats().ShellsOpened != 0 {
				t.Error("a refused request reached the machine")
			}
		})
	}
}

func TestAccessDeniedForNonAdmin(t *testing.T) {
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true, Users: []User{{Name: "bob", Password: "Secret1!"}}})
	r := newRaw(t, h)
	r.user, r.pass = "bob", "Secret1!"
	resp := r.post(winrm.NewOpenShellRequest(h.URL(), params()).String())
	if resp.status != 500 || faultSubcode(resp.body) != "w:AccessDenied" || wsmanCode(resp.body) != "5" {
		t.Errorf("got %d %s", resp.status, resp.body)
	}
	if h.Stats().ShellsOpened != 0 {
		t.Error("shell opened for a non-administrator")
	}
}

func TestNTLMWithMessageEncryption(t *testing.T) {
	h := startHost(t, Options{}) // a default Windows host: Negotiate only, AllowUnencrypted=false
	c := newClient(t, h, defaultUsername, defaultPassword, ntlmEncryption)
	stdout, _, code, err := run(t, c, "echo sealed")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != "sealed\r\n" || code != 0 {
		t.Errorf("got %q %d", stdout, code)
	}
	st := h.Stats()
	if st.Requests["Create"] != 1 || st.Requests["Delete"] != 1 || st.Requests["Auth"] == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestNTLMPlainBodies(t *testing.T) {
	t.Run("refused without AllowUnencrypted", func(t *testing.T) {
		h := startHost(t, Options{})
		_, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, ntlmPlain), "echo hi")
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("err = %v, want 401", err)
		}
	})
	t.Run("accepted with AllowUnencrypted", func(t *testing.T) {
		h := startHost(t, Options{AllowUnencrypted: true})
		stdout, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, ntlmPlain), "echo hi")
		if err != nil || stdout != "hi\r\n" {
			t.Fatalf("got %q, %v", stdout, err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		h := startHost(t, Options{AllowUnencrypted: true})
		_, _, _, err := run(t, newClient(t, h, defaultUsername, "bad", ntlmPlain), "echo hi")
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("err = %v, want 401", err)
		}
	})
	t.Run("host offering only Basic gets the password", func(t *testing.T) {
		// The pinned go-ntlmssp Negotiator falls back to Basic when the 401 offers no Negotiate.
		h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true})
		stdout, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, ntlmPlain), "echo hi")
		if err != nil || stdout != "hi\r\n" {
			t.Fatalf("got %q, %v", stdout, err)
		}
	})
}

func TestHTTPS(t *testing.T) {
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	h := startHost(t, Options{HTTPS: true, Auth: "basic", CertFile: certFile})
	if !strings.HasPrefix(h.URL(), "https://") {
		t.Fatalf("URL %s", h.URL())
	}
	pem, err := os.ReadFile(certFile)
	if err != nil || string(pem) != string(h.CertPEM()) {
		t.Fatalf("cert file: %v", err)
	}
	// Basic and a plain body are fine over TLS without AllowUnencrypted.
	stdout, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, nil), "echo tls")
	if err != nil || stdout != "tls\r\n" {
		t.Fatalf("got %q, %v", stdout, err)
	}
	t.Run("ntlm", func(t *testing.T) {
		h := startHost(t, Options{HTTPS: true})
		stdout, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, ntlmPlain), "echo tls")
		if err != nil || stdout != "tls\r\n" {
			t.Fatalf("got %q, %v", stdout, err)
		}
	})
}

// TestReceiveLongPoll: a hanging command makes every Receive wait the operation timeout and end
// with the w:TimedOut fault; the client polls again until its context ends, then signals.
func TestReceiveLongPoll(t *testing.T) {
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true, OperationTimeout: 50 * time.Millisecond})
	h.HangNext(1)
	c := newClient(t, h, defaultUsername, defaultPassword, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		_, _, _, err := c.RunCmdWithContext(ctx, "w32tm /resync")
		errc <- err
	}()
	deadline := time.After(20 * time.Second)
	for h.Stats().Requests["Receive"] < 3 {
		select {
		case <-deadline:
			t.Fatal("client did not poll again")
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("client did not return after cancel")
	}
	if st := h.Stats(); st.Requests["Signal"] == 0 || st.Requests["Delete"] != 1 {
		t.Errorf("stats %+v", st)
	}
	if got := h.Machine().History(); len(got) != 0 {
		t.Errorf("a hung command reached the machine: %q", got)
	}

	// The fault itself, as Windows sends it.
	r := newRaw(t, h)
	shellID := r.createShell()
	h.HangNext(1)
	resp := r.post(winrm.NewExecuteCommandRequest(h.URL(), shellID, "echo x", nil, params()).String())
	cmdID, err := winrm.ParseExecuteCommandResponse(resp.body)
	if err != nil {
		t.Fatal(err)
	}
	p := winrm.NewParameters("PT0.05S", "en-US", 153600)
	resp = r.post(winrm.NewGetOutputRequest(h.URL(), shellID, cmdID, "stdout stderr", p).String())
	if resp.status != 500 || faultSubcode(resp.body) != "w:TimedOut" || wsmanCode(resp.body) != "2150858793" {
		t.Errorf("got %d %s", resp.status, resp.body)
	}
}

func TestExpiredShell(t *testing.T) {
	for _, how := range []string{"ExpireShells", "idle timeout"} {
		t.Run(how, func(t *testing.T) {
			opts := Options{Auth: "basic", AllowUnencrypted: true}
			if how == "idle timeout" {
				opts.ShellIdleTimeout = 20 * time.Millisecond
			}
			h := startHost(t, opts)
			c := newClient(t, h, defaultUsername, defaultPassword, nil)
			sh, err := c.CreateShell()
			if err != nil {
				t.Fatal(err)
			}
			if how == "ExpireShells" {
				h.ExpireShells()
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			_, err = sh.ExecuteWithContext(context.Background(), "echo hi")
			var ce *winrm.ExecuteCommandError
			if !errors.As(err, &ce) || faultSubcode(ce.Body) != "w:InvalidSelectors" || wsmanCode(ce.Body) != "2150858843" {
				t.Fatalf("err = %v", err)
			}
			if h.Stats().ShellsOpen != 0 {
				t.Error("expired shell still counted")
			}
		})
	}
}

func TestShellQuota(t *testing.T) {
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true, MaxShellsPerUser: 2,
		Users: []User{{Name: "ops", Password: "Ops1!", Admin: true}}})
	r := newRaw(t, h)
	first := r.createShell()
	r.createShell()
	resp := r.post(winrm.NewOpenShellRequest(h.URL(), params()).String())
	if resp.status != 500 || faultSubcode(resp.body) != "w:QuotaLimit" || wsmanCode(resp.body) != "2150859173" {
		t.Fatalf("got %d %s", resp.status, resp.body)
	}
	// The quota is per user.
	other := newRaw(t, h)
	other.user, other.pass = "ops", "Ops1!"
	other.createShell()
	// Another user cannot use the first user's shell.
	resp = other.post(winrm.NewDeleteShellRequest(h.URL(), first, params()).String())
	if faultSubcode(resp.body) != "w:InvalidSelectors" {
		t.Errorf("foreign delete: %s", resp.body)
	}
	resp = r.post(winrm.NewDeleteShellRequest(h.URL(), first, params()).String())
	if resp.status != 200 || !strings.Contains(resp.body, actionDeleteResponse) {
		t.Fatalf("delete: %d %s", resp.status, resp.body)
	}
	r.createShell()
	if st := h.Stats(); st.ShellsOpen != 3 || st.ShellsOpened != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestBadInput(t *testing.T) {
	h := startHost(t, Options{Auth: "any", AllowUnencrypted: true, MaxEnvelopeSize: 4096})
	good := winrm.NewOpenShellRequest(h.URL(), params()).String()
	unknown := strings.Replace(good, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
		"http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", 1)
	tests := []struct {
		name    string
		header  map[string]string
		body    string
		status  int
		subcode string
	}{
		{"malformed xml", nil, "<s:Envelope", 500, "w:SchemaValidationError"},
		{"not soap", nil, "<a/>", 500, "w:SchemaValidationError"},
		{"binary", nil, "\x00\xff\xfe<<<", 500, "w:SchemaValidationError"},
		{"unknown action", nil, unknown, 500, "a:ActionNotSupported"},
		{"missing action", nil, strings.Replace(good, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create", "", 1), 500, "a:MessageInformationHeaderRequired"},
		{"wrong resource", nil, strings.Replace(good, "windows/shell/cmd", "windows/shell/powershell", 1), 500, "w:DestinationUnreachable"},
		{"oversized", nil, good + strings.Repeat(" ", 5000), 500, "w:EncodingLimit"},
		{"way oversized", nil, strings.Repeat("x", 100000), 500, "w:EncodingLimit"},
		{"garbage negotiate", map[string]string{"Authorization": "Negotiate !!!"}, good, 401, ""},
		{"negotiate not ntlm", map[string]string{"Authorization": "Negotiate " + "YIIBhgYGKwYBBQUCoIIBejCCAXag"}, good, 401, ""},
		{"truncated ntlm", map[string]string{"Authorization": "NTLM TlRMTVNTUAAD"}, good, 401, ""},
		{"garbage basic", map[string]string{"Authorization": "Basic %%%"}, good, 401, ""},
		{"kerberos", map[string]string{"Authorization": "Kerberos abc"}, good, 401, ""},
		{"bare scheme", map[string]string{"Authorization": "Basic"}, good, 401, ""},
		{"no credentials", map[string]string{"Authorization": ""}, good, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRaw(t, h)
			resp, err := r.do(tt.header, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.status != tt.status || faultSubcode(resp.body) != tt.subcode {
				t.Errorf("got %d %q: %s", resp.status, faultSubcode(resp.body), resp.body)
			}
			if tt.status == 500 && !strings.HasPrefix(resp.header.Get("Content-Type"), "application/soap+xml") {
				t.Errorf("content type %q", resp.header.Get("Content-Type"))
			}
			if tt.status == 401 && resp.body != "" {
				t.Errorf("401 with body %q", resp.body)
			}
		})
	}
	t.Run("not POST", func(t *testing.T) {
		resp, err := http.Get(h.URL())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("unknown ids", func(t *testing.T) {
		r := newRaw(t, h)
		shellID := r.createShell()
		for _, body := range []string{
			winrm.NewExecuteCommandRequest(h.URL(), "NOPE", "echo", nil, params()).String(),
			winrm.NewGetOutputRequest(h.URL(), shellID, "NOPE", "stdout stderr", params()).String(),
			winrm.NewSignalRequest(h.URL(), shellID, "NOPE", params()).String(),
			winrm.NewDeleteShellRequest(h.URL(), "NOPE", params()).String(),
		} {
			resp := r.post(body)
			if resp.status != 500 || faultSubcode(resp.body) != "w:InvalidSelectors" || wsmanCode(resp.body) != "2150858843" {
				t.Errorf("got %d %s", resp.status, resp.body)
			}
		}
	})
	// The server is still healthy.
	stdout, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, nil), "echo alive")
	if err != nil || stdout != "alive\r\n" {
		t.Fatalf("got %q, %v", stdout, err)
	}
}

func TestFaultInjection(t *testing.T) {
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true, FaultRate: 1, Seed: 7})
	r := newRaw(t, h)
	seen := map[int]bool{}
	for i := 0; i < 20; i++ {
		resp := r.post(winrm.NewOpenShellRequest(h.URL(), params()).String())
		seen[resp.status] = true
		switch resp.status {
		case 503:
			if !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
				t.Errorf("503 content type %q", resp.header.Get("Content-Type"))
			}
		case 500:
			if faultSubcode(resp.body) != "w:InternalError" {
				t.Errorf("500 body %s", resp.body)
			}
		default:
			t.Fatalf("status %d with fault rate 1", resp.status)
		}
	}
	if !seen[500] || !seen[503] {
		t.Errorf("only saw %v", seen)
	}
	if st := h.Stats(); st.Requests["Create"] != 20 || st.ShellsOpened != 0 {
		t.Errorf("stats %+v", st)
	}
	h.SetFaultRate(0)

	c := newClient(t, h, defaultUsername, defaultPassword, nil)
	h.DropNext("Create", 1)
	if _, _, _, err := run(t, c, "echo x"); err == nil {
		t.Fatal("dropped request did not fail")
	}
	if stdout, _, _, err := run(t, c, "echo after"); err != nil || stdout != "after\r\n" {
		t.Fatalf("after drop: %q %v", stdout, err)
	}

	h.SetLatency(30 * time.Millisecond)
	start := time.Now()
	r.createShell()
	// A lower bound only: a sleep never ends early, whatever the load.
	if time.Since(start) < 30*time.Millisecond {
		t.Error("latency not applied")
	}
}

func TestLongOutputSpansReceives(t *testing.T) {
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true})
	c := newClient(t, h, defaultUsername, defaultPassword, func(p *winrm.Parameters) { p.EnvelopeSize = 8192 })
	long := strings.Repeat("0123456789", 700)
	stdout, _, _, err := run(t, c, "echo "+long)
	if err != nil || stdout != long+"\r\n" {
		t.Fatalf("got %d bytes, %v", len(stdout), err)
	}
	if n := h.Stats().Requests["Receive"]; n < 3 {
		t.Errorf("Receive requests %d, want the output split", n)
	}
}

func TestStartN(t *testing.T) {
	hosts, err := StartN(3, 0, Options{Auth: "basic", AllowUnencrypted: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, h := range hosts {
			h.Close()
		}
	}()
	addrs := map[string]bool{}
	for i, h := range hosts {
		addrs[h.Addr()] = true
		host, _, _ := net.SplitHostPort(h.Addr())
		if want := "127.0.0." + string(rune('2'+i)); host != want && host != "127.0.0.1" {
			t.Errorf("host %d on %s", i, host)
		}
		stdout, _, _, err := run(t, newClient(t, h, defaultUsername, defaultPassword, nil), "hostname")
		if err != nil || strings.TrimSpace(stdout) != "WIN-SIM"+string(rune('1'+i)) {
			t.Errorf("host %d: %q %v", i, stdout, err)
		}
		if got := h.Machine().History(); len(got) != 1 {
			t.Errorf("host %d history %q", i, got)
		}
	}
	if len(addrs) != 3 {
		t.Errorf("addresses %v", addrs)
	}
}

// TestStartNBeyondOneSubnet checks a fleet larger than one /24: distinct addresses running on
// from 127.0.0.2 across 127.0.1.x, and that the farthest host answers over WinRM as itself.
func TestStartNBeyondOneSubnet(t *testing.T) {
	const n = 300
	hosts, err := StartN(n, 0, Options{Auth: "basic", AllowUnencrypted: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, h := range hosts {
			h.Close()
		}
	}()
	addrs := map[string]bool{}
	for _, h := range hosts {
		addrs[h.Addr()] = true
	}
	if len(addrs) != n {
		t.Fatalf("%d distinct addresses for %d hosts", len(addrs), n)
	}
	last := hosts[n-1]
	if host, _, _ := net.SplitHostPort(last.Addr()); host != "127.0.1.45" && host != "127.0.0.1" {
		t.Errorf("host %d on %s, want 127.0.1.45 (or 127.0.0.1 where 127.0.0.2 cannot be bound)", n, host)
	}
	stdout, _, _, err := run(t, newClient(t, last, defaultUsername, defaultPassword, nil), "hostname")
	if err != nil || stdout != "WIN-SIM300\r\n" {
		t.Errorf("host %d: %q %v", n, stdout, err)
	}
	for i, h := range hosts[:n-1] {
		if len(h.Machine().History()) != 0 {
			t.Errorf("host %d ran a command", i+1)
		}
	}
}

func TestCloseEndsLongPoll(t *testing.T) {
	h, err := Start("127.0.0.1:0", Options{Auth: "basic", AllowUnencrypted: true})
	if err != nil {
		t.Fatal(err)
	}
	r := newRaw(t, h)
	shellID := r.createShell()
	h.HangNext(1)
	resp := r.post(winrm.NewExecuteCommandRequest(h.URL(), shellID, "echo x", nil, params()).String())
	cmdID, _ := winrm.ParseExecuteCommandResponse(resp.body)
	done := make(chan rawResponse, 1)
	go func() {
		resp, _ := r.do(nil, winrm.NewGetOutputRequest(h.URL(), shellID, cmdID, "stdout stderr", params()).String())
		done <- resp
	}()
	for h.Stats().Requests["Receive"] == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { h.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung")
	}
	<-done
}

func TestSkipCmdShell(t *testing.T) {
	tests := []struct{ in, want string }{
		{`echo a & echo b`, `echo a ^& echo b`},
		{`echo "a & b" | x`, `echo "a & b" ^| x`},
		{`prog (x) ^ <y> %PATH%`, `prog ^(x^) ^^ ^<y^> %PATH%`},
	}
	for _, tt := range tests {
		if got := skipShellLine(tt.in); got != tt.want {
			t.Errorf("skipShellLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	h := startHost(t, Options{Auth: "basic", AllowUnencrypted: true})
	r := newRaw(t, h)
	shellID := r.createShell()
	body := winrm.NewExecuteCommandRequest(h.URL(), shellID, "echo a & echo b", nil, params()).String()
	body = strings.Replace(body, `Name="WINRS_SKIP_CMD_SHELL">FALSE`, `Name="WINRS_SKIP_CMD_SHELL">TRUE`, 1)
	resp := r.post(body)
	cmdID, err := winrm.ParseExecuteCommandResponse(resp.body)
	if err != nil {
		t.Fatalf("%v: %s", err, resp.body)
	}
	resp = r.post(winrm.NewGetOutputRequest(h.URL(), shellID, cmdID, "stdout stderr", params()).String())
	var stdout, stderr strings.Builder
	if done, _, _ := winrm.ParseSlurpOutputErrResponse(resp.body, &stdout, &stderr); !done || stdout.String() != "a & echo b\r\n" {
		t.Errorf("got %v %q %q", done, stdout.String(), stderr.String())
	}
	if got := h.Commands(); len(got) != 1 || got[0] != "echo a ^& echo b" {
		t.Errorf("commands %q", got)
	}
}

// TestSyncFromFlagsByProfile is the acceptance scenario over NTLM with message encryption
// against default hosts: DOMHIER,MANUAL gives AllSync on 2003; ALL fails there and works on 2022.
func TestSyncFromFlagsByProfile(t *testing.T) {
	const query = `reg query ` + paramsKey + ` /v Type`
	for _, p := range []winhost.Profile{winhost.P2003, winhost.P2022} {
		t.Run(string(p), func(t *testing.T) {
			h := startHost(t, Options{Profile: p})
			c := newClient(t, h, defaultUsername, defaultPassword, ntlmEncryption)
			_, _, code, err := run(t, c, `w32tm /config /syncfromflags:DOMHIER,MANUAL /manualpeerlist:"ntp.nict.jp,0x9" /update`)
			if err != nil || code != 0 {
				t.Fatalf("config: %d %v", code, err)
			}
			stdout, _, _, err := run(t, c, query)
			if err != nil || !strings.Contains(stdout, "AllSync") {
				t.Fatalf("query: %q %v", stdout, err)
			}
			_, _, code, err = run(t, c, `w32tm /config /syncfromflags:ALL /update`)
			if err != nil || (code == 0) != (p != winhost.P2003) {
				t.Errorf("ALL: exit %d, %v", code, err)
			}
		})
	}
}

// TestBasicCredentialsCounted: the counter that tests use to prove a client
// never sent a password in clear counts Basic headers, accepted or refused.
func TestBasicCredentialsCounted(t *testing.T) {
	h := startHost(t, Options{}) // Negotiate only: Basic is refused
	c := newClient(t, h, defaultUsername, defaultPassword, nil)
	if _, _, _, err := run(t, c, "ver"); err == nil {
		t.Fatal("Basic was accepted by a Negotiate-only host")
	}
	if st := h.Stats(); st.BasicCredentials == 0 {
		t.Errorf("a refused Basic request was not counted: %+v", st)
	}
}
