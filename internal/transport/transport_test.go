package transport

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func init() { backoffBase = time.Millisecond }

func TestParseFault(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    *Fault
		timeout bool
		gone    bool
		transit bool
		quota   bool
	}{
		{name: "timed out", body: faultTimedOut, timeout: true, transit: false,
			want: &Fault{Code: "s:Receiver", Subcode: "w:TimedOut", WSManCode: CodeTimedOut,
				Message: "The WS-Management service cannot complete the operation within the time specified in OperationTimeout."}},
		{name: "invalid selectors", body: faultInvalidSelectors, gone: true,
			want: &Fault{Code: "s:Sender", Subcode: "w:InvalidSelectors", WSManCode: CodeInvalidSelectors,
				Message: "The request for the Windows Remote Shell with ShellId 1 failed because the shell was not found on the server."}},
		{name: "internal error with nested provider fault", body: faultInternal, transit: true,
			want: &Fault{Code: "s:Receiver", Subcode: "w:InternalError", WSManCode: CodeShellPluginError,
				Message: "The shell plugin failed."}},
		{name: "access denied", body: faultAccessDenied,
			want: &Fault{Code: "s:Sender", Subcode: "w:AccessDenied", WSManCode: CodeAccessDenied, Message: "Access is denied."}},
		{name: "quota", body: faultQuota, quota: true,
			want: &Fault{Code: "s:Receiver", Subcode: "w:QuotaLimit", WSManCode: CodeQuotaMaxShells,
				Message: "The WS-Management service cannot process the request. This user is allowed a maximum number of 1 concurrent shells, which has been exceeded."}},
		{name: "success response", body: fmt.Sprintf(envOpen, "x") + signalBody + envClose},
		{name: "html error page", body: "<html><body>Fault 500</body></html>"},
		{name: "garbage", body: "\x00\x01Fault<<<"},
		{name: "empty", body: ""},
		{name: "fault element outside body", body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><s:Fault/></s:Header><s:Body/></s:Envelope>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseFault([]byte(tt.body))
			if tt.want == nil {
				if got != nil {
					t.Fatalf("parseFault = %+v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatal("parseFault = nil, want a fault")
			}
			if *got != *tt.want {
				t.Errorf("parseFault =\n%+v\nwant\n%+v", *got, *tt.want)
			}
			if got.timedOut() != tt.timeout || got.shellGone() != tt.gone || got.transient() != tt.transit || got.quota() != tt.quota {
				t.Errorf("timedOut=%v shellGone=%v transient=%v quota=%v", got.timedOut(), got.shellGone(), got.transient(), got.quota())
			}
			if !errors.Is(got, ErrFault) {
				t.Error("errors.Is(fault, ErrFault) = false")
			}
		})
	}
}

