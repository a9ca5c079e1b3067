package transport

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// decodeOutput turns a command's output bytes into UTF-8. The shell is opened
// with WINRS_CODEPAGE=65001, so output is normally UTF-8 already; programs that
// write in the console's OEM code page regardless (older Windows, Japanese
// hosts) produce CP932 or CP437. The whole stream is decoded at once because a
// multi-byte character may straddle two Receive chunks.
func decodeOutput(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if s, err := japanese.ShiftJIS.NewDecoder().Bytes(b); err == nil && !strings.ContainsRune(string(s), utf8.RuneError) {
		return string(s)
	}
	s, err := charmap.CodePage437.NewDecoder().Bytes(b)
	if err != nil {
		// CP437 maps every byte; this is unreachable, but never lose output.
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}
