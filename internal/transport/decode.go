package transport

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// UTF8CodePage is the code page the shell asks programs to write in
// (WINRS_CODEPAGE=65001), and Result.CodePage of output that was valid UTF-8.
const UTF8CodePage = 65001

// oemCodePages are the OEM code pages the transport decodes, by number: those
// of the languages Windows Server ships in.
var oemCodePages = map[int]encoding.Encoding{
	437: charmap.CodePage437, // United States
	850: charmap.CodePage850, // Western Europe
	852: charmap.CodePage852, // Central Europe
	855: charmap.CodePage855, // Cyrillic
	857: charmap.CodePage858, // Turkish: 858 is 850 with the euro sign; 857 itself is not in x/text
	858: charmap.CodePage858,
	860: charmap.CodePage860, // Portuguese
	862: charmap.CodePage862, // Hebrew
	863: charmap.CodePage863, // Canadian French
	865: charmap.CodePage865, // Nordic
	866: charmap.CodePage866, // Russian
	932: japanese.ShiftJIS,
	936: simplifiedchinese.GBK,
	949: korean.EUCKR, // Unified Hangul Code, of which EUC-KR is the part Windows' messages use
	950: traditionalchinese.Big5,
}

// OEMCodePages returns the OEM code pages Client.SetCodePage takes, sorted.
func OEMCodePages() []int {
	cps := make([]int, 0, len(oemCodePages))
	for cp := range oemCodePages {
		cps = append(cps, cp)
	}
	slices.Sort(cps)
	return cps
}

// UnsupportedCodePageError is returned by SetCodePage for a code page the
// transport cannot decode.
type UnsupportedCodePageError struct{ CodePage int }

func (e *UnsupportedCodePageError) Error() string {
	return fmt.Sprintf("OEM code page %d is not one the WinRM transport decodes (%v)", e.CodePage, OEMCodePages())
}

// decodeOutput turns a command's output bytes into UTF-8, and returns the
// code page it decoded them from. The shell is opened with
// WINRS_CODEPAGE=65001, so output is normally UTF-8 already; programs that
// write in the console's OEM code page regardless (older Windows, localized
// hosts) produce it in that code page: oem, when the caller knows it (see
// Client.SetCodePage), else CP932 when the bytes are valid CP932, else
// CP437. The whole stream is decoded at once because a multi-byte character
// may straddle two Receive chunks.
func decodeOutput(b []byte, oem int) (string, int) {
	if utf8.Valid(b) {
		return string(b), UTF8CodePage
	}
	if enc, ok := oemCodePages[oem]; ok {
		if s, err := enc.NewDecoder().Bytes(b); err == nil {
			return string(s), oem
		}
	}
	if s, err := japanese.ShiftJIS.NewDecoder().Bytes(b); err == nil && !strings.ContainsRune(string(s), utf8.RuneError) {
		return string(s), 932
	}
	s, err := charmap.CodePage437.NewDecoder().Bytes(b)
	if err != nil {
		// CP437 maps every byte; this is unreachable, but never lose output.
		return strings.ToValidUTF8(string(b), "\uFFFD"), 437
	}
	return string(s), 437
}

// rawOutput is a command's output as the host sent it, kept by Result so
// that it can be decoded again (Result.Redecode).
type rawOutput struct{ stdout, stderr []byte }

// Redecode returns r with its output decoded from the OEM code page cp, when
// it was not valid UTF-8 and was decoded from another code page: for the
// first command on a host whose code page the caller learns from that very
// output. r is returned as it is otherwise, and for a code page OEMCodePages
// does not list.
func (r Result) Redecode(cp int) Result {
	if r.raw == nil || r.CodePage == UTF8CodePage || r.CodePage == cp || oemCodePages[cp] == nil {
		return r
	}
	out := r
	out.Stdout, out.CodePage = decodeOutput(r.raw.stdout, cp)
	out.Stderr, _ = decodeOutput(r.raw.stderr, cp)
	return out
}
