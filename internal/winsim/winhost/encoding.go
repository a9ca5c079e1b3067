package winhost

import (
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
)

// Code pages.
const (
	cpUTF8 = 65001
	cp437  = 437
	cp850  = 850
	cp932  = 932
	cp1252 = 1252
)

// oemCodePage is the console code page of the host's locale.
func (h *Machine) oemCodePage() int {
	if h.cfg.Locale == JaJP {
		return cp932
	}
	return cp437
}

// outputCodePage is the code page console programs write in: the one the shell asked for when the
// release honours it, else the OEM code page [inferred: 2003 ignores 65001].
func (h *Machine) outputCodePage(requested int) int {
	switch requested {
	case cpUTF8:
		if h.pi.honoursUTF8 {
			return cpUTF8
		}
	case cp437, cp850, cp932, cp1252:
		return requested
	}
	return h.oemCodePage()
}

// encode converts program output (UTF-8 text) to the bytes the console would carry. Characters the code
// page cannot represent become '?', as WideCharToMultiByte's default character.
func (h *Machine) encode(b []byte, requested int) []byte {
	var enc encoding.Encoding
	switch h.outputCodePage(requested) {
	case cpUTF8:
		return append([]byte{}, b...)
	case cp850:
		enc = charmap.CodePage850
	case cp932:
		enc = japanese.ShiftJIS
	case cp1252:
		enc = charmap.Windows1252
	default:
		enc = charmap.CodePage437
	}
	return encodeRunes(enc, b)
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
