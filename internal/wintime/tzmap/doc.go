// Package tzmap maps IANA time zone names (Asia/Tokyo) to Windows time zone
// ids (Tokyo Standard Time), the ids `tzutil` and the registry use, from the
// windowsZones table of the Unicode CLDR.
//
// The table is generated: zones_gen.go is written by `go generate` from the
// npm package cldr-core (and cldr-bcp47, for the other names of each zone), at
// the versions pinned in internal/gencldr. The data is under the Unicode
// licence, copied beside it as LICENSE-unicode.
package tzmap

//go:generate go run ./internal/gencldr
