package winhost

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a host clock that moves only when told to.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2024, 9, 5, 22, 45, 6, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// statusText is /query /status as the reference's [seen] transcripts print it, for a host of
// profile p in locale l: unsynchronised when lastSync is "", else synchronised from src (whose
// ReferenceId is ref) at lastSync.
func statusText(p Profile, l Locale, lastSync, src, ref string, poll int) string {
	prec := "-23 (119.209ns per tick)"
	if !p.atLeast(P2016) {
		prec = "-6 (15.625ms per tick)"
	}
	pollLine := fmt.Sprintf("%d (%ds)", poll, 1<<poll)
	if l == JaJP {
		prec = strings.Replace(strings.Replace(prec, "(", "(ティックごとに ", 1), " per tick", "", 1)
		if lastSync == "" {
			return "閏インジケーター: 3 (同期未実行)\r\n階層: 0 (未指定)\r\n精度: " + prec + "\r\n" +
				"ルート遅延: 0.0000000s\r\nルート分散: 0.0000000s\r\n参照 ID: 0x00000000 (未指定)\r\n" +
				"最終正常同期時刻: 未指定\r\nソース: Local CMOS Clock\r\nポーリング間隔: " + pollLine + "\r\n\r\n"
		}
		return "閏インジケーター: 0 (警告なし)\r\n階層: 3 (二次参照 - (S)NTP で同期)\r\n精度: " + prec + "\r\n" +
			"ルート遅延: 0.0220277s\r\nルート分散: 7.8241058s\r\n参照 ID: " + strings.Replace(ref, "source", "ソース", 1) + "\r\n" +
			"最終正常同期時刻: " + lastSync + "\r\nソース: " + src + "\r\nポーリング間隔: " + pollLine + "\r\n\r\n"
	}
	if lastSync == "" {
		return "Leap Indicator: 3(not synchronized)\r\nStratum: 0 (unspecified)\r\nPrecision: " + prec + "\r\n" +
			"Root Delay: 0.0000000s\r\nRoot Dispersion: 0.0000000s\r\nReferenceId: 0x00000000 (unspecified)\r\n" +
			"Last Successful Sync Time: unspecified\r\nSource: Local CMOS Clock\r\nPoll Interval: " + pollLine + "\r\n\r\n"
	}
	return "Leap Indicator: 0(no warning)\r\nStratum: 3 (secondary reference - syncd by (S)NTP)\r\nPrecision: " + prec + "\r\n" +
		"Root Delay: 0.0220277s\r\nRoot Dispersion: 7.8241058s\r\nReferenceId: " + ref + "\r\n" +
		"Last Successful Sync Time: " + lastSync + "\r\nSource: " + src + "\r\nPoll Interval: " + pollLine + "\r\n\r\n"
}

