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

// TestCommand starts the command with two hosts, runs a command over WinRM on the second,
// creates drift through the admin API and checks the printed lines, then stops it.
func TestCommand(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	exit := make(chan int, 1)
	var stderr strings.Builder
	go func() {
		exit <- run(ctx, []string{"--listen", "127.0.0.1:0", "--hosts", "2", "--profile", "2003", "--auth", "basic",
			"--allow-unencrypted", "--record", "--control", "127.0.0.1:0"}, pw, &stderr)
		pw.Close()
	}()
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
	var urls []string
	for i := 1; i <= 2; i++ {
		l := next()
		prefix := "host " + strconv.Itoa(i) + ": "
		if !strings.HasPrefix(l, prefix) || !strings.Contains(l, " profile=2003 role=standalone locale=en-US") {
			t.Fatalf("line %q", l)
		}
		urls = append(urls, strings.Fields(strings.TrimPrefix(l, prefix))[0])
	}
	control := strings.TrimPrefix(next(), "control: ")

	u := strings.TrimSuffix(strings.TrimPrefix(urls[1], "http://"), "/wsman")
	host, portStr, _ := net.SplitHostPort(u)
	port, _ := strconv.Atoi(portStr)
	c, err := winrm.NewClientWithParameters(winrm.NewEndpoint(host, port, false, false, nil, nil, nil, 10*time.Second),
		"Administrator", "Passw0rd!", winrm.NewParameters("PT60S", "en-US", 153600))
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer rcancel()
	if stdout, _, code, err := c.RunCmdWithContext(rctx, "echo drift-check"); err != nil || code != 0 || stdout != "drift-check\r\n" {
		t.Fatalf("run: %q %d %v", stdout, code, err)
	}
	if l := next(); l != "host 2 ran: echo drift-check" {
		t.Errorf("record line %q", l)
	}

	resp, err := http.Post(control+"/hosts/2/exec", "text/plain", strings.NewReader("echo behind your back"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "behind your back\r\n" || resp.Header.Get("X-Exit-Code") != "0" {
		t.Errorf("exec: %q %q", b, resp.Header.Get("X-Exit-Code"))
	}
	resp, err = http.Get(control + "/hosts/2/history")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "echo drift-check\n" {
		t.Errorf("history %q", b)
	}
	resp, _ = http.Get(control + "/hosts/9/history")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown host: %d", resp.StatusCode)
	}
	resp.Body.Close()

	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d, stderr %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop")
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"--bogus"}, 2},
		{[]string{"extra"}, 2},
		{[]string{"--profile", "1995", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--auth", "kerberos", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--control", "0.0.0.0:0", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--help"}, 0},
	}
	for _, tt := range tests {
		var out, errb strings.Builder
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if code := run(ctx, tt.args, &out, &errb); code != tt.code {
			t.Errorf("%v: exit %d, want %d (%s)", tt.args, code, tt.code, errb.String())
		}
	}
}
