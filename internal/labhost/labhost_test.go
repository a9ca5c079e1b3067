package labhost

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

const password = "Lab-Passw0rd!"

// startHost starts a simulated host and returns a client of it.
func startHost(t *testing.T, opts winsim.Options) (*winsim.Host, *transport.Client) {
	t.Helper()
	opts.Username, opts.Password = "Administrator", password
	h, err := winsim.Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	host, port, err := net.SplitHostPort(h.Addr())
	if err != nil {
		t.Fatal(err)
	}
	cfg := transport.DefaultConfig()
	cfg.Host, cfg.Username, cfg.Password = host, "Administrator", password
	if cfg.Port, err = strconv.Atoi(port); err != nil {
		t.Fatal(err)
	}
	c, err := transport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return h, c
}

// run runs a command line that must succeed.
func run(t *testing.T, c *transport.Client, line string) {
	t.Helper()
	res, err := c.Run(t.Context(), line)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%s: exit %d, %v: %s%s", line, res.ExitCode, err, res.Stdout, res.Stderr)
	}
}

// TestRestore changes a host the ways the acceptance suite does, and expects
// Restore to put every change back, verified by a read of its own and by
// the simulator's registry.
func TestRestore(t *testing.T) {
	changes := map[string][]string{
		"type and peers": {
			`reg add "` + wintime.ParametersKey + `" /v Type /t REG_SZ /d NoSync /f`,
			`w32tm /config /manualpeerlist:"a.example,0x8 b.example,0x1" /syncfromflags:MANUAL /update`,
		},
		"tunables and a new value": {
			`reg add "` + wintime.ConfigKey + `" /v MaxPollInterval /t REG_DWORD /d 7 /f`,
			`reg add "` + wintime.ConfigKey + `" /v NotAW32TimeValue /t REG_DWORD /d 1 /f`,
			`reg delete "` + wintime.ParametersKey + `" /v NtpServer /f`,
		},
		"group policy": {
			`reg add "` + wintime.PolicyParametersKey + `" /v Type /t REG_SZ /d NT5DS /f`,
			`reg add "` + wintime.PolicyRootKey + `\TimeProviders\NtpClient" /v SpecialPollInterval /t REG_DWORD /d 900 /f`,
		},
		"service stopped and disabled": {
			"net stop w32time",
			"sc config w32time start= disabled",
		},
		"unregistered and registered": {
			"net stop w32time", "w32tm /unregister", "w32tm /register", "net start w32time",
		},
		"unregistered": {
			"net stop w32time", "w32tm /unregister",
		},
		"time zone": {},
	}
	profiles := []struct {
		profile winhost.Profile
		locale  winhost.Locale
		zone    string
	}{
		{"2003", winhost.EnUS, `RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z Tokyo Standard Time`},
		{"2012r2", winhost.JaJP, `tzutil /s "Pacific Standard Time"`},
		{"2022", winhost.EnUS, `tzutil /s "Tokyo Standard Time"`},
	}
	for _, p := range profiles {
		for name, lines := range changes {
			t.Run(string(p.profile)+"/"+name, func(t *testing.T) {
				t.Parallel()
				_, c := startHost(t, winsim.Options{Profile: p.profile, Locale: p.locale})
				// A host set up by hand: registering W32Time afresh
				// loses these.
				run(t, c, `reg add "`+wintime.ParametersKey+`" /v Type /t REG_SZ /d NoSync /f`)
				run(t, c, `reg add "`+wintime.ConfigKey+`" /v MaxPollInterval /t REG_DWORD /d 12 /f`)
				snap, err := Save(t.Context(), c)
				if err != nil {
					t.Fatal(err)
				}
				if name == "time zone" {
					lines = []string{p.zone}
				}
				for _, l := range lines {
					run(t, c, l)
				}
				changed, err := Save(t.Context(), c)
				if err != nil && name != "unregistered" {
					t.Fatal(err)
				}
				if err == nil && len(snap.Diff(changed)) == 0 {
					t.Fatalf("%v changed nothing that Diff sees", lines)
				}
				if err := Restore(t.Context(), c, snap); err != nil {
					t.Fatal(err)
				}
				back, err := Save(t.Context(), c)
				if err != nil {
					t.Fatal(err)
				}
				if d := snap.Diff(back); d != nil {
					t.Errorf("after Restore: %v", d)
				}
			})
		}
	}
}

