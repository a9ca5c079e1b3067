package wintime

import (
	"errors"
	"fmt"
	"strings"

	"github.com/w32time/terraform-provider-windows/internal/wintime/tzmap"
)

// Registry keys of the host's time zone.
const (
	// TimeZoneKey holds the current zone: TimeZoneKeyName (the Windows id,
	// Vista and Server 2008 on), StandardName, Bias and ActiveTimeBias
	// (minutes, UTC = local time + bias), and the daylight saving switch.
	TimeZoneKey = `HKLM\SYSTEM\CurrentControlSet\Control\TimeZoneInformation`
	// TimeZonesKey holds one subkey per zone the host knows, named by its
	// id, whose Std value is the zone's standard name in the host's language.
	TimeZonesKey = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Time Zones`
)

// TimeZone is a host's time zone as its registry holds it.
type TimeZone struct {
	// ID is the Windows zone id (Tokyo Standard Time), or "" when the host
	// does not say and it could not be found from StandardName.
	ID string
	// DSTOff reports that the automatic daylight saving adjustment is off
	// (tzutil's _dstoff).
	DSTOff bool
	// StandardName is as the registry holds it: the standard name in the
	// host's language on Server 2003, an indirect string such as
	// @tzres.dll,-932 on later versions.
	StandardName string
	// BiasMinutes is the zone's base bias; ActiveBiasMinutes the one in
	// effect now (with daylight saving), when HasActiveBias.
	BiasMinutes       int
	ActiveBiasMinutes int
	HasActiveBias     bool
}

// TzutilID is the zone as `tzutil /g` prints it: the id, with tzutil's
// _dstoff suffix when daylight saving is off.
func (z TimeZone) TzutilID() string {
	if z.DSTOff && z.ID != "" {
		return z.ID + tzmap.DSTOffSuffix
	}
	return z.ID
}

// hasTzutil reports whether tzutil.exe ships with the version: Windows 7 and
// Server 2008 R2 (NT 6.1) on.
func hasTzutil(v Version) bool { return !v.Less(Version{Major: 6, Minor: 1}) }

// TimeZoneReadCommand is the command line that reads the host's time zone; its
// output parses with ParseTimeZone. It reads the registry on every version
// rather than running `tzutil /g`, which exists only from Server 2008 R2 and
// prints the id without a line end: the registry holds the same id
// (TimeZoneKeyName) from Server 2008 on, with the bias and the daylight
// saving switch in the same answer. Server 2003 has no TimeZoneKeyName, so
// there it also lists the Std value of every known zone, to find the id whose
// standard name is the current StandardName (both are in the host's
// language, so no translation is needed).
func TimeZoneReadCommand(v Version) string {
	line := `reg query "` + TimeZoneKey + `"`
	if v.legacyW32tm() {
		line += ` & reg query "` + TimeZonesKey + `" /s /v Std 2>nul`
	}
	return line
}

// TimeZoneSetCommand returns the command line that sets the host's zone to id
// (a Windows id, optionally with tzutil's _dstoff suffix; it must pass
// tzmap.CheckZoneID) and then reads the zone back: its output parses with
// ParseTimeZone, and the caller compares the result with what it asked
// (TimeZoneMismatch), because the older method reports nothing.
//
// Server 2008 R2 and later: `tzutil /s "<id>"`, whose exit code says whether
// it worked. Server 2003 and 2008, which have no tzutil: the Date and Time
// control panel applet's /Z switch, `RUNDLL32.EXE shell32.dll,Control_RunDLL
// timedate.cpl,,/Z <id>` [inferred: this is the method scripts for XP and 2003
// use, with the zone's id unquoted (the applet reads the rest of the line as
// the name); Microsoft documents the applet, not this switch; it always exits
// 0]. Parentheses in the id are escaped with ^ there, since it is unquoted.
// The applet cannot turn daylight saving off, so _dstoff is refused there.
func TimeZoneSetCommand(v Version, id string) (string, error) {
	zone, dstOff, err := tzmap.CheckZoneID(id)
	if err != nil {
		return "", err
	}
	read := " && (" + TimeZoneReadCommand(v) + ")"
	if hasTzutil(v) {
		return `tzutil /s "` + id + `"` + read, nil
	}
	if dstOff {
		return "", fmt.Errorf("%s has no tzutil, and its control panel cannot turn daylight saving off from a command line: "+
			"set %q without %q there", v.Release(), zone, tzmap.DSTOffSuffix)
	}
	escaped := strings.NewReplacer("(", "^(", ")", "^)").Replace(zone)
	// No blank before &&: cmd.exe would hand it to the applet as the end of
	// the zone's name, which it reads to the end of its command line.
	return `RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z ` + escaped + strings.TrimPrefix(read, " "), nil
}

// ErrNoTimeZone is returned when output holds no TimeZoneInformation key.
var ErrNoTimeZone = errors.New("no TimeZoneInformation key found in the output of reg query")

// ParseTimeZone reads the output of TimeZoneReadCommand (or of any read that
// includes it).
func ParseTimeZone(out string) (TimeZone, error) {
	keys := ParseRegQuery(out)
	k := LookupKey(keys, TimeZoneKey)
	if k == nil {
		return TimeZone{}, ErrNoTimeZone
	}
	var z TimeZone
	if v, ok := k.Value("StandardName"); ok {
		z.StandardName = v.Data
	}
	if b, ok := dword(k, "Bias"); ok {
		z.BiasMinutes = int(int32(b))
	}
	if b, ok := dword(k, "ActiveTimeBias"); ok {
		z.ActiveBiasMinutes, z.HasActiveBias = int(int32(b)), true
	}
	// DynamicDaylightTimeDisabled from Vista on; DisableAutoDaylightTimeSet
	// on Server 2003 [inferred].
	for _, name := range []string{"DynamicDaylightTimeDisabled", "DisableAutoDaylightTimeSet"} {
		if n, ok := dword(k, name); ok && n != 0 {
			z.DSTOff = true
		}
	}
	if v, ok := k.Value("TimeZoneKeyName"); ok && strings.TrimSpace(v.Data) != "" {
		z.ID = strings.TrimSpace(v.Data)
		return z, nil
	}
	z.ID = zoneByStandardName(keys, z.StandardName)
	return z, nil
}

// zoneByStandardName finds the id of the zone whose Std value is name, among
// the Time Zones subkeys in keys; failing that, name itself when it is a
// Windows id (English Server 2003 names its zones' standard names as their
// ids).
func zoneByStandardName(keys map[string]*RegKey, name string) string {
	if name == "" {
		return ""
	}
	prefix := normalizeKey(TimeZonesKey) + `\`
	for path, k := range keys {
		if !strings.HasPrefix(path, prefix) {
			continue
		}
		if std, ok := k.Value("Std"); ok && std.Data == name {
			p := strings.TrimSpace(k.Path)
			return p[strings.LastIndexByte(p, '\\')+1:]
		}
	}
	if id, ok := tzmap.WindowsZone(name); ok && strings.EqualFold(id, name) {
		return id
	}
	return ""
}

// ParseActiveTimeBias reads ActiveTimeBias from `reg query` output of
// TimeZoneKey: the minutes to add to the host's local time to get UTC (-540
// in Tokyo), which ParseStatus needs.
func ParseActiveTimeBias(out string) (int, error) {
	z, err := ParseTimeZone(out)
	if err != nil {
		return 0, err
	}
	if !z.HasActiveBias {
		return 0, errors.New("the TimeZoneInformation key holds no ActiveTimeBias value")
	}
	return z.ActiveBiasMinutes, nil
}

// TimeZoneMismatch describes how got differs from the zone id asked for (as
// given to TimeZoneSetCommand), or returns "" when they agree.
func TimeZoneMismatch(got TimeZone, want string) string {
	zone, dstOff := strings.CutSuffix(want, tzmap.DSTOffSuffix)
	var diffs []string
	if !strings.EqualFold(got.ID, zone) {
		shown := got.ID
		if shown == "" {
			shown = "unknown (StandardName " + got.StandardName + ")"
		}
		diffs = append(diffs, fmt.Sprintf("the time zone is %s, not %q", shown, zone))
	}
	if got.DSTOff != dstOff {
		diffs = append(diffs, fmt.Sprintf("automatic daylight saving adjustment is %s",
			map[bool]string{true: "off", false: "on"}[got.DSTOff]))
	}
	return strings.Join(diffs, "; ")
}