// TestStatusAfterStart checks /query /status, /source and /peers of every release with /query, in
// both languages: unsynchronised right after a start, synchronised once the sync delay has passed
// (not a nanosecond before), the last sync time in the host's local time and format.
func TestStatusAfterStart(t *testing.T) {
	const ntpRef = "0x808C6D77 (source IP:  128.140.109.119)"
	const dcRef = "0x0A00000A (source IP:  10.0.0.10)"
	const dc = "DC01.example.com"
	tests := []struct {
		name     string
		locale   Locale
		role     Role
		zone     string // tzutil /s before the start ("" keeps the default)
		src, ref string
		poll     int
		lastSync string // the clock starts at 2024-09-05 22:45:06 UTC
	}{
		{"en-US UTC", EnUS, Standalone, "", "time.windows.com,0x9", ntpRef, 10, "9/5/2024 10:45:11 PM"},
		{"en-US Tokyo", EnUS, Standalone, "Tokyo Standard Time", "time.windows.com,0x9", ntpRef, 10, "9/6/2024 7:45:11 AM"},
		{"en-US Pacific daylight time", EnUS, Member, "Pacific Standard Time", dc, dcRef, 10, "9/5/2024 3:45:11 PM"},
		{"en-US Pacific, DST off", EnUS, Member, "Pacific Standard Time_dstoff", dc, dcRef, 10, "9/5/2024 2:45:11 PM"},
		{"ja-JP Tokyo", JaJP, Standalone, "", "time.windows.com,0x9", ntpRef, 10, "2024/09/06 7:45:11"},
		{"ja-JP dc", JaJP, DomainController, "", dc, dcRef, 6, "2024/09/06 7:45:11"},
	}
	for _, p := range Profiles() {
		if !profiles[p].hasQuery {
			continue
		}
		for _, tt := range tests {
			if strings.HasSuffix(tt.zone, dstOffSuffix) && !profiles[p].tzutil {
				continue // only tzutil turns daylight saving off
			}
			t.Run(string(p)+"/"+tt.name, func(t *testing.T) {
				clock := newClock()
				h := newHost(t, Config{Profile: p, Locale: tt.locale, Role: tt.role, Clock: clock.now})
				if tt.zone != "" {
					mustRun(t, h, setZoneCommand(p, tt.zone))
				}
				mustRun(t, h, "net stop w32time && net start w32time")
				unsynced := statusText(p, tt.locale, "", "", "", tt.poll)
				if got := mustRun(t, h, "w32tm /query /status"); got != unsynced {
					t.Errorf("right after the start:\n%s\nwant\n%s", got, unsynced)
				}
				clock.advance(DefaultSyncDelay - time.Nanosecond)
				if got := mustRun(t, h, "w32tm /query /source"); got != "Local CMOS Clock\r\n" {
					t.Errorf("before the sync delay: /source %q", got)
				}
				if got := mustRun(t, h, "w32tm /query /peers"); !strings.Contains(got, tt.src+"\r\n") || strings.Count(got, "\r\n\r\n") != 2 {
					t.Errorf("a pending peer is listed once: %q", got)
				}
				clock.advance(time.Nanosecond)
				synced := statusText(p, tt.locale, tt.lastSync, tt.src, tt.ref, tt.poll)
				if got := mustRun(t, h, "w32tm /query /status"); got != synced {
					t.Errorf("after the sync delay:\n%s\nwant\n%s", got, synced)
				}
				if got := mustRun(t, h, "w32tm /query /source"); got != tt.src+"\r\n" {
					t.Errorf("after the sync delay: /source %q", got)
				}
			})
		}
	}
}

// setZoneCommand sets a time zone the way the release can.
func setZoneCommand(p Profile, id string) string {
	if profiles[p].tzutil {
		return `tzutil /s "` + id + `"`
	}
	return `RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z ` + id
}

// TestResyncSynchronisesAtOnce checks that a successful w32tm /resync does not wait for the sync
// delay, and that the last sync time is the time of the resync.
func TestResyncSynchronisesAtOnce(t *testing.T) {
	clock := newClock()
	h := newHost(t, Config{AfterBoot: true, Clock: clock.now, SyncDelay: time.Hour})
	mustRun(t, h, "net start w32time")
	clock.advance(time.Minute)
	if got := mustRun(t, h, "w32tm /query /source"); got != "Local CMOS Clock\r\n" {
		t.Fatalf("synchronised before the delay: %q", got)
	}
	mustRun(t, h, "w32tm /resync")
	out := mustRun(t, h, "w32tm /query /status")
	if !strings.Contains(out, "Last Successful Sync Time: 9/5/2024 10:46:06 PM\r\n") || !strings.Contains(out, "Leap Indicator: 0(no warning)") {
		t.Errorf("after /resync:\n%s", out)
	}
	// A negative delay synchronises at the start.
	h = newHost(t, Config{AfterBoot: true, Clock: clock.now, SyncDelay: -1})
	mustRun(t, h, "net start w32time")
	if got := mustRun(t, h, "w32tm /query /source"); got != "time.windows.com,0x9\r\n" {
		t.Errorf("SyncDelay < 0: /source %q", got)
	}
	// Time data coming back to an unsynchronised service: it synchronises a delay later.
	h = newHost(t, Config{AfterBoot: true, Clock: clock.now, NoTimeData: true})
	mustRun(t, h, "net start w32time")
	clock.advance(time.Hour)
	h.SetTimeData(true)
	if got := mustRun(t, h, "w32tm /query /source"); got != "Local CMOS Clock\r\n" {
		t.Errorf("synchronised as soon as time data came back: %q", got)
	}
	clock.advance(DefaultSyncDelay)
	if got := mustRun(t, h, "w32tm /query /source"); got != "time.windows.com,0x9\r\n" {
		t.Errorf("not synchronised a delay after time data came back: %q", got)
	}
}

