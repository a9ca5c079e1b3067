package winhost

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Code pages.
const (
	cpUTF8 = 65001
	cp437  = 437
	cp850  = 850
	cp866  = 866
	cp932  = 932
	cp936  = 936
	cp949  = 949
	cp950  = 950
	cp1252 = 1252
)

// codePages are the encodings of the code pages a host writes in, besides UTF-8.
var codePages = map[int]encoding.Encoding{
	cp437:  charmap.CodePage437,
	cp850:  charmap.CodePage850,
	cp866:  charmap.CodePage866,
	cp932:  japanese.ShiftJIS,
	cp936:  simplifiedchinese.GBK,
	cp949:  korean.EUCKR,
	cp950:  traditionalchinese.Big5,
	cp1252: charmap.Windows1252,
}

// checkCodePage checks Config.OEMCodePage against the locale and fills in its default.
func (cfg *Config) checkCodePage() error {
	want := cp437
	if cfg.Locale == JaJP {
		want = cp932
	}
	switch cp := cfg.OEMCodePage; {
	case cp == 0:
		cfg.OEMCodePage = want
	case cfg.Locale == JaJP && cp != cp932:
		return fmt.Errorf("winhost: OEM code page %d with locale ja-JP (a Japanese system's is 932)", cp)
	case cp == cp1252 || codePages[cp] == nil:
		return fmt.Errorf("winhost: unknown OEM code page %d (want 437, 850, 866, 932, 936, 949 or 950)", cp)
	}
	return nil
}

// outputCodePage is the code page console programs write in: the one the shell asked for when the
// release honours it, else the OEM code page [inferred: 2003 ignores 65001].
func (h *Machine) outputCodePage(requested int) int {
	switch {
	case requested == cpUTF8:
		if h.pi.honoursUTF8 {
			return cpUTF8
		}
	case codePages[requested] != nil:
		return requested
	}
	return h.cfg.OEMCodePage
}

// encode converts program output (UTF-8 text) to the bytes the console would carry. Characters the code
// page cannot represent become '?', as WideCharToMultiByte's default character.
func (h *Machine) encode(b []byte, requested int) []byte {
	cp := h.outputCodePage(requested)
	if cp == cpUTF8 {
		return append([]byte{}, b...)
	}
	return encodeRunes(codePages[cp], b)
}

// encodeRunes encodes UTF-8 text rune by rune so that a character the code page lacks, or an invalid
// byte, becomes '?' as with WideCharToMultiByte's default character (x/text would give 0x1A).
func encodeRunes(enc encoding.Encoding, b []byte) []byte {
	e := enc.NewEncoder()
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			out = append(out, b[0])
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		enc, err := e.Bytes(b[:n])
		if r == utf8.RuneError || err != nil || len(enc) == 0 || (len(enc) == 1 && enc[0] == 0x1A) {
			out = append(out, '?')
		} else {
			out = append(out, enc...)
		}
		b = b[n:]
	}
	return out
}
