package transport

import (
	"errors"
	"testing"

	"golang.org/x/text/encoding"
)

// encode is s in the OEM code page cp, as a program that ignores the shell's
// UTF-8 code page writes it.
func encode(t *testing.T, cp int, s string) []byte {
	t.Helper()
	b, err := encoding.ReplaceUnsupported(oemCodePages[cp].NewEncoder()).Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeOEMCodePages(t *testing.T) {
	tests := []struct {
		cp   int
		text string
	}{
		{850, "Dernière synchronisation réussie"},
		{866, "Время последней успешной синхронизации"},
		{936, "上次成功同步时间"},
		{949, "마지막으로 동기화한 시간"},
		{950, "上次成功同步時間"},
		{932, "最終正常同期時刻"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			raw := encode(t, tc.cp, tc.text)
			if got, cp := decodeOutput(raw, tc.cp); got != tc.text || cp != tc.cp {
				t.Errorf("decodeOutput(code page %d) = %q from %d, want %q", tc.cp, got, cp, tc.text)
			}
			c := &core{}
			res := c.result(raw, nil, 0)
			if tc.cp != 932 && res.Stdout == tc.text {
				t.Fatalf("decoded without the code page: the test proves nothing")
			}
			if got := res.Redecode(tc.cp); got.Stdout != tc.text || got.CodePage != tc.cp {
				t.Errorf("Redecode(%d) = %q from %d, want %q", tc.cp, got.Stdout, got.CodePage, tc.text)
			}
		})
	}
}

func TestSetCodePage(t *testing.T) {
	c, err := New(Config{Host: "h.example", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	var uerr *UnsupportedCodePageError
	if err := c.SetCodePage(1252); !errors.As(err, &uerr) || uerr.CodePage != 1252 {
		t.Errorf("SetCodePage(1252) = %v, want an *UnsupportedCodePageError", err)
	}
	if err := c.SetCodePage(866); err != nil || c.CodePage() != 866 {
		t.Fatalf("SetCodePage(866) = %v, CodePage() = %d", err, c.CodePage())
	}
	res := c.core.result([]byte{0x82, 0xe0, 0xa5, 0xac, 0xef}, nil, 0)
	if res.Stdout != "Время" || res.CodePage != 866 {
		t.Errorf("after SetCodePage(866), output decodes as %q from %d", res.Stdout, res.CodePage)
	}
	if res := c.core.result([]byte("utf-8 é"), nil, 0); res.CodePage != UTF8CodePage || res.raw != nil {
		t.Errorf("UTF-8 output: %+v", res)
	}
}
