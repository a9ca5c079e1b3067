package wintime

import (
	"reflect"
	"strings"
)

// detached returns a deep copy of v in which every string, map key
// included, is a copy of its own. The parsers return substrings of the
// output they read, which keep all of it alive: the host read's output is
// several KiB, while what is parsed out of it and kept for the rest of the
// run (see the provider's host reads) is a few hundred bytes.
func detached[T any](v T) T {
	var out T
	copyDetached(reflect.ValueOf(&out).Elem(), reflect.ValueOf(v))
	return out
}

// copyDetached sets dst, settable and of src's type, to a deep copy of src
// with strings copied.
func copyDetached(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.String:
		dst.SetString(strings.Clone(src.String()))
	case reflect.Struct:
		if !exportedOnly(src.Type()) {
			// Another package's type, such as time.Time: it holds nothing
			// parsed out of the output.
			dst.Set(src)
			return
		}
		for i := range src.NumField() {
			copyDetached(dst.Field(i), src.Field(i))
		}
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyDetached(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyDetached(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			copyDetached(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			k := reflect.New(src.Type().Key()).Elem()
			copyDetached(k, it.Key())
			e := reflect.New(src.Type().Elem()).Elem()
			copyDetached(e, it.Value())
			m.SetMapIndex(k, e)
		}
		dst.Set(m)
	default:
		// Numbers, booleans and the like hold no memory of the output.
		// Interfaces, channels and functions: the parsed types have none.
		dst.Set(src)
	}
}

// exportedOnly reports whether every field of the struct type t is exported.
func exportedOnly(t reflect.Type) bool {
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return false
		}
	}
	return true
}
