package transport

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// signalGate makes a fakeHost hold every Signal until released, and records
// the order of the SOAP actions it answered.
type signalGate struct {
	mu      sync.Mutex
	order   []string
	arrived chan struct{} // one value per Signal received
	release chan struct{} // closed to let the held Signals through
}

func newSignalGate(f *fakeHost) *signalGate {
	g := &signalGate{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Signal" {
			g.arrived <- struct{}{}
			select {
			case <-g.release:
			case <-r.Context().Done():
				return true
			}
		}
		g.mu.Lock()
		g.order = append(g.order, action)
		g.mu.Unlock()
		return false
	}
	return g
}

func (g *signalGate) actions() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.order...)
}

// runAsync runs cmdline in a goroutine; the channel yields its error.
func runAsync(ctx context.Context, c *Client, cmdline string) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := c.Run(ctx, cmdline)
		ch <- err
	}()
	return ch
}

// waitErr fails the test when ch yields nothing within a (generous) minute:
// only a hang, never slowness, can make the test fail.
func waitErr(t *testing.T, ch <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s did not return", what)
		return nil
	}
}

// Run returns the command's result while its Signal is still unanswered, and
// a cancelled ctx after Run does not stop that Signal. The next command waits
// for the shell rather than open another, and runs on it only after the
// Signal has completed.
func TestRunDoesNotWaitForSignal(t *testing.T) {
	f := newFakeHost(t, false)
	g := newSignalGate(f)
	c := newTestClient(t, f.config())

	ctx, cancel := context.WithCancel(context.Background())
	res, err := c.Run(ctx, "echo hi") // would block forever if Run waited for the Signal
	cancel()
	if err != nil || res.Stdout != "hi\r\n" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	<-g.arrived // the Signal is on its way, held by the host

	second := runAsync(context.Background(), c, "echo again")
	close(g.release)
	if err := waitErr(t, second, "second Run"); err != nil {
		t.Fatal(err)
	}
	settle(c)
	want := []string{"Create", "Command", "Receive", "Signal", "Command", "Receive", "Signal"}
	if got := g.actions(); !slices.Equal(got, want) {
		t.Errorf("actions = %v, want %v", got, want)
	}
}

// A shell whose Signal failed is not reused: it is deleted, and the next
// command opens a new one.
func TestFailedSignalDiscardsShell(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, r *http.Request, action string, n int) bool {
		if action == "Signal" && n == 1 {
			writeSOAP(w, 500, faultAccessDenied) // permanent: not retried
			return true
		}
		return false
	}
	c := newTestClient(t, f.config())
	for i := range 2 {
		res, err := c.Run(context.Background(), "echo hi")
		if err != nil || res.Stdout != "hi\r\n" {
			t.Fatalf("run %d = %+v, %v", i, res, err)
		}
		settle(c)
	}
	for action, want := range map[string]int{"Create": 2, "Signal": 2, "Delete": 1} {
		if got := f.count(action); got != want {
			t.Errorf("%s requests = %d, want %d", action, got, want)
		}
	}
}

// Close waits for a pending Signal, then deletes the shell; a Signal that
// outlasts Close's budget is abandoned. Either way no goroutine outlives
// Close.
func TestCloseWaitsForPendingSignal(t *testing.T) {
	tests := []struct {
		name        string
		releaseLate bool // never answer the Signal: Close's budget runs out
		wantDelete  int
	}{
		{"signal completes", false, 1},
		{"signal outlasts the budget", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := closeBudget
			closeBudget = 300 * time.Millisecond
			defer func() { closeBudget = old }()
			f := newFakeHost(t, false)
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			g := newSignalGate(f)
			c, err := New(f.config())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Run(context.Background(), "echo hi"); err != nil {
				t.Fatal(err)
			}
			<-g.arrived
			closed := make(chan error, 1)
			go func() { closed <- c.Close() }()
			if !tt.releaseLate {
				close(g.release)
			}
			if err := waitErr(t, closed, "Close"); err != nil {
				t.Fatal(err)
			}
			if got := f.count("Delete"); got != tt.wantDelete {
				t.Errorf("Delete requests = %d, want %d (actions %v)", got, tt.wantDelete, g.actions())
			}
			if tt.releaseLate {
				close(g.release)
			}
			f.srv.Close()
		})
	}
}

// Many commands at once on one Client: every one returns its output, the
// host never holds more shells than the pool allows, and after Close no
// Signal is left unsent and no goroutine is left.
func TestConcurrentRunsWithBackgroundSignals(t *testing.T) {
	f := newFakeHost(t, false)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := New(f.config())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const runs = 30
	for range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.Run(context.Background(), "echo hi")
			if err != nil || res.Stdout != "hi\r\n" {
				t.Errorf("Run = %+v, %v", res, err)
			}
		}()
	}
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got := f.count("Signal"); got != runs {
		t.Errorf("Signal requests = %d, want %d", got, runs)
	}
	if created, deleted := f.count("Create"), f.count("Delete"); created > maxShells || created != deleted {
		t.Errorf("shells created %d, deleted %d; want at most %d, all deleted", created, deleted, maxShells)
	}
	f.srv.Close()
}