// TestRestoreReportsWhatItCannotWrite expects a value Restore refuses to put
// through cmd.exe to be named, and every other change to be put back all
// the same.
func TestRestoreReportsWhatItCannotWrite(t *testing.T) {
	h, c := startHost(t, winsim.Options{Profile: "2022"})
	h.Machine().SetString(wintime.ParametersKey, "Odd", `say "hi"`)
	snap, err := Save(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	run(t, c, `reg delete "`+wintime.ParametersKey+`" /v Odd /f`)
	run(t, c, `reg add "`+wintime.ParametersKey+`" /v Type /t REG_SZ /d NoSync /f`)
	run(t, c, "net stop w32time")
	err = Restore(t.Context(), c, snap)
	if !errors.Is(err, ErrNotRestored) || !strings.Contains(err.Error(), `Odd`) || !strings.Contains(err.Error(), "by hand") {
		t.Fatalf("Restore = %v, want ErrNotRestored naming Odd and what to do", err)
	}
	back, err := Save(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if d := snap.Diff(back); len(d) != 1 {
		t.Errorf("after Restore: %v, want only Odd missing", d)
	}
}

// TestRestoreQuoting expects what comes from the host to reach cmd.exe only
// in forms it cannot act on: a key or value name with a quote is refused
// (the host could otherwise run a command of its choosing), and an
// expandable path with % is written escaped, so that it is stored as it was.
func TestRestoreQuoting(t *testing.T) {
	h, c := startHost(t, winsim.Options{Profile: "2019"})
	const dll = `%systemroot%\system32\w32time.dll`
	h.Machine().SetValue(wintime.ParametersKey, "ServiceDll", winhost.Value{Type: "REG_EXPAND_SZ", Str: dll})
	// A policy tree already there, so that the key added below is not
	// deleted with it.
	h.Machine().SetString(wintime.PolicyParametersKey, "Type", "NT5DS")
	snap, err := Save(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	h.Machine().DeleteValue(wintime.ParametersKey, "ServiceDll")
	h.Machine().SetString(wintime.PolicyRootKey+`\x" & echo injected & "`, "V", "1")
	h.Machine().ClearHistory()
	err = Restore(t.Context(), c, snap)
	if err == nil || !strings.Contains(err.Error(), `x\" & echo injected`) {
		t.Fatalf("Restore = %v, want the key with a quote refused", err)
	}
	for _, l := range h.Machine().History() {
		if strings.Contains(l, "injected") {
			t.Errorf("a name from the host reached cmd.exe: %s", l)
		}
	}
	if v, ok := h.Machine().GetValue(wintime.ParametersKey, "ServiceDll"); !ok || v.Str != dll || v.Type != "REG_EXPAND_SZ" {
		t.Errorf("ServiceDll = %+v (present %v), want %s restored as written", v, ok, dll)
	}
}

// TestRestoreVerifies expects Restore to fail, wrapping ErrNotRestored, when
// the host does not take a write: here a value in a key the administrator
// account may not write.
func TestRestoreVerifies(t *testing.T) {
	h, c := startHost(t, winsim.Options{Profile: "2019"})
	snap, err := Save(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	run(t, c, `reg add "`+wintime.ParametersKey+`" /v Type /t REG_SZ /d NoSync /f`)
	h.Machine().SetElevated(false) // writes are refused with access denied
	err = Restore(t.Context(), c, snap)
	if !errors.Is(err, ErrNotRestored) || !strings.Contains(err.Error(), `Type is REG_SZ "NoSync", was REG_SZ "NTP"`) {
		t.Fatalf("Restore = %v, want ErrNotRestored naming Type", err)
	}
}

// TestBatch expects long restores to be split within cmd.exe's limit.
func TestBatch(t *testing.T) {
	step := `reg add "` + wintime.ConfigKey + `" /v V /t REG_DWORD /d 1 /f`
	var steps []string
	for range 300 {
		steps = append(steps, step)
	}
	lines, err := batch(steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 2 {
		t.Fatalf("%d lines for %d steps", len(lines), len(steps))
	}
	n := 0
	for _, l := range lines {
		if err := wintime.CheckCommandLine(l); err != nil {
			t.Error(err)
		}
		n += strings.Count(l, step)
	}
	if n != len(steps) {
		t.Errorf("%d steps in the lines, want %d", n, len(steps))
	}
}
