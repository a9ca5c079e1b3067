package winhost

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

const (
	kParams  = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters`
	kConfig  = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Config`
	kClient  = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\NtpClient`
	kServer  = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\NtpServer`
	kPolicy  = `HKLM\SOFTWARE\Policies\Microsoft\W32Time\Parameters`
	kService = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time`
)

func newHost(t *testing.T, cfg Config) *Machine {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return h
}

// run executes a command line with UTF-8 output and returns stdout, stderr as strings.
func run(t *testing.T, h *Machine, cmd string) (string, string, int) {
	t.Helper()
	r := h.Exec(context.Background(), cmd, 65001)
	return decode(t, h, r.Stdout), decode(t, h, r.Stderr), r.ExitCode
}

// decode turns output back into text: a ja-JP 2003 host answers in CP932 even when 65001 was asked.
func decode(t *testing.T, h *Machine, b []byte) string {
	t.Helper()
	if h.outputCodePage(65001) != cp932 {
		return string(b)
	}
	s, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatalf("output is not CP932: % x", b)
	}
	return string(s)
}

func mustRun(t *testing.T, h *Machine, cmd string) string {
	t.Helper()
	out, errOut, code := run(t, h, cmd)
	if code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", cmd, code, out, errOut)
	}
	return out
}

func regStr(t *testing.T, h *Machine, key, name string) string {
	t.Helper()
	v, ok := h.GetValue(key, name)
	if !ok {
		t.Fatalf("%s\\%s missing", key, name)
	}
	return v.Str
}

func regNum(t *testing.T, h *Machine, key, name string) uint64 {
	t.Helper()
	v, ok := h.GetValue(key, name)
	if !ok {
		t.Fatalf("%s\\%s missing", key, name)
	}
	return v.Num
}

func TestNewDefaultsAndErrors(t *testing.T) {
	h := newHost(t, Config{})
	if got := h.Config(); !reflect.DeepEqual(got, Config{Profile: P2022, Role: Standalone, Locale: EnUS, Hostname: "WIN-SIM", OEMCodePage: 437}) {
		t.Errorf("Config() = %+v", got)
	}
	if h.ServiceState() != "RUNNING" {
		t.Errorf("ServiceState = %s", h.ServiceState())
	}
	for _, cfg := range []Config{{Profile: "2000"}, {Role: "pdc"}, {Locale: "de-DE"}, {Hostname: "a b"},
		{OEMCodePage: 1252}, {OEMCodePage: 65001}, {OEMCodePage: 12}, {Locale: JaJP, OEMCodePage: 850}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	if p, err := ParseProfile("2008 R2"); err != nil || p != P2008R2 {
		t.Errorf("ParseProfile(2008 R2) = %v, %v", p, err)
	}
	if got := Profiles(); len(got) != 9 || got[0] != P2003 || got[8] != P2025 {
		t.Errorf("Profiles() = %v", got)
	}
}

func TestVer(t *testing.T) {
	want := map[Profile]string{
		P2003: "5.2.3790", P2008: "6.0.6003", P2008R2: "6.1.7601", P2012: "6.2.9200", P2012R2: "6.3.9600",
		P2016: "10.0.14393", P2019: "10.0.17763.1821", P2022: "10.0.20348.587", P2025: "10.0.26100.1742",
	}
	for _, p := range Profiles() {
		for _, loc := range []Locale{EnUS, JaJP} {
			h := newHost(t, Config{Profile: p, Locale: loc})
			for _, cmd := range []string{"ver", "VER", "cmd /c ver", "cmd.exe /c ver"} {
				if got := mustRun(t, h, cmd); got != "\r\nMicrosoft Windows [Version "+want[p]+"]\r\n" {
					t.Errorf("%s %s %q = %q", p, loc, cmd, got)
				}
			}
			if v := regStr(t, h, `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CurrentBuildNumber"); !strings.Contains(want[p], "."+v) {
				t.Errorf("%s CurrentBuildNumber = %s", p, v)
			}
		}
	}
}

