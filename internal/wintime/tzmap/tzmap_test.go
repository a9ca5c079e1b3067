package tzmap

import (
	"slices"
	"strings"
	"testing"
)

func TestWindowsZone(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"golden IANA zone", "Asia/Tokyo", "Tokyo Standard Time", true},
		{"name listed for a territory only", "America/Juneau", "Alaskan Standard Time", true},
		{"name in several territories takes 001", "Etc/UTC", "UTC", true},
		{"IANA alias from bcp47", "Asia/Kolkata", "India Standard Time", true},
		{"CLDR's own spelling", "Asia/Calcutta", "India Standard Time", true},
		{"deprecated name", "Asia/Chongqing", "China Standard Time", true},
		{"deeper deprecated name", "America/Argentina/ComodRivadavia", "Argentina Standard Time", true},
		{"Kyiv", "Europe/Kyiv", "FLE Standard Time", true},
		{"IANA name in another case", "asia/TOKYO", "Tokyo Standard Time", true},
		{"Windows id", "Tokyo Standard Time", "Tokyo Standard Time", true},
		{"Windows id in another case", "tokyo standard TIME", "Tokyo Standard Time", true},
		{"Windows id with parentheses", "central standard time (mexico)", "Central Standard Time (Mexico)", true},
		{"UTC", "UTC", "UTC", true},
		{"unknown", "Mars/Olympus_Mons", "", false},
		{"empty", "", "", false},
		{"dstoff suffix is not a zone", "Tokyo Standard Time_dstoff", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := WindowsZone(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("WindowsZone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTables(t *testing.T) {
	t.Run("ids sorted and unique", func(t *testing.T) {
		ids := WindowsZoneIDs()
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Error("WindowsZoneIDs is not sorted and unique")
		}
		if len(ids) < 100 {
			t.Errorf("only %d ids", len(ids))
		}
	})
	t.Run("every IANA name maps to a listed id", func(t *testing.T) {
		for name, id := range ianaToWindows {
			if !IsWindowsZoneID(id) {
				t.Errorf("%s maps to %q, which is not in windowsIDs", name, id)
			}
		}
	})
	t.Run("no two names differ only in case", func(t *testing.T) {
		if len(ianaByFold) != len(ianaToWindows) || len(windowsByFold) != len(windowsIDs) {
			t.Error("a case-insensitive lookup would be ambiguous")
		}
	})
	t.Run("clone", func(t *testing.T) {
		ids := WindowsZoneIDs()
		ids[0] = "changed"
		if WindowsZoneIDs()[0] == "changed" {
			t.Error("WindowsZoneIDs returns the table itself")
		}
	})
}

func TestCheckZoneID(t *testing.T) {
	tests := []struct {
		name, in, wantID string
		dstOff           bool
		wantErr          string
	}{
		{"id", "Tokyo Standard Time", "Tokyo Standard Time", false, ""},
		{"id with dstoff", "Pacific Standard Time_dstoff", "Pacific Standard Time", true, ""},
		{"parentheses", "Pacific Standard Time (Mexico)", "Pacific Standard Time (Mexico)", false, ""},
		{"wrong case names the spelling", "tokyo standard time", "", false, `use "Tokyo Standard Time"`},
		{"IANA name names the id", "Asia/Tokyo", "", false, `use "Tokyo Standard Time"`},
		{"quote", `Tokyo Standard Time" & calc & "`, "", false, "not a Windows time zone id"},
		{"ampersand", "UTC & calc", "", false, "not a Windows time zone id"},
		{"percent", "%PATH%", "", false, "not a Windows time zone id"},
		{"trailing space", "UTC ", "", false, "not a Windows time zone id"},
		{"dstoff alone", "_dstoff", "", false, "not a Windows time zone id"},
		{"dstoff twice", "UTC_dstoff_dstoff", "", false, "not a Windows time zone id"},
		{"empty", "", "", false, "not a Windows time zone id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, dst, err := CheckZoneID(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("CheckZoneID(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || id != tc.wantID || dst != tc.dstOff {
				t.Errorf("CheckZoneID(%q) = %q, %v, %v; want %q, %v", tc.in, id, dst, err, tc.wantID, tc.dstOff)
			}
		})
	}
	t.Run("every id passes and holds only allowed characters", func(t *testing.T) {
		for _, id := range WindowsZoneIDs() {
			if _, _, err := CheckZoneID(id); err != nil {
				t.Error(err)
			}
			if strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .+-()") != "" {
				t.Errorf("%q holds a character outside the allowlist", id)
			}
		}
	})
}
