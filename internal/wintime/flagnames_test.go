package wintime

import (
	"strings"
	"testing"
)

func TestFlagsFromNames(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    Flags
		wantErr string
	}{
		{"none", nil, 0, ""},
		{"default", []string{"SpecialInterval", "Client"}, 0x9, ""},
		{"any case", []string{"client", "USEASFALLBACKONLY"}, 0xa, ""},
		{"repeated", []string{"Client", "Client"}, 0x8, ""},
		{"unnamed bit as Names prints it", []string{"Client", "0x10"}, 0x18, ""},
		{"unnamed bits upper case", []string{"0XF0"}, 0xf0, ""},
		{"unknown name", []string{"Server"}, 0, "unknown peer flag"},
		{"number too large", []string{"0x100"}, 0, "between 0x1 and 0xff"},
		{"not hexadecimal", []string{"0xZZ"}, 0, "between 0x1 and 0xff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FlagsFromNames(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("FlagsFromNames(%v) = %#x, %v; want %#x", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestNtpServerRoundTrip is what the provider functions parse_ntp_server and
// format_ntp_server do: registry string to peers with flag names and back.
func TestNtpServerRoundTrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"two peers", "a.example,0x9 b.example,0x8", "a.example,0x9 b.example,0x8"},
		{"unnamed bit", "a.example,0x19", "a.example,0x19"},
		{"every byte value", "a.example,0xff", "a.example,0xff"},
		{"no flags", "a.example", "a.example,0x0"},
		{"decimal flags", "a.example,9", "a.example,0x9"},
		{"extra spaces", "  a.example,0x9   b.example,0x1 ", "a.example,0x9 b.example,0x1"},
		{"IPv6", "2001:db8::1,0x8", "2001:db8::1,0x8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			peers, err := ParsePeers(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range peers {
				f, err := FlagsFromNames(p.Flags.Names())
				if err != nil || f != p.Flags {
					t.Fatalf("peer %d: flags %#x through names %v came back as %#x, %v", i, p.Flags, p.Flags.Names(), f, err)
				}
			}
			if got := FormatPeers(peers); got != tc.want {
				t.Errorf("FormatPeers(ParsePeers(%q)) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("all flag values through names", func(t *testing.T) {
		for f := range 256 {
			if got, err := FlagsFromNames(Flags(f).Names()); err != nil || got != Flags(f) {
				t.Errorf("%#x -> %v -> %#x, %v", f, Flags(f).Names(), got, err)
			}
		}
	})
}
