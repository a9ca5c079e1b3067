package main

import (
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	wz := `{"supplemental":{"windowsZones":{"mapTimezones":[
		{"mapZone":{"_other":"B Standard Time","_type":"Etc/X","_territory":"ZZ"}},
		{"mapZone":{"_other":"A Standard Time","_type":"Area/City","_territory":"001"}},
		{"mapZone":{"_other":"A Standard Time","_type":"Area/City Area/Town","_territory":"AA"}},
		{"mapZone":{"_other":"A Standard Time","_type":"Etc/X","_territory":"001"}}]}}}`
	bcp := `{"keyword":{"u":{"tz":{"_description":"Time zone key","_alias":"timezone",
		"aacty":{"_description":"City","_alias":"Area/OldCity Area/City","_iana":"Area/NewCity"}}}}}`
	aliases := `{"supplemental":{"metadata":{"alias":{"zoneAlias":{"Area":{"Gone":{"_reason":"deprecated","_replacement":"Area/Town"},
		"Deep":{"Er":{"_reason":"deprecated","_replacement":"Area/City"}}}}}}}}`
	table, ids, err := build([]byte(wz), []byte(bcp), []byte(aliases))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Area/City": "A Standard Time", "Area/Town": "A Standard Time", "Etc/X": "A Standard Time",
		"Area/OldCity": "A Standard Time", "Area/NewCity": "A Standard Time",
		"Area/Gone": "A Standard Time", "Area/Deep/Er": "A Standard Time",
	}
	for name, id := range want {
		t.Run(name, func(t *testing.T) {
			if table[name] != id {
				t.Errorf("table[%q] = %q, want %q", name, table[name], id)
			}
		})
	}
	t.Run("no more names", func(t *testing.T) {
		if len(table) != len(want) {
			t.Errorf("table = %v", table)
		}
	})
	t.Run("ids", func(t *testing.T) {
		if strings.Join(ids, "|") != "A Standard Time|B Standard Time" {
			t.Errorf("ids = %v", ids)
		}
	})
}

func TestBuildRefuses(t *testing.T) {
	tests := []struct{ name, wz, want string }{
		{"conflict outside 001", `{"supplemental":{"windowsZones":{"mapTimezones":[
			{"mapZone":{"_other":"A Standard Time","_type":"Area/City","_territory":"AA"}},
			{"mapZone":{"_other":"B Standard Time","_type":"Area/City","_territory":"BB"}}]}}}`, "maps to both"},
		{"character outside the allowlist", `{"supplemental":{"windowsZones":{"mapTimezones":[
			{"mapZone":{"_other":"A \"Standard\" Time","_type":"Area/City","_territory":"001"}}]}}}`, "outside the allowlist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := build([]byte(tc.wz), []byte(`{}`), []byte(`{}`))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
