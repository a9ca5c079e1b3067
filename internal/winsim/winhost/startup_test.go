package winhost

import (
	"fmt"
	"strings"
	"testing"
)

const (
	kTrigger = kService + `\TriggerInfo`
	kVMIC    = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\VMICTimeProvider`
	kPolRoot = `HKLM\SOFTWARE\Policies\Microsoft\W32Time`
)

// TestStartupDefaults checks the startup type, triggers and the values of issue 11 that each profile
// and role starts with, and that w32tm /register restores them.
func TestStartupDefaults(t *testing.T) {
	for _, p := range Profiles() {
		for _, role := range []Role{Standalone, Member, DomainController} {
			t.Run(fmt.Sprintf("%s/%s", p, role), func(t *testing.T) {
				h := newHost(t, Config{Profile: p, Role: role})
				modern := p != P2003 && p != P2008
				wantStart, wantTrigger := uint64(2), false
				if modern && role == Standalone {
					wantStart, wantTrigger = 3, true
				}
				check := func(when string) {
					t.Helper()
					if g := regNum(t, h, kService, "Start"); g != wantStart {
						t.Errorf("%s: Start = %d, want %d", when, g, wantStart)
					}
					if _, ok := h.GetValue(kService, "DelayedAutostart"); ok {
						t.Errorf("%s: DelayedAutostart present", when)
					}
					if g := h.KeyExists(kTrigger); g != wantTrigger {
						t.Errorf("%s: TriggerInfo exists = %v, want %v", when, g, wantTrigger)
					}
					if g := h.KeyExists(kVMIC); g != modern {
						t.Errorf("%s: VMICTimeProvider exists = %v, want %v", when, g, modern)
					}
					if modern {
						if g := regNum(t, h, kVMIC, "Enabled"); g != 1 {
							t.Errorf("%s: VMICTimeProvider Enabled = %d", when, g)
						}
					}
					_, ssl := h.GetValue(kConfig, "UtilizeSslTimeData")
					if wantSSL := p.atLeast(P2016); ssl != wantSSL {
						t.Errorf("%s: UtilizeSslTimeData present = %v, want %v", when, ssl, wantSSL)
					} else if ssl && regNum(t, h, kConfig, "UtilizeSslTimeData") != 1 {
						t.Errorf("%s: UtilizeSslTimeData != 1", when)
					}
					for _, c := range []struct {
						key, name string
						want      uint64
					}{
						{kConfig, "MaxPollInterval", map[Role]uint64{Standalone: 15, Member: 15, DomainController: 10}[role]},
						{kConfig, "UpdateInterval", 100}, {kConfig, "LargePhaseOffset", 50000000},
						{kConfig, "MaxAllowedPhaseOffset", 300}, {kConfig, "PhaseCorrectRate", 1},
						{kConfig, "FrequencyCorrectRate", 4}, {kConfig, "HoldPeriod", 5},
						{kConfig, "SpikeWatchPeriod", 900}, {kConfig, "EventLogFlags", 2},
					} {
						if g := regNum(t, h, c.key, c.name); g != c.want {
							t.Errorf("%s: %s = %d, want %d", when, c.name, g, c.want)
						}
					}
				}
				check("fresh")
				mustRun(t, h, "sc config w32time start= disabled")
				mustRun(t, h, "net stop w32time & w32tm /unregister & w32tm /register")
				check("after /register")
			})
		}
	}
}

// TestSCQC checks sc qc's layout and its start type line for every start type sc config writes.
func TestSCQC(t *testing.T) {
	want2022 := "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: w32time\r\n" +
		"        TYPE               : 20  WIN32_SHARE_PROCESS \r\n" +
		"        START_TYPE         : 3   DEMAND_START\r\n" +
		"        ERROR_CONTROL      : 1   NORMAL\r\n" +
		"        BINARY_PATH_NAME   : C:\\Windows\\system32\\svchost.exe -k LocalService\r\n" +
		"        LOAD_ORDER_GROUP   : \r\n" +
		"        TAG                : 0\r\n" +
		"        DISPLAY_NAME       : Windows Time\r\n" +
		"        DEPENDENCIES       : \r\n" +
		"        SERVICE_START_NAME : NT AUTHORITY\\LocalService\r\n"
	if out := mustRun(t, newHost(t, Config{}), "sc qc w32time"); out != want2022 {
		t.Errorf("2022 sc qc =\n%q\nwant\n%q", out, want2022)
	}
	want2003 := "[SC] GetServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: W32Time\r\n" +
		"        TYPE               : 20  WIN32_SHARE_PROCESS \r\n" +
		"        START_TYPE         : 2   AUTO_START\r\n" +
		"        ERROR_CONTROL      : 1   NORMAL\r\n" +
		"        BINARY_PATH_NAME   : C:\\WINDOWS\\System32\\svchost.exe -k netsvcs  \r\n" +
		"        LOAD_ORDER_GROUP   :   \r\n" +
		"        TAG                : 0  \r\n" +
		"        DISPLAY_NAME       : Windows Time  \r\n" +
		"        DEPENDENCIES       :   \r\n" +
		"        SERVICE_START_NAME : LocalSystem  \r\n"
	if out := mustRun(t, newHost(t, Config{Profile: P2003}), "sc qc W32Time"); out != want2003 {
		t.Errorf("2003 sc qc =\n%q\nwant\n%q", out, want2003)
	}

	tests := []struct {
		profile Profile
		start   string
		want    string
	}{
		{P2008, "auto", "2   AUTO_START\r\n"},
		{P2008, "delayed-auto", "2   AUTO_START  (DELAYED)\r\n"},
		{P2019, "delayed-auto", "2   AUTO_START  (DELAYED)\r\n"},
		{P2019, "demand", "3   DEMAND_START\r\n"},
		{P2019, "disabled", "4   DISABLED\r\n"},
		{P2003, "demand", "3   DEMAND_START\r\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.profile)+"/"+tt.start, func(t *testing.T) {
			h := newHost(t, Config{Profile: tt.profile})
			mustRun(t, h, "sc config w32time start= "+tt.start)
			h.SetElevated(false) // sc qc only reads
			if out := mustRun(t, h, "sc qc w32time"); !strings.Contains(out, "        START_TYPE         : "+tt.want) {
				t.Errorf("sc qc = %q, want START_TYPE %q", out, tt.want)
			}
		})
	}
	h := newHost(t, Config{})
	if out, _, code := run(t, h, "sc qc spooler"); code != 1060 || out != "[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n" {
		t.Errorf("sc qc spooler: %q %d", out, code)
	}
}

// TestSCConfig checks what sc config writes, and what it refuses.
func TestSCConfig(t *testing.T) {
	const absent = -1
	tests := []struct {
		name     string
		profile  Profile
		nonAdmin bool
		cmd      string
		code     int
		out      string // prefix of stdout
		start    int64  // Start afterwards
		delayed  int64  // DelayedAutostart afterwards, absent = -1
	}{
		{"auto", P2022, false, "sc config w32time start= auto", 0, "[SC] ChangeServiceConfig SUCCESS\r\n", 2, 0},
		{"delayed", P2022, false, "sc config w32time start= delayed-auto", 0, "[SC] ChangeServiceConfig SUCCESS\r\n", 2, 1},
		{"demand", P2022, false, "sc config W32Time start= demand", 0, "[SC] ChangeServiceConfig SUCCESS\r\n", 3, absent},
		{"disabled", P2022, false, "sc.exe config w32time START= DISABLED", 0, "[SC] ChangeServiceConfig SUCCESS\r\n", 4, absent},
		{"remote name", P2022, false, `sc \\WIN-SIM config w32time start= auto`, 0, "[SC] ChangeServiceConfig SUCCESS", 2, 0},
		{"2008 delayed", P2008, false, "sc config w32time start= delayed-auto", 0, "[SC] ChangeServiceConfig SUCCESS", 2, 1},
		{"2003 demand", P2003, false, "sc config w32time start= demand", 0, "[SC] ChangeServiceConfig SUCCESS", 3, absent},
		{"2003 delayed", P2003, false, "sc config w32time start= delayed-auto", 1639, "DESCRIPTION:", 2, absent},
		{"no space", P2022, false, "sc config w32time start=auto", 1639, "DESCRIPTION:", 3, absent},
		{"unknown value", P2022, false, "sc config w32time start= sometimes", 1639, "DESCRIPTION:", 3, absent},
		{"missing value", P2022, false, "sc config w32time start=", 1639, "DESCRIPTION:", 3, absent},
		{"other option", P2022, false, "sc config w32time obj= LocalSystem", 1639, "DESCRIPTION:", 3, absent},
		{"boot", P2022, false, "sc config w32time start= boot", 87, "[SC] ChangeServiceConfig FAILED 87:", 3, absent},
		{"other service", P2022, false, "sc config spooler start= auto", 1060, "[SC] OpenService FAILED 1060:", 3, absent},
		{"not admin", P2022, true, "sc config w32time start= auto", 5, "[SC] OpenService FAILED 5:\r\n\r\nAccess is denied.\r\n\r\n", 3, absent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, Config{Profile: tt.profile})
			h.SetElevated(!tt.nonAdmin)
			out, _, code := run(t, h, tt.cmd)
			if code != tt.code || !strings.HasPrefix(out, tt.out) {
				t.Errorf("%s: %q exit %d, want %q exit %d", tt.cmd, out, code, tt.out, tt.code)
			}
			if g := regNum(t, h, kService, "Start"); int64(g) != tt.start {
				t.Errorf("Start = %d, want %d", g, tt.start)
			}
			d := int64(absent)
			if v, ok := h.GetValue(kService, "DelayedAutostart"); ok {
				d = int64(v.Num)
			}
			if d != tt.delayed {
				t.Errorf("DelayedAutostart = %d, want %d", d, tt.delayed)
			}
		})
	}
}

// TestSCTriggerInfo checks sc triggerinfo and qtriggerinfo (2008 R2 on) against the registry.
func TestSCTriggerInfo(t *testing.T) {
	wantDefault := "[SC] QueryServiceConfig2 SUCCESS\r\n\r\nSERVICE_NAME: w32time\r\n\r\n" +
		"        START SERVICE\r\n" +
		"          DOMAIN JOINED STATUS         : 1ce20aba-9851-4421-9430-1ddeb766e809 [DOMAIN JOINED]\r\n" +
		"        STOP SERVICE\r\n" +
		"          DOMAIN JOINED STATUS         : ddaf516e-58c2-4866-9574-c3b615d42ea1 [NOT DOMAIN JOINED]\r\n"
	for _, p := range []Profile{P2008R2, P2016, P2025} {
		t.Run(string(p), func(t *testing.T) {
			h := newHost(t, Config{Profile: p})
			if out := mustRun(t, h, "sc qtriggerinfo w32time"); out != wantDefault {
				t.Errorf("default qtriggerinfo =\n%q\nwant\n%q", out, wantDefault)
			}
			guid, _ := h.GetValue(kTrigger+`\0`, "Guid")
			if fmt.Sprintf("%x", guid.Bin) != "ba0ae21c5198214494301ddeb766e809" {
				t.Errorf("TriggerInfo\\0 Guid = %x", guid.Bin)
			}
			if out := mustRun(t, h, "sc triggerinfo w32time delete"); out != "[SC] ChangeServiceConfig2 SUCCESS\r\n" {
				t.Errorf("delete: %q", out)
			}
			if h.KeyExists(kTrigger) {
				t.Error("TriggerInfo left after delete")
			}
			if out := mustRun(t, h, "sc qtriggerinfo w32time"); !strings.Contains(out, "The service has not registered for any start or stop triggers.") {
				t.Errorf("qtriggerinfo without triggers: %q", out)
			}
			mustRun(t, h, "sc triggerinfo w32time start/domainjoin stop/domainleave")
			if out := mustRun(t, h, "sc qtriggerinfo w32time"); out != wantDefault {
				t.Errorf("qtriggerinfo after set =\n%q", out)
			}
			for _, bad := range []string{"sc triggerinfo w32time", "sc triggerinfo w32time start/networkon", "sc triggerinfo w32time delete start/domainjoin"} {
				if out, _, code := run(t, h, bad); code != 1639 || !strings.HasPrefix(out, "DESCRIPTION:") {
					t.Errorf("%s: %q %d", bad, out, code)
				}
			}
			h.SetElevated(false)
			if _, _, code := run(t, h, "sc triggerinfo w32time delete"); code != 5 || !h.KeyExists(kTrigger) {
				t.Errorf("non-admin delete: exit %d, key kept %v", code, h.KeyExists(kTrigger))
			}
		})
	}
	for _, p := range []Profile{P2003, P2008} {
		h := newHost(t, Config{Profile: p})
		for _, cmd := range []string{"sc triggerinfo w32time delete", "sc qtriggerinfo w32time"} {
			if out, _, code := run(t, h, cmd); code != 1639 || !strings.HasPrefix(out, "DESCRIPTION:") {
				t.Errorf("%s %s: %q %d", p, cmd, out, code)
			}
		}
	}
}

// TestReboot checks the service state a boot leaves for each start type, role and trigger.
func TestReboot(t *testing.T) {
	tests := []struct {
		name    string
		profile Profile
		role    Role
		setup   string
		want    string
	}{
		{"standalone default", P2022, Standalone, "", "STOPPED"},
		{"member default", P2022, Member, "", "RUNNING"},
		{"dc default", P2019, DomainController, "", "RUNNING"},
		{"2008 standalone default", P2008, Standalone, "", "RUNNING"},
		{"2003 standalone default", P2003, Standalone, "", "RUNNING"},
		{"standalone auto", P2022, Standalone, "sc config w32time start= auto", "RUNNING"},
		{"standalone delayed", P2022, Standalone, "sc config w32time start= delayed-auto", "RUNNING"},
		{"member manual with trigger", P2022, Member, "sc config w32time start= demand & sc triggerinfo w32time start/domainjoin stop/domainleave", "RUNNING"},
		{"member manual without trigger", P2022, Member, "sc config w32time start= demand", "STOPPED"},
		{"member manual, leave trigger only", P2016, Member, "sc config w32time start= demand & sc triggerinfo w32time stop/domainleave", "STOPPED"},
		{"standalone manual with trigger", P2016, Standalone, "sc triggerinfo w32time start/domainjoin", "STOPPED"},
		{"member disabled", P2022, Member, "sc config w32time start= disabled", "STOPPED"},
		{"dc disabled with trigger", P2022, DomainController, "sc config w32time start= disabled & sc triggerinfo w32time start/domainjoin", "STOPPED"},
		{"2003 manual", P2003, Member, "sc config w32time start= demand", "STOPPED"},
		{"not installed", P2022, Member, "net stop w32time & w32tm /unregister", "NOT_INSTALLED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, Config{Profile: tt.profile, Role: tt.role})
			if tt.setup != "" {
				mustRun(t, h, tt.setup)
			}
			h.Reboot()
			if g := h.ServiceState(); g != tt.want {
				t.Errorf("after Reboot: %s, want %s", g, tt.want)
			}
			// A host created as after a boot is in the same state.
			if tt.setup == "" {
				b := newHost(t, Config{Profile: tt.profile, Role: tt.role, AfterBoot: true})
				if g := b.ServiceState(); g != tt.want {
					t.Errorf("AfterBoot: %s, want %s", g, tt.want)
				}
			}
		})
	}
	// A stopped service after boot is not synchronised; started, it is after the sync delay.
	clock := newClock()
	h := newHost(t, Config{AfterBoot: true, Clock: clock.now})
	mustRun(t, h, "net start w32time")
	if out := mustRun(t, h, "w32tm /query /source"); out != "Local CMOS Clock\r\n" {
		t.Errorf("right after net start: /source %q", out)
	}
	clock.advance(DefaultSyncDelay)
	if out := mustRun(t, h, "w32tm /query /source"); out != "time.windows.com,0x9\r\n" {
		t.Errorf("after net start and the sync delay: /source %q", out)
	}
}

// TestDisabledService checks that a disabled W32Time refuses net start, and what w32tm then says.
func TestDisabledService(t *testing.T) {
	for _, loc := range []Locale{EnUS, JaJP} {
		h := newHost(t, Config{Locale: loc})
		mustRun(t, h, "sc config w32time start= disabled")
		if h.ServiceState() != "RUNNING" {
			t.Fatal("sc config stopped the running service")
		}
		mustRun(t, h, "net stop w32time")
		out, errOut, code := run(t, h, "net start w32time")
		want := "System error 1058 has occurred.\r\n\r\nThe service cannot be started, either because it is disabled or because it has no enabled devices associated with it.\r\n\r\n"
		if loc == JaJP {
			want = messages[mNetSysErr1058][1] + "\r\n\r\n" + messages[mNetDisabled][1] + "\r\n\r\n"
		}
		if code != 2 || out != "" || errOut != want || h.ServiceState() != "STOPPED" {
			t.Errorf("%s net start: %q %q %d %s", loc, out, errOut, code, h.ServiceState())
		}
		if out, _, code := run(t, h, "w32tm /resync"); code != int(hrServiceNotActive) || !strings.Contains(out, "0x80070426") {
			t.Errorf("%s resync: %q %d", loc, out, code)
		}
		mustRun(t, h, "sc config w32time start= demand && net start w32time")
		if h.ServiceState() != "RUNNING" {
			t.Errorf("%s: manual service did not start", loc)
		}
	}
}

// TestResyncTimeData checks when w32tm /resync has time data, and what it does without.
func TestResyncTimeData(t *testing.T) {
	noData := "Sending resync command to local computer\r\nThe computer did not resync because no time data was available.\r\n"
	ok := "Sending resync command to local computer\r\nThe command completed successfully.\r\n"
	tests := []struct {
		name   string
		role   Role
		setup  string
		noData bool // Config.NoTimeData
		cmd    string
		want   string
		code   int
		synced bool // /query /status afterwards
	}{
		{"ntp with peers", Standalone, "", false, "w32tm /resync", ok, 0, true},
		{"ntp unreachable", Standalone, "", true, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"ntp unreachable nowait", Standalone, "", true, "w32tm /resync /nowait", ok, 0, false},
		{"ntp without peers", Standalone, `w32tm /config /manualpeerlist:"" /update`, false, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"nosync", Standalone, "w32tm /config /syncfromflags:NO /update", false, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"nt5ds standalone", Standalone, "w32tm /config /syncfromflags:DOMHIER /update", false, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"nt5ds member", Member, "", false, "w32tm /resync", ok, 0, true},
		{"nt5ds dc", DomainController, "", false, "w32tm /resync", ok, 0, true},
		{"nt5ds member unreachable", Member, "", true, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"allsync standalone", Standalone, "w32tm /config /syncfromflags:ALL /update", false, "w32tm /resync", ok, 0, true},
		{"ntpclient disabled", Standalone, `reg add ` + kClient + ` /v Enabled /t REG_DWORD /d 0 /f && w32tm /config /update`, false, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"ntpclient disabled by policy", Member, `reg add "` + kPolRoot + `\TimeProviders\NtpClient" /v Enabled /t REG_DWORD /d 0x0 /f && w32tm /config /update`, false, "w32tm /resync", noData, int(hrNoTimeData), false},
		{"policy peers", Standalone, `w32tm /config /syncfromflags:NO /update && reg add ` + kPolicy + ` /v Type /d NTP /f && w32tm /config /update`, false, "w32tm /resync", ok, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, Config{Role: tt.role, NoTimeData: tt.noData})
			if tt.setup != "" {
				mustRun(t, h, tt.setup)
			}
			out, _, code := run(t, h, tt.cmd)
			if out != tt.want || code != tt.code {
				t.Errorf("%s: %q exit %d, want %q exit %d", tt.cmd, out, code, tt.want, tt.code)
			}
			if g := h.TimeData(); g != (tt.code == 0 && tt.synced) {
				t.Errorf("TimeData() = %v", g)
			}
			status := mustRun(t, h, "w32tm /query /status")
			if g := strings.Contains(status, "Leap Indicator: 0(no warning)"); g != tt.synced {
				t.Errorf("synchronised = %v, want %v:\n%s", g, tt.synced, status)
			}
		})
	}
	// Time data going away leaves the last synchronisation; coming back, the next resync uses it.
	h := newHost(t, Config{})
	h.SetTimeData(false)
	if _, _, code := run(t, h, "w32tm /resync"); code != int(hrNoTimeData) {
		t.Errorf("resync after SetTimeData(false): exit %d", code)
	}
	if out := mustRun(t, h, "w32tm /query /source"); out != "time.windows.com,0x9\r\n" {
		t.Errorf("the last synchronisation was lost: %q", out)
	}
	h = newHost(t, Config{NoTimeData: true})
	if out := mustRun(t, h, "w32tm /query /source"); out != "Local CMOS Clock\r\n" {
		t.Errorf("NoTimeData host is synchronised: %q", out)
	}
	h.SetTimeData(true)
	mustRun(t, h, "w32tm /resync")
	if out := mustRun(t, h, "w32tm /query /source"); out != "time.windows.com,0x9\r\n" {
		t.Errorf("after resync: %q", out)
	}
}

// TestPolicyKeysThroughReg adds and removes policy values with reg add / reg delete, as the
// provider's tests do, and checks the effective values /query /configuration reports.
func TestPolicyKeysThroughReg(t *testing.T) {
	tests := []struct {
		sub, name, data, line string
	}{
		{`Config`, "MaxPollInterval", "0xc", "MaxPollInterval: 12 "},
		{`Config`, "MaxPosPhaseCorrection", "0xFFFFFFFF", "MaxPosPhaseCorrection: 4294967295 "},
		{`Config`, "UpdateInterval", "360000", "UpdateInterval: 360000 "},
		{`TimeProviders\NtpClient`, "SpecialPollInterval", "900", "SpecialPollInterval: 900 "},
		{`TimeProviders\NtpClient`, "ResolvePeerBackoffMinutes", "0x1e", "ResolvePeerBackoffMinutes: 30 "},
		{`TimeProviders\NtpServer`, "Enabled", "1", "Enabled: 1 "},
	}
	for _, tt := range tests {
		t.Run(tt.sub+`\`+tt.name, func(t *testing.T) {
			h := newHost(t, Config{Profile: P2019})
			key := `"` + kPolRoot + `\` + tt.sub + `"`
			mustRun(t, h, `reg add `+key+` /v `+tt.name+` /t REG_DWORD /d `+tt.data+` /f && w32tm /config /update`)
			out := mustRun(t, h, "w32tm /query /configuration")
			if !strings.Contains(out, "\r\n"+tt.line+"(Policy)\r\n") {
				t.Errorf("with policy, /query /configuration lacks %q(Policy):\n%s", tt.line, out)
			}
			mustRun(t, h, `reg delete `+key+` /v `+tt.name+` /f && w32tm /config /update`)
			out = mustRun(t, h, "w32tm /query /configuration")
			if strings.Contains(out, "\r\n"+tt.line+"(Policy)") || !strings.Contains(out, "\r\n"+tt.name+": ") {
				t.Errorf("after reg delete, %s is not the local value:\n%s", tt.name, out)
			}
		})
	}
}

// TestVMICInConfiguration checks the Hyper-V provider block of /query /configuration.
func TestVMICInConfiguration(t *testing.T) {
	out := mustRun(t, newHost(t, Config{Profile: P2022}), "w32tm /query /configuration")
	want := "\r\nVMICTimeProvider (Local)\r\nDllName: C:\\Windows\\System32\\vmictimeprovider.dll (Local)\r\nEnabled: 1 (Local)\r\nInputProvider: 1 (Local)\r\n\r\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("/query /configuration ends\n%q\nwant suffix\n%q", out[max(0, len(out)-300):], want)
	}
	if strings.Contains(out, "UtilizeSslTimeData") {
		t.Error("UtilizeSslTimeData listed; real hosts do not list it")
	}
	if out := mustRun(t, newHost(t, Config{Profile: P2008}), "w32tm /query /configuration"); strings.Contains(out, "VMICTimeProvider") {
		t.Error("2008 lists VMICTimeProvider")
	}
}

// TestRegAddNumbers checks the forms of /d reg add takes for REG_DWORD and REG_QWORD.
func TestRegAddNumbers(t *testing.T) {
	tests := []struct {
		typ, data string
		want      uint64
		ok        bool
	}{
		{"REG_DWORD", "16", 16, true},
		{"REG_DWORD", "0x10", 16, true},
		{"REG_DWORD", "0X1f", 31, true},
		{"REG_DWORD", "0xFFFFFFFF", 0xFFFFFFFF, true},
		{"REG_DWORD", "4294967295", 0xFFFFFFFF, true},
		{"REG_DWORD", "010", 10, true},
		{"REG_DWORD", "", 0, true},
		{"REG_DWORD", "4294967296", 0, false},
		{"REG_DWORD", "0x100000000", 0, false},
		{"REG_DWORD", "-1", 0, false},
		{"REG_DWORD", "0b1", 0, false},
		{"REG_DWORD", "0o7", 0, false},
		{"REG_DWORD", "1_000", 0, false},
		{"REG_DWORD", "0x", 0, false},
		{"REG_DWORD", "ten", 0, false},
		{"REG_QWORD", "0x100000000", 1 << 32, true},
		{"REG_QWORD", "1_0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.data, func(t *testing.T) {
			h := newHost(t, Config{})
			_, errOut, code := run(t, h, `reg add HKLM\SOFTWARE\Sim /v N /t `+tt.typ+` /d "`+tt.data+`" /f`)
			v, present := h.GetValue(`HKLM\SOFTWARE\Sim`, "N")
			if tt.ok {
				if code != 0 || !present || v.Num != tt.want {
					t.Errorf("exit %d %q, value %+v, want %d", code, errOut, v, tt.want)
				}
				return
			}
			if code != 1 || present || !strings.Contains(errOut, "ERROR: Invalid syntax.") {
				t.Errorf("accepted: exit %d %q, value %+v", code, errOut, v)
			}
		})
	}
}
