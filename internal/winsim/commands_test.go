package winsim

import (
	"fmt"
	"strings"
	"testing"

	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// wireMode is one way a client reaches a host.
type wireMode struct {
	name  string
	opts  Options
	tweak func(*winrm.Parameters)
}

var wireModes = []wireMode{
	{"basic-http", Options{Auth: "basic", AllowUnencrypted: true}, nil},
	{"basic-https", Options{Auth: "basic", HTTPS: true}, nil},
	// A default Windows host: Negotiate only, no plain bodies over HTTP.
	{"ntlm-http-sealed", Options{}, ntlmEncryption},
	{"ntlm-https", Options{HTTPS: true}, ntlmPlain},
}

const (
	paramsKey = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters`
	configKey = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Config`
	tzKey     = `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`
)

// TestEveryCommandEveryProfile drives every emulated program on every
// profile through the real masterzen/winrm client, over Basic and NTLM (with
// message encryption over HTTP), over HTTP and HTTPS, and checks outputs,
// exit codes and the effects on the registry and the service.
//
// Not parallel: masterzen's NTLM encryption uses http.DefaultTransport, so
// parallel clients could share authenticated connections.
func TestEveryCommandEveryProfile(t *testing.T) {
	versions := map[winhost.Profile]string{
		"2003": "5.2.3790", "2008": "6.0.6003", "2008r2": "6.1.7601", "2012": "6.2.9200", "2012r2": "6.3.9600",
		"2016": "10.0.14393", "2019": "10.0.17763", "2022": "10.0.20348", "2025": "10.0.26100",
	}
	for _, p := range winhost.Profiles() {
		for _, mode := range wireModes {
			t.Run(fmt.Sprintf("%s/%s", p, mode.name), func(t *testing.T) {
				opts := mode.opts
				opts.Profile = p
				h := startHost(t, opts)
				c := newClient(t, h, defaultUsername, defaultPassword, mode.tweak)
				m := h.Machine()
				legacy := p == winhost.P2003
				hasTZUtil := p != winhost.P2003 && p != "2008"

				// expect runs line and checks its exit code and that stdout
				// (or stderr) holds each of want.
				expect := func(line string, code int, want ...string) string {
					t.Helper()
					stdout, stderr, got, err := run(t, c, line)
					// masterzen's plain NTLM client (Azure/go-ntlmssp) logs on again for
					// every request; under load (-race, other packages' tests) it was
					// seen once, in hundreds of runs, to end such a logon with the host's
					// 401, which it reports as "invalid content type". A 401 means the
					// host ran nothing, so the line is sent once more; a fault of the
					// host's NTLM would fail the second attempt too.
					if err != nil && mode.name == "ntlm-https" && strings.Contains(err.Error(), "401 - invalid content type") {
						t.Logf("%s: %v; sent again", line, err)
						stdout, stderr, got, err = run(t, c, line)
					}
					if err != nil {
						t.Fatalf("%s: %v", line, err)
					}
					if (code >= 0 && got != code) || (code < 0 && got == 0) {
						t.Errorf("%s: exit %d, want %s\nstdout: %s\nstderr: %s", line, got, codeText(code), stdout, stderr)
					}
					for _, w := range want {
						if !strings.Contains(stdout+stderr, w) {
							t.Errorf("%s: output lacks %q\nstdout: %s\nstderr: %s", line, w, stdout, stderr)
						}
					}
					return stdout
				}
				reg := func(key, name string) string {
					t.Helper()
					v, ok := m.GetValue(key, name)
					if !ok {
						return "<absent>"
					}
					if v.Type == "REG_DWORD" {
						return fmt.Sprint(v.Num)
					}
					return v.Str
				}

				expect("ver", 0, "[Version "+versions[p])
				expect("echo hello world", 0, "hello world")
				expect("exit /b 3", 3)
				expect("nosuchprogram /x", 9009, "'nosuchprogram' is not recognized")
				expect("echo one && echo two", 0, "one", "two")
				// echo leaves ERRORLEVEL alone, so the line still exits 1.
				expect(`reg query "HKLM\SOFTWARE\No Such Key" 2>nul || echo fallback`, 1, "fallback")

				// reg
				expect(`reg add "HKLM\SOFTWARE\Sim Test" /v Name /t REG_SZ /d "a value" /f`, 0)
				if got := reg(`HKLM\SOFTWARE\Sim Test`, "Name"); got != "a value" {
					t.Errorf("after reg add, Name = %q", got)
				}
				out := expect(`reg query "HKLM\SOFTWARE\Sim Test" /v Name`, 0, "a value", "REG_SZ")
				if legacy != strings.Contains(out, "! REG.EXE VERSION 3.0") {
					t.Errorf("reg query header on %s: %q", p, out)
				}
				expect(`reg add "HKLM\SOFTWARE\Sim Test" /v Count /t REG_DWORD /d 600 /f`, 0)
				expect(`reg query "HKLM\SOFTWARE\Sim Test" /v Count`, 0, "0x258")
				expect(`reg delete "HKLM\SOFTWARE\Sim Test" /v Name /f`, 0)
				if got := reg(`HKLM\SOFTWARE\Sim Test`, "Name"); got != "<absent>" {
					t.Errorf("after reg delete, Name = %q", got)
				}
				expect(`reg query "HKLM\SOFTWARE\Sim Test" /v Name`, 1)

				// w32tm /config, and the Server 2003 quirk
				expect(`w32tm /config /syncfromflags:MANUAL /manualpeerlist:"ntp.nict.jp,0x9 time.windows.com,0xa" /update`, 0)
				if reg(paramsKey, "Type") != "NTP" || reg(paramsKey, "NtpServer") != "ntp.nict.jp,0x9 time.windows.com,0xa" {
					t.Errorf("after MANUAL: Type %q NtpServer %q", reg(paramsKey, "Type"), reg(paramsKey, "NtpServer"))
				}
				if legacy {
					expect("w32tm /config /syncfromflags:ALL /update", -1, "0x80070057")
					if got := reg(paramsKey, "Type"); got != "NTP" {
						t.Errorf("a refused ALL changed Type to %q", got)
					}
					expect("w32tm /config /syncfromflags:NO /update", -1)
				} else {
					expect("w32tm /config /syncfromflags:ALL /update", 0)
					if got := reg(paramsKey, "Type"); got != "AllSync" {
						t.Errorf("after ALL, Type = %q", got)
					}
					expect("w32tm /config /syncfromflags:NO /update", 0)
					if got := reg(paramsKey, "Type"); got != "NoSync" {
						t.Errorf("after NO, Type = %q", got)
					}
				}
				expect("w32tm /config /syncfromflags:DOMHIER,MANUAL /update", 0)
				if got := reg(paramsKey, "Type"); got != "AllSync" {
					t.Errorf("after DOMHIER,MANUAL, Type = %q", got)
				}
				expect("w32tm /config /syncfromflags:domhier /update", 0)
				if got := reg(paramsKey, "Type"); got != "NT5DS" {
					t.Errorf("after domhier, Type = %q", got)
				}
				expect("w32tm /config /reliable:YES /update", 0)
				if got := reg(configKey, "AnnounceFlags"); got != "5" {
					t.Errorf("after /reliable:YES, AnnounceFlags = %s", got)
				}
				expect("w32tm /config /reliable:NO /update", 0)
				if got := reg(configKey, "AnnounceFlags"); got != "10" {
					t.Errorf("after /reliable:NO, AnnounceFlags = %s", got)
				}

				// w32tm /query exists from 2008 on.
				for _, q := range []string{"/configuration", "/status", "/peers", "/source"} {
					if legacy {
						expect("w32tm /query "+q, -1, "/query is unknown")
					} else {
						expect("w32tm /query "+q, 0)
					}
				}
				if !legacy {
					expect("w32tm /query /configuration", 0, "Type: NT5DS (Local)")
				}
				// A workgroup host with the domain hierarchy as its only source has no time data.
				expect("w32tm /resync", int(uint32(0x800705B4)), "The computer did not resync because no time data was available.")
				expect("w32tm /config /syncfromflags:MANUAL /update && w32tm /resync", 0, "The command completed successfully.")
				expect("w32tm /dumpreg", 0, "ImagePath")
				expect("w32tm /dumpreg /subkey:Parameters", 0, "NtpServer")

				// the service
				expect("sc query w32time", 0, "RUNNING")
				expect("net stop w32time", 0)
				if s := m.ServiceState(); s != "STOPPED" {
					t.Errorf("after net stop, service %s", s)
				}
				expect("sc query w32time", 0, "STOPPED")
				expect("w32tm /config /update", -1, "0x80070426")
				expect("w32tm /resync", -1, "0x80070426")
				expect("net stop w32time", 2)
				expect("net start w32time", 0)
				expect("net start w32time", 2)
				if s := m.ServiceState(); s != "RUNNING" {
					t.Errorf("after net start, service %s", s)
				}

				// unregister and register restore the role's defaults
				expect("net stop w32time >nul 2>&1 & w32tm /unregister", 0)
				if s := m.ServiceState(); s != "NOT_INSTALLED" {
					t.Errorf("after /unregister, service %s", s)
				}
				expect("sc query w32time", -1, "1060")
				expect("w32tm /register && net start w32time", 0)
				if reg(paramsKey, "Type") != "NTP" || m.ServiceState() != "RUNNING" {
					t.Errorf("after /register: Type %q, service %s", reg(paramsKey, "Type"), m.ServiceState())
				}

				// tzutil, from 2008 R2 on
				if hasTZUtil {
					expect("tzutil /g", 0, "UTC")
					expect(`tzutil /s "Tokyo Standard Time"`, 0)
					if got := reg(tzKey, "TimeZoneKeyName"); got != "Tokyo Standard Time" {
						t.Errorf("after tzutil /s, TimeZoneKeyName = %q", got)
					}
					expect("tzutil /l", 0, "Tokyo Standard Time")
				} else {
					expect("tzutil /g", 9009, "is not recognized")
				}

				// Each command line ran once, as sent.
				if hist := m.History(); len(hist) == 0 || hist[0] != "ver" {
					t.Errorf("history starts %q", hist[:min(len(hist), 3)])
				}
			})
		}
	}
}

func codeText(code int) string {
	if code < 0 {
		return "non-zero"
	}
	return fmt.Sprint(code)
}
