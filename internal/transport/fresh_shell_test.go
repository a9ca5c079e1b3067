package transport

import (
	"context"
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// freshShellPerCommand is the benchmarks' baseline: every command opens its
// own shell and deletes it, five SOAP requests per command, nothing left open
// on the host. The default reuses one shell: three requests per command after
// the first.
func TestFreshShellPerCommand(t *testing.T) {
	const runs = 4
	tests := []struct {
		name  string
		fresh bool
		// want counts SOAP requests by action over runs commands.
		want       map[string]int
		wantOpened int
		wantOpen   int
	}{
		{"reused", false, map[string]int{"Create": 1, "Command": runs, "Receive": runs, "Signal": runs}, 1, 1},
		{"fresh", true, map[string]int{"Create": runs, "Command": runs, "Receive": runs, "Signal": runs, "Delete": runs}, runs, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, winsim.Options{})
			cfg := simConfig(t, h, AuthNTLM)
			cfg.freshShellPerCommand = tt.fresh
			c := simClient(t, cfg)
			for i := range runs {
				res, err := c.Run(context.Background(), "echo hi")
				if err != nil || res.Stdout != "hi\r\n" {
					t.Fatalf("run %d = %+v, %v", i, res, err)
				}
			}
			settle(c)
			st := h.Stats()
			for _, action := range []string{"Create", "Command", "Receive", "Signal", "Delete"} {
				if got := st.Requests[action]; got != tt.want[action] {
					t.Errorf("%s requests = %d, want %d (all: %v)", action, got, tt.want[action], st.Requests)
				}
			}
			if st.ShellsOpened != tt.wantOpened || st.ShellsOpen != tt.wantOpen {
				t.Errorf("shells opened %d, open %d; want %d, %d", st.ShellsOpened, st.ShellsOpen, tt.wantOpened, tt.wantOpen)
			}
		})
	}
}

// A Pool never lets a baseline Client and a default one share a connection:
// the mode is part of the key.
func TestFreshShellPerCommandPoolKey(t *testing.T) {
	p := NewPool()
	defer p.Close()
	cfg := Config{Host: "127.0.0.1", Username: "u", Password: "p"}
	a, err := p.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.freshShellPerCommand = true
	b, err := p.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.core == b.core {
		t.Error("a fresh-shell client shares the core of a default one")
	}
}
