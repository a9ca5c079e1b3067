package winhost

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const (
	kTZ    = `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`
	kZones = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Time Zones`
)

// TestTimeZoneDatabase checks the Time Zones keys of every release and language: the zones the
// issue asks for are there with Display, Std, Dlt and TZI, the MUI_ strings from 2008 on, the names
// in the host's language, and tzutil /l lists them.
func TestTimeZoneDatabase(t *testing.T) {
	ids := []string{"UTC", "GMT Standard Time", "W. Europe Standard Time", "Eastern Standard Time",
		"Central Standard Time", "Pacific Standard Time", "Tokyo Standard Time", "China Standard Time",
		"Korea Standard Time", "Russian Standard Time", "India Standard Time", "AUS Eastern Standard Time"}
	for _, p := range Profiles() {
		for _, l := range []Locale{EnUS, JaJP} {
			t.Run(string(p)+"/"+string(l), func(t *testing.T) {
				h := newHost(t, Config{Profile: p, Locale: l})
				for _, id := range ids {
					k := kZones + `\` + id
					for _, n := range []string{"Display", "Std", "Dlt"} {
						if v, ok := h.GetValue(k, n); !ok || v.Type != "REG_SZ" || v.Str == "" {
							t.Errorf("%s %s = %+v", id, n, v)
						}
					}
					if v, ok := h.GetValue(k, "TZI"); !ok || len(v.Bin) != 44 {
						t.Errorf("%s TZI = %+v", id, v)
					}
					if _, ok := h.GetValue(k, "MUI_Std"); ok != (p != P2003) {
						t.Errorf("%s MUI_Std present = %v", id, ok)
					}
				}
				tokyo, _ := h.GetValue(kZones+`\Tokyo Standard Time`, "Std")
				display, _ := h.GetValue(kZones+`\Tokyo Standard Time`, "Display")
				wantStd, wantDisplay := "Tokyo Standard Time", "(UTC+09:00) Osaka, Sapporo, Tokyo"
				if l == JaJP {
					wantStd, wantDisplay = "東京 (標準時)", "(UTC+09:00) 大阪、札幌、東京"
				}
				if p == P2003 {
					wantDisplay = strings.Replace(wantDisplay, "UTC", "GMT", 1)
				}
				if tokyo.Str != wantStd || display.Str != wantDisplay {
					t.Errorf("Tokyo: Std %q Display %q", tokyo.Str, display.Str)
				}
				if profiles[p].tzutil {
					out := mustRun(t, h, "tzutil /l")
					for _, id := range ids {
						if !strings.Contains(out, "\r\n"+id+"\r\n") {
							t.Errorf("tzutil /l lacks %s", id)
						}
					}
				}
				// The provider's read on 2003 lists every Std.
				if out := mustRun(t, h, `reg query "`+kZones+`" /s /v Std`); !strings.Contains(out, wantStd) {
					t.Errorf("reg query /s /v Std lacks %q", wantStd)
				}
			})
		}
	}
}

// TestTzutilSet checks tzutil /s with and without _dstoff: the switch, ActiveTimeBias (summer in
// the northern hemisphere), and what tzutil /g prints.
func TestTzutilSet(t *testing.T) {
	tests := []struct {
		arg       string
		keyName   string
		disabled  uint64
		active    int32
		gPrints   string
		stdName   string
		bias      int32
		dltActive bool
	}{
		{"Pacific Standard Time", "Pacific Standard Time", 0, 420, "Pacific Standard Time", "@tzres.dll,-212", 480, true},
		{"Pacific Standard Time_dstoff", "Pacific Standard Time", 1, 480, "Pacific Standard Time_dstoff", "@tzres.dll,-212", 480, false},
		{"tokyo standard time", "Tokyo Standard Time", 0, -540, "Tokyo Standard Time", "@tzres.dll,-632", -540, false},
		{"W. Europe Standard Time", "W. Europe Standard Time", 0, -120, "W. Europe Standard Time", "@tzres.dll,-322", -60, true},
		{"AUS Eastern Standard Time", "AUS Eastern Standard Time", 0, -600, "AUS Eastern Standard Time", "@tzres.dll,-672", -600, false},
		{"Russian Standard Time", "Russian Standard Time", 0, -180, "Russian Standard Time", "@tzres.dll,-1822", -180, false},
	}
	for _, tt := range tests {
		t.Run(tt.arg, func(t *testing.T) {
			clock := newClock() // 5 September 2024
			h := newHost(t, Config{Profile: P2022, Clock: clock.now})
			mustRun(t, h, `tzutil /s "`+tt.arg+`"`)
			if got := str(h, kTZ, "TimeZoneKeyName"); got != tt.keyName {
				t.Errorf("TimeZoneKeyName %q", got)
			}
			if got := regNum(t, h, kTZ, "DynamicDaylightTimeDisabled"); got != tt.disabled {
				t.Errorf("DynamicDaylightTimeDisabled %d", got)
			}
			if got := int32(regNum(t, h, kTZ, "ActiveTimeBias")); got != tt.active {
				t.Errorf("ActiveTimeBias %d, want %d", got, tt.active)
			}
			if got := int32(regNum(t, h, kTZ, "Bias")); got != tt.bias {
				t.Errorf("Bias %d, want %d", got, tt.bias)
			}
			if got := str(h, kTZ, "StandardName"); got != tt.stdName {
				t.Errorf("StandardName %q", got)
			}
			if got := mustRun(t, h, "tzutil /g"); got != tt.gPrints {
				t.Errorf("tzutil /g = %q", got)
			}
			wantTz := "TIME_ZONE_ID_UNKNOWN"
			if tt.dltActive {
				wantTz = "TIME_ZONE_ID_DAYLIGHT"
			} else if tt.disabled == 0 && strings.HasPrefix(tt.arg, "AUS") {
				wantTz = "TIME_ZONE_ID_STANDARD"
			}
			if got := mustRun(t, h, "w32tm /tz"); !strings.HasPrefix(got, "Time zone: Current:"+wantTz+" ") {
				t.Errorf("w32tm /tz = %q, want %s", got, wantTz)
			}
		})
	}
	h := newHost(t, Config{})
	if _, errOut, code := run(t, h, `tzutil /s "Mars Standard Time"`); code != 87 || errOut == "" {
		t.Errorf("unknown zone: exit %d %q", code, errOut)
	}
}

func str(h *Machine, key, name string) string {
	v, _ := h.GetValue(key, name)
	return v.Str
}

// TestActiveTimeBiasFollowsDST checks that ActiveTimeBias changes at the transitions, as Windows
// rewrites it, in both hemispheres, and not with daylight saving off.
func TestActiveTimeBiasFollowsDST(t *testing.T) {
	tests := []struct {
		zone     string
		at       time.Time // UTC
		want     int32
		describe string
	}{
		{"Pacific Standard Time", time.Date(2024, 3, 10, 9, 59, 59, 0, time.UTC), 480, "a second before 2:00 PST on 10 March"},
		{"Pacific Standard Time", time.Date(2024, 3, 10, 10, 0, 0, 0, time.UTC), 420, "2:00 PST on 10 March"},
		{"Pacific Standard Time", time.Date(2024, 11, 3, 8, 59, 59, 0, time.UTC), 420, "a second before 2:00 PDT on 3 November"},
		{"Pacific Standard Time", time.Date(2024, 11, 3, 9, 0, 0, 0, time.UTC), 480, "2:00 PDT on 3 November"},
		{"Pacific Standard Time_dstoff", time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), 480, "summer, DST off"},
		{"GMT Standard Time", time.Date(2024, 3, 31, 1, 0, 0, 0, time.UTC), -60, "01:00 UTC on 31 March"},
		{"GMT Standard Time", time.Date(2024, 10, 27, 0, 59, 59, 0, time.UTC), -60, "a second before 01:00 UTC on 27 October"},
		{"GMT Standard Time", time.Date(2024, 10, 27, 1, 0, 0, 0, time.UTC), 0, "01:00 UTC on 27 October"},
		{"W. Europe Standard Time", time.Date(2024, 3, 31, 0, 59, 59, 0, time.UTC), -60, "a second before 01:00 UTC on 31 March"},
		{"W. Europe Standard Time", time.Date(2024, 3, 31, 1, 0, 0, 0, time.UTC), -120, "01:00 UTC on 31 March"},
		{"AUS Eastern Standard Time", time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), -660, "January, southern summer"},
		{"AUS Eastern Standard Time", time.Date(2024, 4, 6, 15, 59, 59, 0, time.UTC), -660, "a second before 3:00 AEDT on 7 April"},
		{"AUS Eastern Standard Time", time.Date(2024, 4, 6, 16, 0, 0, 0, time.UTC), -600, "3:00 AEDT on 7 April"},
		{"AUS Eastern Standard Time", time.Date(2024, 10, 5, 16, 0, 0, 0, time.UTC), -660, "2:00 AEST on 6 October"},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.describe, func(t *testing.T) {
			clock := newClock()
			h := newHost(t, Config{Clock: clock.now})
			mustRun(t, h, `tzutil /s "`+tt.zone+`"`)
			clock.advance(tt.at.Sub(clock.now()))
			out := mustRun(t, h, `reg query "`+kTZ+`" /v ActiveTimeBias`)
			want := fmt.Sprintf("ActiveTimeBias    REG_DWORD    0x%x\r\n", uint32(tt.want))
			if !strings.Contains(out, want) {
				t.Errorf("%s: %q, want %q", tt.describe, out, want)
			}
		})
	}
}

// TestRundll32TimeZone checks the control panel method of releases without tzutil, as
// wintime.TimeZoneSetCommand builds it (escaped brackets, the zone read back after &&): what it
// writes on 2003 (no TimeZoneKeyName, the name in the host's language) and 2008, and that it exits
// 0 leaving the zone alone for an unknown id or a session without administrator rights.
func TestRundll32TimeZone(t *testing.T) {
	const set = `RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z `
	read := ` && (reg query "` + kTZ + `")`
	tests := []struct {
		profile  Profile
		locale   Locale
		zone     string
		elevated bool
		changed  bool
		stdName  string
	}{
		{P2003, EnUS, "Eastern Standard Time", true, true, "Eastern Standard Time"},
		{P2003, JaJP, "Tokyo Standard Time", true, true, "東京 (標準時)"},
		{P2003, EnUS, "UTC", true, true, "Coordinated Universal Time"},
		{P2008, EnUS, "Eastern Standard Time", true, true, "@tzres.dll,-112"},
		{P2008, JaJP, "china standard time", true, true, "@tzres.dll,-572"},
		{P2008, EnUS, "Mars Standard Time", true, false, ""},
		{P2008, EnUS, "Pacific Standard Time ^(Mexico^)", true, false, ""},
		{P2003, EnUS, "Eastern Standard Time", false, false, ""},
		{P2022, EnUS, "Eastern Standard Time", true, true, "@tzres.dll,-112"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s/admin=%v", tt.profile, tt.locale, tt.zone, tt.elevated), func(t *testing.T) {
			clock := newClock()
			h := newHost(t, Config{Profile: tt.profile, Locale: tt.locale, Clock: clock.now})
			before := str(h, kTZ, "StandardName")
			h.SetElevated(tt.elevated)
			out, errOut, code := run(t, h, set+tt.zone+read)
			if code != 0 || errOut != "" || !strings.Contains(out, "TimeZoneInformation") {
				t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
			}
			got := str(h, kTZ, "StandardName")
			if !tt.changed {
				if got != before {
					t.Errorf("zone changed to %q", got)
				}
				return
			}
			if got != tt.stdName {
				t.Errorf("StandardName %q, want %q", got, tt.stdName)
			}
			_, hasKeyName := h.GetValue(kTZ, "TimeZoneKeyName")
			if hasKeyName != (tt.profile != P2003) {
				t.Errorf("TimeZoneKeyName present = %v", hasKeyName)
			}
			if tt.profile == P2003 && regNum(t, h, kTZ, "DisableAutoDaylightTimeSet") != 0 {
				t.Error("DisableAutoDaylightTimeSet is not 0")
			}
			if tz, _ := findTimeZone(strings.TrimSpace(tt.zone)); int32(regNum(t, h, kTZ, "ActiveTimeBias")) != int32(tz.activeBias(clock.now(), false)) {
				t.Errorf("ActiveTimeBias %d", int32(regNum(t, h, kTZ, "ActiveTimeBias")))
			}
		})
	}
}
