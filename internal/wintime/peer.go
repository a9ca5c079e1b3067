package wintime

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Flags are the mode bits W32Time keeps after each NtpServer peer (`address,0x9`).
type Flags uint8

// The flag bits, as documented for `w32tm /manualpeerlist`.
const (
	SpecialInterval   Flags = 0x1 // poll every SpecialPollInterval instead of the dynamic interval
	UseAsFallbackOnly Flags = 0x2 // use this peer only when the others fail
	SymmetricActive   Flags = 0x4 // NTP symmetric active mode
	Client            Flags = 0x8 // NTP client mode
)

// DefaultFlags is what a peer gets when the configuration names none:
// 0x9, the value Windows itself uses for time.windows.com.
const DefaultFlags = SpecialInterval | Client

// allFlags is the known bits with their names, lowest bit first.
var allFlags = []struct {
	bit  Flags
	name string
}{
	{SpecialInterval, "SpecialInterval"},
	{UseAsFallbackOnly, "UseAsFallbackOnly"},
	{SymmetricActive, "SymmetricActive"},
	{Client, "Client"},
}

// FlagNames returns the names of the flag bits, lowest bit first.
func FlagNames() []string {
	names := make([]string, len(allFlags))
	for i, f := range allFlags {
		names[i] = f.name
	}
	return names
}

// ParseFlag returns the bit named s, ignoring letter case.
func ParseFlag(s string) (Flags, error) {
	for _, f := range allFlags {
		if strings.EqualFold(s, f.name) {
			return f.bit, nil
		}
	}
	return 0, fmt.Errorf("unknown peer flag %q: allowed values are %s", s, strings.Join(FlagNames(), ", "))
}

// Names returns the names of the bits set in f, lowest bit first. Unknown bits
// are returned as hexadecimal numbers so that nothing a host holds is hidden.
func (f Flags) Names() []string {
	names := []string{}
	rest := f
	for _, k := range allFlags {
		if f&k.bit != 0 {
			names = append(names, k.name)
			rest &^= k.bit
		}
	}
	if rest != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint8(rest)))
	}
	return names
}

// Peer is one entry of the NtpServer list.
type Peer struct {
	Address string
	Flags   Flags
}

// String formats the peer as W32Time stores it: `address,0x9`.
func (p Peer) String() string {
	return fmt.Sprintf("%s,0x%x", p.Address, uint8(p.Flags))
}

// Equal reports whether two peers mean the same thing to Windows: host names
// are compared without regard to case, and flags by value (0x9 equals 0x09).
func (p Peer) Equal(q Peer) bool {
	return p.Flags == q.Flags && strings.EqualFold(p.Address, q.Address)
}

// EqualPeers reports whether two peer lists mean the same, in order.
func EqualPeers(a, b []Peer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// FormatPeers joins peers into the space-separated NtpServer form.
func FormatPeers(peers []Peer) string {
	parts := make([]string, len(peers))
	for i, p := range peers {
		parts[i] = p.String()
	}
	return strings.Join(parts, " ")
}

// ParsePeers reads an NtpServer value as a host stores it. Entries are separated
// by spaces (Windows also accepts commas between entries only when flags are
// absent, which this parser does not try to guess). An entry without flags has
// flags 0. Addresses are not checked against the allowlist: this parses what a
// host holds, which may have been written by other tools.
func ParsePeers(s string) ([]Peer, error) {
	peers := []Peer{}
	for _, field := range strings.Fields(s) {
		addr, flagText, hasFlags := strings.Cut(field, ",")
		if addr == "" {
			return nil, fmt.Errorf("peer %q has no address", field)
		}
		p := Peer{Address: addr}
		if hasFlags {
			f, err := parseFlagNumber(flagText)
			if err != nil {
				return nil, fmt.Errorf("peer %q: %w", field, err)
			}
			p.Flags = f
		}
		peers = append(peers, p)
	}
	return peers, nil
}

// parseFlagNumber reads the flag part of a peer: `0x9`, `0X09` or decimal `9`.
func parseFlagNumber(s string) (Flags, error) {
	base := 10
	digits := s
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		base, digits = 16, s[2:]
	}
	n, err := strconv.ParseUint(digits, base, 8)
	if err != nil {
		return 0, fmt.Errorf("flags %q are not a number between 0x0 and 0xff", s)
	}
	return Flags(n), nil
}

