package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// A host that answers every Receive at once with "Running" and nothing else
// (no output, no TimedOut fault) is polled with a growing pause, not
// without one: over a 3s timeout, a handful of Receives (the pauses 50ms,
// 100ms, ... capped at 1s add up to the timeout after about seven), where
// polling without pause made hundreds.
func TestEmptyReceivesBackOff(t *testing.T) {
	f := newFakeHost(t, false)
	f.script = func(w http.ResponseWriter, _ *http.Request, action string, _ int) bool {
		if action != "Receive" {
			return false
		}
		writeSOAP(w, 200, fmt.Sprintf(envOpen, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse")+
			`<rsp:ReceiveResponse><rsp:CommandState CommandId="CMD-1" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"></rsp:CommandState></rsp:ReceiveResponse>`+envClose)
		return true
	}
	cfg := f.config()
	cfg.Timeout = 3 * time.Second
	c := newTestClient(t, cfg)
	_, err := c.Run(context.Background(), "echo hi")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	// 3s of pauses starting at 50ms, doubling, capped at 1s: 7 at most.
	if got := f.count("Receive"); got > 10 {
		t.Errorf("Receive requests = %d in 3s, want at most 10: empty answers are polled with a pause", got)
	}
}

// A listener that accepts connections and never answers is not reported as
// a terminated command: no command was sent. The error says what happened
// (which request, after how long) and what to check.
func TestSilentListenerMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never answered
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	port := ln.Addr().(*net.TCPAddr).Port
	for _, auth := range []string{AuthNTLM, AuthBasic} {
		t.Run(auth, func(t *testing.T) {
			c := newTestClient(t, Config{Host: "127.0.0.1", Port: port, Username: "u", Password: "p", Auth: auth,
				AllowUnencrypted: true, Timeout: 2 * time.Second, MaxRetries: 3})
			_, err := c.Run(context.Background(), "echo hi")
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TimeoutError", err)
			}
			want := fmt.Sprintf("no command was started on 127.0.0.1:%d within %s (timeout 2s): the host accepted "+
				"the connection but never answered the WinRM Create request (waited %s for its answer); check that port %d "+
				"on the host is a WinRM listener (winrm enumerate winrm/config/listener) and that no proxy or "+
				"firewall in between holds connections open without answering", port,
				te.After.Round(time.Millisecond), te.Waited.Round(time.Millisecond), port)
			if err.Error() != want {
				t.Errorf("err = %v\nwant %s", err, want)
			}
		})
	}
}
