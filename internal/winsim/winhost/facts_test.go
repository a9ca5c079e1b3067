package winhost

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// TestFactsRegistry checks the keys the provider reads host facts from, on every release, role and
// locale: the names, the primary DNS suffix, ProductType, the language and code pages, the build.
func TestFactsRegistry(t *testing.T) {
	roles := []struct {
		role        Role
		productType string
		domain      string
	}{
		{Standalone, "ServerNT", ""},
		{Member, "ServerNT", "example.com"},
		{DomainController, "LanmanNT", "example.com"},
	}
	for _, p := range Profiles() {
		for _, r := range roles {
			for _, l := range []Locale{EnUS, JaJP} {
				t.Run(fmt.Sprintf("%s/%s/%s", p, r.role, l), func(t *testing.T) {
					h := newHost(t, Config{Profile: p, Role: r.role, Locale: l, Hostname: "web-01"})
					lang, oem, acp := "0409", "437", "1252"
					if l == JaJP {
						lang, oem, acp = "0411", "932", "932"
					}
					for _, c := range []struct{ key, name, want string }{
						{`HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, "Hostname", "web-01"},
						{`HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, "Domain", r.domain},
						{`HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`, "NV Domain", r.domain},
						{`HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`, "ComputerName", "WEB-01"},
						{`HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType", r.productType},
						{`HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language`, "Default", lang},
						{`HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language`, "InstallLanguage", lang},
						{`HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage`, "OEMCP", oem},
						{`HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage`, "ACP", acp},
						{`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "CurrentBuildNumber", profiles[p].build},
					} {
						if v, ok := h.GetValue(c.key, c.name); !ok || v.Type != "REG_SZ" || v.Str != c.want {
							t.Errorf("%s\\%s = %+v, want %q", c.key, c.name, v, c.want)
						}
					}
					ubr, hasUBR := h.GetValue(`HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`, "UBR")
					if hasUBR != p.atLeast(P2016) || ubr.Num != uint64(profiles[p].ubr) {
						t.Errorf("UBR = %+v", ubr)
					}
				})
			}
		}
	}
}

// TestWmicComputerSystem checks wmic's answer for every role, its bytes (CR CR LF), the backup
// controller option, the table form, and that Server 2025 has no wmic.
func TestWmicComputerSystem(t *testing.T) {
	const line = `wmic computersystem get Domain,DomainRole,PartOfDomain /value <nul 2>nul`
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"standalone", Config{}, "\r\r\n\r\r\nDomain=WORKGROUP\r\r\nDomainRole=2\r\r\nPartOfDomain=FALSE\r\r\n\r\r\n\r\r\n"},
		{"member", Config{Role: Member}, "\r\r\n\r\r\nDomain=example.com\r\r\nDomainRole=3\r\r\nPartOfDomain=TRUE\r\r\n\r\r\n\r\r\n"},
		{"pdc", Config{Role: DomainController}, "\r\r\n\r\r\nDomain=example.com\r\r\nDomainRole=5\r\r\nPartOfDomain=TRUE\r\r\n\r\r\n\r\r\n"},
		{"bdc", Config{Role: DomainController, BackupDC: true}, "\r\r\n\r\r\nDomain=example.com\r\r\nDomainRole=4\r\r\nPartOfDomain=TRUE\r\r\n\r\r\n\r\r\n"},
		{"2003 ja-JP", Config{Profile: P2003, Locale: JaJP, Role: Member}, "\r\r\n\r\r\nDomain=example.com\r\r\nDomainRole=3\r\r\nPartOfDomain=TRUE\r\r\n\r\r\n\r\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, tt.cfg)
			if got := mustRun(t, h, line); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	h := newHost(t, Config{Role: Member})
	if got := mustRun(t, h, "wmic computersystem get PartOfDomain,domain"); got != "Domain       PartOfDomain  \r\r\nexample.com  TRUE          \r\r\n\r\r\n" {
		t.Errorf("table: %q", got)
	}
	if _, _, code := run(t, h, "wmic computersystem get Nope /value"); code == 0 {
		t.Error("an unknown property succeeded")
	}
	h = newHost(t, Config{Profile: P2025})
	if out, errOut, code := run(t, h, line); code != exitNotRecognized || out != "" || errOut != "" {
		t.Errorf("2025: exit %d %q %q", code, out, errOut)
	}
	if _, errOut, code := run(t, h, "wmic computersystem get Domain /value"); code != exitNotRecognized || !strings.Contains(errOut, "'wmic' is not recognized") {
		t.Errorf("2025: exit %d %q", code, errOut)
	}
}

// TestOEMCodePages checks that program output is in the OEM code page where UTF-8 is not honoured
// (2003, or a shell asking for no code page): non-ASCII data in a reg value and a host name comes
// out in that code page's bytes, messages stay English, and OEMCP says which.
func TestOEMCodePages(t *testing.T) {
	tests := []struct {
		cp   int
		enc  encoding.Encoding
		data string // representable in cp
	}{
		{850, charmap.CodePage850, "horloge-é.example"},
		{866, charmap.CodePage866, "время.example"},
		{936, simplifiedchinese.GBK, "时间.example"},
		{949, korean.EUCKR, "시간.example"},
		{950, traditionalchinese.Big5, "時間.example"},
		{437, charmap.CodePage437, "zeit-ü.example"},
	}
	for _, tt := range tests {
		for _, p := range []Profile{P2003, P2022} {
			t.Run(fmt.Sprintf("%d/%s", tt.cp, p), func(t *testing.T) {
				h := newHost(t, Config{Profile: p, OEMCodePage: tt.cp, Hostname: "Hôte"})
				if got, _ := h.GetValue(`HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage`, "OEMCP"); got.Str != fmt.Sprint(tt.cp) {
					t.Errorf("OEMCP = %q", got.Str)
				}
				h.SetString(kParams, "NtpServer", tt.data+",0x9")
				want, err := tt.enc.NewEncoder().String("REG_SZ" + map[bool]string{true: "\t", false: "    "}[p == P2003] + tt.data + ",0x9\r\n")
				if err != nil {
					t.Fatal(err)
				}
				requested := 65001
				if p != P2003 {
					requested = 0 // 2022 honours 65001: ask for the OEM default instead
				}
				r := h.Exec(context.Background(), `reg query "`+kParams+`" /v NtpServer`, requested)
				if !strings.Contains(string(r.Stdout), want) {
					t.Errorf("stdout % x lacks % x", r.Stdout, want)
				}
				r = h.Exec(context.Background(), `w32tm /config /update`, requested)
				if string(r.Stdout) != "The command completed successfully.\r\n" {
					t.Errorf("message %q", r.Stdout)
				}
				// ô is in every code page here but 866, 936, 949 and 950, where it becomes '?'.
				wantHost, err := tt.enc.NewEncoder().String("Hôte\r\n")
				if err != nil {
					wantHost = "H?te\r\n"
				}
				if r := h.Exec(context.Background(), "hostname", requested); string(r.Stdout) != wantHost {
					t.Errorf("hostname % x, want % x", r.Stdout, wantHost)
				}
				// UTF-8 where the release honours it.
				if r := h.Exec(context.Background(), "hostname", 65001); (string(r.Stdout) == "Hôte\r\n") != (p != P2003) {
					t.Errorf("hostname with 65001 on %s: %q", p, r.Stdout)
				}
			})
		}
	}
}