func TestRoleDefaults(t *testing.T) {
	type d struct {
		typ, ntp              string
		spi, phase, srv, minP uint64
		product               string
	}
	want := map[Role]d{
		Standalone:       {"NTP", "time.windows.com,0x9", 604800, 54000, 0, 10, "ServerNT"},
		Member:           {"NT5DS", "time.windows.com,0x9", 3600, 0xFFFFFFFF, 0, 10, "ServerNT"},
		DomainController: {"NT5DS", "time.windows.com,0x9", 3600, 172800, 1, 6, "LanmanNT"},
	}
	for _, p := range Profiles() {
		for role, w := range want {
			t.Run(fmt.Sprintf("%s/%s", p, role), func(t *testing.T) {
				h := newHost(t, Config{Profile: p, Role: role})
				// Change everything, then reset as the provider's destroy does.
				h.SetString(kParams, "Type", "NoSync")
				h.SetDWord(kClient, "SpecialPollInterval", 1)
				h.SetDWord(kConfig, "MaxPosPhaseCorrection", 1)
				mustRun(t, h, "net stop w32time && w32tm /unregister")
				if h.ServiceState() != "NOT_INSTALLED" {
					t.Fatalf("after /unregister: %s", h.ServiceState())
				}
				if _, ok := h.GetValue(kParams, "Type"); ok {
					t.Fatal("Parameters left after /unregister")
				}
				out := mustRun(t, h, "w32tm /register")
				if !strings.Contains(out, "W32Time successfully registered.") || h.ServiceState() != "STOPPED" {
					t.Fatalf("/register: %q, %s", out, h.ServiceState())
				}
				mustRun(t, h, "net start w32time")
				ntp := w.ntp
				if p == P2003 && role == Standalone {
					ntp = "time.windows.com,0x1"
				}
				if g := regStr(t, h, kParams, "Type"); g != w.typ {
					t.Errorf("Type = %s, want %s", g, w.typ)
				}
				if g := regStr(t, h, kParams, "NtpServer"); g != ntp {
					t.Errorf("NtpServer = %s, want %s", g, ntp)
				}
				for _, c := range []struct {
					key, name string
					want      uint64
				}{
					{kClient, "SpecialPollInterval", w.spi}, {kConfig, "MaxPosPhaseCorrection", w.phase},
					{kConfig, "MaxNegPhaseCorrection", w.phase}, {kServer, "Enabled", w.srv},
					{kConfig, "MinPollInterval", w.minP}, {kConfig, "AnnounceFlags", 10},
					{kClient, "CrossSiteSyncFlags", 2}, {kClient, "Enabled", 1},
					{kClient, "ResolvePeerBackoffMinutes", 15}, {kClient, "ResolvePeerBackoffMaxTimes", 7},
				} {
					if g := regNum(t, h, c.key, c.name); g != c.want {
						t.Errorf("%s = %d, want %d", c.name, g, c.want)
					}
				}
				if g := regStr(t, h, `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType"); g != w.product {
					t.Errorf("ProductType = %s", g)
				}
			})
		}
	}
}

func TestRegQueryFormat(t *testing.T) {
	for _, p := range Profiles() {
		h := newHost(t, Config{Profile: p})
		h.DeleteKey(kParams)
		h.SetString(kParams, "NtpServer", "time.windows.com,0x9")
		h.SetString(kParams, "Type", "NTP")
		out := mustRun(t, h, `reg query "`+kParams+`"`)
		want := "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters\r\n" +
			"    NtpServer    REG_SZ    time.windows.com,0x9\r\n    Type    REG_SZ    NTP\r\n\r\n"
		if p == P2003 {
			want = "\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters\r\n" +
				"    NtpServer\tREG_SZ\ttime.windows.com,0x9\r\n    Type\tREG_SZ\tNTP\r\n\r\n"
		}
		if out != want {
			t.Errorf("%s: reg query =\n%q\nwant\n%q", p, out, want)
		}
		out = mustRun(t, h, `reg.exe QUERY hkey_local_machine\SYSTEM\CurrentControlSet\Services\W32Time\TimeProviders\NtpClient /v specialpollinterval`)
		sep := "    "
		if p == P2003 {
			sep = "\t"
		}
		if !strings.Contains(out, "    SpecialPollInterval"+sep+"REG_DWORD"+sep+"0x93a80\r\n") {
			t.Errorf("%s: DWORD query = %q", p, out)
		}
		// A key listing shows subkeys after the values.
		out = mustRun(t, h, `reg query `+kService)
		if !strings.Contains(out, "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Config\r\n") {
			t.Errorf("%s: subkeys missing: %q", p, out)
		}
		out = mustRun(t, h, `reg query `+kService+` /s`)
		if !strings.Contains(out, "TimeProviders\\NtpServer\r\n") || !strings.Contains(out, "SpecialPollInterval") {
			t.Errorf("%s: /s = %q", p, out)
		}
		for _, cmd := range []string{
			`reg query ` + kPolicy,
			`reg query ` + kParams + ` /v Nope`,
		} {
			out, errOut, code := run(t, h, cmd)
			if code != 1 || out != "" || errOut != "ERROR: The system was unable to find the specified registry key or value.\r\n" {
				t.Errorf("%s: %s = %q %q %d", p, cmd, out, errOut, code)
			}
		}
		if _, errOut, code := run(t, h, `reg query HKXX\Software`); code != 1 || !strings.Contains(errOut, "Invalid key name") {
			t.Errorf("%s: bad root: %q %d", p, errOut, code)
		}
	}
}

func TestRegAddDelete(t *testing.T) {
	h := newHost(t, Config{})
	k := `HKLM\SOFTWARE\Sim Test`
	cases := []struct {
		args, want string
		val        Value
	}{
		{`/v S /t REG_SZ /d "hello world"`, "S    REG_SZ    hello world", Value{Type: "REG_SZ", Str: "hello world"}},
		{`/v E /t REG_EXPAND_SZ /d ^%SystemRoot^%\x`, `E    REG_EXPAND_SZ    %SystemRoot%\x`, Value{Type: "REG_EXPAND_SZ", Str: `%SystemRoot%\x`}},
		{`/v D /t REG_DWORD /d 0x93a80`, "D    REG_DWORD    0x93a80", Value{Type: "REG_DWORD", Num: 604800}},
		{`/v D2 /t reg_dword /d 15`, "D2    REG_DWORD    0xf", Value{Type: "REG_DWORD", Num: 15}},
		{`/v Q /t REG_QWORD /d 0x100000000`, "Q    REG_QWORD    0x100000000", Value{Type: "REG_QWORD", Num: 1 << 32}},
		{`/v M /t REG_MULTI_SZ /d a\0b`, `M    REG_MULTI_SZ    a\0b`, Value{Type: "REG_MULTI_SZ", Multi: []string{"a", "b"}}},
		{`/v B /t REG_BINARY /d 0aff`, "B    REG_BINARY    0AFF", Value{Type: "REG_BINARY", Bin: []byte{0x0a, 0xff}}},
		{`/ve /d def`, "(Default)    REG_SZ    def", Value{Type: "REG_SZ", Str: "def"}},
	}
	for _, c := range cases {
		out := mustRun(t, h, `reg add "`+k+`" `+c.args+` /f`)
		if out != "The operation completed successfully.\r\n" {
			t.Errorf("reg add %s: %q", c.args, out)
		}
		name := strings.Fields(c.want)[0]
		if name == "(Default)" {
			name = ""
		}
		if got, _ := h.GetValue(k, name); fmt.Sprint(got) != fmt.Sprint(c.val) {
			t.Errorf("GetValue %s = %+v, want %+v", name, got, c.val)
		}
		if out := mustRun(t, h, `reg query "`+k+`"`); !strings.Contains(out, "    "+c.want+"\r\n") {
			t.Errorf("query after %s: %q", c.args, out)
		}
	}
	// Without /f the prompt meets empty input.
	if out, _, code := run(t, h, `reg add "`+k+`" /v S /d x`); code != 1 || !strings.Contains(out, "overwrite") {
		t.Errorf("add without /f: %q %d", out, code)
	}
	if _, errOut, code := run(t, h, `reg add "`+k+`" /v D /t REG_DWORD /d zz /f`); code != 1 || !strings.Contains(errOut, "Invalid syntax") {
		t.Errorf("bad dword: %q %d", errOut, code)
	}
	if _, errOut, code := run(t, h, `reg add "`+k+`" /v D /t REG_FOO /d 1 /f`); code != 1 || !strings.Contains(errOut, "REG ADD /?") {
		t.Errorf("bad type: %q %d", errOut, code)
	}
	mustRun(t, h, `reg delete "`+k+`" /v S /f`)
	if _, ok := h.GetValue(k, "S"); ok {
		t.Error("value survived reg delete")
	}
	if _, _, code := run(t, h, `reg delete "`+k+`" /v S /f`); code != 1 {
		t.Errorf("deleting a missing value: exit %d", code)
	}
	if _, _, code := run(t, h, `reg delete "`+k+`" /f`); code != 0 || h.KeyExists(k) {
		t.Errorf("reg delete key: exit %d, exists %v", code, h.KeyExists(k))
	}
	if _, _, code := run(t, h, `reg delete HKLM /f`); code != 1 {
		t.Errorf("deleting a hive root: exit %d", code)
	}
	if _, errOut, code := run(t, h, `reg frobnicate`); code != 1 || !strings.Contains(errOut, "Invalid syntax") {
		t.Errorf("reg frobnicate: %q %d", errOut, code)
	}
}

func TestSyncFromFlags(t *testing.T) {
	cases := []struct {
		flags    string
		old, new string // expected Type, "" = command fails and Type is unchanged
	}{
		{"MANUAL", "NTP", "NTP"},
		{"manual", "NTP", "NTP"},
		{"DOMHIER", "NT5DS", "NT5DS"},
		{"DOMHIER,MANUAL", "AllSync", "AllSync"},
		{"manual,domhier", "AllSync", "AllSync"},
		{"ALL", "", "AllSync"},
		{"all", "", "AllSync"},
		{"NO", "", "NoSync"},
		{"NO,MANUAL", "", ""},
		{"BOGUS", "", ""},
		{"", "", ""},
	}
	for _, p := range Profiles() {
		for _, c := range cases {
			h := newHost(t, Config{Profile: p, Role: Member})
			cmd := fmt.Sprintf(`w32tm /config /syncfromflags:%s /manualpeerlist:"ntp.nict.jp,0x9 b,0x8" /update`, c.flags)
			out, _, code := run(t, h, cmd)
			want := c.new
			if p == P2003 {
				want = c.old
			}
			if want == "" {
				if code == 0 || out != "The following error occurred: The parameter is incorrect. (0x80070057)\r\n" {
					t.Errorf("%s %s: %q exit %d, want failure", p, c.flags, out, code)
				}
				if g := regStr(t, h, kParams, "Type"); g != "NT5DS" {
					t.Errorf("%s %s: Type changed to %s", p, c.flags, g)
				}
				continue
			}
			if code != 0 || out != "The command completed successfully.\r\n" {
				t.Errorf("%s %s: %q exit %d", p, c.flags, out, code)
			}
			if g := regStr(t, h, kParams, "Type"); g != want {
				t.Errorf("%s %s: Type = %s, want %s", p, c.flags, g, want)
			}
			if g := regStr(t, h, kParams, "NtpServer"); g != "ntp.nict.jp,0x9 b,0x8" {
				t.Errorf("%s: NtpServer = %q", p, g)
			}
		}
	}
}

// TestNoSync2003 is the provider's plan for NoSync on 2003: reg add of Type, then /config /update.
func TestNoSync2003(t *testing.T) {
	h := newHost(t, Config{Profile: P2003})
	out := mustRun(t, h, `reg add "`+kParams+`" /v Type /t REG_SZ /d NoSync /f && w32tm /config /update`)
	if out != "The operation completed successfully.\r\nThe command completed successfully.\r\n" {
		t.Errorf("output %q", out)
	}
	if g := regStr(t, h, kParams, "Type"); g != "NoSync" {
		t.Errorf("Type = %s", g)
	}
}

func TestReliableAndOptions(t *testing.T) {
	for _, p := range Profiles() {
		h := newHost(t, Config{Profile: p})
		mustRun(t, h, "w32tm /config /reliable:YES /update")
		if g := regNum(t, h, kConfig, "AnnounceFlags"); g != 5 {
			t.Errorf("%s: reliable YES AnnounceFlags = %d", p, g)
		}
		mustRun(t, h, "W32TM.EXE /CONFIG /RELIABLE:no /computer:localhost")
		if g := regNum(t, h, kConfig, "AnnounceFlags"); g != 10 {
			t.Errorf("%s: reliable NO AnnounceFlags = %d", p, g)
		}
		for _, bad := range []string{"w32tm /config /reliable:maybe", "w32tm /config /bogus", "w32tm /config /update:x", "w32tm /frob"} {
			if _, _, code := run(t, h, bad); code == 0 {
				t.Errorf("%s: %q succeeded", p, bad)
			}
		}
	}
}

func TestServiceStopped(t *testing.T) {
	for _, p := range Profiles() {
		for _, loc := range []Locale{EnUS, JaJP} {
			h := newHost(t, Config{Profile: p, Locale: loc})
			h.SetServiceRunning(false)
			if h.ServiceState() != "STOPPED" {
				t.Fatal(h.ServiceState())
			}
			notStarted := "The following error occurred: The service has not been started. (0x80070426)\r\n"
			if loc == JaJP {
				notStarted = "次のエラーが発生しました: サービスは開始されていません。 (0x80070426)\r\n"
			}
			// /config without /update writes; with /update it writes and fails.
			mustRun(t, h, "w32tm /config /syncfromflags:MANUAL")
			out, _, code := run(t, h, `w32tm /config /manualpeerlist:"x,0x8" /update`)
			if code != int(hrServiceNotActive) || out != notStarted {
				t.Errorf("%s %s /update: %q %d", p, loc, out, code)
			}
			if g := regStr(t, h, kParams, "NtpServer"); g != "x,0x8" {
				t.Errorf("%s: NtpServer = %s", p, g)
			}
			out, _, code = run(t, h, "w32tm /resync /nowait")
			if code == 0 || !strings.HasSuffix(out, notStarted) {
				t.Errorf("%s %s /resync: %q %d", p, loc, out, code)
			}
			if p != P2003 {
				if out, _, code = run(t, h, "w32tm /query /status"); code == 0 || out != notStarted {
					t.Errorf("%s %s /query: %q %d", p, loc, out, code)
				}
			}
			out = mustRun(t, h, "sc query w32time")
			if !regexp.MustCompile(`(?m)^        STATE              : 1  STOPPED`).MatchString(out) {
				t.Errorf("%s sc query: %q", p, out)
			}
			_, errOut, code := run(t, h, "net stop w32time")
			if code != 2 || !strings.Contains(errOut, "3521") {
				t.Errorf("%s net stop when stopped: %q %d", p, errOut, code)
			}
			out = mustRun(t, h, "net start w32time")
			wantStart := "The Windows Time service is starting.\r\nThe Windows Time service was started successfully.\r\n\r\n"
			if loc == JaJP {
				wantStart = "Windows Time サービスを開始します.\r\nWindows Time サービスは正常に開始されました。\r\n\r\n"
			}
			if out != wantStart || h.ServiceState() != "RUNNING" {
				t.Errorf("%s %s net start: %q %s", p, loc, out, h.ServiceState())
			}
			if _, errOut, code := run(t, h, "net start w32time"); code != 2 || !strings.Contains(errOut, "2182") {
				t.Errorf("%s net start twice: %q %d", p, errOut, code)
			}
			out = mustRun(t, h, "sc query W32Time")
			if !regexp.MustCompile(`(?m)^        STATE              : 4  RUNNING`).MatchString(out) || !strings.Contains(out, "SERVICE_NAME: W32Time") {
				t.Errorf("%s sc query: %q", p, out)
			}
			if out := mustRun(t, h, "w32tm /resync"); !strings.HasSuffix(out, "\r\n") || !strings.Contains(out, messages[mCmdOK][localeIndex(loc)]) {
				t.Errorf("%s %s /resync: %q", p, loc, out)
			}
			out = mustRun(t, h, `net stop "Windows Time"`)
			if loc == EnUS && out != "The Windows Time service is stopping.\r\nThe Windows Time service was stopped successfully.\r\n\r\n" {
				t.Errorf("%s net stop: %q", p, out)
			}
		}
	}
}

func localeIndex(l Locale) int {
	if l == JaJP {
		return 1
	}
	return 0
}

func TestNotInstalled(t *testing.T) {
	h := newHost(t, Config{Profile: P2019})
	mustRun(t, h, "w32tm /unregister")
	out, _, code := run(t, h, "sc query w32time")
	if code != 1060 || !strings.Contains(out, "FAILED 1060") {
		t.Errorf("sc query: %q %d", out, code)
	}
	if _, errOut, code := run(t, h, "net start w32time"); code != 2 || !strings.Contains(errOut, "The service name is invalid.") {
		t.Errorf("net start: %q %d", errOut, code)
	}
	if out, _, code := run(t, h, "w32tm /config /update"); code != int(hrServiceNotExist) || !strings.Contains(out, "0x80070424") {
		t.Errorf("/config: %q %d", out, code)
	}
	if _, _, code := run(t, h, "sc query spooler"); code != 1060 {
		t.Errorf("sc query other: %d", code)
	}
}

func TestPolicyOverride(t *testing.T) {
	for _, p := range []Profile{P2008, P2016, P2022} {
		h := newHost(t, Config{Profile: p, Role: Member})
		h.SetString(kPolicy, "Type", "NTP")
		h.SetString(kPolicy, "NtpServer", "policy.example.com,0x9")
		mustRun(t, h, `w32tm /config /syncfromflags:DOMHIER /manualpeerlist:"local.example.com,0x8" /update`)
		if g := regStr(t, h, kPolicy, "Type"); g != "NTP" {
			t.Errorf("policy Type = %s", g)
		}
		if g := regStr(t, h, kParams, "Type"); g != "NT5DS" {
			t.Errorf("local Type = %s", g)
		}
		out := mustRun(t, h, "w32tm /query /configuration")
		for _, want := range []string{"Type: NTP (Policy)\r\n", "NtpServer: policy.example.com,0x9 (Policy)\r\n", "SpecialPollInterval: 3600 (Local)\r\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: /query /configuration lacks %q:\n%s", p, want, out)
			}
		}
		if strings.Contains(out, "CrossSiteSyncFlags") {
			t.Errorf("%s: CrossSiteSyncFlags shown for NTP", p)
		}
		if out := mustRun(t, h, "w32tm /query /source"); out != "policy.example.com,0x9\r\n" {
			t.Errorf("%s: /source = %q", p, out)
		}
		// The provider's read: the policy query shows the key.
		out = mustRun(t, h, `reg query "`+kPolicy+`"`)
		if !strings.Contains(out, "    Type    REG_SZ    NTP\r\n") {
			t.Errorf("policy reg query: %q", out)
		}
		h.DeleteKey(`HKLM\SOFTWARE\Policies\Microsoft\W32Time`)
		out = mustRun(t, h, "w32tm /query /configuration")
		if !strings.Contains(out, "Type: NT5DS (Local)\r\n") || !strings.Contains(out, "CrossSiteSyncFlags: 2 (Local)") || strings.Contains(out, "NtpServer: ") {
			t.Errorf("%s: after policy removal:\n%s", p, out)
		}
	}
}

func TestQuery(t *testing.T) {
	h := newHost(t, Config{Profile: P2022})
	out := mustRun(t, h, "w32tm /query /status /verbose")
	for _, want := range []string{"Stratum: 3 (secondary reference - syncd by (S)NTP)\r\n", "Source: time.windows.com,0x9\r\n", "Last Successful Sync Time: "} {
		if !strings.Contains(out, want) {
			t.Errorf("/status lacks %q: %q", want, out)
		}
	}
	out = mustRun(t, h, "w32tm /query /peers")
	if !strings.HasPrefix(out, "#Peers: 1\r\n\r\nPeer: time.windows.com,0x9\r\n") {
		t.Errorf("/peers: %q", out)
	}
	mustRun(t, h, "w32tm /config /syncfromflags:NO /update")
	out = mustRun(t, h, "w32tm /query /status")
	for _, want := range []string{"Stratum: 0 (unspecified)\r\n", "Last Successful Sync Time: unspecified\r\n", "Source: Local CMOS Clock\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("unsynced /status lacks %q: %q", want, out)
		}
	}
	if out := mustRun(t, h, "w32tm /query /source"); out != "Local CMOS Clock\r\n" {
		t.Errorf("/source = %q", out)
	}
	if out := mustRun(t, h, "w32tm /query /peers"); out != "#Peers: 0\r\n\r\n" {
		t.Errorf("/peers = %q", out)
	}
	if _, _, code := run(t, h, "w32tm /query"); code == 0 {
		t.Error("/query without what succeeded")
	}
	out = mustRun(t, h, "w32tm /dumpreg /subkey:Parameters")
	if !strings.Contains(out, "Value Name") || !regexp.MustCompile(`(?m)^Type +REG_SZ +NoSync\r$`).MatchString(out) {
		t.Errorf("/dumpreg: %q", out)
	}
	if _, _, code := run(t, h, "w32tm /dumpreg /subkey:Nope"); code == 0 {
		t.Error("/dumpreg of a missing subkey succeeded")
	}
	if out := mustRun(t, h, "w32tm /tz"); !strings.HasPrefix(out, "Time zone: ") {
		t.Errorf("/tz: %q", out)
	}
	h2 := newHost(t, Config{Profile: P2003})
	out, _, code := run(t, h2, "w32tm /query /source")
	if code == 0 || !strings.Contains(out, "The command /query is unknown.") {
		t.Errorf("2003 /query: %q %d", out, code)
	}
	m := newHost(t, Config{Role: Member})
	if out := mustRun(t, m, "w32tm /query /source"); out != "DC01.example.com\r\n" {
		t.Errorf("member /source: %q", out)
	}
}

func TestNotElevated(t *testing.T) {
	for _, p := range Profiles() {
		for _, loc := range []Locale{EnUS, JaJP} {
			h := newHost(t, Config{Profile: p, Locale: loc})
			h.SetElevated(false)
			denied := "The following error occurred: Access is denied. (0x80070005)\r\n"
			if loc == JaJP {
				denied = "次のエラーが発生しました: アクセスが拒否されました。 (0x80070005)\r\n"
			}
			for _, cmd := range []string{"w32tm /config /syncfromflags:MANUAL /update", "w32tm /register", "w32tm /unregister"} {
				if out, _, code := run(t, h, cmd); code != int(hrAccessDenied) || out != denied {
					t.Errorf("%s %s %s: %q %d", p, loc, cmd, out, code)
				}
			}
			if _, errOut, code := run(t, h, `reg add HKLM\SOFTWARE\X /v a /d b /f`); code != 1 || !strings.Contains(errOut, "ERROR: Access is denied.") && !strings.Contains(errOut, "アクセスが拒否されました") {
				t.Errorf("%s reg add: %q %d", p, errOut, code)
			}
			if _, _, code := run(t, h, `reg delete "`+kParams+`" /v Type /f`); code != 1 {
				t.Errorf("%s reg delete: %d", p, code)
			}
			if _, errOut, code := run(t, h, "net stop w32time"); code != 2 || !strings.Contains(errOut, "5") {
				t.Errorf("%s net stop: %q %d", p, errOut, code)
			}
			mustRun(t, h, `reg add HKCU\Software\X /v a /d b /f`)
			mustRun(t, h, `reg query "`+kParams+`"`)
			if g := regStr(t, h, kParams, "Type"); g != "NTP" || h.ServiceState() != "RUNNING" {
				t.Errorf("%s: state changed: %s %s", p, g, h.ServiceState())
			}
		}
	}
}

func TestLocaleEncoding(t *testing.T) {
	sjis := func(s string) []byte {
		b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ok := "コマンドは正しく完了しました。\r\n"
	cases := []struct {
		p        Profile
		loc      Locale
		cp       int
		wantUTF8 bool
	}{
		{P2022, JaJP, 65001, true},
		{P2022, JaJP, 0, false},
		{P2022, JaJP, 932, false},
		{P2003, JaJP, 65001, false},
		{P2003, JaJP, 0, false},
		{P2008, JaJP, 65001, true},
	}
	for _, c := range cases {
		h := newHost(t, Config{Profile: c.p, Locale: c.loc})
		r := h.Exec(context.Background(), "w32tm /config /update", c.cp)
		want := []byte(ok)
		if !c.wantUTF8 {
			want = sjis(ok)
		}
		if string(r.Stdout) != string(want) || r.ExitCode != 0 {
			t.Errorf("%s %s cp%d: % x", c.p, c.loc, c.cp, r.Stdout)
		}
	}
	// reg output stays untranslated; the ja-JP message around it is Japanese.
	h := newHost(t, Config{Profile: P2003, Locale: JaJP})
	r := h.Exec(context.Background(), `reg query `+kParams+` /v Type & reg query HKLM\Nope`, 65001)
	if !strings.Contains(string(r.Stdout), "    Type\tREG_SZ\tNTP\r\n") {
		t.Errorf("ja reg query: %q", r.Stdout)
	}
	if string(r.Stderr) != string(sjis("エラー: 指定されたレジストリ キーまたは値が見つかりませんでした。\r\n")) {
		t.Errorf("ja reg error: % x", r.Stderr)
	}
	// en-US: non-ASCII that CP437 lacks becomes '?'.
	h = newHost(t, Config{Profile: P2003})
	if r := h.Exec(context.Background(), "echo 日本 ü", 65001); string(r.Stdout) != "?? \x81\r\n" {
		t.Errorf("en 2003 echo: %q", r.Stdout)
	}
	h = newHost(t, Config{Locale: JaJP})
	if r := h.Exec(context.Background(), "foo", 65001); string(r.Stderr) != "'foo' は、内部コマンドまたは外部コマンド、\r\n操作可能なプログラムまたはバッチ ファイルとして認識されていません。\r\n" {
		t.Errorf("ja not recognized: %q", r.Stderr)
	}
}

func TestTzutil(t *testing.T) {
	for _, p := range Profiles() {
		h := newHost(t, Config{Profile: p})
		out, errOut, code := run(t, h, "tzutil /g")
		if p == P2003 || p == P2008 {
			if code != 9009 || !strings.Contains(errOut, "'tzutil' is not recognized") {
				t.Errorf("%s tzutil: %q %d", p, errOut, code)
			}
			continue
		}
		if code != 0 || out != "UTC" {
			t.Errorf("%s tzutil /g = %q %d", p, out, code)
		}
		mustRun(t, h, `tzutil /s "Tokyo Standard Time"`)
		if out := mustRun(t, h, "tzutil.exe /g"); out != "Tokyo Standard Time" {
			t.Errorf("%s after /s: %q", p, out)
		}
		if g := regNum(t, h, `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`, "Bias"); uint32(g) != 0xfffffde4 {
			t.Errorf("%s Bias = %#x", p, g)
		}
		if _, _, code := run(t, h, `tzutil /s "Mars Standard Time"`); code == 0 {
			t.Errorf("%s: unknown zone accepted", p)
		}
		if out := mustRun(t, h, "tzutil /l"); !strings.Contains(out, "(UTC) Coordinated Universal Time\r\nUTC\r\n") {
			t.Errorf("%s /l: %q", p, out)
		}
	}
	if out := mustRun(t, newHost(t, Config{Locale: JaJP}), "tzutil /g"); out != "Tokyo Standard Time" {
		t.Errorf("ja default zone %q", out)
	}
}

func TestCmdLine(t *testing.T) {
	cases := []struct {
		cmd, out, err string
		code          int
	}{
		{"echo out && echo err>&2 && exit 1", "out \r\n", "err \r\n", 1},
		{"echo hi", "hi\r\n", "", 0},
		{"echo a & echo b", "a \r\nb\r\n", "", 0},
		{"echo", "ECHO is on.\r\n", "", 0},
		{"echo.", "\r\n", "", 0},
		{"echo off", "", "", 0},
		{`echo "a & b"`, "\"a & b\"\r\n", "", 0},
		{`echo a ^& b`, "a & b\r\n", "", 0},
		{`echo "unbalanced & b`, "\"unbalanced & b\r\n", "", 0},
		{"echo %COMPUTERNAME%", "WIN-SIM\r\n", "", 0},
		{"echo %NOPE%", "%NOPE%\r\n", "", 0},
		{"echo %SystemRoot%", "C:\\Windows\r\n", "", 0},
		{"echo a >nul", "", "", 0},
		{"echo a >NUL 2>&1", "", "", 0},
		{"echo a 1>&2", "", "a \r\n", 0},
		{"echo a >&2", "", "a \r\n", 0},
		{"foo 2>nul", "", "", 9009},
		{"foo 2>&1", "'foo' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", "", 9009},
		{"foo >nul 2>&1 || echo failed", "failed\r\n", "", 9009},
		{"reg query HKLM\\Nope 2>nul && echo yes || echo no", "no\r\n", "", 1},
		{"reg query HKLM\\Nope 2>nul & ver >nul", "", "", 1},
		{"reg query HKLM\\Nope 2>nul & sc query w32time >nul", "", "", 0},
		{"exit /b 3", "", "", 3},
		{"exit 4 & echo not here", "", "", 4},
		{"exit /b", "", "", 0},
		{"exit /b abc", "", "", 0},
		{`cmd /c "echo hi & exit /b 2"`, "hi \r\n", "", 2},
		{"(echo a & foo) 2>nul", "a \r\n", "", 9009},
		{"(echo a & echo b) >nul && echo c", "c\r\n", "", 0},
		{"echo a | foo", "", "'foo' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 9009},
		{"& echo", "", "& was unexpected at this time.\r\n", 255},
		{"echo a &&", "", "The syntax of the command is incorrect.\r\n", 255},
		{"ver\r\n", "\r\nMicrosoft Windows [Version 10.0.20348.587]\r\n", "", 0},
		{"echo a\nexit 7", "a\r\n", "", 0},
		{`"C:\Windows\system32\sc.exe" query w32time >nul`, "", "", 0},
		{`C:\Tools\sc.exe query`, "", "'C:\\Tools\\sc.exe' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 9009},
		{`"foo bar" x`, "", "'foo bar' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 9009},
		{"ver.exe", "", "'ver.exe' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", 9009},
		{"hostname", "WIN-SIM\r\n", "", 0},
		{"", "", "", 0},
	}
	for _, c := range cases {
		h := newHost(t, Config{})
		out, errOut, code := run(t, h, c.cmd)
		if out != c.out || errOut != c.err || code != c.code {
			t.Errorf("%q:\n got %q %q %d\nwant %q %q %d", c.cmd, out, errOut, code, c.out, c.err, c.code)
		}
		if hist := h.History(); len(hist) != 1 || hist[0] != c.cmd {
			t.Errorf("History = %q", hist)
		}
	}
}

func TestFileRedirect(t *testing.T) {
	h := newHost(t, Config{})
	mustRun(t, h, `echo one> out.txt & echo two>>OUT.TXT & ver <out.txt >nul`)
	if b, ok := h.File("out.txt"); !ok || string(b) != "one \r\ntwo \r\n" {
		t.Errorf("file = %q %v", b, ok)
	}
	if _, errOut, code := run(t, h, "ver < missing.txt"); code != 1 || !strings.Contains(errOut, "cannot find the file") {
		t.Errorf("missing input: %q %d", errOut, code)
	}
}

func TestHistory(t *testing.T) {
	h := newHost(t, Config{})
	cmds := []string{"ver", `reg query "HKLM\x" 2>nul`, "w32tm /resync & echo %PATH%"}
	for _, c := range cmds {
		h.Exec(context.Background(), c, 0)
	}
	if got := h.History(); strings.Join(got, "\n") != strings.Join(cmds, "\n") {
		t.Errorf("History = %q", got)
	}
	h.ClearHistory()
	if len(h.History()) != 0 {
		t.Error("ClearHistory left entries")
	}
}

func TestHangAndCancel(t *testing.T) {
	h := newHost(t, Config{})
	h.SetHang("w32tm /resync")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- h.Exec(ctx, "w32tm /resync /nowait", 0) }()
	// Other shells keep working while one command hangs.
	for {
		if len(h.History()) == 1 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("returned before cancel: %+v", r)
		default:
		}
	}
	if out := mustRun(t, h, "ver"); !strings.Contains(out, "Version") {
		t.Errorf("ver during hang: %q", out)
	}
	cancel()
	if r := <-done; r.ExitCode != exitCanceled {
		t.Errorf("hung command: %+v", r)
	}
	// A canceled context stops commands not yet run.
	h.SetHang("")
	if r := h.Exec(ctx, "w32tm /config /syncfromflags:MANUAL", 0); r.ExitCode != exitCanceled || len(r.Stdout) != 0 {
		t.Errorf("canceled ctx: %+v", r)
	}
}

func TestConcurrent(t *testing.T) {
	h := newHost(t, Config{Profile: P2019, Role: Member})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				switch (i + j) % 6 {
				case 0:
					h.Exec(context.Background(), `w32tm /config /syncfromflags:MANUAL /manualpeerlist:"a,0x9" /update`, 65001)
				case 1:
					h.Exec(context.Background(), `ver & reg query "`+kParams+`" & sc query w32time`, 0)
				case 2:
					h.SetString(kPolicy, "Type", "NTP")
					h.DeleteKey(`HKLM\SOFTWARE\Policies\Microsoft\W32Time`)
				case 3:
					h.SetServiceRunning(j%2 == 0)
					_ = h.ServiceState()
				case 4:
					_, _ = h.GetValue(kParams, "Type")
					_ = h.History()
				case 5:
					h.Exec(context.Background(), "w32tm /query /status & w32tm /query /configuration", 65001)
				}
			}
		}(i)
	}
	wg.Wait()
	if n := len(h.History()); n == 0 {
		t.Error("no history")
	}
}
