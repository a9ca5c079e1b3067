package winhost

import (
	"strings"
	"testing"
)

// TestLineLimit: cmd.exe runs a line of 8,191 characters and refuses one of
// 8,192 with "The command line is too long." and exit code 1, running none of
// it; the count is in UTF-16 code units, of the line as received (before
// %variables% expand).
func TestLineLimit(t *testing.T) {
	// echo plus padding: "echo " is 5 characters.
	echo := func(n int) string { return "echo " + strings.Repeat("a", n-5) }
	tests := []struct {
		name    string
		line    string
		locale  Locale
		wantOut string
		wantErr string
		code    int
	}{
		{"8191 characters run", echo(8191), EnUS, strings.Repeat("a", 8186) + "\r\n", "", 0},
		{"8192 characters are refused", echo(8192), EnUS, "", "The command line is too long.\r\n", 1},
		{"refused in Japanese", echo(8192), JaJP, "", "コマンド ラインが長すぎます。\r\n", 1},
		{"nothing of a refused line runs", "echo first & " + echo(8192-len("echo first & ")), EnUS, "", "The command line is too long.\r\n", 1},
		{"a character outside the BMP counts twice", echo(8190) + "😀", EnUS, "", "The command line is too long.\r\n", 1},
		{"counted before expansion", "echo %COMPUTERNAME%" + strings.Repeat("a", 8191-len("echo %COMPUTERNAME%")), EnUS,
			"SIM01" + strings.Repeat("a", 8191-len("echo %COMPUTERNAME%")) + "\r\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(Config{Hostname: "sim01", Locale: tt.locale})
			if err != nil {
				t.Fatal(err)
			}
			out, errOut, code := run(t, h, tt.line)
			if out != tt.wantOut || errOut != tt.wantErr || code != tt.code {
				t.Errorf("got stdout %.40q… (%d bytes), stderr %q, exit %d; want stdout %.40q… (%d bytes), stderr %q, exit %d",
					out, len(out), errOut, code, tt.wantOut, len(tt.wantOut), tt.wantErr, tt.code)
			}
		})
	}
}
