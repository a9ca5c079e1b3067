package wintime

import (
	"errors"
	"strings"
	"testing"
)

// reg query outputs of TimeZoneInformation: Server 2022 (indirect names, as a
// real host holds them), the simulator (plain names), and Server 2003 in
// REG.EXE 3.0 format, Japanese, with the Time Zones list.
const (
	tz2022 = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation\r\n" +
		"    ActiveTimeBias    REG_DWORD    0x1a4\r\n" +
		"    Bias    REG_DWORD    0x1e0\r\n" +
		"    DaylightBias    REG_DWORD    0xffffffc4\r\n" +
		"    DaylightName    REG_SZ    @tzres.dll,-211\r\n" +
		"    DynamicDaylightTimeDisabled    REG_DWORD    0x0\r\n" +
		"    StandardName    REG_SZ    @tzres.dll,-212\r\n" +
		"    TimeZoneKeyName    REG_SZ    Pacific Standard Time\r\n\r\n"
	tzTokyoDSTOff = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation\r\n" +
		"    Bias    REG_DWORD    0xfffffde4\r\n" +
		"    ActiveTimeBias    REG_DWORD    0xfffffde4\r\n" +
		"    StandardName    REG_SZ    Tokyo Standard Time\r\n" +
		"    TimeZoneKeyName    REG_SZ    Tokyo Standard Time\r\n" +
		"    DynamicDaylightTimeDisabled    REG_DWORD    0x1\r\n\r\n"
	tz2003Ja = "\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation\r\n" +
		"    Bias\tREG_DWORD\t0xfffffde4\r\n" +
		"    StandardName\tREG_SZ\t東京 (標準時)\r\n" +
		"    ActiveTimeBias\tREG_DWORD\t0xfffffde4\r\n\r\n" +
		"\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Time Zones\\Korea Standard Time\r\n" +
		"    Std\tREG_SZ\t韓国 (標準時)\r\n\r\n" +
		"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Time Zones\\Tokyo Standard Time\r\n" +
		"    Std\tREG_SZ\t東京 (標準時)\r\n\r\n"
	tz2003En = "\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\TimeZoneInformation\r\n" +
		"    Bias\tREG_DWORD\t0x0\r\n" +
		"    StandardName\tREG_SZ\tGMT Standard Time\r\n" +
		"    ActiveTimeBias\tREG_DWORD\t0xffffffc4\r\n" +
		"    DisableAutoDaylightTimeSet\tREG_DWORD\t0x1\r\n\r\n"
)

func TestParseTimeZone(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want TimeZone
	}{
		{"Server 2022, Pacific daylight time", tz2022, TimeZone{ID: "Pacific Standard Time", StandardName: "@tzres.dll,-212",
			BiasMinutes: 480, ActiveBiasMinutes: 420, HasActiveBias: true}},
		{"Tokyo without daylight saving", tzTokyoDSTOff, TimeZone{ID: "Tokyo Standard Time", DSTOff: true,
			StandardName: "Tokyo Standard Time", BiasMinutes: -540, ActiveBiasMinutes: -540, HasActiveBias: true}},
		{"Japanese 2003 by its Time Zones list", tz2003Ja, TimeZone{ID: "Tokyo Standard Time", StandardName: "東京 (標準時)",
			BiasMinutes: -540, ActiveBiasMinutes: -540, HasActiveBias: true}},
		{"Japanese 2003 without the list", strings.SplitAfter(tz2003Ja, "0xfffffde4\r\n\r\n")[0], TimeZone{StandardName: "東京 (標準時)",
			BiasMinutes: -540, ActiveBiasMinutes: -540, HasActiveBias: true}},
		{"English 2003 by its standard name", tz2003En, TimeZone{ID: "GMT Standard Time", DSTOff: true,
			StandardName: "GMT Standard Time", ActiveBiasMinutes: -60, HasActiveBias: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTimeZone(tc.out)
			if err != nil || got != tc.want {
				t.Errorf("ParseTimeZone = %+v, %v\nwant %+v", got, err, tc.want)
			}
		})
	}
	t.Run("no key", func(t *testing.T) {
		if _, err := ParseTimeZone("ERROR: The system was unable to find the specified registry key or value.\r\n"); !errors.Is(err, ErrNoTimeZone) {
			t.Errorf("error = %v, want ErrNoTimeZone", err)
		}
	})
}