func TestDecodeOutput(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"ascii", []byte("hello\r\n"), "hello\r\n"},
		{"utf-8 passes through", []byte("日本語 é"), "日本語 é"},
		{"cp932", []byte{0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea}, "日本語"},
		{"cp932 with ascii", append([]byte("ERROR: "), 0x83, 0x41, 0x83, 0x4e, 0x83, 0x5a, 0x83, 0x58), "ERROR: アクセス"},
		{"cp437 when not cp932", []byte("caf\x82"), "café"},
		{"cp437 box drawing", []byte{0xc9, 0xcd, 0xbb, 0xff}, "╔═╗\u00a0"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := decodeOutput(tt.in, 0); got != tt.want {
				t.Errorf("decodeOutput(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want errClass
	}{
		{"auth", &AuthError{}, classPermanent},
		{"wrapped auth", fmt.Errorf("x: %w", &AuthError{}), classPermanent},
		{"tls", &TLSError{Err: errors.New("x")}, classPermanent},
		{"internal error fault", &Fault{Subcode: "w:InternalError", WSManCode: CodeShellPluginError}, classRetry},
		{"access denied fault", &Fault{Subcode: "w:InternalError", WSManCode: CodeAccessDenied}, classPermanent},
		{"invalid selectors", &Fault{Subcode: "w:InvalidSelectors"}, classPermanent},
		{"http 503", &HTTPError{StatusCode: 503}, classRetry},
		{"http 400", &HTTPError{StatusCode: 400}, classPermanent},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, classRetry},
		{"conn lost", fmt.Errorf("x: %w", errConnLost), classRetry},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, classAmbiguous},
		{"eof", fmt.Errorf("post: %w", io.EOF), classAmbiguous},
		{"unexpected eof", io.ErrUnexpectedEOF, classAmbiguous},
		{"request timeout", &requestTimeoutError{time.Second}, classAmbiguous},
		{"deadline", context.DeadlineExceeded, classPermanent},
		{"canceled", context.Canceled, classPermanent},
		{"other", errors.New("parse"), classPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classify(tt.err); got != tt.want {
				t.Errorf("classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantErr  string
		endpoint string
	}{
		{name: "defaults", cfg: Config{Host: "10.0.0.5", Username: "u", Password: "p"}, endpoint: "http://10.0.0.5:5985/wsman"},
		{name: "https default port", cfg: Config{Host: "dc01.example.com", Username: "u", Password: "p", HTTPS: true}, endpoint: "https://dc01.example.com:5986/wsman"},
		{name: "ipv6", cfg: Config{Host: "[fe80::1]", Port: 1234, Username: "u", Password: "p"}, endpoint: "http://[fe80::1]:1234/wsman"},
		{name: "basic over http refused", cfg: Config{Host: "h", Username: "u", Password: "p", Auth: "basic"}, wantErr: "allow_unencrypted"},
		{name: "basic over http allowed", cfg: Config{Host: "h", Username: "u", Password: "p", Auth: "basic", AllowUnencrypted: true}, endpoint: "http://h:5985/wsman"},
		{name: "basic over https", cfg: Config{Host: "h", Username: "u", Password: "p", Auth: "BASIC", HTTPS: true}, endpoint: "https://h:5986/wsman"},
		{name: "unknown scheme", cfg: Config{Host: "h", Username: "u", Password: "p", Auth: "digest"}, wantErr: "not supported"},
		{name: "empty host", cfg: Config{Username: "u", Password: "p"}, wantErr: "host is empty"},
		{name: "host with port", cfg: Config{Host: "h:5985", Username: "u", Password: "p"}, wantErr: "not a host name"},
		{name: "url as host", cfg: Config{Host: "http://h/", Username: "u", Password: "p"}, wantErr: "not a host name"},
		{name: "bad port", cfg: Config{Host: "h", Port: 70000, Username: "u", Password: "p"}, wantErr: "out of range"},
		{name: "no user", cfg: Config{Host: "h", Password: "p"}, wantErr: "username"},
		{name: "bad ca", cfg: Config{Host: "h", Username: "u", Password: "p", HTTPS: true, CACert: "not pem"}, wantErr: "ca_cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.Endpoint(); got != tt.endpoint {
				t.Errorf("Endpoint = %q, want %q", got, tt.endpoint)
			}
		})
	}
	_, err := New(Config{Host: "h", Username: "u", Password: "p", Auth: "basic"})
	if !errors.Is(err, ErrBasicOverHTTP) {
		t.Errorf("errors.Is(err, ErrBasicOverHTTP) = false for %v", err)
	}
}

func TestCheckCommandLine(t *testing.T) {
	for _, ok := range []string{"ver", `reg query "HKLM\SYSTEM" & sc query w32time`, "echo 日本"} {
		if err := checkCommandLine(ok); err != nil {
			t.Errorf("checkCommandLine(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "  ", "echo ]]> x", "echo a\r\nb", "echo \x00", "\xff"} {
		if err := checkCommandLine(bad); err == nil {
			t.Errorf("checkCommandLine(%q) = nil, want error", bad)
		}
	}
}

