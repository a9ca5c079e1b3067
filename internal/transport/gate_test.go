package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

func startFleet(t *testing.T, n int, opts winsim.Options) []*winsim.Host {
	t.Helper()
	hosts, err := winsim.StartN(n, 0, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		t.Cleanup(func() { h.Close() })
	}
	return hosts
}

type logons struct{ attempted, failed int }

func fleetLogons(hosts []*winsim.Host) logons {
	var l logons
	for _, h := range hosts {
		st := h.Stats()
		l.attempted += st.NTLMLogons + st.BasicCredentials
		l.failed += st.NTLMLogonsFailed + st.BasicLogonsFailed
	}
	return l
}

// runFleet runs one command on every host at once through p and returns
// the errors, by host.
func runFleet(t *testing.T, p *Pool, hosts []*winsim.Host, cfg func(i int, h *winsim.Host) Config) []error {
	t.Helper()
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		c, err := p.Client(cfg(i, h))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Run(context.Background(), "ver")
		}()
	}
	wg.Wait()
	return errs
}

// A wrong password over 30 hosts at once costs one failed logon in all,
// not 30 (past the usual lockout threshold of 10): the first refusal stops
// every other attempt with the same credentials (the user name in any
// case), and the other hosts report which host refused them and why no
// logon was attempted.
func TestPoolWrongPasswordOneFailedLogon(t *testing.T) {
	tests := []struct {
		name string
		opts winsim.Options
		auth string
	}{
		{"ntlm", winsim.Options{}, AuthNTLM},
		{"basic", winsim.Options{Auth: "basic", AllowUnencrypted: true}, AuthBasic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts := startFleet(t, 30, tt.opts)
			p := NewPool()
			defer p.Close()
			errs := runFleet(t, p, hosts, func(i int, h *winsim.Host) Config {
				cfg := simConfig(t, h, tt.auth)
				cfg.Password = "wrong"
				if i%2 == 1 {
					cfg.Username = strings.ToLower(cfg.Username)
				}
				return cfg
			})
			if l := fleetLogons(hosts); l.attempted != 1 || l.failed != 1 {
				t.Errorf("logons attempted %d, failed %d; want 1 and 1", l.attempted, l.failed)
			}
			var refusedBy string
			for i, err := range errs {
				var ae *AuthError
				if !errors.As(err, &ae) {
					t.Fatalf("host %d: err = %v, want an *AuthError", i, err)
				}
				if ae.RefusedBy == "" {
					if refusedBy != "" {
						t.Errorf("two hosts refused the credentials: %s and %s", refusedBy, ae.Host)
					}
					refusedBy = ae.Host
				}
			}
			for i, err := range errs {
				var ae *AuthError
				if errors.As(err, &ae) && ae.RefusedBy == "" {
					continue
				}
				want := fmt.Sprintf("authentication not attempted for %s at %s (auth=%s): %s refused the same user "+
					"name and password earlier in this run, and no further logon is attempted with them on any host, "+
					"so that the account is not locked out (Windows locks an account after a number of failed "+
					"logons); correct the username or password, check that the account is enabled and not locked "+
					"out, and run again", ae.User, hosts[i].Addr(), tt.auth, refusedBy)
				if err.Error() != want {
					t.Errorf("host %d: err = %v\nwant %s", i, err, want)
				}
			}
		})
	}
}

// A Client of its own (New) gets the same care: ten Runs at once with a
// wrong password make one failed logon.
func TestClientWrongPasswordOneFailedLogon(t *testing.T) {
	h := startSim(t, winsim.Options{})
	cfg := simConfig(t, h, AuthNTLM)
	cfg.Password = "wrong"
	c := simClient(t, cfg)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Run(context.Background(), "ver"); !errors.Is(err, ErrAuth) {
				t.Errorf("err = %v, want ErrAuth", err)
			}
		}()
	}
	wg.Wait()
	if st := h.Stats(); st.NTLMLogons != 1 || st.NTLMLogonsFailed != 1 {
		t.Errorf("logons attempted %d, failed %d; want 1 and 1", st.NTLMLogons, st.NTLMLogonsFailed)
	}
}

// With the right password, the first logon goes alone and the others, once
// it succeeded, in parallel: every host's logon after the first is held in
// the host until all of them have arrived, which only logons in flight at
// the same time can do (one at a time, the second would wait for ever, and
// its Run would fail when its timeout passes).
func TestPoolLogonsParallelAfterSuccess(t *testing.T) {
	const n = 30
	var mu sync.Mutex
	arrived, inFlight, maxInFlight := 0, 0, 0
	all := make(chan struct{})
	done := make(chan struct{})
	opts := winsim.Options{OnLogon: func(*winsim.Host) {
		mu.Lock()
		arrived++
		if arrived == 1 {
			mu.Unlock()
			return // the first logon, alone
		}
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-done:
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
	}}
	hosts := startFleet(t, n, opts)
	t.Cleanup(func() { close(done) }) // runs before the hosts close
	p := NewPool()
	defer p.Close()
	errs := runFleet(t, p, hosts, func(_ int, h *winsim.Host) Config { return simConfig(t, h, AuthNTLM) })
	for i, err := range errs {
		if err != nil {
			t.Errorf("host %d: %v", i, err)
		}
	}
	if l := fleetLogons(hosts); l.attempted != n || l.failed != 0 {
		t.Errorf("logons attempted %d, failed %d; want %d and 0", l.attempted, l.failed, n)
	}
	if maxInFlight != n-1 {
		t.Errorf("logons in flight at once after the first = %d, want %d", maxInFlight, n-1)
	}
}

// Failures that say nothing of the password do not stop later logons with
// it: a host that does not offer the scheme, a closed port, a 503.
func TestCredentialGateNotClosedByOtherFailures(t *testing.T) {
	closedPort := func(t *testing.T) Config {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().(*net.TCPAddr)
		ln.Close()
		return Config{Host: "127.0.0.1", Port: addr.Port}
	}
	tests := []struct {
		name  string
		first func(t *testing.T) Config // Host and Port of the failing endpoint
	}{
		{"host without the scheme", func(t *testing.T) Config {
			h := startSim(t, winsim.Options{Auth: "basic", AllowUnencrypted: true})
			return simConfig(t, h, AuthNTLM)
		}},
		{"closed port", closedPort},
		{"503 to every logon", func(t *testing.T) Config {
			h := startSim(t, winsim.Options{})
			p := startHostileProxy(t, h.Addr(), nil)
			p.leg = func(int) *forged { return &forged{status: 503} }
			return p.config(simConfig(t, h, AuthNTLM))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := startSim(t, winsim.Options{})
			p := NewPool()
			defer p.Close()
			cfg := simConfig(t, good, AuthNTLM)
			bad := cfg
			f := tt.first(t)
			bad.Host, bad.Port, bad.MaxRetries = f.Host, f.Port, 0
			c, err := p.Client(bad)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Run(context.Background(), "ver"); err == nil {
				t.Fatal("the first endpoint did not fail")
			}
			c, err = p.Client(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Run(context.Background(), "ver"); err != nil {
				t.Fatalf("after an unrelated failure: %v", err)
			}
		})
	}
}
