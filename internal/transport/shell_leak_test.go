package transport

import (
	"context"
	"sync"
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// Shells are deleted even under transient faults: the Delete is retried
// like every other request, within Close's budget. A shell that still
// could not be deleted is logged with its host and id, and ends on its own:
// it was opened with a short IdleTimeOut, as the host's own view of it
// shows. Before, the Delete was sent once: at a 30% fault rate about half
// the shells stayed open, unlogged, for the host's default idle timeout.
func TestSimShellsDeletedUnderFaults(t *testing.T) {
	hosts, err := winsim.StartN(8, 0, winsim.Options{FaultRate: 0.3, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		t.Cleanup(func() { h.Close() })
	}
	var mu sync.Mutex
	notDeleted := map[string]string{} // shell id -> endpoint
	logf := func(_ context.Context, msg string, f map[string]any) {
		if msg != "winrm shell not deleted" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		id, _ := f["shell"].(string)
		ep, _ := f["endpoint"].(string)
		notDeleted[id] = ep
	}
	p := NewPool()
	var wg sync.WaitGroup
	for _, h := range hosts {
		cfg := simConfig(t, h, AuthNTLM)
		cfg.Log = logf
		c, err := p.Client(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 * maxShells {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = c.Run(context.Background(), "ver") // some may fail: the faults are the point
			}()
		}
	}
	wg.Wait()
	opened := 0
	for _, h := range hosts {
		opened += h.Stats().ShellsOpened
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	left := 0
	for _, h := range hosts {
		for _, sh := range h.Shells() {
			left++
			if sh.IdleTimeout != shellIdleTimeout {
				t.Errorf("%s: shell %s left open with idle timeout %s, want %s", h.Addr(), sh.ID, sh.IdleTimeout, shellIdleTimeout)
			}
			if ep, ok := notDeleted[sh.ID]; !ok || ep != h.URL() {
				t.Errorf("%s: shell %s left open and not logged (log: %q)", h.Addr(), sh.ID, ep)
			}
		}
	}
	t.Logf("shells opened %d, left open %d, logged as not deleted %d", opened, left, len(notDeleted))
}

// Every shell is opened with IdleTimeOut shellIdleTimeout, and the host
// keeps it for that long, not for its own default.
func TestOpenShellRequestIdleTimeOut(t *testing.T) {
	h := startSim(t, winsim.Options{})
	c := simClient(t, simConfig(t, h, AuthNTLM))
	if _, err := c.Run(context.Background(), "ver"); err != nil {
		t.Fatal(err)
	}
	shells := h.Shells()
	if len(shells) != 1 || shells[0].IdleTimeout != shellIdleTimeout {
		t.Fatalf("host's shells = %+v, want one with idle timeout %s", shells, shellIdleTimeout)
	}
}
