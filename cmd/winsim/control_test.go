package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"
)

// started is a running winsim command: its host URLs and control address.
type started struct {
	urls    []string
	lines   []string // the host lines, whole
	control string
}

// startCommand runs the command with args until the test ends, and reads the host and control
// lines it prints at start.
func startCommand(t *testing.T, hosts int, args ...string) started {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		exit <- run(ctx, args, pw, &stderr)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exit:
			if code != 0 {
				t.Errorf("exit %d, stderr %s", code, stderr.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("did not stop")
		}
	})
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		t.Helper()
		select {
		case l := <-lines:
			return l
		case <-time.After(20 * time.Second):
			t.Fatalf("no output; stderr: %s", stderr.String())
		}
		return ""
	}
	var s started
	for i := 1; i <= hosts; i++ {
		prefix := "host " + strconv.Itoa(i) + ": "
		l := next()
		if !strings.HasPrefix(l, prefix) {
			t.Fatalf("line %q", l)
		}
		s.urls = append(s.urls, strings.Fields(strings.TrimPrefix(l, prefix))[0])
		s.lines = append(s.lines, l)
	}
	s.control = strings.TrimPrefix(next(), "control: ")
	return s
}

// post sends body to a control endpoint and returns the status and the response body.
func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRebootAndTimeData drives --rebooted, --no-time-data and the reboot and timedata endpoints, with
// a WinRM client checking what the host does.
func TestRebootAndTimeData(t *testing.T) {
	s := startCommand(t, 1, "--listen", "127.0.0.1:0", "--profile", "2022", "--auth", "basic", "--allow-unencrypted",
		"--rebooted", "--no-time-data", "--control", "127.0.0.1:0")
	host, portStr, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(s.urls[0], "http://"), "/wsman"))
	port, _ := strconv.Atoi(portStr)
	c, err := winrm.NewClientWithParameters(winrm.NewEndpoint(host, port, false, false, nil, nil, nil, 10*time.Second),
		"Administrator", "Passw0rd!", winrm.NewParameters("PT60S", "en-US", 153600))
	if err != nil {
		t.Fatal(err)
	}
	remote := func(line string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		stdout, _, code, err := c.RunCmdWithContext(ctx, line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return stdout, code
	}
	const noData, notStarted = 2147943860, 2147943462 // 0x800705B4, 0x80070426

	// --rebooted: a workgroup 2022 has W32Time manual (trigger start), so stopped.
	if out, _ := remote("sc query w32time"); !strings.Contains(out, "1  STOPPED") {
		t.Errorf("--rebooted: %q", out)
	}
	if _, code := remote("w32tm /resync"); code != notStarted {
		t.Errorf("resync while stopped: exit %d", code)
	}
	if code, body := post(t, s.control+"/hosts/1/exec", "sc config w32time start= auto"); code != http.StatusOK || !strings.Contains(body, "SUCCESS") {
		t.Fatalf("exec sc config: %d %q", code, body)
	}
	if code, body := post(t, s.control+"/hosts/1/reboot", ""); code != http.StatusOK || body != "RUNNING\n" {
		t.Errorf("reboot: %d %q", code, body)
	}
	// --no-time-data: running, but nothing to resync from until the switch is on.
	if _, code := remote("w32tm /resync"); code != noData {
		t.Errorf("resync without time data: exit %d", code)
	}
	if code, body := post(t, s.control+"/hosts/1/timedata", "on\n"); code != http.StatusOK || body != "on\n" {
		t.Errorf("timedata on: %d %q", code, body)
	}
	if out, code := remote("w32tm /resync"); code != 0 {
		t.Errorf("resync with time data: %q exit %d", out, code)
	}
	if code, _ := post(t, s.control+"/hosts/1/timedata", "OFF"); code != http.StatusOK {
		t.Errorf("timedata OFF: %d", code)
	}
	if _, code := remote("w32tm /resync"); code != noData {
		t.Errorf("resync after timedata off: exit %d", code)
	}

	for _, tt := range []struct{ path, body string }{
		{"/hosts/1/timedata", "maybe"},
		{"/hosts/1/timedata", ""},
	} {
		if code, _ := post(t, s.control+tt.path, tt.body); code != http.StatusBadRequest {
			t.Errorf("%s %q: %d, want 400", tt.path, tt.body, code)
		}
	}
	for _, path := range []string{"/hosts/2/reboot", "/hosts/0/timedata"} {
		if code, _ := post(t, s.control+path, "on"); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
}
