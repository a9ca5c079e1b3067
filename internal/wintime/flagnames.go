package wintime

import (
	"fmt"
	"strconv"
	"strings"
)

// FlagsFromNames is the inverse of Flags.Names: it combines flag names
// (letter case ignored) and the hexadecimal numbers Names gives for bits
// without a name (0x10), so that any flags a host holds survive a round trip
// through their names. Repeated names are allowed; an empty list is 0.
func FlagsFromNames(names []string) (Flags, error) {
	var f Flags
	for _, n := range names {
		if rest, ok := strings.CutPrefix(strings.ToLower(n), "0x"); ok {
			b, err := strconv.ParseUint(rest, 16, 8)
			if err != nil {
				return 0, fmt.Errorf("peer flag %q is neither a flag name (%s) nor a number between 0x1 and 0xff",
					n, strings.Join(FlagNames(), ", "))
			}
			f |= Flags(b)
			continue
		}
		b, err := ParseFlag(n)
		if err != nil {
			return 0, err
		}
		f |= b
	}
	return f, nil
}
