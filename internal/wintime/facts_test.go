package wintime

import (
	"strings"
	"testing"
)

func TestParseFacts(t *testing.T) {
	reg := func(key string, vals ...string) string {
		s := "\r\n" + key + "\r\n"
		for _, v := range vals {
			s += "    " + v + "\r\n"
		}
		return s + "\r\n"
	}
	cv := reg(`HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion`,
		"ProductName    REG_SZ    Windows Server 2016 Standard", "CurrentBuildNumber    REG_SZ    14393", "UBR    REG_DWORD    0x186c")
	po := func(t string) string {
		return reg(`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ProductOptions`, "ProductType    REG_SZ    "+t)
	}
	cn := reg(`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`, "ComputerName    REG_SZ    WEB01")
	tcpip := func(domain string) string {
		return reg(`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`,
			"Hostname    REG_SZ    web01", "Domain    REG_SZ    "+domain, "NV Domain    REG_SZ    "+domain)
	}
	nls := reg(`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Nls\CodePage`, "OEMCP    REG_SZ    932") +
		reg(`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Nls\Language`, "Default    REG_SZ    0411")
	const ver2016 = "\r\nMicrosoft Windows [Version 10.0.14393]\r\n"
	wmi := func(domain, role, part string) string {
		return "\r\r\n\r\r\nDomain=" + domain + "\r\r\nDomainRole=" + role + "\r\r\nPartOfDomain=" + part + "\r\r\n\r\r\n\r\r\n"
	}
	utf16 := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			b.WriteRune(r)
			b.WriteByte(0)
		}
		return b.String()
	}
	base := Facts{Version: Version{10, 0, 14393, 6252}, ProductName: "Windows Server 2016 Standard", Build: 14393, UBR: 6252,
		NetBIOSName: "WEB01", Hostname: "web01", LanguageID: "0411", Locale: "ja-JP", OEMCodePage: 932,
		TimeZone: TimeZone{ID: "Tokyo Standard Time", DSTOff: true, StandardName: "Tokyo Standard Time",
			BiasMinutes: -540, ActiveBiasMinutes: -540, HasActiveBias: true}}
	with := func(f func(*Facts)) Facts { c := base; f(&c); return c }
	tests := []struct {
		name string
		out  string
		want Facts
	}{
		{"member server from WMI", ver2016 + cv + po("ServerNT") + cn + tcpip("corp.example.com") + nls +
			wmi("corp.example.com", "3", "TRUE") + tzTokyoDSTOff, with(func(f *Facts) {
			f.ProductType, f.DomainRole, f.DomainRoleFromWMI, f.Domain = "ServerNT", MemberServer, true, "corp.example.com"
		})},
		{"primary DC from WMI in UTF-16", ver2016 + cv + po("LanmanNT") + cn + tcpip("corp.example.com") + nls +
			utf16(wmi("corp.example.com", "5", "TRUE")) + tzTokyoDSTOff, with(func(f *Facts) {
			f.ProductType, f.DomainRole, f.DomainRoleFromWMI, f.Domain = "LanmanNT", PrimaryDC, true, "corp.example.com"
		})},
		{"standalone from WMI: the workgroup is not a domain", ver2016 + cv + po("ServerNT") + cn + tcpip("dns.example") + nls +
			wmi("WORKGROUP", "2", "FALSE") + tzTokyoDSTOff, with(func(f *Facts) {
			f.ProductType, f.DomainRole, f.DomainRoleFromWMI, f.Domain = "ServerNT", StandaloneServer, true, "dns.example"
		})},
		{"DC without WMI", ver2016 + cv + po("LanmanNT") + cn + tcpip("corp.example.com") + nls +
			"'wmic' is not recognized as an internal or external command,\r\n" + tzTokyoDSTOff, with(func(f *Facts) {
			f.ProductType, f.DomainRole, f.Domain = "LanmanNT", DomainController, "corp.example.com"
		})},
		{"member without WMI", ver2016 + cv + po("ServerNT") + cn + tcpip("corp.example.com") + nls + tzTokyoDSTOff,
			with(func(f *Facts) { f.ProductType, f.DomainRole, f.Domain = "ServerNT", MemberServer, "corp.example.com" })},
		{"standalone workstation without WMI", ver2016 + cv + po("WinNT") + cn + tcpip("") + nls + tzTokyoDSTOff,
			with(func(f *Facts) { f.ProductType, f.DomainRole = "WinNT", StandaloneWorkstation })},
		{"member workstation without WMI", ver2016 + cv + po("WinNT") + cn + tcpip("corp.example.com") + nls + tzTokyoDSTOff,
			with(func(f *Facts) { f.ProductType, f.DomainRole, f.Domain = "WinNT", MemberWorkstation, "corp.example.com" })},
		{"WMI role out of range is ignored", ver2016 + cv + po("ServerNT") + cn + tcpip("") + nls + wmi("W", "6", "FALSE") + tzTokyoDSTOff,
			with(func(f *Facts) { f.ProductType, f.DomainRole = "ServerNT", StandaloneServer })},
		{"what the simulator holds", "\r\nMicrosoft Windows [Version 5.2.3790]\r\n" + "\r\n! REG.EXE VERSION 3.0\r\n\r\n" +
			"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n    ProductName\tREG_SZ\tMicrosoft Windows Server 2003\r\n" +
			"    CurrentBuildNumber\tREG_SZ\t3790\r\n\r\n" +
			"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions\r\n    ProductType\tREG_SZ\tServerNT\r\n\r\n" +
			"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName\r\n    ComputerName\tREG_SZ\tWIN-SIM\r\n\r\n" +
			tz2003En, Facts{Version: Version{5, 2, 3790, 0}, ProductName: "Microsoft Windows Server 2003", Build: 3790,
			ProductType: "ServerNT", DomainRole: StandaloneServer, Hostname: "WIN-SIM", NetBIOSName: "WIN-SIM",
			TimeZone: TimeZone{ID: "GMT Standard Time", DSTOff: true, StandardName: "GMT Standard Time", ActiveBiasMinutes: -60, HasActiveBias: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFacts(tc.out)
			if err != nil || got != tc.want {
				t.Errorf("ParseFacts =\n%+v, %v\nwant\n%+v", got, err, tc.want)
			}
		})
	}
	t.Run("no ver", func(t *testing.T) {
		if _, err := ParseFacts(cv); err == nil {
			t.Error("ParseFacts without ver output succeeded")
		}
	})
}

func TestFactsCommand(t *testing.T) {
	line := FactsCommand()
	for _, part := range []string{"ver & ", `\ProductOptions" /v ProductType`, `\Tcpip\Parameters" 2>nul`, `/v OEMCP 2>nul`,
		"wmic computersystem get Domain,DomainRole,PartOfDomain /value <nul 2>nul", `\TimeZoneInformation"`} {
		if !strings.Contains(line, part) {
			t.Errorf("FactsCommand() lacks %q", part)
		}
	}
	if !strings.HasSuffix(line, `reg query "`+TimeZoneKey+`"`) {
		t.Error("FactsCommand() should end with a registry read, whose exit code is reliable")
	}
	if err := CheckCommandLine(line); err != nil {
		t.Error(err)
	}
}
