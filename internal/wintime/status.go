package wintime

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HasQuery reports whether the host's w32tm has `/query` (Server 2008 and
// later). On Server 2003 the sync status cannot be read: only the configured
// source (ConfiguredSource) and the service state are known.
func HasQuery(v Version) bool { return !v.legacyW32tm() }

// LeapIndicator is the NTP leap indicator `w32tm /query /status` prints.
type LeapIndicator int

// The four leap indicator values of RFC 5905.
const (
	LeapNoWarning       LeapIndicator = 0
	LeapAddSecond       LeapIndicator = 1
	LeapDeleteSecond    LeapIndicator = 2
	LeapNotSynchronized LeapIndicator = 3
)

// Name returns the indicator's name for users: no_warning, add_second,
// delete_second or not_synchronized.
func (l LeapIndicator) Name() string {
	switch l {
	case LeapNoWarning:
		return "no_warning"
	case LeapAddSecond:
		return "add_second"
	case LeapDeleteSecond:
		return "delete_second"
	case LeapNotSynchronized:
		return "not_synchronized"
	}
	return fmt.Sprintf("unknown_%d", int(l))
}

// Status is what `w32tm /query /status [/verbose]` reports.
type Status struct {
	Leap           LeapIndicator
	Stratum        int
	Precision      int     // log2 of the clock's tick in seconds (-23 is 119.209ns)
	RootDelay      float64 // seconds
	RootDispersion float64 // seconds
	ReferenceID    uint32
	// LastSyncText is the last successful sync time as printed, in the
	// host's locale; LastSyncTime is it in UTC, zero when the host printed
	// no time (unspecified) or a date format ParseStatus does not know.
	LastSyncText string
	LastSyncTime time.Time
	// Source is as printed: a peer as configured (time.windows.com,0x9), a
	// domain controller's name, or a clock (Local CMOS Clock, Free-running
	// System Clock, VM IC Time Synchronization Provider).
	Source string
	// PollInterval is log2 of the poll interval in seconds, as printed
	// first on its line; PollIntervalSeconds is 2 to that power.
	PollInterval        int
	PollIntervalSeconds int
	// PhaseOffset is the offset of the local clock from the source in
	// seconds, printed by /verbose on the versions that have it;
	// HasPhaseOffset says whether it was.
	PhaseOffset    float64
	HasPhaseOffset bool
}

// Synchronized reports whether the host has synchronised with a source: its
// leap indicator is not 3, its stratum is not 0 and it printed a last sync
// time (digits, rather than the word for unspecified in the host's language).
func (s Status) Synchronized() bool {
	return s.Leap != LeapNotSynchronized && s.Stratum != 0 && strings.ContainsAny(s.LastSyncText, "0123456789")
}

// statusLine is the value pattern of each line of `w32tm /query /status`, in
// the order every version from Server 2008 to 2025 prints them, in every
// language (windows-time.md sections 4 and 8, and the simulator):
//
//	0 Leap Indicator: 0(no warning)                       閏インジケーター: 0 (警告なし)
//	1 Stratum: 3 (secondary reference - syncd by (S)NTP)   階層: 3 (二次参照 - (S)NTP で同期)
//	2 Precision: -23 (119.209ns per tick)                  精度: -23 (ティックごとに 119.209ns)
//	3 Root Delay: 0.0220277s                               ルート遅延: ...
//	4 Root Dispersion: 7.8241058s                          ルート分散: ...
//	5 ReferenceId: 0x808C6D77 (source IP:  128.140.109.119) 参照 ID: 0x0A000003 (ソース IP:  10.30.0.3)
//	6 Last Successful Sync Time: 9/5/2024 3:45:06 PM       最終正常同期時刻: 2022/01/10 1:45:54
//	7 Source: de.pool.ntp.org                              ソース: ...
//	8 Poll Interval: 6 (64s)                               ポーリング間隔: 6 (64s)
//
// The labels are translated and never read: a line is recognised by its
// position and by the shape of its value (numbers, units, hexadecimal), so
// that the nine lines together are a signature no other output has. /verbose
// adds, after a blank line, `Phase Offset: 0.0001234s` first, then ClockRate,
// State Machine and more [inferred: not in the reference's transcripts].
var statusLine = [...]*regexp.Regexp{
	regexp.MustCompile(`^([0-3])\s*\(`),
	regexp.MustCompile(`^(\d{1,3})\s*\(`),
	regexp.MustCompile(`^(-?\d{1,3})\s*\(`),
	secondsValue,
	secondsValue,
	regexp.MustCompile(`^0[xX]([0-9A-Fa-f]{8})\b`),
	regexp.MustCompile(`\S`),
	regexp.MustCompile(`\S`),
	pollValue,
}

