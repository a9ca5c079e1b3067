package wintime

import (
	"regexp"
	"strconv"
	"strings"
)

// Registry keys of the host facts.
const (
	ProductOptionsKey = `HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions`
	ComputerNameKey   = `HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName`
	TcpipKey          = `HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`
	CodePageKey       = `HKLM\SYSTEM\CurrentControlSet\Control\Nls\CodePage`
	LanguageKey       = `HKLM\SYSTEM\CurrentControlSet\Control\Nls\Language`
)

// DomainRole is a host's place in a domain, as Win32_ComputerSystem's
// DomainRole names it.
type DomainRole string

// The domain roles. DomainController is used when the host is known to be a
// domain controller but not whether it holds the PDC emulator role: the
// local registry does not say (ProductType LanmanNT is every DC), only WMI
// does.
const (
	StandaloneWorkstation DomainRole = "standalone_workstation"
	MemberWorkstation     DomainRole = "member_workstation"
	StandaloneServer      DomainRole = "standalone_server"
	MemberServer          DomainRole = "member_server"
	BackupDC              DomainRole = "backup_dc"
	PrimaryDC             DomainRole = "primary_dc"
	DomainController      DomainRole = "domain_controller"
)

// wmiRoles are Win32_ComputerSystem.DomainRole's values 0 to 5.
var wmiRoles = [...]DomainRole{StandaloneWorkstation, MemberWorkstation, StandaloneServer, MemberServer, BackupDC, PrimaryDC}

// Facts are what one read tells about a host.
type Facts struct {
	// Version is from `ver`; when ver prints no revision (Server 2016),
	// the registry's UBR fills it.
	Version     Version
	ProductName string
	// Build and UBR are CurrentBuildNumber and the update build revision
	// (0 when the host has none, before Windows 10).
	Build, UBR int
	// ProductType is WinNT (workstation), ServerNT (server) or LanmanNT
	// (domain controller).
	ProductType string
	// DomainRole comes from WMI when the host answered `wmic` (then
	// DomainRoleFromWMI is true, and a DC is PrimaryDC or BackupDC), else
	// from ProductType and the primary DNS suffix (see ParseFacts).
	DomainRole        DomainRole
	DomainRoleFromWMI bool
	// Domain is the domain the host is a member of (from WMI), or its
	// primary DNS suffix (Tcpip Domain, else NV Domain); "" when neither.
	Domain string
	// Hostname is the DNS host name (Tcpip Hostname), else the NetBIOS
	// name; NetBIOSName is ComputerName.
	Hostname, NetBIOSName string
	// LanguageID is Nls\Language Default, a hexadecimal LANGID such as 0411;
	// Locale its name (ja-JP) when this package knows it, else "".
	LanguageID, Locale string
	// OEMCodePage is Nls\CodePage OEMCP (437, 932); 0 when not read.
	OEMCodePage int
	// TimeZone is the host's zone; its ID is "" when not read.
	TimeZone TimeZone
}

// FactsCommand is the one command line that reads Facts. Each part is joined
// with `&` so that a missing key or program does not stop the rest; parts that
// may be absent have their errors discarded. WMI is asked with standard input
// from nul, because wmic waits for input when it has none in a remote shell
// [inferred from common practice]; where wmic is missing (it is gone from
// Server 2025, and optional on the newest client versions) the registry answers alone.
// The line ends with a registry read, so its exit code is reg's.
func FactsCommand() string {
	return strings.Join([]string{
		"ver",
		`reg query "` + CurrentVersionKey + `"`,
		`reg query "` + ProductOptionsKey + `" /v ProductType`,
		`reg query "` + ComputerNameKey + `" /v ComputerName`,
		`reg query "` + TcpipKey + `" 2>nul`,
		`reg query "` + CodePageKey + `" /v OEMCP 2>nul`,
		`reg query "` + LanguageKey + `" /v Default 2>nul`,
		`wmic computersystem get Domain,DomainRole,PartOfDomain /value <nul 2>nul`,
		`reg query "` + TimeZoneKey + `"`,
	}, " & ")
}

// wmiValue matches a line of `wmic ... /value` output: Name=value. The names
// are WMI's and not translated.
var wmiValue = regexp.MustCompile(`(?m)^(Domain|DomainRole|PartOfDomain)=(.*?)\r*$`)

