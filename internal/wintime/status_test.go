package wintime

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Outputs of w32tm /query /status as real hosts print them (windows-time.md
// sections 4 and 8) and as the simulator does.
const (
	statusEnSynced = "Leap Indicator: 0(no warning)\r\n" +
		"Stratum: 3 (secondary reference - syncd by (S)NTP)\r\n" +
		"Precision: -23 (119.209ns per tick)\r\n" +
		"Root Delay: 0.0220277s\r\n" +
		"Root Dispersion: 7.8241058s\r\n" +
		"ReferenceId: 0x808C6D77 (source IP:  128.140.109.119)\r\n" +
		"Last Successful Sync Time: 9/5/2024 3:45:06 PM\r\n" +
		"Source: de.pool.ntp.org\r\n" +
		"Poll Interval: 6 (64s)\r\n"
	statusEnUnsynced = "Leap Indicator: 3(not synchronized)\r\n" +
		"Stratum: 0 (unspecified)\r\n" +
		"Precision: -23 (119.209ns per tick)\r\n" +
		"Root Delay: 0.0000000s\r\n" +
		"Root Dispersion: 0.0000000s\r\n" +
		"ReferenceId: 0x00000000 (unspecified)\r\n" +
		"Last Successful Sync Time: unspecified\r\n" +
		"Source: Local CMOS Clock\r\n" +
		"Poll Interval: 10 (1024s)\r\n"
	statusJaSynced = "閏インジケーター: 0 (警告なし)\r\n" +
		"階層: 3 (二次参照 - (S)NTP で同期)\r\n" +
		"精度: -23 (ティックごとに 119.209ns)\r\n" +
		"ルート遅延: 0.0312500s\r\n" +
		"ルート分散: 7.7760000s\r\n" +
		"参照 ID: 0x0A000003 (ソース IP:  10.30.0.3)\r\n" +
		"最終正常同期時刻: 2022/01/10 1:45:54\r\n" +
		"ソース: dc01.example.local\r\n" +
		"ポーリング間隔: 10 (1024s)\r\n\r\n"
	statusJaUnsynced = "閏インジケーター: 3 (同期未実行)\r\n" +
		"階層: 0 (未指定)\r\n" +
		"精度: -23 (ティックごとに 119.209ns)\r\n" +
		"ルート遅延: 0.0000000s\r\n" +
		"ルート分散: 0.0000000s\r\n" +
		"参照 ID: 0x00000000 (未指定)\r\n" +
		"最終正常同期時刻: 未指定\r\n" +
		"ソース: Local CMOS Clock\r\n" +
		"ポーリング間隔: 10 (1024s)\r\n\r\n"
	// statusJaSim is the simulator's Japanese text, whose labels and leap
	// text differ from the real ones and whose hour is zero-padded.
	statusJaSim = "うるう秒インジケーター: 0(警告なし)\r\n" +
		"階層: 3 (二次参照 - (S)NTP で同期)\r\n" +
		"精度: -23 (刻みごとに 119.209ns)\r\n" +
		"ルート遅延: 0.0220277s\r\n" +
		"ルート分散: 7.8241058s\r\n" +
		"参照 ID: 0x808C6D77 (source IP:  128.140.109.119)\r\n" +
		"最終正常同期時刻: 2024/09/05 01:45:54\r\n" +
		"ソース: time.windows.com,0x9\r\n" +
		"ポーリング間隔: 6 (64s)\r\n"
	verboseTail = "\r\nPhase Offset: -0.0001234s\r\n" +
		"ClockRate: 0.0156250s\r\n" +
		"State Machine: 2 (Sync)\r\n" +
		"Time Source Flags: 0 (None)\r\n" +
		"Server Role: 0 (None)\r\n" +
		"Last Sync Error: 0 (The command completed successfully.)\r\n" +
		"Time since Last Good Sync Time: 431.4131078s\r\n\r\n"
	verOut = "\r\nMicrosoft Windows [Version 10.0.20348.587]\r\n"
)

func TestParseStatus(t *testing.T) {
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name  string
		out   string
		bias  int
		want  Status
		synch bool
	}{
		{"English synchronised", statusEnSynced, 0, Status{
			Leap: LeapNoWarning, Stratum: 3, Precision: -23, RootDelay: 0.0220277, RootDispersion: 7.8241058,
			ReferenceID: 0x808C6D77, LastSyncText: "9/5/2024 3:45:06 PM", LastSyncTime: utc("2024-09-05 15:45:06"),
			Source: "de.pool.ntp.org", PollInterval: 6, PollIntervalSeconds: 64}, true},
		{"English, Pacific daylight time", statusEnSynced, 420, Status{
			Leap: LeapNoWarning, Stratum: 3, Precision: -23, RootDelay: 0.0220277, RootDispersion: 7.8241058,
			ReferenceID: 0x808C6D77, LastSyncText: "9/5/2024 3:45:06 PM", LastSyncTime: utc("2024-09-05 22:45:06"),
			Source: "de.pool.ntp.org", PollInterval: 6, PollIntervalSeconds: 64}, true},
		{"English unsynchronised", statusEnUnsynced, 0, Status{
			Leap: LeapNotSynchronized, Precision: -23, LastSyncText: "unspecified",
			Source: "Local CMOS Clock", PollInterval: 10, PollIntervalSeconds: 1024}, false},
		{"Japanese synchronised, Tokyo", statusJaSynced, -540, Status{
			Leap: LeapNoWarning, Stratum: 3, Precision: -23, RootDelay: 0.03125, RootDispersion: 7.776,
			ReferenceID: 0x0A000003, LastSyncText: "2022/01/10 1:45:54", LastSyncTime: utc("2022-01-09 16:45:54"),
			Source: "dc01.example.local", PollInterval: 10, PollIntervalSeconds: 1024}, true},
		{"Japanese unsynchronised", statusJaUnsynced, -540, Status{
			Leap: LeapNotSynchronized, Precision: -23, LastSyncText: "未指定",
			Source: "Local CMOS Clock", PollInterval: 10, PollIntervalSeconds: 1024}, false},
		{"simulator's Japanese", statusJaSim, -540, Status{
			Leap: LeapNoWarning, Stratum: 3, Precision: -23, RootDelay: 0.0220277, RootDispersion: 7.8241058,
			ReferenceID: 0x808C6D77, LastSyncText: "2024/09/05 01:45:54", LastSyncTime: utc("2024-09-04 16:45:54"),
			Source: "time.windows.com,0x9", PollInterval: 6, PollIntervalSeconds: 64}, true},
		{"verbose has the phase offset", statusEnSynced + verboseTail, 0, Status{
			Leap: LeapNoWarning, Stratum: 3, Precision: -23, RootDelay: 0.0220277, RootDispersion: 7.8241058,
			ReferenceID: 0x808C6D77, LastSyncText: "9/5/2024 3:45:06 PM", LastSyncTime: utc("2024-09-05 15:45:06"),
			Source: "de.pool.ntp.org", PollInterval: 6, PollIntervalSeconds: 64,
			PhaseOffset: -0.0001234, HasPhaseOffset: true}, true},
		{"amid other output, LF line ends", verOut + "HKEY_LOCAL_MACHINE\\X\n    A    REG_SZ    b\n\n" +
			strings.ReplaceAll(statusEnUnsynced, "\r", "") + "#Peers: 0\n", 0, Status{
			Leap: LeapNotSynchronized, Precision: -23, LastSyncText: "unspecified",
			Source: "Local CMOS Clock", PollInterval: 10, PollIntervalSeconds: 1024}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatus(tc.out, tc.bias)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("ParseStatus =\n%+v\nwant\n%+v", got, tc.want)
			}
			if got.Synchronized() != tc.synch {
				t.Errorf("Synchronized() = %v, want %v", got.Synchronized(), tc.synch)
			}
		})
	}
}

