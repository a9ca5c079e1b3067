package wintime_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// These tests run this package's command lines on simulated hosts of every release and language
// and check what its parsers make of the answers: the simulator and the parsers are written from
// the same reference, so a disagreement is a bug in one of them.

// simNow is the simulated hosts' clock: a summer day, when Pacific time is on daylight saving.
var simNow = time.Date(2024, 9, 5, 22, 45, 6, 0, time.UTC)

func newSim(t *testing.T, cfg winhost.Config) *winhost.Machine {
	t.Helper()
	cfg.Clock = func() time.Time { return simNow }
	m, err := winhost.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// exec runs a command line as the provider's shell does (code page 65001) and returns its output
// as text: a Japanese Server 2003 answers in code page 932 whatever was asked.
func exec(t *testing.T, m *winhost.Machine, line string) (string, int) {
	t.Helper()
	r := m.Exec(context.Background(), line, 65001)
	out := string(r.Stdout) + string(r.Stderr)
	if cfg := m.Config(); cfg.Profile == winhost.P2003 && cfg.Locale == winhost.JaJP {
		s, err := japanese.ShiftJIS.NewDecoder().String(out)
		if err != nil {
			t.Fatalf("%s: output is not CP932: %q", line, out)
		}
		out = s
	}
	return out, r.ExitCode
}

var simLocales = []winhost.Locale{winhost.EnUS, winhost.JaJP}

func TestSimFacts(t *testing.T) {
	roles := []struct {
		name      string
		role      winhost.Role
		backup    bool
		wmiRole   wintime.DomainRole // from wmic
		regRole   wintime.DomainRole // from the registry alone (no wmic: 2025)
		domain    string
		prodType  string
		wmiDomain bool
	}{
		{"standalone", winhost.Standalone, false, wintime.StandaloneServer, wintime.StandaloneServer, "", "ServerNT", false},
		{"member", winhost.Member, false, wintime.MemberServer, wintime.MemberServer, "example.com", "ServerNT", true},
		{"pdc", winhost.DomainController, false, wintime.PrimaryDC, wintime.DomainController, "example.com", "LanmanNT", true},
		{"bdc", winhost.DomainController, true, wintime.BackupDC, wintime.DomainController, "example.com", "LanmanNT", true},
	}
	for _, p := range winhost.Profiles() {
		for _, l := range simLocales {
			for _, r := range roles {
				t.Run(fmt.Sprintf("%s/%s/%s", p, l, r.name), func(t *testing.T) {
					m := newSim(t, winhost.Config{Profile: p, Locale: l, Role: r.role, BackupDC: r.backup, Hostname: "web-01"})
					out, _ := exec(t, m, wintime.FactsCommand())
					f, err := wintime.ParseFacts(out)
					if err != nil {
						t.Fatalf("ParseFacts: %v\n%s", err, out)
					}
					verOut, _ := exec(t, m, "ver")
					v, _ := wintime.ParseVer(verOut)
					ubr, _ := m.GetValue(wintime.CurrentVersionKey, "UBR")
					if v.Revision == 0 {
						v.Revision = int(ubr.Num)
					}
					wantRole, fromWMI := r.wmiRole, p != winhost.P2025
					if !fromWMI {
						wantRole = r.regRole
					}
					lang, locale, oem, zone := "0409", "en-US", 437, "UTC"
					if l == winhost.JaJP {
						lang, locale, oem, zone = "0411", "ja-JP", 932, "Tokyo Standard Time"
					}
					product, _ := m.GetValue(wintime.CurrentVersionKey, "ProductName")
					want := wintime.Facts{Version: v, ProductName: product.Str, Build: v.Build, UBR: int(ubr.Num),
						ProductType: r.prodType, DomainRole: wantRole, DomainRoleFromWMI: fromWMI, Domain: r.domain,
						Hostname: "web-01", NetBIOSName: "WEB-01", LanguageID: lang, Locale: locale, OEMCodePage: oem}
					got := f
					got.TimeZone = wintime.TimeZone{}
					if got != want {
						t.Errorf("facts\n got %+v\nwant %+v", got, want)
					}
					if p == winhost.P2003 {
						// FactsCommand reads TimeZoneInformation alone, without the Time Zones list
						// that TimeZoneReadCommand adds on 2003 to find the id from StandardName,
						// which is neither default zone's id there.
						zone = ""
					}
					if f.TimeZone.ID != zone || f.TimeZone.DSTOff || !f.TimeZone.HasActiveBias {
						t.Errorf("time zone %+v, want %s", f.TimeZone, zone)
					}
				})
			}
		}
	}
}

func TestSimSyncRead(t *testing.T) {
	tests := []struct {
		name     string
		setup    string // run before the read
		zone     string // set before the setup ("" keeps the default)
		synced   bool
		stopped  bool
		lastSync time.Time
	}{
		{"synchronised", "", "", true, false, simNow},
		{"synchronised, Pacific daylight time", "", "Pacific Standard Time", true, false, simNow},
		{"synchronised, Tokyo", "", "Tokyo Standard Time", true, false, simNow},
		{"just started", "net stop w32time & net start w32time", "", false, false, time.Time{}},
		{"resynchronised after a start", "net stop w32time & net start w32time & w32tm /resync", "", true, false, simNow},
		{"stopped", "net stop w32time", "", false, true, time.Time{}},
	}
	for _, p := range winhost.Profiles() {
		for _, l := range simLocales {
			for _, tt := range tests {
				t.Run(fmt.Sprintf("%s/%s/%s", p, l, tt.name), func(t *testing.T) {
					m := newSim(t, winhost.Config{Profile: p, Locale: l})
					if tt.zone != "" {
						setZone(t, m, tt.zone)
					}
					if tt.setup != "" {
						exec(t, m, tt.setup)
					}
					out, _ := exec(t, m, wintime.SyncReadCommand())
					r, err := wintime.ParseSyncRead(out)
					if err != nil {
						t.Fatalf("ParseSyncRead: %v\n%s", err, out)
					}
					wantService := wintime.ServiceRunning
					if tt.stopped {
						wantService = wintime.ServiceStopped
					}
					if r.State.Service != wantService || !r.HasBias {
						t.Errorf("service %q, bias read %v", r.State.Service, r.HasBias)
					}
					if !wintime.HasQuery(r.State.Version) || tt.stopped {
						if r.Status != nil || r.Peers != nil {
							t.Errorf("status %+v and peers %+v where w32tm cannot answer", r.Status, r.Peers)
						}
						wantSrc := "time.windows.com,0x9"
						if p == winhost.P2003 {
							wantSrc = "time.windows.com,0x1" // the 2003 default
						}
						if src := wintime.ConfiguredSource(r.State); src != wantSrc {
							t.Errorf("ConfiguredSource %q", src)
						}
						return
					}
					if r.Status == nil {
						t.Fatalf("no status in\n%s", out)
					}
					s := *r.Status
					if s.Synchronized() != tt.synced || !s.LastSyncTime.Equal(tt.lastSync) || !s.HasPhaseOffset {
						t.Errorf("synchronised %v, last sync %v, phase offset read %v; want %v, %v\n%s",
							s.Synchronized(), s.LastSyncTime, s.HasPhaseOffset, tt.synced, tt.lastSync, out)
					}
					wantSource, wantLeap := "Local CMOS Clock", wintime.LeapNotSynchronized
					if tt.synced {
						wantSource, wantLeap = "time.windows.com,0x9", wintime.LeapNoWarning
					}
					if s.Source != wantSource || s.Leap != wantLeap || s.PollIntervalSeconds != 1024 {
						t.Errorf("source %q leap %v poll %d", s.Source, s.Leap, s.PollIntervalSeconds)
					}
					if len(r.Peers) != 1 || r.Peers[0].Peer.Address != "time.windows.com" || r.Peers[0].Mode != 3 {
						t.Errorf("peers %+v", r.Peers)
					}
				})
			}
		}
	}
}

// setZone sets a zone the way the release can, checking that it took.
func setZone(t *testing.T, m *winhost.Machine, id string) {
	t.Helper()
	verOut, _ := exec(t, m, "ver")
	v, _ := wintime.ParseVer(verOut)
	line, err := wintime.TimeZoneSetCommand(v, id)
	if err != nil {
		t.Fatal(err)
	}
	if out, code := exec(t, m, line); code != 0 {
		t.Fatalf("%s: exit %d\n%s", line, code, out)
	}
}

func TestSimTimeZone(t *testing.T) {
	zones := []string{"UTC", "GMT Standard Time", "W. Europe Standard Time", "Eastern Standard Time", "Central Standard Time",
		"Pacific Standard Time", "Tokyo Standard Time", "China Standard Time", "Korea Standard Time", "Russian Standard Time",
		"India Standard Time", "AUS Eastern Standard Time", "Pacific Standard Time_dstoff", "Tokyo Standard Time_dstoff"}
	for _, p := range winhost.Profiles() {
		for _, l := range simLocales {
			t.Run(fmt.Sprintf("%s/%s", p, l), func(t *testing.T) {
				m := newSim(t, winhost.Config{Profile: p, Locale: l})
				verOut, _ := exec(t, m, "ver")
				v, _ := wintime.ParseVer(verOut)
				out, _ := exec(t, m, wintime.TimeZoneReadCommand(v))
				z, err := wintime.ParseTimeZone(out)
				want := "UTC"
				if l == winhost.JaJP {
					want = "Tokyo Standard Time"
				}
				if err != nil || z.ID != want {
					t.Errorf("default zone %+v %v, want %s", z, err, want)
				}
				for _, id := range zones {
					line, err := wintime.TimeZoneSetCommand(v, id)
					if strings.HasSuffix(id, "_dstoff") && (p == winhost.P2003 || p == winhost.P2008) {
						if err == nil {
							t.Errorf("%s: TimeZoneSetCommand accepted %s", p, id)
						}
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					out, code := exec(t, m, line)
					z, err := wintime.ParseTimeZone(out)
					if code != 0 || err != nil {
						t.Fatalf("%s: exit %d, %v\n%s", line, code, err, out)
					}
					if d := wintime.TimeZoneMismatch(z, id); d != "" {
						t.Errorf("%s: %s\n%s", id, d, out)
					}
					bias, _ := m.GetValue(wintime.TimeZoneKey, "ActiveTimeBias")
					if !z.HasActiveBias || z.ActiveBiasMinutes != int(int32(bias.Num)) {
						t.Errorf("%s: active bias %+v", id, z)
					}
				}
				// A zone CLDR knows and the simulator does not: tzutil refuses it; the control panel
				// says nothing and leaves the zone, which the read-back shows.
				line, err := wintime.TimeZoneSetCommand(v, "Pacific Standard Time (Mexico)")
				if err != nil {
					t.Fatal(err)
				}
				out, code := exec(t, m, line)
				if p == winhost.P2003 || p == winhost.P2008 {
					z, err := wintime.ParseTimeZone(out)
					if code != 0 || err != nil || wintime.TimeZoneMismatch(z, "Pacific Standard Time (Mexico)") == "" {
						t.Errorf("control panel with an unknown zone: exit %d, %+v, %v", code, z, err)
					}
				} else if code == 0 {
					t.Errorf("tzutil accepted an unknown zone:\n%s", out)
				}
			})
		}
	}
}