// settle waits for the background Signals of c's finished commands, so that
// a test may count the requests its Runs caused.
func settle(c *Client) { c.core.signals.Wait() }

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRunReusesShell(t *testing.T) {
	f := newFakeHost(t, false)
	c := newTestClient(t, f.config())
	for i := range 3 {
		res, err := c.Run(context.Background(), "echo hi")
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if res.Stdout != "hi\r\n" || res.ExitCode != 0 {
			t.Fatalf("run %d: %+v", i, res)
		}
	}
	settle(c)
	if got := f.count("Create"); got != 1 {
		t.Errorf("Create requests = %d, want 1", got)
	}
	for _, a := range []string{"Command", "Receive", "Signal"} {
		if got := f.count(a); got != 3 {
			t.Errorf("%s requests = %d, want 3", a, got)
		}
	}
	if f.http != 10 {
		t.Errorf("HTTP requests = %d, want 10 (1 Create + 3 x (Command, Receive, Signal))", f.http)
	}
	// The request carries the code page and the command in CDATA.
	if !strings.Contains(f.bodies[0], `Name="WINRS_CODEPAGE">65001<`) {
		t.Error("Create does not request WINRS_CODEPAGE=65001")
	}
	if !strings.Contains(f.bodies[1], "<![CDATA[echo hi]]>") {
		t.Errorf("Command body does not carry the command line: %s", f.bodies[1])
	}
}

func TestRunExitCodeAndDecoding(t *testing.T) {
	f := newFakeHost(t, false)
	f.stdout = string([]byte{0x93, 0xfa, 0x96, 0x7b})
	f.exit = 5
	c := newTestClient(t, f.config())
	res, err := c.Run(context.Background(), "w32tm /query")
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "日本" || res.ExitCode != 5 {
		t.Errorf("got %+v", res)
	}
}

// A fault answered with HTTP 200 is still a fault, and a fault on Receive does
// not make the client poll forever (masterzen/winrm's RunWithContext does).
func TestFaultOnHTTP200(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Receive" {
			writeSOAP(w, 200, faultAccessDenied)
			return true
		}
		return false
	}
	c := newTestClient(t, f.config())
	_, err := c.Run(context.Background(), "echo hi")
	var fault *Fault
	if !errors.As(err, &fault) {
		t.Fatalf("err = %v, want *Fault", err)
	}
	if fault.WSManCode != CodeAccessDenied || fault.Operation != "Receive" || fault.HTTPStatus != 200 ||
		!strings.Contains(err.Error(), "Access is denied") {
		t.Errorf("fault = %+v", fault)
	}
	if got := f.count("Receive"); got != 1 {
		t.Errorf("Receive requests = %d, want 1 (a permanent fault is not retried)", got)
	}
}

func TestReceiveTimedOutPollsAgain(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Receive" && n <= 2 {
			writeSOAP(w, 500, faultTimedOut)
			return true
		}
		return false
	}
	cfg := f.config()
	cfg.MaxRetries = 0
	c := newTestClient(t, cfg)
	res, err := c.Run(context.Background(), "echo hi")
	if err != nil || res.Stdout != "hi\r\n" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	if got := f.count("Receive"); got != 3 {
		t.Errorf("Receive requests = %d, want 3", got)
	}
}

func TestTransientFailuresRetried(t *testing.T) {
	tests := []struct {
		name   string
		action string
		fail   func(w http.ResponseWriter)
	}{
		{"503 on Create", "Create", func(w http.ResponseWriter) { http.Error(w, "busy", http.StatusServiceUnavailable) }},
		{"internal error fault on Command", "Command", func(w http.ResponseWriter) { writeSOAP(w, 500, faultInternal) }},
		{"internal error fault on Receive", "Receive", func(w http.ResponseWriter) { writeSOAP(w, 500, faultInternal) }},
		{"connection dropped on Command", "Command", hijackClose},
		{"connection dropped on Receive", "Receive", hijackClose},
		{"connection dropped on Signal", "Signal", hijackClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeHost(t, false)
			f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
				if action == tt.action && n <= 2 {
					tt.fail(w)
					return true
				}
				return false
			}
			c := newTestClient(t, f.config())
			res, err := c.Run(context.Background(), "echo hi")
			if err != nil || res.Stdout != "hi\r\n" {
				t.Fatalf("Run = %+v, %v", res, err)
			}
			settle(c)
			if got := f.count(tt.action); got != 3 {
				t.Errorf("%s requests = %d, want 3 (2 failures + 1 success)", tt.action, got)
			}
		})
	}
}

