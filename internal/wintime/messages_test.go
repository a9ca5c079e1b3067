package wintime

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestValidateAddressMessages pins the messages of refused addresses that
// used to mislead: a non-ASCII character shown as one byte of its UTF-8
// encoding ('Ã' for 'é'), and a port reported as a bad IPv6 literal.
func TestValidateAddressMessages(t *testing.T) {
	tests := []struct {
		name, addr, want string
	}{
		{"non-ASCII letter", "café.example",
			`"café.example" is not a host name, IPv4 or IPv6 address: character 'é' (U+00E9) at position 4 is not allowed (letters a-z, digits, hyphens and dots only)`},
		{"non-ASCII in the second label", "ntp.ñ.jp",
			`"ntp.ñ.jp" is not a host name, IPv4 or IPv6 address: character 'ñ' (U+00F1) at position 5 is not allowed (letters a-z, digits, hyphens and dots only)`},
		{"character outside the BMP", "a😀b",
			`"a😀b" is not a host name, IPv4 or IPv6 address: character '😀' (U+1F600) at position 2 is not allowed (letters a-z, digits, hyphens and dots only)`},
		{"control character", "a\x7fb",
			`"a\x7fb" is not a host name, IPv4 or IPv6 address: character U+007F at position 2 is not allowed (letters a-z, digits, hyphens and dots only)`},
		{"invalid UTF-8", "a\xffb",
			`"a\xffb" is not a host name, IPv4 or IPv6 address: character U+FFFD (not valid UTF-8) at position 2 is not allowed (letters a-z, digits, hyphens and dots only)`},
		{"name with port", "ntp.org:123",
			`"ntp.org:123" has a port (123): an NTP peer takes no port, W32Time always uses UDP port 123; write ntp.org`},
		{"IPv4 with port", "10.0.0.1:123",
			`"10.0.0.1:123" has a port (123): an NTP peer takes no port, W32Time always uses UDP port 123; write 10.0.0.1`},
		{"bracketed IPv6 with port", "[::1]:123",
			`"[::1]:123" has a port (123): an NTP peer takes no port, W32Time always uses UDP port 123; write ::1`},
		{"bracketed IPv6", "[2001:db8::1]",
			`"[2001:db8::1]" is in brackets: an NTP peer is written without them (2001:db8::1)`},
		{"zone", "fe80::1%eth0",
			`"fe80::1%eth0" is not a valid IPv6 literal (write it without brackets or zone, e.g. 2001:db8::1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateAddress(tt.addr)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ValidateAddress(%q) = %v\nwant %s", tt.addr, err, tt.want)
			}
		})
	}
}

// TestValidateAddressFullyQualified: a fully qualified name may end with the
// root's dot; the rest of the rules still hold.
func TestValidateAddressFullyQualified(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"dc01.example.com.", true},
		{"a.", true},
		{strings.Repeat("a.", 126) + "a.", true}, // 253 characters and the root
		{".", false},
		{"a..", false},
		{"..", false},
		{"-a.", false},
		{"999.1.1.1.", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if err := ValidateAddress(tt.addr); (err == nil) != tt.ok {
				t.Errorf("ValidateAddress(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
		})
	}
}

// longPeers returns n valid peers of 203 characters each: 208 on the command
// line with their flags and separator.
func longPeers(n int) []Peer {
	peers := make([]Peer, n)
	label := strings.Repeat("a", 63)
	for i := range peers {
		peers[i] = Peer{Address: fmt.Sprintf("%s.%s.%s.p%02d.example", label, label, label, i), Flags: DefaultFlags}
	}
	return peers
}

// TestCommandLineLimit: cmd.exe runs 8,191 characters and refuses 8,192,
// counted in UTF-16 code units.
func TestCommandLineLimit(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // "" for accepted
	}{
		{"8191 characters", strings.Repeat("a", 8191), ""},
		{"8192 characters", strings.Repeat("a", 8192),
			"the command line would have 8192 characters, and cmd.exe refuses lines over 8191 characters"},
		{"two-byte characters count once", strings.Repeat("é", 8191), ""},
		{"characters outside the BMP count twice", strings.Repeat("a", 8190) + "😀",
			"the command line would have 8192 characters, and cmd.exe refuses lines over 8191 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckCommandLine(tt.line)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckCommandLine refused %d bytes: %v", len(tt.line), err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("CheckCommandLine = %v, want %s", err, tt.want)
			}
		})
	}
}

// TestApplyCommandTooLong: the apply command of too many valid peers is
// refused before it is sent, at plan time (CheckApplyLength, over every
// version) and when built for a host (UpdateCommand, the longer line).
func TestApplyCommandTooLong(t *testing.T) {
	// The longest case: a stopped service adds net start to the line.
	stopped := State{Version: Version{Major: 10, Minor: 0, Build: 20348}, Installed: true, Service: ServiceStopped}
	tests := []struct {
		name    string
		peers   int
		wantLen int // 0: fits
	}{
		{"37 peers fit", 37, 0},
		{"38 peers do not", 38, 8271},
		{"42 peers do not", 42, 9103},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := Settings{Type: NTP, Peers: longPeers(tt.peers)}
			planErr := CheckApplyLength(want)
			_, applyErr := UpdateCommand(stopped.Version, want, true)
			if tt.wantLen == 0 {
				if planErr != nil || applyErr != nil {
					t.Fatalf("refused: plan %v, apply %v", planErr, applyErr)
				}
				return
			}
			var tooLong *CommandLineTooLongError
			if !errors.As(planErr, &tooLong) || tooLong.Length != tt.wantLen {
				t.Errorf("CheckApplyLength = %v, want a %d-character line refused", planErr, tt.wantLen)
			}
			if !errors.As(applyErr, &tooLong) || tooLong.Length != tt.wantLen {
				t.Errorf("ApplyCommand = %v, want a %d-character line refused", applyErr, tt.wantLen)
			}
		})
	}
}
