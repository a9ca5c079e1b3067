package wintime

import (
	"context"
	"strings"
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

func TestTunableParseFormat(t *testing.T) {
	tu := func(attr string) Tunable {
		x, ok := LookupTunable(attr)
		if !ok {
			t.Fatalf("no tunable %s", attr)
		}
		return x
	}
	tests := []struct {
		attr, in string
		want     uint32
		wantErr  string // part of the error; "" for none
	}{
		{"special_poll_interval", "3600", 3600, ""},
		{"special_poll_interval", "0", 0, "special_poll_interval: \"0\" is not allowed; write 1 to 4294967295 seconds"},
		{"special_poll_interval", "4294967296", 0, "1 to 4294967295 seconds"},
		{"min_poll_interval", "17", 17, ""},
		{"min_poll_interval", "18", 0, "0 to 17 log2 seconds"},
		{"cross_site_sync_flags", "PdcOnly", 1, ""},
		{"cross_site_sync_flags", "all", 2, ""},
		{"cross_site_sync_flags", "Some", 0, "write None, PdcOnly, All"},
		{"max_pos_phase_correction", "unlimited", Unlimited, ""},
		{"max_pos_phase_correction", "54000", 54000, ""},
		{"max_pos_phase_correction", "4294967295", 0, `or "unlimited"`},
		{"max_neg_phase_correction", "-1", 0, "seconds"},
		{"ntp_server_enabled", "true", 1, ""},
		{"event_log_flags", "4", 0, "0 to 3 flags"},
	}
	for _, tt := range tests {
		t.Run(tt.attr+"="+tt.in, func(t *testing.T) {
			x := tu(tt.attr)
			got, err := x.Parse(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) = %d, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			if back, err := x.Parse(x.Format(got)); err != nil || back != got {
				t.Errorf("Format(%d) = %q does not parse back: %d, %v", got, x.Format(got), back, err)
			}
		})
	}
	if got := tu("cross_site_sync_flags").Format(7); got != "7" {
		t.Errorf("an enum value without a name = %q, want its digits", got)
	}
	if got := tu("ntp_client_enabled").Format(2); got != "true" {
		t.Errorf("Enabled=2 = %q, want true", got)
	}
}

// TestTunableDefaultsParse: the documented defaults are valid values.
func TestTunableDefaultsParse(t *testing.T) {
	for _, x := range Tunables {
		for _, d := range x.Defaults {
			if _, err := x.Parse(d); err != nil {
				t.Errorf("%s default %q: %v", x.Attr, d, err)
			}
		}
	}
}

func TestCheckVersion(t *testing.T) {
	ssl := Settings{Type: NTP, Tunables: map[string]uint32{"utilize_ssl_time_data": 0}}
	vmic := Settings{Type: NTP, Tunables: map[string]uint32{"vmic_time_provider_enabled": 0}}
	delayed := Settings{Type: NTP, Startup: StartAutomaticDelayed}
	tests := []struct {
		name    string
		v       Version
		want    Settings
		wantErr []string
	}{
		{"ssl on 2016", Version{10, 0, 14393, 0}, ssl, nil},
		{"ssl on 2012 R2", Version{6, 3, 9600, 0}, ssl, []string{"utilize_ssl_time_data", "Windows Server 2012 R2", "Windows Server 2016 and later"}},
		{"vmic on 2008 R2", Version{6, 1, 7601, 0}, vmic, nil},
		{"vmic on 2008", v2008, vmic, []string{"vmic_time_provider_enabled", "Windows Server 2008 R2 and later"}},
		{"delayed on 2008", v2008, delayed, nil},
		{"delayed on 2003", v2003, delayed, []string{"service_startup", "automatic_delayed", "Windows Server 2008 and later"}},
		{"everything else on 2003", v2003, Settings{Type: NTP, Tunables: map[string]uint32{"hold_period": 5}, Startup: StartManual}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckVersion(tt.v, tt.want)
			if (err != nil) != (tt.wantErr != nil) {
				t.Fatalf("CheckVersion = %v, want an error: %v", err, tt.wantErr != nil)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestPolicyConflicts(t *testing.T) {
	yes, no := true, false
	policy := map[string]string{"type": "NT5DS", "ntp_servers": "ntp.nict.jp,0x9", "reliable": "true",
		"special_poll_interval": "900", "cross_site_sync_flags": "All"}
	tests := []struct {
		name string
		want Settings
		attr []string
	}{
		{"same values", Settings{Type: NT5DS, Peers: []Peer{{"NTP.nict.jp", 9}}, Reliable: &yes,
			Tunables: map[string]uint32{"special_poll_interval": 900, "cross_site_sync_flags": 2}}, nil},
		{"unmanaged", Settings{Type: NT5DS}, nil},
		{"everything differs", Settings{Type: NTP, Peers: []Peer{{"time.windows.com", 9}}, Reliable: &no,
			Tunables: map[string]uint32{"special_poll_interval": 3600, "cross_site_sync_flags": 0, "hold_period": 1}},
			[]string{"type", "ntp_servers", "reliable", "special_poll_interval", "cross_site_sync_flags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range PolicyConflicts(policy, tt.want) {
				got = append(got, c.Attr)
				if !strings.Contains(c.String(), c.Policy) || !strings.Contains(c.String(), "overrides the local value") {
					t.Errorf("message %q does not give the policy value", c)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.attr, ",") {
				t.Errorf("conflicts = %v, want %v", got, tt.attr)
			}
		})
	}
}

// TestReadSimulatedHosts reads every profile and role through ReadCommand
// and ParseState: the tunables, the start type and the policy, and output of
// other commands after the read (a joined read) changes nothing.
func TestReadSimulatedHosts(t *testing.T) {
	for _, p := range winhost.Profiles() {
		for _, role := range []winhost.Role{winhost.Standalone, winhost.Member, winhost.DomainController} {
			t.Run(string(p)+"-"+string(role), func(t *testing.T) {
				h, err := winhost.New(winhost.Config{Profile: p, Role: role})
				if err != nil {
					t.Fatal(err)
				}
				h.SetDWord(PolicyNtpClientKey, "SpecialPollInterval", 900)
				res := h.Exec(context.Background(), ReadCommand(), 65001)
				st, err := ParseState(string(res.Stdout))
				if err != nil {
					t.Fatal(err)
				}
				idx := map[winhost.Role]int{winhost.Standalone: 0, winhost.Member: 1, winhost.DomainController: 2}[role]
				for _, x := range Tunables {
					n, ok := st.Local.Tunables[x.Attr]
					if ok != x.Available(st.Version) {
						t.Errorf("%s present: %v, want %v", x.Attr, ok, x.Available(st.Version))
						continue
					}
					if ok && x.Format(n) != x.Defaults[idx] {
						t.Errorf("%s = %s, documented default %s", x.Attr, x.Format(n), x.Defaults[idx])
					}
				}
				if got := st.Effective().Tunables["special_poll_interval"]; got != 900 {
					t.Errorf("effective special_poll_interval = %d, want the policy's 900", got)
				}
				if st.PolicyOverrides()["special_poll_interval"] != "900" {
					t.Errorf("policy overrides = %v", st.PolicyOverrides())
				}
				wantStart := StartAutomatic
				if role == winhost.Standalone && !st.Version.Less(since2008R2) {
					wantStart = StartManual
				}
				if st.Local.Startup != wantStart {
					t.Errorf("startup = %q, want %q", st.Local.Startup, wantStart)
				}

				// Another read after this one, with other values of the same keys.
				h2, _ := winhost.New(winhost.Config{Profile: p, Role: role})
				h2.SetDWord(NtpClientKey, "SpecialPollInterval", 17)
				h2.SetServiceRunning(false)
				more := h2.Exec(context.Background(), ReadCommand()+" & w32tm /query /status", 65001)
				joined, err := ParseState(string(res.Stdout) + string(more.Stdout))
				if err != nil {
					t.Fatal(err)
				}
				if joined.Local.Tunables["special_poll_interval"] != st.Local.Tunables["special_poll_interval"] ||
					joined.Service != st.Service || joined.Local.Startup != st.Local.Startup {
					t.Errorf("output after the read changed the state: %+v", joined)
				}
			})
		}
	}
}

func TestUpdateCommand(t *testing.T) {
	want := Settings{Type: NT5DS, Tunables: map[string]uint32{"hold_period": 4, "max_pos_phase_correction": Unlimited},
		Startup: StartManual}
	line, err := UpdateCommand(v2022, want, true)
	if err != nil {
		t.Fatal(err)
	}
	wantLine := `sc query w32time & sc config w32time start= demand && sc triggerinfo w32time start/domainjoin stop/domainleave && ` +
		`(net start w32time & reg add "` + ConfigKey + `" /v MaxPosPhaseCorrection /t REG_DWORD /d 4294967295 /f && ` +
		`reg add "` + ConfigKey + `" /v HoldPeriod /t REG_DWORD /d 4 /f && w32tm /config /syncfromflags:DOMHIER /update && (` +
		ReadCommand() + ` & w32tm /resync))`
	if line != wantLine {
		t.Errorf("UpdateCommand =\n%s\nwant\n%s", line, wantLine)
	}

	// Disabled: no start, no /update; 2003 has no trigger.
	line, err = UpdateCommand(v2003, Settings{Type: NTP, Startup: StartDisabled}, false)
	if err != nil {
		t.Fatal(err)
	}
	if wantLine := `sc query w32time & sc config w32time start= disabled && w32tm /config /syncfromflags:MANUAL && (` +
		ReadCommand() + `)`; line != wantLine {
		t.Errorf("disabled on 2003 =\n%s\nwant\n%s", line, wantLine)
	}

	// Run on simulated hosts, running and stopped: the service state before
	// the line, and the read-back after it.
	for _, stopped := range []bool{false, true} {
		h, err := winhost.New(winhost.Config{Profile: winhost.P2022, Role: winhost.Member})
		if err != nil {
			t.Fatal(err)
		}
		h.SetServiceRunning(!stopped)
		line, _ := UpdateCommand(v2022, Settings{Type: NT5DS, Tunables: map[string]uint32{"hold_period": 4}}, false)
		res := h.Exec(context.Background(), line, 65001)
		if res.ExitCode != 0 {
			t.Fatalf("stopped=%v: exit %d: %s", stopped, res.ExitCode, res.Stdout)
		}
		before := ServiceBefore(string(res.Stdout))
		st, err := ParseState(string(res.Stdout))
		if err != nil {
			t.Fatal(err)
		}
		if (before == ServiceStopped) != stopped || st.Service != ServiceRunning || st.Local.Tunables["hold_period"] != 4 {
			t.Errorf("stopped=%v: before %s, after %s, hold_period %d", stopped, before, st.Service, st.Local.Tunables["hold_period"])
		}
	}
}

func TestApplyCommandResyncExitCode(t *testing.T) {
	for _, data := range []bool{true, false} {
		h, err := winhost.New(winhost.Config{Profile: winhost.P2019})
		if err != nil {
			t.Fatal(err)
		}
		h.SetTimeData(data)
		st, _ := ParseState(string(h.Exec(context.Background(), ReadCommand(), 65001).Stdout))
		line, err := ApplyCommand(st, Settings{Type: NTP, Peers: []Peer{{"ntp.nict.jp", 9}}}, true)
		if err != nil {
			t.Fatal(err)
		}
		res := h.Exec(context.Background(), line, 65001)
		want := 0
		if !data {
			want = ExitNoTimeData
		}
		if _, err := ParseState(string(res.Stdout)); err != nil || res.ExitCode != want {
			t.Errorf("time data %v: exit %d, read-back %v; want exit %d with the read-back", data, res.ExitCode, err, want)
		}
	}
}