// TestVerboseStatus checks the layout /verbose adds on every release and in both languages: a
// blank line, the phase offset first, then six more lines and a blank line.
func TestVerboseStatus(t *testing.T) {
	for _, p := range Profiles() {
		if !profiles[p].hasQuery {
			continue
		}
		for _, l := range []Locale{EnUS, JaJP} {
			for _, synced := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/synced=%v", p, l, synced), func(t *testing.T) {
					clock := newClock()
					h := newHost(t, Config{Profile: p, Locale: l, Clock: clock.now})
					if !synced {
						mustRun(t, h, "net stop w32time && net start w32time")
					}
					plain := mustRun(t, h, "w32tm /query /status")
					out := mustRun(t, h, "w32tm /query /status /verbose")
					rest, ok := strings.CutPrefix(out, plain)
					if !ok {
						t.Fatalf("verbose does not start with the plain status:\n%s", out)
					}
					lines := strings.Split(strings.TrimSuffix(rest, "\r\n"), "\r\n")
					offset := "Phase Offset: "
					if l == JaJP {
						offset = "位相オフセット: "
					}
					want := offset + "0.0000375s"
					if !synced {
						want = offset + "0.0000000s"
					}
					if len(lines) != 8 || lines[0] != want || lines[7] != "" {
						t.Errorf("verbose lines %q", lines)
					}
				})
			}
		}
	}
}

// TestPeers checks /query /peers for a configured NTP peer list and a domain member, in both
// languages, with the mode following the peer's flags (0x8 client, else symmetric active).
func TestPeers(t *testing.T) {
	tests := []struct {
		name   string
		locale Locale
		role   Role
		setup  string
		want   string
	}{
		{"en ntp two peers", EnUS, Standalone, `w32tm /config /manualpeerlist:"a.example,0x8 b.example,0x1" /update`,
			"#Peers: 2\r\n\r\n" +
				"Peer: a.example,0x8\r\nState: Active\r\nTime Remaining: 1510.9914014s\r\nMode: 3 (Client)\r\n" +
				"Stratum: 2 (secondary reference - syncd by (S)NTP)\r\nPeerPoll Interval: 10 (1024s)\r\nHostPoll Interval: 10 (1024s)\r\n\r\n" +
				"Peer: b.example,0x1\r\nState: Active\r\nTime Remaining: 1510.9914014s\r\nMode: 1 (Symmetric Active)\r\n" +
				"Stratum: 2 (secondary reference - syncd by (S)NTP)\r\nPeerPoll Interval: 10 (1024s)\r\nHostPoll Interval: 10 (1024s)\r\n\r\n"},
		{"en member pending", EnUS, Member, "net stop w32time && net start w32time",
			"#Peers: 1\r\n\r\n" +
				"Peer: DC01.example.com\r\nState: Pending\r\nTime Remaining: 5.0000000s\r\nMode: 3 (Client)\r\n" +
				"Stratum: 0 (unspecified)\r\nPeerPoll Interval: 0 (unspecified)\r\nHostPoll Interval: 10 (1024s)\r\n\r\n"},
		{"ja dc", JaJP, DomainController, "",
			"#ピア: 1\r\n\r\n" +
				"ピア: DC01.example.com\r\n状態: アクティブ\r\n残り時間: 1510.9914014s\r\nモード: 3 (クライアント)\r\n" +
				"階層: 2 (二次参照 - (S)NTP で同期)\r\nピア ポーリング間隔: 6 (64s)\r\nホスト ポーリング間隔: 6 (64s)\r\n\r\n"},
		{"ja nosync", JaJP, Standalone, "w32tm /config /syncfromflags:NO /update", "#ピア: 0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			h := newHost(t, Config{Locale: tt.locale, Role: tt.role, Clock: clock.now})
			if tt.setup != "" {
				mustRun(t, h, tt.setup)
			}
			if got := mustRun(t, h, "w32tm /query /peers"); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
