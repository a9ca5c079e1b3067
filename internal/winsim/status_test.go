package winsim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// TestStatusAndTimeZoneOverWinRM reads the sync status and sets the time zone through the real
// client on releases old and new, in both languages: unsynchronised after a start, synchronised
// after a resync, the zone set with tzutil or the control panel applet and read back.
func TestStatusAndTimeZoneOverWinRM(t *testing.T) {
	for _, p := range []winhost.Profile{winhost.P2003, winhost.P2008, winhost.P2012R2, winhost.P2025} {
		for _, l := range []winhost.Locale{winhost.EnUS, winhost.JaJP} {
			t.Run(fmt.Sprintf("%s/%s", p, l), func(t *testing.T) {
				h := startHost(t, Options{Profile: p, Locale: l, SyncDelay: time.Hour})
				c := newClient(t, h, defaultUsername, defaultPassword, ntlmEncryption)
				do := func(line string) (string, int) {
					t.Helper()
					stdout, stderr, code, err := run(t, c, line)
					if err != nil {
						t.Fatalf("%s: %v", line, err)
					}
					out := stdout + stderr
					if p == winhost.P2003 && l == winhost.JaJP { // code page 932 whatever was asked
						b, err := japanese.ShiftJIS.NewDecoder().String(out)
						if err != nil {
							t.Fatalf("%s: not CP932: %q", line, out)
						}
						out = b
					}
					return out, code
				}
				leapUnsync, leapSync, stdName := "Leap Indicator: 3(not synchronized)\r\n", "Leap Indicator: 0(no warning)\r\n", "Eastern Standard Time"
				if l == winhost.JaJP {
					leapUnsync, leapSync, stdName = "閏インジケーター: 3 (同期未実行)\r\n", "閏インジケーター: 0 (警告なし)\r\n", "東部標準時"
				}
				do("net stop w32time & net start w32time")
				out, code := do("w32tm /query /status")
				if p == winhost.P2003 {
					if code == 0 || !strings.Contains(out, "/query") {
						t.Errorf("2003 /query: exit %d %q", code, out)
					}
				} else {
					if code != 0 || !strings.HasPrefix(out, leapUnsync) {
						t.Errorf("after a start: exit %d\n%s", code, out)
					}
					do("w32tm /resync")
					if out, code := do("w32tm /query /status /verbose"); code != 0 || !strings.HasPrefix(out, leapSync) {
						t.Errorf("after /resync: exit %d\n%s", code, out)
					}
				}

				set := `tzutil /s "Eastern Standard Time"`
				if p == winhost.P2003 || p == winhost.P2008 {
					set = `RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z Eastern Standard Time`
				}
				out, code = do(set + ` && reg query "` + tzKey + `"`)
				if code != 0 || !strings.Contains(out, "Bias    REG_DWORD    0x12c\r\n") && !strings.Contains(out, "Bias\tREG_DWORD\t0x12c\r\n") {
					t.Errorf("%s: exit %d\n%s", set, code, out)
				}
				if p == winhost.P2003 {
					if !strings.Contains(out, "StandardName\tREG_SZ\t"+stdName+"\r\n") || strings.Contains(out, "TimeZoneKeyName") {
						t.Errorf("2003 zone:\n%s", out)
					}
				} else if !strings.Contains(out, "TimeZoneKeyName    REG_SZ    Eastern Standard Time\r\n") {
					t.Errorf("zone:\n%s", out)
				}
			})
		}
	}
}
