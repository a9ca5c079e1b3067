// Package wintime is the Windows Time service domain: the W32Time sync types, NTP peers and their flags, the
// Windows versions from Server 2003 to 2025, the command lines that read and change a host's time settings on
// each version, and parsers for the output of `ver`, `reg query` and `sc query`.
//
// It is plain Go: it knows neither Terraform nor WinRM. Callers run the command lines it builds on a host and
// hand the output back to its parsers.
//
// Every value that reaches a command line has passed an allowlist in this package (host names, IPv4 and IPv6
// literals, a fixed set of keywords), and command lines are built from fixed templates, so nothing a user
// types can change which programs run or with which arguments.
//
// State is read from the registry rather than from `w32tm /query`: the registry exists on every version
// (`/query` does not exist on Server 2003), and its value names and data are not translated on localized
// systems. Decisions are made by exit codes and by reading the registry back, never by matching English text.
//
// The sync status (`w32tm /query /status` and `/peers`, Server 2008 on) is read for display only, by the
// position of its lines and the shape of their values (numbers, units, hexadecimal), never by their
// translated labels; see ParseStatus and ParsePeerStatus. The host's time zone, facts (version, product,
// domain role, names, language) and the IANA to Windows time zone table (package tzmap) complete what the
// data sources and the time zone resource need.
package wintime
