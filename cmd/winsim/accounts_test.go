package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// TestDomainFlags checks that --domain, --dns-domain, --username and --user reach the host:
// its line and facts name the domain, and each account logs on under its domain's names.
func TestDomainFlags(t *testing.T) {
	s := startCommand(t, 1, "--listen", "127.0.0.1:0", "--role", "member", "--domain", "corp", "--dns-domain", "corp.example.net",
		"--username", `CORP\timeadmin`, "--password", "T1me-admin", "--user", "reader:R3ader:pass:user", "--user", `corp.example.net\ops:0ps:admin`,
		"--control", "127.0.0.1:0")
	resp, err := http.Get(s.control + "/hosts")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasSuffix(strings.TrimSpace(string(b)), " role=member locale=en-US hostname=WIN-SIM auth=ntlm domain=CORP dns-domain=corp.example.net") {
		t.Errorf("host line %q", b)
	}
	if out := execOn(t, s.control, 1, "wmic computersystem get Domain /value"); !strings.Contains(out, "Domain=corp.example.net\r") {
		t.Errorf("wmic: %q", out)
	}
	u := strings.TrimSuffix(strings.TrimPrefix(s.urls[0], "http://"), "/wsman")
	host, portStr, _ := net.SplitHostPort(u)
	port, _ := strconv.Atoi(portStr)
	for _, tt := range []struct {
		user, password string
		ok             bool
	}{
		{"timeadmin@corp.example.net", "T1me-admin", true},
		{`CORP\ops`, "0ps", true},
		{`.\reader`, "R3ader:pass", false}, // not an administrator
	} {
		params := winrm.NewParameters("PT60S", "en-US", 153600)
		params.TransportDecorator = func() winrm.Transporter { e, _ := winrm.NewEncryption("ntlm"); return e }
		c, err := winrm.NewClientWithParameters(winrm.NewEndpoint(host, port, false, false, nil, nil, nil, 10*time.Second), tt.user, tt.password, params)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, _, code, err := c.RunCmdWithContext(ctx, "ver")
		cancel()
		if (err == nil && code == 0) != tt.ok {
			t.Errorf("%s: exit %d, err %v; want success %v", tt.user, code, err, tt.ok)
		}
	}
}

func TestParseUser(t *testing.T) {
	tests := []struct {
		in      string
		want    winsim.User
		wantErr bool
	}{
		{in: "bob:pw", want: winsim.User{Name: "bob", Password: "pw"}},
		{in: `EXAMPLE\bob:pw:admin`, want: winsim.User{Name: `EXAMPLE\bob`, Password: "pw", Admin: true}},
		{in: "bob@example.com:pw:user", want: winsim.User{Name: "bob@example.com", Password: "pw"}},
		{in: "bob:p:w:admin", want: winsim.User{Name: "bob", Password: "p:w", Admin: true}},
		{in: "bob:p:w:user", want: winsim.User{Name: "bob", Password: "p:w"}},
		{in: "bob:p:w", wantErr: true}, // a colon in the password needs the suffix
		{in: "bob", wantErr: true},
		{in: ":pw", wantErr: true},
		{in: "bob:", wantErr: true},
		{in: "bob::admin", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseUser(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseUser(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