// secondsValue is a duration as w32tm prints it: 0.0220277s. A comma is
// accepted as the decimal separator in case a locale's runtime prints one.
var secondsValue = regexp.MustCompile(`^(-?\d+(?:[.,]\d+)?)s$`)

// pollValue is a poll interval: log2 seconds, then the seconds in brackets.
var pollValue = regexp.MustCompile(`^(-?\d{1,2})\s*\((\d+)s\)`)

// outputLine is one `label: value` line of w32tm output.
type outputLine struct{ label, value string }

// splitLabel splits a line at its first colon (ASCII or full-width). ok is
// false for a line without a label before a colon.
func splitLabel(line string) (outputLine, bool) {
	i := strings.IndexAny(line, ":：")
	if i <= 0 {
		return outputLine{}, false
	}
	_, size := firstRune(line[i:])
	label := strings.TrimSpace(line[:i])
	if label == "" {
		return outputLine{}, false
	}
	return outputLine{label: label, value: strings.TrimSpace(line[i+size:])}, true
}

// firstRune returns the first rune of s and its length in bytes.
func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// lines splits output into lines without their line ends.
func lines(out string) []string {
	ls := strings.Split(out, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, "\r")
	}
	return ls
}

// ErrNoStatus is returned by ParseStatus when the output holds no status:
// w32tm failed (service stopped, not installed) or has no /query (Server 2003).
var ErrNoStatus = errors.New("no w32tm /query /status output found")

// ParseStatus finds the output of `w32tm /query /status [/verbose]` in out
// (which may hold other commands' output around it) and reads it.
// biasMinutes is the host's time zone bias (UTC = local time + bias, as
// ActiveTimeBias holds it, see ParseActiveTimeBias), used to turn the last
// sync time, which w32tm prints in local time, into UTC. The current bias is
// applied: a sync before a daylight saving change is off by the change.
func ParseStatus(out string, biasMinutes int) (Status, error) {
	ls := lines(out)
	start := findStatus(ls)
	if start < 0 {
		return Status{}, ErrNoStatus
	}
	var v [len(statusLine)]string
	for i := range v {
		l, _ := splitLabel(ls[start+i])
		v[i] = l.value
	}
	var s Status
	s.Leap = LeapIndicator(atoiPrefix(v[0]))
	s.Stratum = atoiPrefix(v[1])
	s.Precision = atoiPrefix(v[2])
	s.RootDelay = seconds(v[3])
	s.RootDispersion = seconds(v[4])
	ref, _ := strconv.ParseUint(statusLine[5].FindStringSubmatch(v[5])[1], 16, 32)
	s.ReferenceID = uint32(ref)
	s.LastSyncText = v[6]
	if t, ok := parseLocalTime(v[6]); ok {
		s.LastSyncTime = t.Add(time.Duration(biasMinutes) * time.Minute)
	}
	s.Source = v[7]
	s.PollInterval, s.PollIntervalSeconds = pollInterval(v[8])
	s.PhaseOffset, s.HasPhaseOffset = phaseOffset(ls[start+len(statusLine):])
	return s, nil
}

// findStatus returns the index of the first line of the status block, or -1.
func findStatus(ls []string) int {
	for i := 0; i+len(statusLine) <= len(ls); i++ {
		if matchesStatus(ls[i : i+len(statusLine)]) {
			return i
		}
	}
	return -1
}

