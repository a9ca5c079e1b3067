package transport

import (
	"context"
	"net/http"
	"sync"
	"testing"
)

// TestRetriesCountedOnce checks the "retries" field of the command's log
// entry against the requests the host saw: a Receive that keeps failing with
// a transient 503 is retried MaxRetries times and then given up, and the
// command is not restarted (a 503 says the request was not acted on, so the
// output was not lost), so the log must count MaxRetries retries, not one more.
func TestRetriesCountedOnce(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, _ *http.Request, action string, _ int) bool {
		if action != "Receive" {
			return false
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	cfg := f.config()
	cfg.MaxRetries = 2
	var mu sync.Mutex
	var failed map[string]any
	cfg.Log = func(_ context.Context, msg string, fields map[string]any) {
		if msg == "winrm command failed" {
			mu.Lock()
			failed = fields
			mu.Unlock()
		}
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Run(context.Background(), "echo hi"); err == nil {
		t.Fatal("Run succeeded against a host that answers every Receive with 503")
	}
	if got := f.count("Receive"); got != cfg.MaxRetries+1 {
		t.Fatalf("Receive requests = %d, want %d (1 + MaxRetries)", got, cfg.MaxRetries+1)
	}
	if got := f.count("Command"); got != 1 {
		t.Errorf("Command requests = %d, want 1 (no restart after a transient failure)", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if failed == nil {
		t.Fatal("no \"winrm command failed\" log entry")
	}
	if got := failed["retries"]; got != cfg.MaxRetries {
		t.Errorf("logged retries = %v, want %d (the Receive retries the host saw)", got, cfg.MaxRetries)
	}
}
