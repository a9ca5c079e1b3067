package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

const (
	simUser = "Administrator"
	simPass = "Passw0rd!"
)

func startSim(t testing.TB, opts winsim.Options) *winsim.Host {
	t.Helper()
	h, err := winsim.Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// simConfig returns a Config reaching h with the given auth over the
// scheme h serves.
func simConfig(t testing.TB, h *winsim.Host, auth string) Config {
	t.Helper()
	host, p, err := net.SplitHostPort(h.Addr())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(p)
	cfg := Config{Host: host, Port: port, Username: simUser, Password: simPass, Auth: auth,
		Timeout: 10 * time.Second, MaxRetries: 3}
	if strings.HasPrefix(h.URL(), "https") {
		cfg.HTTPS = true
		cfg.CACert = string(h.CertPEM())
	} else if auth == AuthBasic {
		cfg.AllowUnencrypted = true
	}
	return cfg
}

func simClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Every supported combination works against the simulator, and once a shell
// is open a command costs exactly three HTTP requests (Command, Receive,
// Signal): NTLM over HTTP included, whose messages are sealed on a session
// that stays authenticated.
func TestSimAuthModes(t *testing.T) {
	tests := []struct {
		name string
		opts winsim.Options
		auth string
	}{
		{"ntlm over http, sealed", winsim.Options{}, AuthNTLM},
		{"ntlm over https", winsim.Options{HTTPS: true}, AuthNTLM},
		{"basic over https", winsim.Options{Auth: "basic", HTTPS: true}, AuthBasic},
		{"basic over http, allow_unencrypted", winsim.Options{Auth: "basic", AllowUnencrypted: true}, AuthBasic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, tt.opts)
			c := simClient(t, simConfig(t, h, tt.auth))
			res, err := c.Run(context.Background(), "echo hello")
			if err != nil {
				t.Fatal(err)
			}
			if res.Stdout != "hello\r\n" || res.ExitCode != 0 {
				t.Fatalf("first run = %+v", res)
			}
			settle(c)
			h.ResetStats()
			const n = 5
			for i := range n {
				res, err := c.Run(context.Background(), fmt.Sprintf("echo run %d& exit /b 3", i))
				if err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("run %d\r\n", i); res.Stdout != want || res.ExitCode != 3 {
					t.Fatalf("run %d = %+v, want stdout %q exit 3", i, res, want)
				}
			}
			settle(c)
			st := h.Stats()
			if st.HTTPRequests != 3*n {
				t.Errorf("HTTP requests for %d commands on an open shell = %d, want %d; by action %v", n, st.HTTPRequests, 3*n, st.Requests)
			}
			if st.ShellsOpened != 0 {
				t.Errorf("shells opened = %d, want 0 (reused)", st.ShellsOpened)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if st := h.Stats(); st.ShellsOpen != 0 {
				t.Errorf("shells open after Close = %d, want 0", st.ShellsOpen)
			}
		})
	}
}

func TestSimExpiredShellReopened(t *testing.T) {
	h := startSim(t, winsim.Options{})
	c := simClient(t, simConfig(t, h, AuthNTLM))
	if _, err := c.Run(context.Background(), "echo a"); err != nil {
		t.Fatal(err)
	}
	h.ExpireShells()
	res, err := c.Run(context.Background(), "echo b")
	if err != nil || res.Stdout != "b\r\n" {
		t.Fatalf("Run after expiry = %+v, %v", res, err)
	}
	if st := h.Stats(); st.ShellsOpened != 2 {
		t.Errorf("shells opened = %d, want 2", st.ShellsOpened)
	}
}

func TestSimShellIdleTimeout(t *testing.T) {
	h := startSim(t, winsim.Options{ShellIdleTimeout: 50 * time.Millisecond})
	c := simClient(t, simConfig(t, h, AuthNTLM))
	for i := range 3 {
		if _, err := c.Run(context.Background(), "echo a"); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSimShellQuota(t *testing.T) {
	h := startSim(t, winsim.Options{MaxShellsPerUser: 2})
	// Another client of the same user already holds one shell.
	other := simClient(t, simConfig(t, h, AuthNTLM))
	if _, err := other.Run(context.Background(), "echo other"); err != nil {
		t.Fatal(err)
	}
	c := simClient(t, simConfig(t, h, AuthNTLM))
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Run(context.Background(), fmt.Sprintf("echo %d", i))
			if err != nil {
				t.Errorf("run %d: %v", i, err)
			} else if res.Stdout != fmt.Sprintf("%d\r\n", i) {
				t.Errorf("run %d: stdout %q", i, res.Stdout)
			}
		}()
	}
	wg.Wait()
	if st := h.Stats(); st.ShellsOpen > 2 {
		t.Errorf("shells open = %d, want <= 2", st.ShellsOpen)
	}
}