// ParseFacts reads the output of FactsCommand.
//
// The domain role comes from WMI's DomainRole when the output has it. Without
// it, ProductType decides between workstation, server and domain controller
// (DomainController: primary or backup is not in the registry), and a
// workstation or server counts as a domain member when it has a primary DNS
// suffix (Tcpip Domain), which joining a domain sets: a standalone host
// whose suffix was set by hand reads as a member there.
func ParseFacts(out string) (Facts, error) {
	var f Facts
	v, err := ParseVer(out)
	if err != nil {
		return f, err
	}
	f.Version = v
	keys := ParseRegQuery(out)
	if cv := LookupKey(keys, CurrentVersionKey); cv != nil {
		f.ProductName = str(cv, "ProductName")
		f.Build, _ = strconv.Atoi(str(cv, "CurrentBuildNumber"))
		if n, ok := dword(cv, "UBR"); ok {
			f.UBR = int(n)
		}
	}
	if f.Version.Revision == 0 && f.UBR != 0 && f.Build == f.Version.Build {
		f.Version.Revision = f.UBR
	}
	f.ProductType = str(LookupKey(keys, ProductOptionsKey), "ProductType")
	f.NetBIOSName = str(LookupKey(keys, ComputerNameKey), "ComputerName")
	tcpip := LookupKey(keys, TcpipKey)
	f.Hostname = str(tcpip, "Hostname")
	if f.Hostname == "" {
		f.Hostname = f.NetBIOSName
	}
	f.Domain = str(tcpip, "Domain")
	if f.Domain == "" {
		f.Domain = str(tcpip, "NV Domain")
	}
	if cp, err := strconv.Atoi(str(LookupKey(keys, CodePageKey), "OEMCP")); err == nil {
		f.OEMCodePage = cp
	}
	f.LanguageID = strings.ToUpper(str(LookupKey(keys, LanguageKey), "Default"))
	f.Locale = languageTags[f.LanguageID]
	f.DomainRole = roleFromRegistry(f.ProductType, f.Domain != "")
	applyWMI(&f, out)
	if z, err := ParseTimeZone(out); err == nil {
		f.TimeZone = z
	}
	return f, nil
}

// str returns a value's data, trimmed, or "".
func str(k *RegKey, name string) string {
	v, ok := k.Value(name)
	if !ok {
		return ""
	}
	return strings.TrimSpace(v.Data)
}

// roleFromRegistry is the domain role ProductType and membership give.
func roleFromRegistry(productType string, member bool) DomainRole {
	switch strings.ToLower(productType) {
	case "lanmannt":
		return DomainController
	case "winnt":
		if member {
			return MemberWorkstation
		}
		return StandaloneWorkstation
	case "servernt":
		if member {
			return MemberServer
		}
		return StandaloneServer
	}
	return ""
}

// applyWMI takes the role and domain from wmic's output when it is there.
// wmic may write UTF-16 when its output is not a console [inferred], which
// reaches here as ASCII with NUL bytes between: they are dropped first.
func applyWMI(f *Facts, out string) {
	vals := map[string]string{}
	for _, m := range wmiValue.FindAllStringSubmatch(strings.ReplaceAll(out, "\x00", ""), -1) {
		vals[m[1]] = strings.TrimSpace(m[2])
	}
	n, err := strconv.Atoi(vals["DomainRole"])
	if err != nil || n < 0 || n >= len(wmiRoles) {
		return
	}
	f.DomainRole, f.DomainRoleFromWMI = wmiRoles[n], true
	if strings.EqualFold(vals["PartOfDomain"], "TRUE") && vals["Domain"] != "" {
		f.Domain = vals["Domain"]
	}
}

// languageTags names the LANGIDs of the languages Windows Server ships in.
var languageTags = map[string]string{
	"0404": "zh-TW", "0405": "cs-CZ", "0406": "da-DK", "0407": "de-DE", "0408": "el-GR", "0409": "en-US",
	"040B": "fi-FI", "040C": "fr-FR", "040E": "hu-HU", "0410": "it-IT", "0411": "ja-JP", "0412": "ko-KR",
	"0413": "nl-NL", "0414": "nb-NO", "0415": "pl-PL", "0416": "pt-BR", "0419": "ru-RU", "041D": "sv-SE",
	"041F": "tr-TR", "0804": "zh-CN", "0809": "en-GB", "0816": "pt-PT", "0C0A": "es-ES",
}