func TestTzutilID(t *testing.T) {
	for _, tc := range []struct {
		name string
		z    TimeZone
		want string
	}{
		{"on", TimeZone{ID: "UTC"}, "UTC"},
		{"off", TimeZone{ID: "Tokyo Standard Time", DSTOff: true}, "Tokyo Standard Time_dstoff"},
		{"unknown", TimeZone{DSTOff: true}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.z.TzutilID(); got != tc.want {
				t.Errorf("TzutilID() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseActiveTimeBias(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    int
		wantErr bool
	}{
		{"negative (east of UTC)", tzTokyoDSTOff, -540, false},
		{"positive (daylight time)", tz2022, 420, false},
		{"REG.EXE 3.0", tz2003En, -60, false},
		{"no value", strings.Replace(tz2022, "ActiveTimeBias", "Other", 1), 0, true},
		{"no key", "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseActiveTimeBias(tc.out)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseActiveTimeBias = %d, %v; want %d, err=%v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestTimeZoneCommands(t *testing.T) {
	const readNew = `reg query "HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation"`
	const readOld = readNew + ` & reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Time Zones" /s /v Std 2>nul`
	v2008R2 := Version{6, 1, 7601, 0}
	t.Run("read", func(t *testing.T) {
		for _, tc := range []struct {
			v    Version
			want string
		}{{v2003, readOld}, {v2008, readNew}, {v2022, readNew}} {
			if got := TimeZoneReadCommand(tc.v); got != tc.want {
				t.Errorf("TimeZoneReadCommand(%v) = %q, want %q", tc.v, got, tc.want)
			}
		}
	})
	tests := []struct {
		name    string
		v       Version
		id      string
		want    string
		wantErr string
	}{
		{"tzutil", v2022, "Tokyo Standard Time", `tzutil /s "Tokyo Standard Time" && (` + readNew + `)`, ""},
		{"tzutil on 2008 R2", v2008R2, "UTC", `tzutil /s "UTC" && (` + readNew + `)`, ""},
		{"tzutil dstoff", v2022, "Pacific Standard Time_dstoff", `tzutil /s "Pacific Standard Time_dstoff" && (` + readNew + `)`, ""},
		{"control panel on 2008", v2008, "Tokyo Standard Time",
			`RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z Tokyo Standard Time&& (` + readNew + `)`, ""},
		{"control panel on 2003, parentheses escaped", v2003, "Central Standard Time (Mexico)",
			`RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z Central Standard Time ^(Mexico^)&& (` + readOld + `)`, ""},
		{"dstoff without tzutil", v2003, "Tokyo Standard Time_dstoff", "", "has no tzutil"},
		{"not an id", v2022, `UTC" & calc & "`, "", "not a Windows time zone id"},
		{"IANA name", v2022, "Asia/Tokyo", "", `use "Tokyo Standard Time"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := TimeZoneSetCommand(tc.v, tc.id)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("TimeZoneSetCommand = %q, %v\nwant %q", got, err, tc.want)
			}
		})
	}
}

func TestTimeZoneMismatch(t *testing.T) {
	tests := []struct {
		name string
		got  TimeZone
		want string
		diff string
	}{
		{"same", TimeZone{ID: "UTC"}, "UTC", ""},
		{"case", TimeZone{ID: "utc"}, "UTC", ""},
		{"dstoff same", TimeZone{ID: "UTC", DSTOff: true}, "UTC_dstoff", ""},
		{"other zone", TimeZone{ID: "UTC"}, "Tokyo Standard Time", `the time zone is UTC, not "Tokyo Standard Time"`},
		{"unknown zone", TimeZone{StandardName: "東京 (標準時)"}, "UTC", "unknown (StandardName 東京 (標準時))"},
		{"dst on", TimeZone{ID: "UTC"}, "UTC_dstoff", "daylight saving adjustment is on"},
		{"dst off", TimeZone{ID: "UTC", DSTOff: true}, "UTC", "daylight saving adjustment is off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := TimeZoneMismatch(tc.got, tc.want)
			if tc.diff == "" && got != "" || !strings.Contains(got, tc.diff) {
				t.Errorf("TimeZoneMismatch = %q, want one containing %q", got, tc.diff)
			}
		})
	}
}
