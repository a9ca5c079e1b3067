package wintime

import (
	"regexp"
	"strings"
)

// HostRead is everything the provider reads on a host, from one command
// line (HostReadCommand): the time settings and service state (as
// ReadCommand's), the sync status and peers where w32tm answers /query, the
// host facts and time zone (as FactsCommand's), and the service's start type.
type HostRead struct {
	SyncRead
	Facts Facts
	// Startup is the W32Time start type as `sc qc` prints it (see
	// ParseStartup): automatic, automatic_delayed, manual, disabled, boot or
	// system; "" when the service is not installed.
	Startup string
}

// HostReadCommand is the one command line that reads HostRead: SyncRead's
// reads (ReadCommand's, the time zone, w32tm's status and peers),
// FactsCommand's, and `sc qc w32time`. On Server 2003, which has no
// TimeZoneKeyName, it also lists the standard name of every zone the host
// knows, to find the current zone's id (see TimeZoneReadCommand): a `||`
// after a query of that value runs the list only where the query fails, so
// other versions do not pay for its output. Every part is joined with `&`
// and the line ends with w32tm, so its exit code is not a verdict: decide by
// what ParseHostRead finds.
func HostReadCommand() string {
	return strings.Join([]string{
		ReadCommand(),
		FactsCommand(),
		"sc qc w32time",
		`(reg query "` + TimeZoneKey + `" /v TimeZoneKeyName >nul 2>&1 || reg query "` + TimeZonesKey + `" /s /v Std 2>nul)`,
		"w32tm /query /status /verbose",
		"w32tm /query /peers",
	}, " & ")
}

// ParseHostRead reads the output of HostReadCommand. Its errors are
// ParseSyncRead's: a read without `ver` output, or w32tm output with the
// shape of a status or peer list but not all of it.
func ParseHostRead(out string) (HostRead, error) {
	var r HostRead
	sr, err := ParseSyncRead(out)
	if err != nil {
		return r, err
	}
	r.SyncRead = sr
	if r.Facts, err = ParseFacts(out); err != nil {
		return r, err
	}
	r.Startup = ParseStartup(out)
	return r, nil
}

// scStartType matches the start type line of `sc qc`: its label and
// symbolic names are not translated. Delayed automatic start is printed as
// AUTO_START followed by (DELAYED).
var scStartType = regexp.MustCompile(`START_TYPE\s*:\s*\d+\s+(BOOT_START|SYSTEM_START|AUTO_START|DEMAND_START|DISABLED)\b(\s+\(DELAYED\))?`)

// startupNames are the start types' names for users.
var startupNames = map[string]string{
	"BOOT_START": "boot", "SYSTEM_START": "system", "AUTO_START": "automatic",
	"DEMAND_START": "manual", "DISABLED": "disabled",
}

// ParseStartup reads the start type from `sc qc` output: automatic,
// automatic_delayed, manual, disabled (boot and system, which a service
// such as W32Time never has, for completeness), or "" when out holds none
// (the service is not installed).
func ParseStartup(out string) string {
	m := scStartType.FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	if m[1] == "AUTO_START" && m[2] != "" {
		return "automatic_delayed"
	}
	return startupNames[m[1]]
}