func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestRetriesExhausted(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Create" {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	cfg := f.config()
	cfg.MaxRetries = 2
	c := newTestClient(t, cfg)
	_, err := c.Run(context.Background(), "echo hi")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("err = %v, want HTTP 503", err)
	}
	if got := f.count("Create"); got != 3 {
		t.Errorf("Create requests = %d, want 3 (1 + MaxRetries)", got)
	}
}

func TestWrongPasswordNotRetried(t *testing.T) {
	f := newFakeHost(t, false)
	cfg := f.config()
	cfg.Password = "wrong"
	cfg.MaxRetries = 5
	c := newTestClient(t, cfg)
	_, err := c.Run(context.Background(), "echo hi")
	var ae *AuthError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want *AuthError", err)
	}
	want := fmt.Sprintf("authentication failed for admin at %s (auth=basic)", ae.Host)
	if err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if f.http != 1 {
		t.Errorf("HTTP requests = %d, want 1: a 401 must never be retried", f.http)
	}
}

func TestExpiredShellReopened(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Command" && n == 2 {
			writeSOAP(w, 500, faultInvalidSelectors)
			return true
		}
		return false
	}
	c := newTestClient(t, f.config())
	for i := range 2 {
		if _, err := c.Run(context.Background(), "echo hi"); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	if got := f.count("Create"); got != 2 {
		t.Errorf("Create requests = %d, want 2 (reopened once)", got)
	}
	if got := f.count("Command"); got != 3 {
		t.Errorf("Command requests = %d, want 3", got)
	}
}

func TestQuotaClosesIdleShells(t *testing.T) {
	f := newFakeHost(t, false)
	// The host allows one shell per user: a second Create while one is open
	// fails with the quota fault until the open one is deleted.
	var mu sync.Mutex
	open := 0
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		mu.Lock()
		defer mu.Unlock()
		switch action {
		case "Create":
			if open >= 1 {
				writeSOAP(w, 500, faultQuota)
				return true
			}
			open++
		case "Delete":
			open--
		}
		return false
	}
	c := newTestClient(t, f.config())
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Run(context.Background(), "echo hi")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if open != 1 {
		t.Errorf("open shells on the host = %d, want 1", open)
	}
}

// With auth=ntlm against a host that offers only Basic, the password must
// never be sent (the Azure go-ntlmssp negotiator used by masterzen/winrm falls
// back to Basic in that case).
func TestNTLMNeverSendsPasswordToBasicOnlyHost(t *testing.T) {
	for _, https := range []bool{false, true} {
		t.Run(fmt.Sprintf("https=%v", https), func(t *testing.T) {
			f := newFakeHost(t, https)
			cfg := f.config()
			cfg.Auth, cfg.AllowUnencrypted, cfg.HTTPS, cfg.Insecure = "ntlm", false, https, true
			c := newTestClient(t, cfg)
			_, err := c.Run(context.Background(), "echo hi")
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *AuthError", err)
			}
			if !strings.Contains(err.Error(), "does not offer Negotiate") || !strings.Contains(err.Error(), "Basic") {
				t.Errorf("err = %q, want it to say the host offers only Basic", err)
			}
			secret := base64.StdEncoding.EncodeToString([]byte(f.user + ":" + f.pass))
			f.mu.Lock()
			defer f.mu.Unlock()
			for i, h := range f.authHdrs {
				if strings.HasPrefix(strings.ToLower(h), "basic") || strings.Contains(h, secret) || strings.Contains(h, f.pass) {
					t.Errorf("request %d sent Authorization %q", i, h)
				}
				if strings.Contains(f.bodies[i], f.pass) {
					t.Errorf("request %d body carries the password", i)
				}
			}
			if f.http != 1 {
				t.Errorf("HTTP requests = %d, want 1 (the NTLM NEGOTIATE that learns the schemes)", f.http)
			}
			// That one request carried the NTLM NEGOTIATE message (type 1),
			// which holds no secret.
			tok, ok := strings.CutPrefix(f.authHdrs[0], "Negotiate ")
			raw, err := base64.StdEncoding.DecodeString(tok)
			if !ok || err != nil || len(raw) < 12 || string(raw[:8]) != "NTLMSSP\x00" || raw[8] != 1 {
				t.Errorf("request 0 Authorization = %q, want an NTLM NEGOTIATE message", f.authHdrs[0])
			}
		})
	}
}

