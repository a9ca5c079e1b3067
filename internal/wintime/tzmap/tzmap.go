package tzmap

import (
	"fmt"
	"slices"
	"strings"
)

// DSTOffSuffix is what `tzutil /s` takes after a zone id to set the zone with
// its daylight saving time adjustment turned off (Pacific Standard Time_dstoff).
const DSTOffSuffix = "_dstoff"

// windowsByFold and ianaByFold index the tables by lower-case name, for
// lookups that ignore letter case.
var (
	windowsByFold = foldIndex(windowsIDs)
	ianaByFold    = foldMap(ianaToWindows)
)

func foldIndex(ids []string) map[string]string {
	m := make(map[string]string, len(ids))
	for _, id := range ids {
		m[strings.ToLower(id)] = id
	}
	return m
}

func foldMap(t map[string]string) map[string]string {
	m := make(map[string]string, len(t))
	for name, id := range t {
		m[strings.ToLower(name)] = id
	}
	return m
}

// WindowsZone returns the Windows time zone id for name, which is either an
// IANA name (Asia/Tokyo; any of the zone's names, such as Asia/Kolkata and
// Asia/Calcutta; where CLDR lists a name under several territories, the id of
// its golden zone for territory 001) or a Windows id itself (tokyo standard
// time). Letter case is ignored in both; the id is returned in its canonical
// spelling. ok is false when CLDR knows no Windows zone for name.
func WindowsZone(name string) (id string, ok bool) {
	if id, ok := windowsByFold[strings.ToLower(name)]; ok {
		return id, true
	}
	id, ok = ianaByFold[strings.ToLower(name)]
	return id, ok
}

// WindowsZoneIDs returns every Windows time zone id the table knows, sorted.
func WindowsZoneIDs() []string { return slices.Clone(windowsIDs) }

// IsWindowsZoneID reports whether id is a Windows time zone id of the table,
// spelled exactly as Windows does.
func IsWindowsZoneID(id string) bool {
	_, ok := slices.BinarySearch(windowsIDs, id)
	return ok
}

// CheckZoneID is the allowlist for a Windows time zone id that goes to a
// command line (`tzutil /s "Tokyo Standard Time"`). It accepts an id of the
// table, spelled exactly, optionally followed by DSTOffSuffix, and returns the
// id without the suffix and whether the suffix was there. Every id of the
// table is made of letters, digits, spaces and the characters . + - ( )
// (the generator refuses any other), none of which cmd.exe interprets inside
// double quotes.
func CheckZoneID(s string) (id string, dstOff bool, err error) {
	id, dstOff = strings.CutSuffix(s, DSTOffSuffix)
	if IsWindowsZoneID(id) {
		return id, dstOff, nil
	}
	if canon, ok := WindowsZone(id); ok {
		return "", false, fmt.Errorf("time zone %q is not a Windows time zone id as Windows spells it: use %q", s, canon)
	}
	return "", false, fmt.Errorf("time zone %q is not a Windows time zone id (such as \"Tokyo Standard Time\", optionally with %q) known to CLDR (%s)",
		s, DSTOffSuffix, cldrPackage)
}
