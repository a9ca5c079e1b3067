package wintime

import (
	"regexp"
	"strings"
)

// Registry keys the provider reads and writes.
const (
	ParametersKey       = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters`
	PolicyParametersKey = `HKLM\SOFTWARE\Policies\Microsoft\W32Time\Parameters`
	ConfigKey           = `HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Config`
	PolicyConfigKey     = `HKLM\SOFTWARE\Policies\Microsoft\W32Time\Config`
	CurrentVersionKey   = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`
)

// RegValue is one value from `reg query` output, its data as printed.
type RegValue struct {
	Type string // REG_SZ, REG_DWORD, ...
	Data string // as printed: REG_DWORD data is hexadecimal, such as 0x93a80
}

// RegKey is one key section of `reg query` output.
type RegKey struct {
	Path   string              // as printed, with the long hive name
	Values map[string]RegValue // by value name in lower case (names are case-insensitive on Windows)
	// Names maps each key of Values to the name as printed.
	Names map[string]string
}

// Value returns the named value, ignoring letter case.
func (k *RegKey) Value(name string) (RegValue, bool) {
	if k == nil {
		return RegValue{}, false
	}
	v, ok := k.Values[strings.ToLower(name)]
	return v, ok
}

// regValueLine matches a value line in both formats: Server 2008 and later
// indent by four spaces and separate by four spaces; REG.EXE 3.0 on Server
// 2003 separates by tabs. Value data may be empty.
var regValueLine = regexp.MustCompile(`^[ \t]+(.*?)(?:\t+| {4})(REG_[A-Z_]+)(?:(?:\t+| {4})(.*))?$`)

// ParseRegQuery reads the key sections of `reg query` output, in either
// version's format, skipping anything else (such as other programs' output
// when commands are chained). Keys are returned by their path in upper case
// with the short hive name, such as `HKLM\SYSTEM\...`. When a key is listed
// more than once, its sections are merged and the first of each value wins:
// a read followed by other commands' output keeps its own values, and a
// later query of other values of the same key (one reads ProductName, the
// facts read the whole key) adds them.
func ParseRegQuery(out string) map[string]*RegKey {
	keys := map[string]*RegKey{}
	var cur *RegKey
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "HKEY_") || strings.HasPrefix(line, "HKLM\\"):
			k := normalizeKey(line)
			if keys[k] == nil {
				keys[k] = &RegKey{Path: line, Values: map[string]RegValue{}, Names: map[string]string{}}
			}
			cur = keys[k]
		case cur != nil && line != "":
			m := regValueLine.FindStringSubmatch(line)
			if m == nil {
				cur = nil // a line of some other program ends the section
				continue
			}
			if name := strings.ToLower(m[1]); !hasValue(cur, name) {
				cur.Values[name] = RegValue{Type: m[2], Data: m[3]}
				cur.Names[name] = m[1]
			}
		case line == "":
			// Blank lines surround sections in both formats; a value line
			// never follows one without a key line first on 2008+, but on
			// 2003 the header's blank line precedes the key, so keep going.
		}
	}
	return keys
}

func hasValue(k *RegKey, name string) bool {
	_, ok := k.Values[name]
	return ok
}

// normalizeKey returns a registry path in upper case with the short hive name.
func normalizeKey(path string) string {
	p := strings.ToUpper(strings.TrimSpace(path))
	for long, short := range map[string]string{
		"HKEY_LOCAL_MACHINE\\": "HKLM\\",
		"HKEY_CURRENT_USER\\":  "HKCU\\",
		"HKEY_USERS\\":         "HKU\\",
		"HKEY_CLASSES_ROOT\\":  "HKCR\\",
	} {
		if strings.HasPrefix(p, long) {
			return short + p[len(long):]
		}
	}
	return p
}

// LookupKey finds a key in ParseRegQuery's result by any spelling of its path.
func LookupKey(keys map[string]*RegKey, path string) *RegKey {
	return keys[normalizeKey(path)]
}