func TestTimeoutTerminatesCommand(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Receive" {
			<-r.Context().Done() // the command never finishes
			return true
		}
		return false
	}
	cfg := f.config()
	// A tenth of the timeout is kept for the terminating Signal: 3s leaves it
	// 300ms, enough on a loaded machine (500ms left 50ms, and the Signal was
	// sometimes never sent when the CPU was busy elsewhere).
	cfg.Timeout = 3 * time.Second
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The host holds the Receive until the client gives up, so Run can only
	// return through its deadline; no wall-clock bound is asserted (timings
	// live in the benchmarks, the machines here are shared and noisy).
	_, err = c.Run(context.Background(), "ping -t localhost")
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want *TimeoutError", err)
	}
	for _, s := range []string{"127.0.0.1", "timeout", "did not finish within"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err = %q, want it to contain %q", err, s)
		}
	}
	if got := f.count("Signal"); got != 1 {
		t.Errorf("Signal requests = %d, want 1 (terminate)", got)
	}
	c.Close()
	f.srv.Close()
}

func TestContextDeadlineSoonerThanTimeout(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Receive" {
			<-r.Context().Done()
			return true
		}
		return false
	}
	c := newTestClient(t, f.config()) // Timeout 5s
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.Run(ctx, "ping -t localhost")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want timeout", err)
	}
	// The deadline that ended Run is the context's (300ms), the sooner one;
	// how soon is for the benchmarks, not a pass/fail test.
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
}