func TestParseStatusNone(t *testing.T) {
	tests := []struct{ name, out string }{
		{"Server 2003", "The command /query is unknown.\r\n"},
		{"service stopped", "The following error occurred: The service has not been started. (0x80070426)\r\n"},
		{"Japanese error", "次のエラーが発生しました: サービスは開始されていません。 (0x80070426)\r\n"},
		{"empty", ""},
		{"a line missing", strings.Replace(statusEnSynced, "Precision: -23 (119.209ns per tick)\r\n", "", 1)},
		{"lines out of order", strings.Replace(statusEnSynced, "Stratum: 3 (secondary reference - syncd by (S)NTP)\r\nPrecision: -23 (119.209ns per tick)",
			"Precision: -23 (119.209ns per tick)\r\nStratum: 3 (secondary reference - syncd by (S)NTP)", 1)},
		{"leap indicator out of range", strings.Replace(statusEnSynced, "0(no warning)", "4(no warning)", 1)},
		{"no labels", "0(no warning)\n3 (x)\n-23 (x)\n0.1s\n0.1s\n0x00000000\nunspecified\nLocal CMOS Clock\n6 (64s)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseStatus(tc.out, 0); !errors.Is(err, ErrNoStatus) {
				t.Errorf("ParseStatus error = %v, want ErrNoStatus", err)
			}
		})
	}
}

