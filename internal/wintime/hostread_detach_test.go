package wintime_test

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestParseHostReadDetached: no string of a parsed read, map keys and
// unexported fields included, points into the output it was parsed from,
// so that keeping the read (the provider keeps one per host for the whole
// run) does not keep the output.
func TestParseHostReadDetached(t *testing.T) {
	for _, p := range winhost.Profiles() {
		t.Run(string(p), func(t *testing.T) {
			m := newSim(t, winhost.Config{Profile: p, Locale: winhost.EnUS, Role: winhost.Member})
			out, _ := exec(t, m, wintime.HostReadCommand())
			r, err := wintime.ParseHostRead(out)
			if err != nil {
				t.Fatal(err)
			}
			start := uintptr(unsafe.Pointer(unsafe.StringData(out)))
			end := start + uintptr(len(out))
			var found, aliased []string
			walkStrings(reflect.ValueOf(r), func(s string) {
				if s == "" {
					return
				}
				found = append(found, s)
				if p := uintptr(unsafe.Pointer(unsafe.StringData(s))); p >= start && p < end {
					aliased = append(aliased, s)
				}
			})
			if len(found) < 5 {
				t.Fatalf("only %d strings in the read (%q): the walk misses fields", len(found), found)
			}
			if len(aliased) > 0 {
				t.Errorf("%d of %d strings of the read point into the output: %q", len(aliased), len(found), aliased)
			}
		})
	}
}

// walkStrings calls f with every string v holds.
func walkStrings(v reflect.Value, f func(string)) {
	switch v.Kind() {
	case reflect.String:
		f(v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			walkStrings(v.Field(i), f)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), f)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), f)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			walkStrings(it.Key(), f)
			walkStrings(it.Value(), f)
		}
	default:
	}
}
