package winhost

import (
	"fmt"
	"slices"
	"strings"
)

// Profile names a simulated Windows Server release.
type Profile string

// The supported profiles, oldest first.
const (
	P2003   Profile = "2003"
	P2008   Profile = "2008"
	P2008R2 Profile = "2008r2"
	P2012   Profile = "2012"
	P2012R2 Profile = "2012r2"
	P2016   Profile = "2016"
	P2019   Profile = "2019"
	P2022   Profile = "2022"
	P2025   Profile = "2025"
)

// Profiles returns every supported profile, oldest first.
func Profiles() []Profile {
	return []Profile{P2003, P2008, P2008R2, P2012, P2012R2, P2016, P2019, P2022, P2025}
}

// ParseProfile accepts a profile name such as "2008r2" (case-insensitive; "2008 R2" and "2008R2" too).
func ParseProfile(s string) (Profile, error) {
	n := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	for _, p := range Profiles() {
		if string(p) == n {
			return p, nil
		}
	}
	return "", fmt.Errorf("winhost: unknown profile %q (want one of 2003, 2008, 2008r2, 2012, 2012r2, 2016, 2019, 2022, 2025)", s)
}

// atLeast reports whether p is release q or a later one.
func (p Profile) atLeast(q Profile) bool {
	return slices.Index(Profiles(), p) >= slices.Index(Profiles(), q)
}

// Role is the machine's domain role, which decides the W32Time defaults.
type Role string

// The domain roles.
const (
	Standalone       Role = "standalone"
	Member           Role = "member"
	DomainController Role = "dc"
)

// Locale is the system UI language, which decides message language and OEM code page.
type Locale string

// The supported locales.
const (
	EnUS Locale = "en-US"
	JaJP Locale = "ja-JP"
)

// profileInfo is everything that differs between releases.
type profileInfo struct {
	ver            string // the line `ver` prints
	productName    string
	currentVersion string // Windows NT\CurrentVersion\CurrentVersion
	build          string
	ubr            uint32 // update build revision, 0 when the release has none in the registry
	csdVersion     string
	major, minor   uint32 // CurrentMajor/MinorVersionNumber, 0 before Windows 10
	reg3           bool   // REG.EXE 3.0 output format (2003)
	hasQuery       bool   // w32tm /query exists (2008+)
	syncAllNo      bool   // /syncfromflags accepts ALL and NO (2008+)
	tzutil         bool   // tzutil.exe exists (2008 R2+)
	honoursUTF8    bool   // console programs honour code page 65001
	systemRoot     string
	userProfile    string
}

var profiles = map[Profile]profileInfo{
	P2003: {
		ver: "Microsoft Windows [Version 5.2.3790]", productName: "Microsoft Windows Server 2003",
		currentVersion: "5.2", build: "3790", csdVersion: "Service Pack 2",
		reg3: true, systemRoot: `C:\WINDOWS`, userProfile: `C:\Documents and Settings\Administrator`,
	},
	P2008: {
		ver: "Microsoft Windows [Version 6.0.6003]", productName: "Windows Server (R) 2008 Standard",
		currentVersion: "6.0", build: "6003", csdVersion: "Service Pack 2",
		hasQuery: true, syncAllNo: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2008R2: {
		ver: "Microsoft Windows [Version 6.1.7601]", productName: "Windows Server 2008 R2 Standard",
		currentVersion: "6.1", build: "7601", csdVersion: "Service Pack 1",
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2012: {
		ver: "Microsoft Windows [Version 6.2.9200]", productName: "Windows Server 2012 Standard",
		currentVersion: "6.2", build: "9200",
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2012R2: {
		ver: "Microsoft Windows [Version 6.3.9600]", productName: "Windows Server 2012 R2 Standard",
		currentVersion: "6.3", build: "9600",
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2016: {
		ver: "Microsoft Windows [Version 10.0.14393]", productName: "Windows Server 2016 Standard",
		currentVersion: "6.3", build: "14393", ubr: 6252, major: 10,
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2019: {
		ver: "Microsoft Windows [Version 10.0.17763.1821]", productName: "Windows Server 2019 Standard",
		currentVersion: "6.3", build: "17763", ubr: 1821, major: 10,
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2022: {
		ver: "Microsoft Windows [Version 10.0.20348.587]", productName: "Windows Server 2022 Standard",
		currentVersion: "6.3", build: "20348", ubr: 587, major: 10,
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
	P2025: {
		ver: "Microsoft Windows [Version 10.0.26100.1742]", productName: "Windows Server 2025 Standard",
		currentVersion: "6.3", build: "26100", ubr: 1742, major: 10,
		hasQuery: true, syncAllNo: true, tzutil: true, honoursUTF8: true,
		systemRoot: `C:\Windows`, userProfile: `C:\Users\Administrator`,
	},
}
