package wintime

import (
	"fmt"
	"strings"
)

// Type is the W32Time `Type` registry value: where the host takes its time from.
type Type string

// The four sync types Windows knows.
const (
	NoSync  Type = "NoSync"  // no synchronisation
	NTP     Type = "NTP"     // the peers listed in NtpServer
	NT5DS   Type = "NT5DS"   // the domain hierarchy
	AllSync Type = "AllSync" // the domain hierarchy and the NtpServer peers
)

// Types lists the sync types in the order the documentation presents them.
var Types = []Type{NoSync, NTP, NT5DS, AllSync}

// TypeNames returns the names of Types, for validators and error messages.
func TypeNames() []string {
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return names
}

// ParseType returns the Type named s. Letter case is ignored because Windows
// itself compares the registry value without regard to case.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown sync type %q: allowed values are %s", s, strings.Join(TypeNames(), ", "))
}

// NeedsPeers reports whether a host of this type uses the NtpServer peers,
// so that a configuration without any peer cannot work.
func (t Type) NeedsPeers() bool { return t == NTP || t == AllSync }