// A fifth of all requests fail (503 or w:InternalError); every command still
// completes with the right output.
func TestSimTransientFaults(t *testing.T) {
	for _, auth := range []string{AuthNTLM, AuthBasic} {
		t.Run(auth, func(t *testing.T) {
			opts := winsim.Options{FaultRate: 0.2, Seed: 42}
			if auth == AuthBasic {
				opts.Auth, opts.HTTPS = "basic", true
			}
			h := startSim(t, opts)
			cfg := simConfig(t, h, auth)
			cfg.MaxRetries = 10 // 0.2^11: a spurious failure is practically impossible
			c := simClient(t, cfg)
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := c.Run(context.Background(), fmt.Sprintf("echo n%d", i))
					if err != nil {
						t.Errorf("run %d: %v", i, err)
					} else if res.Stdout != fmt.Sprintf("n%d\r\n", i) {
						t.Errorf("run %d: stdout %q", i, res.Stdout)
					}
				}()
			}
			wg.Wait()
		})
	}
}

// The host drops the TCP connection in the middle of a command; the command
// is retried on a new connection (a new NTLM handshake) and succeeds.
func TestSimDroppedConnection(t *testing.T) {
	for _, auth := range []string{AuthNTLM, AuthBasic} {
		for _, action := range []string{"Create", "Command", "Receive", "Signal"} {
			t.Run(auth+"/"+action, func(t *testing.T) {
				opts := winsim.Options{}
				if auth == AuthBasic {
					opts.Auth, opts.AllowUnencrypted = "basic", true
				}
				h := startSim(t, opts)
				c := simClient(t, simConfig(t, h, auth))
				if action != "Create" {
					if _, err := c.Run(context.Background(), "echo warm"); err != nil {
						t.Fatal(err)
					}
				}
				h.DropNext(action, 1)
				res, err := c.Run(context.Background(), "echo after")
				if err != nil || res.Stdout != "after\r\n" {
					t.Fatalf("Run = %+v, %v", res, err)
				}
				// And the client keeps working afterwards.
				if _, err := c.Run(context.Background(), "echo again"); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// A command that never finishes ends at the configured timeout with a clear
// error, is terminated on the host, and leaves no goroutine behind.
func TestSimHangPastTimeout(t *testing.T) {
	for _, auth := range []string{AuthNTLM, AuthBasic} {
		t.Run(auth, func(t *testing.T) {
			opts := winsim.Options{}
			if auth == AuthBasic {
				opts.Auth, opts.AllowUnencrypted = "basic", true
			}
			h := startSim(t, opts)
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			cfg := simConfig(t, h, auth)
			cfg.Timeout = 3 * time.Second
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Run(context.Background(), "echo warm"); err != nil {
				t.Fatal(err)
			}
			h.Machine().SetHang("w32tm /resync")
			// The host holds the command until it is terminated, so Run can
			// only return through its deadline.
			_, err = c.Run(context.Background(), "w32tm /resync")
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("err = %v, want timeout", err)
			}
			if !strings.Contains(err.Error(), "raise `timeout`") || !strings.Contains(err.Error(), "127.0.0.1") {
				t.Errorf("err = %q lacks the host or the hint", err)
			}
			// The hung command was terminated, or its shell deleted.
			if st := h.Stats(); st.Requests["Signal"] < 2 && st.Requests["Delete"] < 1 {
				t.Errorf("no terminate Signal or Delete for the hung command: %v", st.Requests)
			}
			h.Machine().SetHang("")
			res, err := c.Run(context.Background(), "echo next")
			if err != nil || res.Stdout != "next\r\n" {
				t.Fatalf("Run after timeout = %+v, %v", res, err)
			}
			c.Close()
			h.Close()
		})
	}
}

func TestSimTLSVerification(t *testing.T) {
	h := startSim(t, winsim.Options{HTTPS: true})
	cfg := simConfig(t, h, AuthNTLM)
	cfg.CACert = ""
	c := simClient(t, cfg)
	_, err := c.Run(context.Background(), "echo hi")
	if !errors.Is(err, ErrTLSVerify) || !strings.Contains(err.Error(), "ca_cert") || !strings.Contains(err.Error(), "insecure") {
		t.Fatalf("err = %v, want a TLS error naming ca_cert and insecure", err)
	}
	if st := h.Stats(); st.Requests["Auth"] != 0 || st.HTTPRequests != 0 {
		t.Errorf("requests reached the host: %+v", st)
	}
	cfg.Insecure = true
	if _, err := simClient(t, cfg).Run(context.Background(), "echo hi"); err != nil {
		t.Fatalf("insecure: %v", err)
	}
}

// A wrong password is tried once: the NTLM exchange (2 HTTP requests:
// NEGOTIATE, AUTHENTICATE) or one Basic request, never again, whatever
// MaxRetries says.
func TestSimWrongPasswordTriedOnce(t *testing.T) {
	tests := []struct {
		auth string
		opts winsim.Options
		want int
	}{
		{AuthNTLM, winsim.Options{}, 2},
		{AuthBasic, winsim.Options{Auth: "basic", HTTPS: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.auth, func(t *testing.T) {
			h := startSim(t, tt.opts)
			cfg := simConfig(t, h, tt.auth)
			cfg.Password = "wrong"
			cfg.MaxRetries = 10
			c := simClient(t, cfg)
			_, err := c.Run(context.Background(), "echo hi")
			// The endpoint, port included: hosts may listen on several.
			want := fmt.Sprintf("authentication failed for %s at %s (auth=%s)", simUser, h.Addr(), tt.auth)
			if !errors.Is(err, ErrAuth) || err.Error() != want {
				t.Fatalf("err = %v, want %q", err, want)
			}
			if st := h.Stats(); st.HTTPRequests != tt.want {
				t.Errorf("HTTP requests = %d, want %d (no retry); %v", st.HTTPRequests, tt.want, st.Requests)
			}
		})
	}
}

func TestSimNTLMAgainstBasicOnlyHost(t *testing.T) {
	h := startSim(t, winsim.Options{Auth: "basic", AllowUnencrypted: true})
	c := simClient(t, simConfig(t, h, AuthNTLM))
	_, err := c.Run(context.Background(), "echo hi")
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "Basic") {
		t.Fatalf("err = %v", err)
	}
	if st := h.Stats(); st.HTTPRequests != 1 {
		t.Errorf("HTTP requests = %d, want 1", st.HTTPRequests)
	}
}

func TestSimAccessDenied(t *testing.T) {
	h := startSim(t, winsim.Options{Users: []winsim.User{{Name: "guest1", Password: "pw-guest1"}}})
	cfg := simConfig(t, h, AuthNTLM)
	cfg.Username, cfg.Password = "guest1", "pw-guest1"
	c := simClient(t, cfg)
	_, err := c.Run(context.Background(), "echo hi")
	var f *Fault
	if !errors.As(err, &f) || !f.subcodeIs("AccessDenied") || !strings.Contains(err.Error(), "Access is denied") {
		t.Fatalf("err = %v, want an access-denied fault", err)
	}
	if st := h.Stats(); st.Requests["Create"] != 1 {
		t.Errorf("Create requests = %d, want 1 (not retried)", st.Requests["Create"])
	}
}

func TestSimJapaneseOutput(t *testing.T) {
	// Server 2003 ignores WINRS_CODEPAGE=65001 and writes the OEM code page.
	h := startSim(t, winsim.Options{Profile: winhost.P2003, Locale: winhost.JaJP})
	c := simClient(t, simConfig(t, h, AuthNTLM))
	res, err := c.Run(context.Background(), "echo 日本語")
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "日本語\r\n" {
		t.Errorf("stdout = %q, want %q", res.Stdout, "日本語\r\n")
	}
}

func TestSimPoolParallelHosts(t *testing.T) {
	p := NewPool()
	defer p.Close()
	var hosts []*winsim.Host
	for range 5 {
		hosts = append(hosts, startSim(t, winsim.Options{}))
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hosts[i%len(hosts)]
			c, err := p.Client(simConfig(t, h, AuthNTLM))
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Run(context.Background(), "ver"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, h := range hosts {
		if st := h.Stats(); st.ShellsOpened > maxShells {
			t.Errorf("host %s: shells opened = %d, want <= %d", h.Addr(), st.ShellsOpened, maxShells)
		}
	}
}
