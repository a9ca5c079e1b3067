package main

import (
	"slices"
	"strings"
	"testing"
)

func TestHostCounts(t *testing.T) {
	tests := []struct {
		name, list string
		want       []int
		wantErr    bool
	}{
		{"default", "1,10,100,1000", []int{1, 10, 100, 1000}, false},
		{"spaces", " 250 , 1000 ", []int{250, 1000}, false},
		{"none", "", nil, false},
		{"the simulator's limit", "60000", []int{60000}, false},
		{"over the limit", "60001", nil, true},
		{"zero", "0", nil, true},
		{"not a number", "ten", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hostCounts("-hosts", tt.list)
			if (err != nil) != tt.wantErr || !slices.Equal(got, tt.want) {
				t.Errorf("hostCounts(%q) = %v, %v; want %v (error: %v)", tt.list, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// The mixed configuration declares the four kinds per host; the plain one
// only windows_ntp_config.
func TestConfigMixed(t *testing.T) {
	for _, mixed := range []bool{false, true} {
		c := config(nil, mixed)
		for _, kind := range []string{`resource "windows_time_zone"`, `data "windows_host"`, `data "windows_ntp_status"`} {
			if got := strings.Contains(c, kind); got != mixed {
				t.Errorf("mixed=%v: %s declared: %v", mixed, kind, got)
			}
		}
		if !strings.Contains(c, `resource "windows_ntp_config"`) {
			t.Errorf("mixed=%v: no windows_ntp_config", mixed)
		}
	}
}
