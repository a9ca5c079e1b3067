package transport

import (
	"context"
	"testing"
	"time"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// idleSessions is how many NTLM sessions the wire keeps open for reuse.
func idleSessions(w *ntlmWire) []*ntlmSession {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*ntlmSession(nil), w.idle...)
}

// A connection left idle for connIdleClose is closed, and the shell kept: the
// next command authenticates again (two requests) and reuses the shell, and
// Close still deletes it. A session used more recently stays open.
func TestSimIdleConnectionClosed(t *testing.T) {
	tests := []struct {
		name string
		age  time.Duration // how long ago the idle session was last used
		// want: requests of the next command by kind
		auth, create, closedSessions int
	}{
		{"idle long enough", connIdleClose, 2, 0, 1},
		{"used recently", 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startSim(t, winsim.Options{})
			c := simClient(t, simConfig(t, h, AuthNTLM))
			ctx := context.Background()
			if _, err := c.Run(ctx, "hostname"); err != nil {
				t.Fatal(err)
			}
			settle(c)
			w := c.core.wire.(*ntlmWire)
			before := idleSessions(w)
			if len(before) != 1 {
				t.Fatalf("%d idle sessions after one command, want 1", len(before))
			}
			w.mu.Lock()
			before[0].lastUsed = time.Now().Add(-tt.age)
			w.mu.Unlock()
			w.expire(before[0])
			if got := 1 - len(idleSessions(w)); got != tt.closedSessions {
				t.Errorf("%d sessions closed, want %d", got, tt.closedSessions)
			}

			h.ResetStats()
			if _, err := c.Run(ctx, "hostname"); err != nil {
				t.Fatal(err)
			}
			settle(c)
			st := h.Stats()
			if st.Requests["Auth"] != tt.auth || st.Requests["Create"] != tt.create || st.Requests["Command"] != 1 {
				t.Errorf("next command: %v, want %d Auth, %d Create, 1 Command", st.Requests, tt.auth, tt.create)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			if n := h.Stats().ShellsOpen; n != 0 {
				t.Errorf("%d shells left open on the host after Close", n)
			}
		})
	}
}

// put arms the idle timer: with connIdleClose short, a session left alone
// is closed without anyone calling expire.
func TestIdleTimerClosesSession(t *testing.T) {
	old := connIdleClose
	connIdleClose = time.Millisecond
	defer func() { connIdleClose = old }()
	h := startSim(t, winsim.Options{})
	c := simClient(t, simConfig(t, h, AuthNTLM))
	if _, err := c.Run(context.Background(), "hostname"); err != nil {
		t.Fatal(err)
	}
	settle(c)
	w := c.core.wire.(*ntlmWire)
	for len(idleSessions(w)) > 0 {
		time.Sleep(time.Millisecond)
	}
}
