package wintime

import (
	"reflect"
	"testing"
)

// TestSettingsEqual compares settings that mean the same in other spellings,
// and settings that differ in one field, managed or not.
func TestSettingsEqual(t *testing.T) {
	yes, no, alsoYes := true, false, true
	peers := []Peer{{"ntp.nict.jp", 0x9}, {"time.windows.com", 0xa}}
	base := Settings{Type: NTP, Peers: peers, Reliable: &yes}
	tests := []struct {
		name string
		a, b Settings
		want bool
	}{
		{"identical", base, base, true},
		{"zero values", Settings{}, Settings{}, true},
		{"host names in other case", base, Settings{Type: NTP, Peers: []Peer{{"NTP.NICT.JP", 0x9}, {"Time.Windows.com", 0xa}}, Reliable: &yes}, true},
		{"reliable through another pointer", base, Settings{Type: NTP, Peers: peers, Reliable: &alsoYes}, true},
		{"both leave peers and reliable unmanaged", Settings{Type: NT5DS}, Settings{Type: NT5DS}, true},
		{"type", base, Settings{Type: AllSync, Peers: peers, Reliable: &yes}, false},
		{"peer order", base, Settings{Type: NTP, Peers: []Peer{peers[1], peers[0]}, Reliable: &yes}, false},
		{"peer flags", base, Settings{Type: NTP, Peers: []Peer{{"ntp.nict.jp", 0x1}, peers[1]}, Reliable: &yes}, false},
		{"one peer fewer", base, Settings{Type: NTP, Peers: peers[:1], Reliable: &yes}, false},
		{"peers unmanaged on one side", base, Settings{Type: NTP, Reliable: &yes}, false},
		{"unmanaged peers against an empty list", Settings{Type: NTP}, Settings{Type: NTP, Peers: []Peer{}}, false},
		{"reliable", base, Settings{Type: NTP, Peers: peers, Reliable: &no}, false},
		{"reliable unmanaged on one side", base, Settings{Type: NTP, Peers: peers}, false},
		{"no tunables: nil and empty", Settings{Type: NTP}, Settings{Type: NTP, Tunables: map[string]uint32{}}, true},
		{"same tunables", Settings{Type: NTP, Tunables: map[string]uint32{"hold_period": 5}}, Settings{Type: NTP, Tunables: map[string]uint32{"hold_period": 5}}, true},
		{"tunable value", Settings{Type: NTP, Tunables: map[string]uint32{"hold_period": 5}}, Settings{Type: NTP, Tunables: map[string]uint32{"hold_period": 6}}, false},
		{"tunable unmanaged on one side", Settings{Type: NTP, Tunables: map[string]uint32{"hold_period": 5}}, Settings{Type: NTP}, false},
		{"startup", Settings{Type: NTP, Startup: StartManual}, Settings{Type: NTP, Startup: StartAutomatic}, false},
		{"startup unmanaged on one side", Settings{Type: NTP, Startup: StartManual}, Settings{Type: NTP}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Equal(tt.b); got != tt.want {
				t.Errorf("a.Equal(b) = %v, want %v\na = %+v\nb = %+v", got, tt.want, tt.a, tt.b)
			}
			if got := tt.b.Equal(tt.a); got != tt.want {
				t.Errorf("b.Equal(a) = %v, want %v (Equal is not symmetric)", got, tt.want)
			}
		})
	}
}

// TestSettingsEqualSeesEveryField changes each field of Settings in turn, by
// reflection, so that a field added to Settings and forgotten in Equal fails
// here, whatever its name.
func TestSettingsEqualSeesEveryField(t *testing.T) {
	yes := true
	base := Settings{Type: NTP, Peers: []Peer{{"ntp.nict.jp", 0x9}}, Reliable: &yes}
	typ := reflect.TypeFor[Settings]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		t.Run(f.Name, func(t *testing.T) {
			changed := base
			v := reflect.ValueOf(&changed).Elem().Field(i)
			switch v.Kind() {
			case reflect.String:
				v.SetString(v.String() + "x")
			case reflect.Slice:
				v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // managed on both sides, other elements
			case reflect.Pointer:
				v.Set(reflect.Zero(v.Type())) // managed on one side only
			case reflect.Map:
				m := reflect.MakeMap(v.Type()) // one more entry managed
				m.SetMapIndex(reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem())
				v.Set(m)
			default:
				t.Fatalf("field %s is a %s: teach this test to change one", f.Name, v.Kind())
			}
			if base.Equal(changed) {
				t.Errorf("Settings that differ in %s are Equal: compare %s in Settings.Equal", f.Name, f.Name)
			}
		})
	}
}

// TestParseRegQueryRepeatedKey: a key listed twice keeps the first of each
// value and gains the values only the later section has (the settings read
// queries ProductName, the facts read the whole CurrentVersion key).
func TestParseRegQueryRepeatedKey(t *testing.T) {
	out := "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n" +
		"    ProductName    REG_SZ    Windows Server 2022 Standard\r\n\r\n" +
		"garbage from another program\r\n" +
		"\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n" +
		"    ProductName    REG_SZ    Forged\r\n" +
		"    CurrentBuildNumber    REG_SZ    20348\r\n\r\n"
	k := LookupKey(ParseRegQuery(out), CurrentVersionKey)
	if k == nil {
		t.Fatal("CurrentVersion key not found")
	}
	for _, tc := range []struct{ name, want string }{
		{"ProductName", "Windows Server 2022 Standard"},
		{"CurrentBuildNumber", "20348"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if v, ok := k.Value(tc.name); !ok || v.Data != tc.want {
				t.Errorf("%s = %q (present: %v), want %q", tc.name, v.Data, ok, tc.want)
			}
		})
	}
}
