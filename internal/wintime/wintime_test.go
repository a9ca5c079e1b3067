package wintime

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var (
	v2003 = Version{5, 2, 3790, 0}
	v2008 = Version{6, 0, 6003, 0}
	v2022 = Version{10, 0, 20348, 587}
)

func TestParseType(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Type
		wantErr bool
	}{
		{"NTP", "NTP", NTP, false},
		{"lower case", "ntp", NTP, false},
		{"AllSync", "AllSync", AllSync, false},
		{"AllSync lower case", "allsync", AllSync, false},
		{"NT5DS", "NT5DS", NT5DS, false},
		{"NoSync", "NoSync", NoSync, false},
		{"empty", "", "", true},
		{"trailing space", "NTP ", "", true},
		{"unknown", "Manual", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseType(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseType(%q) = %q, %v; want %q, err=%v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
	if _, err := ParseType("bogus"); err == nil || !strings.Contains(err.Error(), "NoSync, NTP, NT5DS, AllSync") {
		t.Errorf("error should list the allowed values, got %v", err)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name string
		f    Flags
		want []string
	}{
		{"none", 0, []string{}},
		{"default", 0x9, []string{"SpecialInterval", "Client"}},
		{"fallback", 0xa, []string{"UseAsFallbackOnly", "Client"}},
		{"all named", 0xf, []string{"SpecialInterval", "UseAsFallbackOnly", "SymmetricActive", "Client"}},
		{"unnamed bit", 0x19, []string{"SpecialInterval", "Client", "0x10"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Names(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Flags(%#x).Names() = %v, want %v", tc.f, got, tc.want)
			}
		})
	}
	for _, name := range FlagNames() {
		f, err := ParseFlag(strings.ToLower(name))
		if err != nil || f.Names()[0] != name {
			t.Errorf("ParseFlag(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseFlag("Server"); err == nil {
		t.Error("ParseFlag(Server) should fail")
	}
}

func TestParsePeers(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Peer
		wantErr bool
	}{
		{"one peer", "time.windows.com,0x9", []Peer{{"time.windows.com", 0x9}}, false},
		{"spacing, case and no flags", "a,0x09  b,0XA c", []Peer{{"a", 9}, {"b", 0xa}, {"c", 0}}, false},
		{"decimal flags", "a,9", []Peer{{"a", 9}}, false},
		{"empty", "", []Peer{}, false},
		{"bad hex", "a,0xZZ", nil, true},
		{"no address", ",0x9", nil, true},
		{"flags over a byte", "a,0x100", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePeers(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && !reflect.DeepEqual(got, tc.want)) {
				t.Errorf("ParsePeers(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestEqualPeers(t *testing.T) {
	a, _ := ParsePeers("NTP.nict.jp,0x09 time.windows.com,0xa")
	b, _ := ParsePeers("ntp.nict.jp,0x9 TIME.windows.com,0xA")
	c, _ := ParsePeers("time.windows.com,0xa ntp.nict.jp,0x9")
	if !EqualPeers(a, b) {
		t.Error("peers equal by meaning compare unequal")
	}
	if EqualPeers(a, c) {
		t.Error("order is significant")
	}
	if got := FormatPeers(b); got != "ntp.nict.jp,0x9 TIME.windows.com,0xa" {
		t.Errorf("FormatPeers = %q", got)
	}
}

func TestValidateAddress(t *testing.T) {
	good := []string{"ntp.nict.jp", "time.windows.com", "dc01", "10.0.0.5", "2001:db8::1", "::1", "a-b.example", "x1"}
	bad := []string{
		"", "ntp.nict.jp&calc", "a b", "a|b", "a^b", "%PATH%", `"q"`, "a,0x9", "a]]>b", "a\r\nb", "日本.jp",
		"-bad.example", "bad-.example", "a..b", "fe80::1%eth0", "[::1]", "999.1.1.1", "1.2.3", strings.Repeat("a", 64) + ".com",
		"a/b", "a\\b", "a;b", "a'b", "(a)", "a<b", "a>b", "a\tb",
	}
	// Each case is named by its quoted value: the values are their own best description.
	for _, s := range good {
		t.Run("valid "+strconv.Quote(s), func(t *testing.T) {
			if err := ValidateAddress(s); err != nil {
				t.Errorf("ValidateAddress(%q) = %v, want nil", s, err)
			}
		})
	}
	for _, s := range bad {
		t.Run("invalid "+strconv.Quote(s), func(t *testing.T) {
			if err := ValidateAddress(s); err == nil {
				t.Errorf("ValidateAddress(%q) = nil, want an error", s)
			}
		})
	}
}

func TestParseVer(t *testing.T) {
	tests := []struct {
		name    string
		out     string
		want    Version
		release string
	}{
		{"2003", "\r\nMicrosoft Windows [Version 5.2.3790]\r\n", v2003, "Windows Server 2003"},
		{"2008 R2", "\r\nMicrosoft Windows [Version 6.1.7601]\r\n", Version{6, 1, 7601, 0}, "Windows Server 2008 R2"},
		{"2019", "Microsoft Windows [Version 10.0.17763.1821]", Version{10, 0, 17763, 1821}, "Windows Server 2019"},
		{"2022", "Microsoft Windows [Version 10.0.20348.587]", v2022, "Windows Server 2022"},
		{"2025 Japanese", "Microsoft Windows [バージョン 10.0.26100.1742]", Version{10, 0, 26100, 1742}, "Windows Server 2025"},
		{"client build", "Microsoft Windows [Version 10.0.19045.1]", Version{10, 0, 19045, 1}, "Windows 10.0.19045.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseVer(tc.out)
			if err != nil || got != tc.want || got.Release() != tc.release {
				t.Errorf("ParseVer(%q) = %v (%s), %v; want %v (%s)", tc.out, got, got.Release(), err, tc.want, tc.release)
			}
		})
	}
	if _, err := ParseVer("The command completed successfully."); err == nil {
		t.Error("ParseVer without a version should fail")
	}
	if !(Version{5, 0, 2195, 0}).Less(v2003) || (Version{5, 0, 2195, 0}).Supported() || !v2003.Supported() {
		t.Error("version ordering")
	}
}

const readOut2022 = "\r\nMicrosoft Windows [Version 10.0.20348.587]\r\n" +
	"\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n" +
	"    ProductName    REG_SZ    Windows Server 2022 Datacenter\r\n\r\n" +
	"\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters\r\n" +
	"    ServiceDll    REG_EXPAND_SZ    %systemroot%\\system32\\w32time.dll\r\n" +
	"    NtpServer    REG_SZ    time.windows.com,0x9\r\n" +
	"    Type    REG_SZ    NTP\r\n" +
	"    Empty    REG_SZ    \r\n\r\n" +
	"\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Config\r\n" +
	"    AnnounceFlags    REG_DWORD    0xa\r\n\r\n" +
	"\r\nSERVICE_NAME: w32time \r\n" +
	"        TYPE               : 20  WIN32_SHARE_PROCESS  \r\n" +
	"        STATE              : 4  RUNNING \r\n" +
	"                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n"

const readOut2003 = "\r\nMicrosoft Windows [Version 5.2.3790]\r\n" +
	"\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters\r\n" +
	"    NtpServer\tREG_SZ\tntp.nict.jp,0x9 time.windows.com,0xa\r\n" +
	"    Type\tREG_SZ\tAllSync\r\n\r\n" +
	"\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\W32Time\\Parameters\r\n" +
	"\tType\tREG_SZ\tNT5DS\r\n\r\n" +
	"\r\nSERVICE_NAME: w32time\r\n        TYPE               : 20  WIN32_SHARE_PROCESS\r\n" +
	"        STATE              : 1  STOPPED\r\n"

func TestParseState(t *testing.T) {
	s, err := ParseState(readOut2022)
	if err != nil {
		t.Fatal(err)
	}
	want := State{
		Version: v2022, ProductName: "Windows Server 2022 Datacenter", Service: ServiceRunning, Installed: true,
		Local:         Settings{Type: NTP, Peers: []Peer{{"time.windows.com", 9}}, Tunables: map[string]uint32{}},
		AnnounceFlags: 0xa, HasAnnounceFlags: true, PolicyTunables: map[string]uint32{},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("2022 state = %+v\nwant %+v", s, want)
	}

	s, err = ParseState(readOut2003)
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != v2003 || s.Service != ServiceStopped || s.Local.Type != AllSync || len(s.Local.Peers) != 2 ||
		s.PolicyType != NT5DS || s.PolicyPeers != nil {
		t.Errorf("2003 state = %+v", s)
	}
	if e := s.Effective(); e.Type != NT5DS || len(e.Peers) != 2 {
		t.Errorf("policy should override Type only: %+v", e)
	}

	notInstalled := "Microsoft Windows [Version 10.0.20348.587]\r\n[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n"
	s, err = ParseState(notInstalled)
	if err != nil || s.Installed || s.Service != ServiceNotInstalled {
		t.Errorf("not installed: %+v, %v", s, err)
	}

	// Values other tools wrote in unknown forms are kept, to show as drift.
	odd := strings.Replace(readOut2022, "Type    REG_SZ    NTP", "Type    REG_SZ    Bogus", 1)
	odd = strings.Replace(odd, "time.windows.com,0x9", "a.pool.ntp.org,b.pool.ntp.org c,0x9", 1)
	s, err = ParseState(odd)
	if err != nil {
		t.Fatal(err)
	}
	wantPeers := []Peer{{"a.pool.ntp.org,b.pool.ntp.org", 0}, {"c", 9}}
	if s.Local.Type != "Bogus" || !reflect.DeepEqual(s.Local.Peers, wantPeers) {
		t.Errorf("odd values: Type %q, peers %v", s.Local.Type, s.Local.Peers)
	}
	if m := Mismatch(s, Settings{Type: NTP, Peers: []Peer{{"c", 9}}}); m == "" {
		t.Error("odd values should differ from a valid configuration")
	}

	// A Group Policy AnnounceFlags overrides the local one.
	pol := strings.Replace(readOut2022, "\r\nSERVICE_NAME", "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\W32Time\\Config\r\n"+
		"    AnnounceFlags    REG_DWORD    0x5\r\n\r\n\r\nSERVICE_NAME", 1)
	s, err = ParseState(pol)
	if err != nil || s.PolicyAnnounceFlags == nil || !s.Reliable() {
		t.Fatalf("policy AnnounceFlags: %+v, %v", s, err)
	}
	no := false
	if m := Mismatch(s, Settings{Type: NTP, Reliable: &no}); !strings.Contains(m, "Group Policy") {
		t.Errorf("policy AnnounceFlags mismatch = %q", m)
	}
}

func TestApplyCommand(t *testing.T) {
	peers := []Peer{{"ntp.nict.jp", 0x9}, {"time.windows.com", 0xa}}
	yes, no := true, false
	running := func(v Version) State { return State{Version: v, Installed: true, Service: ServiceRunning} }
	tests := []struct {
		name  string
		state State
		want  Settings
		steps string // the part before the read-back
	}{
		{"2022 AllSync", running(v2022), Settings{Type: AllSync, Peers: peers},
			`w32tm /config /syncfromflags:ALL /manualpeerlist:"ntp.nict.jp,0x9 time.windows.com,0xa" /update`},
		{"2003 AllSync", running(v2003), Settings{Type: AllSync, Peers: peers},
			`w32tm /config /syncfromflags:DOMHIER,MANUAL /manualpeerlist:"ntp.nict.jp,0x9 time.windows.com,0xa" /update`},
		{"2008 NoSync", running(v2008), Settings{Type: NoSync}, `w32tm /config /syncfromflags:NO /update`},
		{"2003 NoSync", running(v2003), Settings{Type: NoSync},
			`reg add "` + ParametersKey + `" /v Type /t REG_SZ /d NoSync /f && w32tm /config /update`},
		{"2003 NTP", running(v2003), Settings{Type: NTP, Peers: peers[:1]}, `w32tm /config /syncfromflags:MANUAL /manualpeerlist:"ntp.nict.jp,0x9" /update`},
		{"2022 NT5DS", running(v2022), Settings{Type: NT5DS}, `w32tm /config /syncfromflags:DOMHIER /update`},
		{"2003 reliable", running(v2003), Settings{Type: NTP, Peers: peers[:1], Reliable: &yes},
			`w32tm /config /syncfromflags:MANUAL /manualpeerlist:"ntp.nict.jp,0x9" /reliable:YES /update`},
		{"2003 NoSync not reliable", running(v2003), Settings{Type: NoSync, Reliable: &no},
			`reg add "` + ParametersKey + `" /v Type /t REG_SZ /d NoSync /f && w32tm /config /reliable:NO /update`},
		{"stopped", State{Version: v2022, Installed: true, Service: ServiceStopped}, Settings{Type: NT5DS},
			`net start w32time & w32tm /config /syncfromflags:DOMHIER /update`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ApplyCommand(tc.state, tc.want, false)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.steps + " && (" + ReadCommand() + ")"
			if got != want {
				t.Errorf("ApplyCommand =\n%s\nwant\n%s", got, want)
			}
		})
	}

	errCases := []struct {
		name  string
		state State
		want  Settings
	}{
		{"bad address", running(v2022), Settings{Type: NTP, Peers: []Peer{{"a&calc", 9}}}},
		{"empty peers", running(v2022), Settings{Type: NTP, Peers: []Peer{}}},
		{"bad type", running(v2022), Settings{Type: "Manual"}},
		{"not installed", State{Version: v2022, Service: ServiceNotInstalled}, Settings{Type: NTP}},
		{"NT4", State{Version: Version{4, 0, 1381, 0}, Installed: true, Service: ServiceRunning}, Settings{Type: NTP}},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ApplyCommand(tc.state, tc.want, false); err == nil {
				t.Errorf("ApplyCommand(%+v, %+v) succeeded, want an error", tc.state, tc.want)
			}
		})
	}
}

func TestMismatch(t *testing.T) {
	peers := []Peer{{"ntp.nict.jp", 0x9}}
	s := State{Local: Settings{Type: NTP, Peers: []Peer{{"NTP.nict.jp", 0x9}}}}
	if m := Mismatch(s, Settings{Type: NTP, Peers: peers}); m != "" {
		t.Errorf("equal by meaning, got %q", m)
	}
	if m := Mismatch(s, Settings{Type: NTP}); m != "" {
		t.Errorf("unmanaged peers are not compared, got %q", m)
	}
	yes := true
	if m := Mismatch(s, Settings{Type: NTP, Reliable: &yes}); !strings.Contains(m, "reliable") {
		t.Errorf("reliable mismatch not reported, got %q", m)
	}
	s.AnnounceFlags = AnnounceReliable
	if m := Mismatch(s, Settings{Type: NTP, Reliable: &yes}); m != "" {
		t.Errorf("reliable host, got %q", m)
	}
	s.PolicyType = NT5DS
	if m := Mismatch(s, Settings{Type: NTP, Peers: peers}); !strings.Contains(m, "Group Policy") {
		t.Errorf("policy override should be named, got %q", m)
	}
}

func BenchmarkParseState(b *testing.B) {
	for b.Loop() {
		if _, err := ParseState(readOut2022); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyCommand(b *testing.B) {
	st := State{Version: v2003, Installed: true, Service: ServiceRunning}
	want := Settings{Type: AllSync, Peers: []Peer{{"ntp.nict.jp", 0x9}, {"time.windows.com", 0xa}}}
	for b.Loop() {
		if _, err := ApplyCommand(st, want, false); err != nil {
			b.Fatal(err)
		}
	}
}
