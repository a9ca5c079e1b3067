package winhost

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// dump renders a parse tree compactly: [text]{fd op target} for commands, (L op R), {body} for groups.
func dump(n Node) string {
	switch n := n.(type) {
	case nil:
		return "<nil>"
	case *Simple:
		return "[" + n.Text + "]" + dumpRedirs(n.Redirs)
	case *Group:
		return "{" + dump(n.Body) + "}" + dumpRedirs(n.Redirs)
	case *Binary:
		return "(" + dump(n.Left) + " " + n.Op + " " + dump(n.Right) + ")"
	}
	return "?"
}

func dumpRedirs(rs []Redirect) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "{%d%s%s}", r.FD, r.Op, r.Target)
	}
	return b.String()
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		err      string // expected SyntaxError text, "" for none
	}{
		{in: "", want: "<nil>"},
		{in: "   ", want: "<nil>"},
		{in: "ver", want: "[ver]"},
		{in: "echo a & echo b", want: "([echo a ] & [echo b])"},
		{in: "echo a&&echo b", want: "([echo a] && [echo b])"},
		{in: "a && b || c", want: "(([a ] && [b ]) || [c])"},
		{in: "a || b && c", want: "([a ] || ([b ] && [c]))"},
		{in: "a & b && c | d", want: "([a ] & ([b ] && ([c ] | [d])))"},
		{in: `echo "a & b"`, want: `[echo "a & b"]`},
		{in: `echo a ^& b ^| c ^^ d`, want: `[echo a & b | c ^ d]`},
		{in: `echo "a ^& b"`, want: `[echo "a ^& b"]`},
		{in: `echo ^"a & b"`, want: `([echo "a ] & [b"])`},
		{in: `echo "unbalanced & rest`, want: `[echo "unbalanced & rest]`},
		{in: `echo x >nul 2>&1`, want: "[echo x  ]{1>nul}{2>&1}"},
		{in: `echo x 2>&1 1>NUL`, want: "[echo x  ]{2>&1}{1>NUL}"},
		{in: `echo a2>nul`, want: "[echo a2]{1>nul}"},
		{in: `echo err>&2 && exit 1`, want: "([echo err ]{1>&2} && [exit 1])"},
		{in: `echo a >> "my file.txt"`, want: "[echo a ]{1>>my file.txt}"},
		{in: `sort < in.txt`, want: "[sort ]{0<in.txt}"},
		{in: `(echo a & echo b) 2>nul`, want: "{([echo a ] & [echo b])}{2>nul}"},
		{in: `( echo a ) && echo b`, want: "({[echo a ]} && [echo b])"},
		{in: `(echo a`, want: "{[echo a]}"},
		{in: `()`, want: "{<nil>}"},
		{in: `echo a)`, want: "[echo a)]"},
		{in: `(echo a) & echo b)`, want: "({[echo a]} & [echo b)])"},
		{in: "echo a &", want: "[echo a ]"},
		{in: "@echo a", want: "[echo a]"},
		{in: "echo a\r\nexit 5", want: "[echo a]"},
		{in: "echo a\rb", want: "[echo ab]"},
		{in: "echo a ^", want: "[echo a ]"},
		{in: "& echo", err: "& was unexpected at this time."},
		{in: "&& echo", err: "&& was unexpected at this time."},
		{in: "| echo", err: "| was unexpected at this time."},
		{in: "echo a && ", err: "The syntax of the command is incorrect."},
		{in: "echo a ||", err: "The syntax of the command is incorrect."},
		{in: "echo a & & b", err: "& was unexpected at this time."},
		{in: "echo a >", err: "The syntax of the command is incorrect."},
		{in: "echo a >&x", err: "The syntax of the command is incorrect."},
		{in: "(echo a) echo b", err: "echo was unexpected at this time."},
		{in: ")", want: "[)]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := Parse(tt.in)
			if tt.err != "" {
				var se *SyntaxError
				if !errors.As(err, &se) || se.Error() != tt.err {
					t.Fatalf("Parse(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := dump(n); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"COMPUTERNAME": "WIN-SIM", "PATH": `C:\Windows\system32`, "EMPTY": ""}
	lookup := func(n string) (string, bool) { v, ok := vars[strings.ToUpper(n)]; return v, ok }
	tests := []struct{ in, want string }{
		{"echo %COMPUTERNAME%", "echo WIN-SIM"},
		{"echo %computername%", "echo WIN-SIM"},
		{"echo %NOPE%", "echo %NOPE%"},
		{"echo %NOPE%PATH%", `echo %NOPEC:\Windows\system32`},
		{"echo 100%", "echo 100%"},
		{"echo %%", "echo %%"},
		{"a%EMPTY%b", "ab"},
		{`"%PATH%"`, `"C:\Windows\system32"`},
		{"%PATH:~0,2%", "%PATH:~0,2%"},
	}
	for _, tt := range tests {
		if got := Expand(tt.in, lookup); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{``, nil},
		{`a b  c`, []string{"a", "b", "c"}},
		{`/manualpeerlist:"a,0x9 b,0x8" /update`, []string{"/manualpeerlist:a,0x9 b,0x8", "/update"}},
		{`"HKLM\SOFTWARE\My Key" /v x`, []string{`HKLM\SOFTWARE\My Key`, "/v", "x"}},
		{`""`, []string{""}},
		{`a\\"b c"`, []string{`a\b c`}},
		{`a\"b`, []string{`a"b`}},
		{`"a""b"`, []string{`a"b`}},
		{`C:\dir\ x`, []string{`C:\dir\`, "x"}},
		{`"unterminated arg`, []string{"unterminated arg"}},
	}
	for _, tt := range tests {
		if got := SplitArgs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// parserSeeds are command lines with every special character cmd.exe knows, used by both fuzz targets.
var parserSeeds = []string{
	"", "ver", "echo a & echo b", "a && b || c | d", `echo "a & b"`, `echo ^& ^| ^^ ^"`, "echo %PATH%",
	"echo %", "%%%", `"unbalanced & rest`, "(echo a & (echo b)) 2>nul >&2", "echo ]]> <![CDATA[ x", "echo a\r\nexit 5",
	"\n\r\n", "echo 日本語 ü", "w32tm /config /syncfromflags:DOMHIER,MANUAL /manualpeerlist:\"ntp.nict.jp,0x9\" /update",
	`reg query "HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters" /v Type`, "cmd /c \"echo hi & exit /b 3\"",
	"((((", "))))", ">", "2>&", "1>&9", "^", "&", "|", "||", "&&", "echo \x00\xff\xfe", "exit /b 99999999999",
	"cmd /c cmd /c cmd /c cmd /c cmd /c cmd /c cmd /c cmd /c cmd /c cmd /c echo deep",
}

func FuzzParse(f *testing.F) {
	for _, s := range parserSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || n != nil {
				t.Fatalf("Parse(%q) = %v, %v", s, n, err)
			}
			return
		}
		// Parsing is deterministic.
		n2, _ := Parse(s)
		if dump(n) != dump(n2) {
			t.Fatalf("Parse(%q) not deterministic", s)
		}
		_ = Expand(s, func(string) (string, bool) { return "%X%", true })
		_ = SplitArgs(s)
	})
}
