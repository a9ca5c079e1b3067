package winhost

import (
	"context"
	"testing"
)

// FuzzExec runs arbitrary command lines on hosts of every profile and locale: Exec must return without
// panicking, record the line verbatim and give a code that came from a program or cmd.exe.
func FuzzExec(f *testing.F) {
	for _, s := range parserSeeds {
		f.Add(s, uint8(0))
	}
	for _, s := range []string{
		"w32tm /query /configuration & w32tm /query /status & w32tm /query /peers",
		"w32tm /unregister & w32tm /register & net start w32time",
		"reg add HKLM\\SOFTWARE\\Z /v \"a b\" /t REG_MULTI_SZ /d x\\0y /f & reg query HKLM\\SOFTWARE\\Z /s",
		"reg delete HKLM\\SYSTEM /f", "w32tm /dumpreg /subkey:..\\..", "tzutil /s Tokyo Standard Time_dstoff",
		"w32tm /config /syncfromflags:, /manualpeerlist:\"", "net stop \"Windows Time\" & sc queryex w32time",
		"echo 日本語 & w32tm /config /update", "reg query HKLM\\\\\\ /v", "exit -5", "echo(x & echo: y",
	} {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, s string, sel uint8) {
		ps := Profiles()
		loc := EnUS
		if sel&0x10 != 0 {
			loc = JaJP
		}
		h, err := New(Config{Profile: ps[int(sel)%len(ps)], Locale: loc, Role: []Role{Standalone, Member, DomainController}[int(sel>>5)%3]})
		if err != nil {
			t.Fatal(err)
		}
		h.SetElevated(sel&0x08 == 0)
		cps := []int{65001, 0}
		r := h.Exec(context.Background(), s, cps[int(sel>>2)%2])
		if r.Stdout == nil || r.Stderr == nil {
			t.Fatalf("nil output for %q", s)
		}
		if hist := h.History(); len(hist) != 1 || hist[0] != s {
			t.Fatalf("History = %q", hist)
		}
		// The host stays usable.
		if r := h.Exec(context.Background(), "ver", 0); r.ExitCode != 0 {
			t.Fatalf("ver after %q: %+v", s, r)
		}
	})
}
