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
		{[]string{"--oem-code-page", "1252", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--locale", "ja-JP", "--oem-code-page", "850", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--backup-dc", "--role", "member", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--hosts", "0", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--hosts", "60001", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--keytab", "krb5.keytab", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--spn", "HTTP/win1", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--realm", "EXAMPLE.COM", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--realm", "EXAMPLE.COM", "--keytab", "no-such.keytab", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--realm", "EXAMPLE.COM", "--keytab", "x", "--spn", "HTTP/win1", "--hosts", "2", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--domain", "EXAMPLE", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--role", "member", "--dns-domain", "bad..name", "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--username", `EXAMPLE\timeadmin`, "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--role", "member", "--username", `OTHER\timeadmin`, "--listen", "127.0.0.1:0"}, 1},
		{[]string{"--user", "bob", "--listen", "127.0.0.1:0"}, 2},
		{[]string{"--user", "bob:p:root", "--listen", "127.0.0.1:0"}, 2},
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

// execOn runs a command line on host n through the admin API and returns its output.
func execOn(t *testing.T, control string, n int, line string) string {
	t.Helper()
	_, out := post(t, control+"/hosts/"+strconv.Itoa(n)+"/exec", line)
	return out
}

// TestHostFlags checks that --oem-code-page, --backup-dc and --sync-delay reach the hosts.
func TestHostFlags(t *testing.T) {
	control := startCommand(t, 1, "--listen", "127.0.0.1:0", "--role", "dc", "--backup-dc", "--oem-code-page", "866",
		"--sync-delay", "1h", "--rebooted", "--control", "127.0.0.1:0").control
	if out := execOn(t, control, 1, "wmic computersystem get DomainRole /value"); !strings.Contains(out, "DomainRole=4\r") {
		t.Errorf("wmic: %q", out)
	}
	if out := execOn(t, control, 1, `reg query HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage /v OEMCP`); !strings.Contains(out, "REG_SZ    866") {
		t.Errorf("OEMCP: %q", out)
	}
	// A dc starts W32Time at boot; an hour's sync delay leaves it unsynchronised.
	if out := execOn(t, control, 1, "w32tm /query /source"); out != "Local CMOS Clock\r\n" {
		t.Errorf("/query /source with --sync-delay 1h: %q", out)
	}
}

// TestManyHosts checks that --hosts serves more hosts than one /24 holds: the addresses run on
// from 127.0.0.2 across 127.0.1.x, and the last host answers. Skipped where 127.0.0.0/8 is not
// all on loopback (the hosts then share 127.0.0.1 on distinct ports).
func TestManyHosts(t *testing.T) {
	const n = 300
	s := startCommand(t, n, "--listen", "127.0.0.1:0", "--hosts", strconv.Itoa(n), "--control", "127.0.0.1:0")
	if strings.Contains(s.urls[0], "//127.0.0.1:") {
		t.Skip("127.0.0.2 cannot be bound here")
	}
	for i, want := range map[int]string{0: "//127.0.0.2:", 253: "//127.0.0.255:", 254: "//127.0.1.0:", n - 1: "//127.0.1.45:"} {
		if !strings.Contains(s.urls[i], want) {
			t.Errorf("host %d: %q, want %s", i+1, s.urls[i], want)
		}
	}
	if out := execOn(t, s.control, n, "hostname"); out != "WIN-SIM"+strconv.Itoa(n)+"\r\n" {
		t.Errorf("host %d: hostname %q", n, out)
	}
}