func TestParseLocalTime(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" for not parsed
	}{
		{"en-US afternoon", "9/5/2024 3:45:06 PM", "2024-09-05 15:45:06"},
		{"en-US noon", "9/5/2024 12:00:00 PM", "2024-09-05 12:00:00"},
		{"en-US midnight", "9/5/2024 12:00:00 AM", "2024-09-05 00:00:00"},
		{"en-US lower-case marker", "12/31/2023 11:59:59 pm", "2023-12-31 23:59:59"},
		{"ja-JP", "2022/01/10 1:45:54", "2022-01-10 01:45:54"},
		{"ja-JP zero-padded", "2022/01/10 01:45:54", "2022-01-10 01:45:54"},
		{"ja-JP with designator before", "2022/01/10 午後 1:45:54", "2022-01-10 13:45:54"},
		{"de-DE", "05.09.2024 15:45:06", "2024-09-05 15:45:06"},
		{"slash, day over 12 first", "25/12/2024 08:00:00", "2024-12-25 08:00:00"},
		{"ISO", "2024-09-05 15:45:06", "2024-09-05 15:45:06"},
		{"unspecified", "unspecified", ""},
		{"Japanese unspecified", "未指定", ""},
		{"unknown designator", "9/5/2024 3:45:06 XM", ""},
		{"hour 13 with PM", "9/5/2024 13:45:06 PM", ""},
		{"two designators", "2022/01/10 午後 1:45:54 PM", ""},
		{"February 30", "2/30/2024 1:00:00 AM", ""},
		{"hour 24", "2024/01/01 24:00:00", ""},
		{"two-digit year", "9/5/24 3:45:06 PM", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseLocalTime(tc.in)
			if tc.want == "" {
				if ok {
					t.Errorf("parseLocalTime(%q) = %v, want not parsed", tc.in, got)
				}
				return
			}
			if !ok || got.Format(time.DateTime) != tc.want {
				t.Errorf("parseLocalTime(%q) = %v, %v; want %s", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestLeapIndicatorName(t *testing.T) {
	for l, want := range map[LeapIndicator]string{0: "no_warning", 1: "add_second", 2: "delete_second", 3: "not_synchronized", 7: "unknown_7"} {
		t.Run(want, func(t *testing.T) {
			if got := l.Name(); got != want {
				t.Errorf("LeapIndicator(%d).Name() = %q, want %q", l, got, want)
			}
		})
	}
}

func TestHasQuery(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Version
		want bool
	}{{"2003", v2003, false}, {"2008", v2008, true}, {"2022", v2022, true}} {
		t.Run(tc.name, func(t *testing.T) {
			if HasQuery(tc.v) != tc.want {
				t.Errorf("HasQuery(%v) = %v", tc.v, !tc.want)
			}
		})
	}
}