func matchesStatus(ls []string) bool {
	for i, re := range statusLine {
		l, ok := splitLabel(ls[i])
		if !ok || !re.MatchString(l.value) {
			return false
		}
	}
	return true
}

// phaseOffset reads the first verbose line, which follows the block after a
// blank line: a labelled duration.
func phaseOffset(rest []string) (float64, bool) {
	if len(rest) < 2 || strings.TrimSpace(rest[0]) != "" {
		return 0, false
	}
	l, ok := splitLabel(rest[1])
	if !ok || !secondsValue.MatchString(l.value) {
		return 0, false
	}
	return seconds(l.value), true
}

// atoiPrefix reads the integer a value starts with; the patterns have
// checked that there is one.
func atoiPrefix(s string) int {
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && s[end] == '-') {
		end++
	}
	n, _ := strconv.Atoi(s[:end])
	return n
}

// seconds reads a duration such as 0.0220277s.
func seconds(s string) float64 {
	m := secondsValue.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Replace(m[1], ",", ".", 1), 64)
	return f
}

// pollInterval reads `6 (64s)`: the log2 number and 2 to its power. The
// seconds in brackets are not trusted over the exponent, which is the value
// the service holds, but they must be there: `0 (unspecified)` (in the
// host's language) is no interval, and gives 0 seconds.
func pollInterval(s string) (log2, secs int) {
	m := pollValue.FindStringSubmatch(s)
	if m == nil {
		return atoiPrefix(s), 0
	}
	n, _ := strconv.Atoi(m[1])
	if n < 0 || n > 30 {
		return n, 0
	}
	return n, 1 << n
}

// dateTime matches a date and a time as Windows' short date and long time
// formats print them: 9/5/2024 3:45:06 PM (en-US), 2022/01/10 1:45:54
// (ja-JP), 05.09.2024 15:45:06 (de-DE), with an optional AM/PM designator
// before or after the time.
var dateTime = regexp.MustCompile(`^(\d{1,4})([/.-])(\d{1,2})[/.-](\d{1,4})\.?\s+(?:(\S+)\s+)?(\d{1,2}):(\d{2}):(\d{2})(?:\s+(\S+))?$`)

// designators are the AM/PM markers of the locales this package knows, with
// whether each is afternoon. They are formats, not messages: a marker not
// here makes the time unknown rather than misread.
var designators = map[string]bool{"am": false, "pm": true, "a.m.": false, "p.m.": true, "午前": false, "午後": true}

// parseLocalTime reads a date and time in the host's local time, returned as
// if it were UTC. The order of the date parts is decided by numbers: a
// four-digit first part is year/month/day; otherwise a slash means the US
// month/day/year (the en-US format w32tm prints in) unless the first part is
// over 12, and a dot or hyphen means day.month.year.
func parseLocalTime(s string) (time.Time, bool) {
	m := dateTime.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return time.Time{}, false
	}
	a, b, c := atoiPrefix(m[1]), atoiPrefix(m[3]), atoiPrefix(m[4])
	var y, mo, d int
	switch {
	case len(m[1]) == 4:
		y, mo, d = a, b, c
	case len(m[4]) != 4:
		return time.Time{}, false
	case m[2] == "/" && a <= 12:
		y, mo, d = c, a, b
	default:
		y, mo, d = c, b, a
	}
	h, mi, sec := atoiPrefix(m[6]), atoiPrefix(m[7]), atoiPrefix(m[8])
	if m[5] != "" && m[9] != "" {
		return time.Time{}, false
	}
	if marker := m[5] + m[9]; marker != "" {
		pm, ok := designators[strings.ToLower(marker)]
		if !ok || h < 1 || h > 12 {
			return time.Time{}, false
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d || t.Hour() != h || t.Minute() != mi || t.Second() != sec {
		return time.Time{}, false // out of range: February 30, 25:00 and the like
	}
	return t, true
}
