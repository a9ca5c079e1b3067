package winhost

import (
	"io"
	"slices"
	"strconv"
	"strings"
)

// This file is what a host tells about itself beyond W32Time: its names and domain (the Tcpip
// parameters, ComputerName, WMI's Win32_ComputerSystem), its language and code pages (Nls).

// Registry keys of the host facts.
const (
	keyTcpip    = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters`
	keyCodePage = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Nls\CodePage`
	keyLanguage = `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Nls\Language`
)

// langIDs are the LANGIDs of the locales, as Nls\Language holds them.
var langIDs = map[Locale]string{EnUS: "0409", JaJP: "0411"}

// ansiCodePages is the ANSI code page that goes with each OEM one in a system locale.
var ansiCodePages = map[int]int{437: 1252, 850: 1252, 866: 1251, 932: 932, 936: 936, 949: 949, 950: 950}

// netBIOSName is the computer name as ComputerName holds it: upper case, at most 15 characters.
func netBIOSName(hostname string) string {
	r := []rune(strings.ToUpper(hostname))
	return string(r[:min(len(r), 15)])
}

// writeFacts writes the keys the facts are read from [inferred: the values beyond the names a
// fresh server holds]: the DNS host name and primary DNS suffix (the domain's name on a member or
// controller, empty in a workgroup), the NetBIOS name, and the language and code pages.
func writeFacts(r *registry, cfg Config) {
	domain := cfg.DNSDomain // "" in a workgroup
	tcp := r.ensure(keyTcpip)
	tcp.set("NV Hostname", sz(cfg.Hostname))
	tcp.set("Hostname", sz(cfg.Hostname))
	tcp.set("NV Domain", sz(domain))
	tcp.set("Domain", sz(domain))
	tcp.set("SearchList", sz(""))
	r.ensure(keyComputerName).set("ComputerName", sz(netBIOSName(cfg.Hostname)))
	r.ensure(`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName`).
		set("ComputerName", sz(netBIOSName(cfg.Hostname)))
	cp := r.ensure(keyCodePage)
	cp.set("ACP", sz(strconv.Itoa(ansiCodePages[cfg.OEMCodePage])))
	cp.set("OEMCP", sz(strconv.Itoa(cfg.OEMCodePage)))
	cp.set("MACCP", sz("10000"))
	lang := r.ensure(keyLanguage)
	lang.set("Default", sz(langIDs[cfg.Locale]))
	lang.set("InstallLanguage", sz(langIDs[cfg.Locale]))
}

// domainRole is Win32_ComputerSystem.DomainRole: 2 standalone server, 3 member server, 4 backup
// domain controller, 5 primary (a simulated controller is the PDC emulator unless BackupDC).
func (h *Machine) domainRole() int {
	switch h.cfg.Role {
	case Standalone:
		return 2
	case Member:
		return 3
	case DomainController:
		if h.cfg.BackupDC {
			return 4
		}
		return 5
	}
	return 2
}

// hasWMIC reports whether wmic.exe is there: every release but 2025, where it is a feature on
// demand not installed by default [inferred from reports quoting Microsoft's list of features no
// longer developed].
func (p Profile) hasWMIC() bool { return p != P2025 }

// progWmic emulates "wmic computersystem get PROPERTIES [/value]" for Domain, DomainRole,
// Name, PartOfDomain and Workgroup. Lines end in CR CR LF, as wmic writes them to a pipe, in the
// console code page [inferred]; properties come in alphabetical order whatever the order asked
// [inferred]. /value prints Name=value lines between blank lines; without it, a table.
func progWmic(x *proc) int {
	a := x.args
	value := false
	if n := len(a); n > 0 && strings.EqualFold(a[n-1], "/value") {
		value, a = true, a[:n-1]
	}
	if len(a) != 3 || !strings.EqualFold(a[0], "computersystem") || !strings.EqualFold(a[1], "get") {
		// [inferred] wmic's answer to what it is not emulated for.
		x.errln("Invalid alias verb.")
		return 44210
	}
	vals := x.h.computerSystem()
	var props []string
	for _, p := range strings.Split(a[2], ",") {
		i := slices.IndexFunc(wmiProps, func(n string) bool { return strings.EqualFold(n, p) })
		if i < 0 {
			x.outln("Node - "+netBIOSName(x.h.cfg.Hostname), "ERROR:", "Description = Invalid query", "")
			return 44135
		}
		if !slices.Contains(props, wmiProps[i]) {
			props = append(props, wmiProps[i])
		}
	}
	slices.Sort(props)
	w := func(s string) { _, _ = io.WriteString(x.out, s+"\r\r\n") }
	if value {
		w("")
		w("")
		for _, p := range props {
			w(p + "=" + vals[p])
		}
		w("")
		w("")
		return 0
	}
	var head, row strings.Builder
	for _, p := range props {
		width := max(len(p), len(vals[p])) + 2
		head.WriteString(p + strings.Repeat(" ", width-len(p)))
		row.WriteString(vals[p] + strings.Repeat(" ", width-len(vals[p])))
	}
	w(head.String())
	w(row.String())
	w("")
	return 0
}

// wmiProps are the Win32_ComputerSystem properties progWmic knows, alphabetical.
var wmiProps = []string{"Domain", "DomainRole", "Name", "PartOfDomain", "Workgroup"}

// computerSystem is the host's Win32_ComputerSystem.
func (h *Machine) computerSystem() map[string]string {
	v := map[string]string{
		"Domain": "WORKGROUP", "DomainRole": strconv.Itoa(h.domainRole()), "Name": netBIOSName(h.cfg.Hostname),
		"PartOfDomain": "FALSE", "Workgroup": "WORKGROUP",
	}
	if h.cfg.Role != Standalone {
		v["Domain"], v["PartOfDomain"], v["Workgroup"] = h.cfg.DNSDomain, "TRUE", ""
	}
	return v
}