// ValidateAddress accepts a DNS host name (a fully qualified one may end
// with a dot, as in dc01.example.com.), an IPv4 literal or an IPv6 literal,
// and nothing else, so that a peer address can be put on a command line
// without any character cmd.exe or w32tm would interpret. An address written
// with a port (ntp.example.com:123, [2001:db8::1]:123) is refused with a
// message saying that peers take none: only a peer reaches this with a port,
// because a host's port is split off before its name is checked.
func ValidateAddress(s string) error {
	if s == "" {
		return errors.New("address is empty")
	}
	if err := portOrBrackets(s); err != nil {
		return err
	}
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return fmt.Errorf("%q is not a valid IPv6 literal (write it without brackets or zone, e.g. 2001:db8::1)", s)
		}
		return nil
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return nil
	}
	if err := validateHostname(s); err != nil {
		return fmt.Errorf("%q is not a host name, IPv4 or IPv6 address: %w", s, err)
	}
	return nil
}

// portOrBrackets explains the two ways of writing a port after an address
// (name:123, [v6]:123) and brackets without one ([v6]), which an NTP peer
// does not take: the NtpServer list holds bare addresses, and W32Time talks
// to every peer on UDP port 123.
func portOrBrackets(s string) error {
	if strings.HasPrefix(s, "[") {
		inner, port, hasPort := strings.Cut(s[1:], "]")
		if hasPort && port == "" {
			return fmt.Errorf("%q is in brackets: an NTP peer is written without them (%s)", s, inner)
		}
		if p, ok := strings.CutPrefix(port, ":"); ok && isDigits(p) {
			return fmt.Errorf("%q has a port (%s): an NTP peer takes no port, W32Time always uses UDP port 123; write %s", s, p, inner)
		}
		return nil
	}
	if name, p, ok := strings.Cut(s, ":"); ok && !strings.Contains(p, ":") && isDigits(p) {
		return fmt.Errorf("%q has a port (%s): an NTP peer takes no port, W32Time always uses UDP port 123; write %s", s, p, name)
	}
	return nil
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// validateHostname applies RFC 1123: labels of letters, digits and inner
// hyphens, at most 63 characters each and 253 in all, and one optional
// final dot (the root of a fully qualified name). Characters are checked
// first, one rune at a time, so that a non-ASCII one is named as written
// (not as one byte of its UTF-8 encoding) with its position, and before any
// length, which counts bytes.
func validateHostname(s string) error {
	pos := 0
	for _, r := range s {
		pos++
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return fmt.Errorf("character %s at position %d is not allowed (letters a-z, digits, hyphens and dots only)",
				describeRune(r), pos)
		}
	}
	name := strings.TrimSuffix(s, ".")
	if len(name) > 253 {
		return errors.New("a host name has at most 253 characters")
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" {
			return errors.New("a host name has no empty labels")
		}
		if len(l) > 63 {
			return errors.New("each label of a host name has at most 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return errors.New("a label of a host name neither starts nor ends with a hyphen")
		}
	}
	// A name made only of digits and dots that is not a valid IPv4 address
	// (such as 999.1.1.1) is refused: it is a typo, not a host name.
	if strings.Trim(s, "0123456789.") == "" {
		return errors.New("it looks like an IPv4 address but is not a valid one")
	}
	return nil
}

// describeRune names a character for an error message: printable ones as
// themselves with their code point ('é' U+00E9), others by code point only,
// so that a control character cannot garble the message.
func describeRune(r rune) string {
	if r == utf8.RuneError {
		return "U+FFFD (not valid UTF-8)"
	}
	if unicode.IsPrint(r) {
		return fmt.Sprintf("%q (%U)", r, r)
	}
	return fmt.Sprintf("%U", r)
}
