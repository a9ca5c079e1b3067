package wintime

import (
	"strings"
)

// HostRead is everything the provider reads on a host, from one command
// line (HostReadCommand): the time settings, service state and start type
// (as ReadCommand's), the sync status and peers where w32tm answers /query,
// and the host facts and time zone (as FactsCommand's).
type HostRead struct {
	SyncRead
	Facts Facts
}

// HostReadCommand is the one command line that reads HostRead: SyncRead's
// reads (ReadCommand's, the time zone, w32tm's status and peers) and
// FactsCommand's. On Server 2003, which has no
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
		`(reg query "` + TimeZoneKey + `" /v TimeZoneKeyName >nul 2>&1 || reg query "` + TimeZonesKey + `" /s /v Std 2>nul)`,
		"w32tm /query /status /verbose",
		"w32tm /query /peers",
	}, " & ")
}

// ParseHostRead reads the output of HostReadCommand. Its errors are
// ParseSyncRead's: a read without `ver` output, or w32tm output with the
// shape of a status or peer list but not all of it.
//
// No string of the result shares memory with out: a read is kept for the
// rest of the run (one per host), its output is not.
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
	return detached(r), nil
}