func TestTLSVerification(t *testing.T) {
	f := newFakeHost(t, true)
	cert := f.srv.Certificate()
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	base := f.config()
	base.HTTPS, base.AllowUnencrypted = true, false

	t.Run("refused by default", func(t *testing.T) {
		c := newTestClient(t, base)
		_, err := c.Run(context.Background(), "echo hi")
		var te *TLSError
		if !errors.As(err, &te) || !errors.Is(err, ErrTLSVerify) {
			t.Fatalf("err = %v, want *TLSError", err)
		}
		for _, s := range []string{"ca_cert", "insecure"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("err = %q, want it to name %q", err, s)
			}
		}
		var ua x509.UnknownAuthorityError
		if !errors.As(err, &ua) {
			t.Errorf("err does not unwrap to x509.UnknownAuthorityError: %v", err)
		}
	})
	t.Run("ca_cert", func(t *testing.T) {
		cfg := base
		cfg.CACert = caPEM
		cfg.TLSServerName = "example.com" // httptest's certificate names example.com and 127.0.0.1
		c := newTestClient(t, cfg)
		if _, err := c.Run(context.Background(), "echo hi"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong server name", func(t *testing.T) {
		cfg := base
		cfg.CACert = caPEM
		cfg.TLSServerName = "other.test"
		c := newTestClient(t, cfg)
		_, err := c.Run(context.Background(), "echo hi")
		if !errors.Is(err, ErrTLSVerify) {
			t.Fatalf("err = %v, want TLS verification failure", err)
		}
		// The CA is trusted; the advice must be about the name.
		if !strings.Contains(err.Error(), "tls_server_name") || strings.Contains(err.Error(), "ca_cert") {
			t.Errorf("err = %v, want advice to set tls_server_name", err)
		}
	})
	t.Run("insecure", func(t *testing.T) {
		cfg := base
		cfg.Insecure = true
		c := newTestClient(t, cfg)
		if _, err := c.Run(context.Background(), "echo hi"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLogNeverCarriesPassword(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Command" && n == 1 {
			writeSOAP(w, 500, faultInternal)
			return true
		}
		return false
	}
	var mu sync.Mutex
	var lines []string
	cfg := f.config()
	cfg.Log = func(ctx context.Context, msg string, fields map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprint(msg, fields))
	}
	c := newTestClient(t, cfg)
	if _, err := c.Run(context.Background(), "echo hi"); err != nil {
		t.Fatal(err)
	}
	cfg.Password = "wrong"
	c2 := newTestClient(t, cfg)
	_, _ = c2.Run(context.Background(), "echo hi")
	mu.Lock()
	defer mu.Unlock()
	all := strings.Join(lines, "\n")
	if strings.Contains(all, f.pass) || strings.Contains(all, "wrong") {
		t.Errorf("log carries the password:\n%s", all)
	}
	for _, s := range []string{"echo hi", "duration_ms", "admin", "retried"} {
		if !strings.Contains(all, s) {
			t.Errorf("log lacks %q:\n%s", s, all)
		}
	}
}

func TestPoolSharesClients(t *testing.T) {
	f := newFakeHost(t, false)
	p := NewPool()
	defer p.Close()
	cfg := f.config()
	a, err := p.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = time.Minute
	b, err := p.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.core != b.core {
		t.Error("same endpoint and credentials do not share a connection")
	}
	cfg.Password = "other"
	d, _ := p.Client(cfg)
	if d.core == a.core {
		t.Error("a different password shares a connection")
	}
	for _, c := range []*Client{a, b} {
		if _, err := c.Run(context.Background(), "echo hi"); err != nil {
			t.Fatal(err)
		}
		_ = c.Close() // no-op for pooled clients
	}
	// Runs counts every Run on the endpoint, whatever the credentials: a
	// Client of the other password sees the two Runs.
	if got := d.Runs(); got != 2 {
		t.Errorf("Runs of a Client with other credentials = %d, want 2", got)
	}
	cfg.Host = "127.0.0.2" // another endpoint
	if e, _ := p.Client(cfg); e.Runs() != 0 {
		t.Errorf("Runs of a Client of another endpoint = %d, want 0", e.Runs())
	}
	if got := f.count("Create"); got != 1 {
		t.Errorf("Create requests = %d, want 1 (shared shell)", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.count("Delete"); got != 1 {
		t.Errorf("Delete requests = %d after Pool.Close, want 1", got)
	}
	if _, err := p.Client(f.config()); !errors.Is(err, ErrClosed) {
		t.Errorf("Client after Close = %v, want ErrClosed", err)
	}
}

// TestHostKey expects the spellings of one host to share Client.Runs's
// count, and other hosts or ports not to.
func TestHostKey(t *testing.T) {
	key := func(host string, port int) string {
		n, err := normalize(Config{Host: host, Port: port, Username: "u", Password: "p"})
		if err != nil {
			t.Fatal(err)
		}
		return n.hostKey()
	}
	base := key("dc01.example.com", 0)
	for _, h := range []string{"DC01.Example.COM", "dc01.example.com.", "DC01.EXAMPLE.COM."} {
		if got := key(h, 5985); got != base {
			t.Errorf("%s: key %q, want %q", h, got, base)
		}
	}
	for _, other := range []string{key("dc02.example.com", 0), key("dc01.example.com", 5986)} {
		if other == base {
			t.Errorf("another host or port shares the key %q", base)
		}
	}
}

func TestConcurrentRunsBounded(t *testing.T) {
	f := newFakeHost(t, false)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Receive" {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
		}
		return false
	}
	c := newTestClient(t, f.config())
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Run(context.Background(), "echo hi"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if peak > maxShells {
		t.Errorf("peak concurrent commands = %d, want <= %d", peak, maxShells)
	}
	if got := f.count("Create"); got > maxShells {
		t.Errorf("Create requests = %d, want <= %d", got, maxShells)
	}
}

func TestMalformedResponsesDoNotPanic(t *testing.T) {
	bodies := []string{"", "<", "not xml", `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body></s:Body></s:Envelope>`,
		strings.Repeat("<a>", 10000)}
	for _, b := range bodies {
		f := newFakeHost(t, false)
		f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
			writeSOAP(w, 200, b)
			return true
		}
		c := newTestClient(t, f.config())
		if _, err := c.Run(context.Background(), "echo hi"); err == nil {
			t.Errorf("body %.20q: Run succeeded", b)
		}
	}
	sec := ntlmSealer{&session{}}
	for _, b := range []string{"", "Length=5", "Length=5\tContent-Type: application/octet-stream\r\n--Encrypted Boundary--",
		"Length=5\tContent-Type: application/octet-stream\r\n\x10\x00\x00\x00ab--Encrypted Boundary--",
		"Length=99999999999999999999999"} {
		if _, err := unframe(sec, []byte(b)); err == nil {
			t.Errorf("unwrap(%q) succeeded", b)
		}
	}
}
