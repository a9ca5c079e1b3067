package wintime_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// The security property of the command lines: every value a configuration
// gives (the type, the peer addresses, the peer flags, reliable) passes the
// validators the provider's schema uses, and for every input they accept, the
// apply command line, as the simulated host's cmd.exe parser reads it, runs
// exactly the intended programs with exactly the intended arguments, and
// running it writes exactly the intended registry values. `go test` runs the
// seed corpus; `go test -fuzz FuzzApplyCommandLine ./internal/wintime`
// explores further.

// hostileSeeds are values that must never reach a command line unchanged:
// cmd.exe operators and escapes, variables, quotes, XML, line breaks,
// non-ASCII and look-alikes of valid values.
var hostileSeeds = []string{
	"ntp.nict.jp&calc", "ntp.nict.jp & calc", "a|b", "a||b", "a&&b", "a^b", "^&", "%PATH%", "%COMSPEC%",
	`"`, `a"b`, `ntp.nict.jp" & calc & "`, "'", "`calc`", "]]>", "<![CDATA[x]]>", "a>b", "a<b", "2>nul",
	"a\r\nb", "a\nb", "a\rb", "\x00", "ntp.nict.jp\x00", "日本.jp", "ntp.nıct.jp", "ｎｔｐ.jp", "a b", "a\tb",
	"a,0x9", "a,b", "(a)", "a;b", "a=b", "a/b", `a\b`, "-a", "a-", "a..b", ".a", "a.", "", " ", "999.1.1.1",
	"fe80::1%eth0", "[2001:db8::1]", "2001:db8::1/64", "::ffff:1.2.3.4", "1.2.3.4:123", "xn--nxasmq6b.example",
	strings.Repeat("a", 64) + ".example", strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 127) + "a",
}

// FuzzApplyCommandLine feeds a type, two peers (address and one flag name
// each) and option bits through the schema's validators and, when they all
// accept, checks the command line and its effect on a simulated host.
func FuzzApplyCommandLine(f *testing.F) {
	valid := []string{"ntp.nict.jp", "time.windows.com", "10.0.0.1", "2001:db8::123", "a", "a-b.c0", "NTP.Example.org"}
	types := []string{"NTP", "AllSync", "NT5DS", "NoSync", "ntp", "ALLSYNC", "NTP&calc", "NTP\r\n", "Manual", "%PATH%"}
	flags := []string{"", "Client", "SpecialInterval", "UseAsFallbackOnly", "SymmetricActive", "client", "Client|calc", "0x9", `Client"`}
	n := 0
	for i, v := range valid {
		f.Add(types[i%4], v, flags[i%len(flags)], valid[(i+1)%len(valid)], "", uint8(i*37), uint8(i))
	}
	for i, h := range hostileSeeds {
		n++
		// The hostile value as the first address, as the second, and as a type and a flag.
		f.Add(types[i%4], h, "", "", "", uint8(i), uint8(n))
		f.Add("NTP", "ntp.nict.jp", "Client", h, "SpecialInterval", uint8(i*3), uint8(n*5))
		f.Add(h, "ntp.nict.jp", h, "", "", uint8(i*7), uint8(n*11))
	}
	for i, t := range types {
		f.Add(t, "ntp.nict.jp", flags[i%len(flags)], "", flags[(i+3)%len(flags)], uint8(i*13), uint8(i*17))
	}

	f.Fuzz(func(t *testing.T, typ, addr1, flag1, addr2, flag2 string, hostSel, optSel uint8) {
		// The schema's validators.
		tp, err := wintime.ParseType(typ)
		if err != nil {
			return
		}
		want := wintime.Settings{Type: tp}
		if optSel&0x01 == 0 {
			for i, p := range []struct{ addr, flag string }{{addr1, flag1}, {addr2, flag2}} {
				if i > 0 && p.addr == "" {
					break
				}
				if wintime.ValidateAddress(p.addr) != nil {
					return
				}
				for _, c := range p.addr {
					// An independent, stricter statement of the allowlist.
					if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == ':' || c == '-') {
						t.Fatalf("ValidateAddress accepted %q, which holds %q", p.addr, c)
					}
				}
				peer := wintime.Peer{Address: p.addr, Flags: wintime.DefaultFlags}
				if p.flag != "" {
					fl, err := wintime.ParseFlag(p.flag)
					if err != nil {
						return
					}
					peer.Flags = fl | wintime.Flags(optSel>>4)&0xf
				}
				want.Peers = append(want.Peers, peer)
			}
		}
		switch optSel >> 1 & 0x3 {
		case 1:
			want.Reliable = ptr(true)
		case 2:
			want.Reliable = ptr(false)
		}

		// A host of any release, role and locale, its service running or stopped.
		profiles := winhost.Profiles()
		cfg := winhost.Config{
			Profile: profiles[int(hostSel)%len(profiles)],
			Role:    []winhost.Role{winhost.Standalone, winhost.Member, winhost.DomainController}[int(hostSel>>4)%3],
			Locale:  []winhost.Locale{winhost.EnUS, winhost.JaJP}[int(hostSel>>6)&1],
		}
		h, err := winhost.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		stopped := optSel&0x08 != 0
		if stopped {
			h.SetServiceRunning(false)
		}
		current := readHost(t, h)

		line, err := wintime.ApplyCommand(current, want, false)
		if err != nil {
			t.Fatalf("ApplyCommand refused values the validators accept (%+v): %v", want, err)
		}

		// No variable can expand: whatever the host's environment holds,
		// cmd.exe's first phase leaves the line as it is.
		if got := winhost.Expand(line, func(string) (string, bool) { return "EXPANDED", true }); got != line {
			t.Fatalf("the line holds a variable reference:\n%s", line)
		}
		node, err := winhost.Parse(line)
		if err != nil {
			t.Fatalf("cmd.exe cannot parse %q: %v", line, err)
		}
		got := flatten(node)
		exp := expected(t, current.Version, want, stopped)
		if !reflect.DeepEqual(got, exp) {
			t.Fatalf("the line does not run the intended commands\nline: %s\ngot:  %s\nwant: %s", line, dump(got), dump(exp))
		}

		// Run it: the host records the line as given and holds what was asked.
		h.ClearHistory()
		res := h.Exec(context.Background(), line, 65001)
		if hist := h.History(); len(hist) != 1 || hist[0] != line {
			t.Fatalf("History = %q, want the one line", hist)
		}
		if res.ExitCode != 0 {
			t.Fatalf("exit code %d for %s\nstdout: %s\nstderr: %s", res.ExitCode, line, res.Stdout, res.Stderr)
		}
		if v, _ := h.GetValue(wintime.ParametersKey, "Type"); v.Str != string(tp) {
			t.Fatalf("Type = %q after %s, want %q", v.Str, line, tp)
		}
		if want.Peers != nil {
			if v, _ := h.GetValue(wintime.ParametersKey, "NtpServer"); v.Str != formatPeers(want.Peers) {
				t.Fatalf("NtpServer = %q after %s, want %q", v.Str, line, formatPeers(want.Peers))
			}
		}
		after, err := wintime.ParseState(string(res.Stdout))
		if err != nil {
			t.Fatalf("the read-back does not parse: %v\n%s", err, res.Stdout)
		}
		if m := wintime.Mismatch(after, want); m != "" {
			t.Fatalf("the read-back differs from the request: %s", m)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// readHost runs the read command on h and parses it, as the provider does.
func readHost(t *testing.T, h *winhost.Machine) wintime.State {
	t.Helper()
	res := h.Exec(context.Background(), wintime.ReadCommand(), 65001)
	st, err := wintime.ParseState(string(res.Stdout))
	if err != nil {
		t.Fatalf("read: %v\n%s", err, res.Stdout)
	}
	return st
}

// formatPeers is the NtpServer value, written here without wintime's own
// formatter: address, a comma, the flags in lower-case hexadecimal.
func formatPeers(peers []wintime.Peer) string {
	parts := make([]string, len(peers))
	for i, p := range peers {
		parts[i] = fmt.Sprintf("%s,0x%x", p.Address, uint8(p.Flags))
	}
	return strings.Join(parts, " ")
}

// step is one command of a parsed line: the operator before it, how deep in
// parentheses it sits, the program and its arguments (as the C runtime splits
// them), and its redirections.
type step struct {
	Op     string
	Depth  int
	Prog   string
	Args   []string
	Redirs []winhost.Redirect
}

func dump(s []step) string {
	var b strings.Builder
	for _, x := range s {
		fmt.Fprintf(&b, "\n  %-2s %d %s %q %v", x.Op, x.Depth, x.Prog, x.Args, x.Redirs)
	}
	return b.String()
}

// flatten lists the commands of a parsed line in order.
func flatten(n winhost.Node) []step {
	var out []step
	var walk func(n winhost.Node, op string, depth int)
	walk = func(n winhost.Node, op string, depth int) {
		switch n := n.(type) {
		case *winhost.Binary:
			walk(n.Left, op, depth)
			walk(n.Right, n.Op, depth)
		case *winhost.Group:
			if len(n.Redirs) > 0 {
				out = append(out, step{Op: op, Depth: depth, Prog: "(group redirection)", Redirs: n.Redirs})
			}
			walk(n.Body, op, depth+1)
		case *winhost.Simple:
			prog, args := splitCommand(n.Text)
			out = append(out, step{Op: op, Depth: depth, Prog: prog, Args: args, Redirs: n.Redirs})
		case nil:
		default:
			out = append(out, step{Op: op, Depth: depth, Prog: fmt.Sprintf("(unknown node %T)", n)})
		}
	}
	walk(n, "", 0)
	return out
}

// splitCommand splits a command's text into the program token (as typed,
// quotes kept, so that a quoted or pathed program shows) and its arguments,
// split as the Microsoft C runtime builds argv.
func splitCommand(text string) (string, []string) {
	text = strings.TrimLeft(text, " \t")
	i := strings.IndexAny(text, " \t")
	if i < 0 {
		return text, nil
	}
	return text[:i], winhost.SplitArgs(text[i:])
}

// expected is the list of commands the apply line must run, built from the
// documented plan rather than from wintime's own code: the optional service
// start, the configuration steps for the release, then the read command in
// parentheses.
func expected(t *testing.T, v wintime.Version, want wintime.Settings, stopped bool) []step {
	t.Helper()
	legacy := v.Major < 6 // Server 2003's w32tm
	keyword := map[wintime.Type]string{wintime.NoSync: "NO", wintime.NTP: "MANUAL", wintime.NT5DS: "DOMHIER", wintime.AllSync: "ALL"}[want.Type]
	if legacy {
		keyword = map[wintime.Type]string{wintime.NTP: "MANUAL", wintime.NT5DS: "DOMHIER", wintime.AllSync: "DOMHIER,MANUAL"}[want.Type]
	}
	var opts []string
	if want.Peers != nil {
		opts = append(opts, "/manualpeerlist:"+formatPeers(want.Peers))
	}
	if want.Reliable != nil {
		opts = append(opts, "/reliable:"+map[bool]string{true: "YES", false: "NO"}[*want.Reliable])
	}

	var out []step
	op := ""
	if stopped {
		out = append(out, step{Prog: "net", Args: []string{"start", "w32time"}})
		op = "&"
	}
	if keyword == "" { // NoSync on 2003: through the registry, then w32tm
		out = append(out, step{Op: op, Prog: "reg", Args: []string{"add", wintime.ParametersKey, "/v", "Type", "/t", "REG_SZ", "/d", "NoSync", "/f"}})
		op = "&&"
		out = append(out, step{Op: op, Prog: "w32tm", Args: append(append([]string{"/config"}, opts...), "/update")})
	} else {
		args := append([]string{"/config", "/syncfromflags:" + keyword}, opts...)
		out = append(out, step{Op: op, Prog: "w32tm", Args: append(args, "/update")})
	}

	// The read-back: the fixed read command, in parentheses after "&&". It
	// holds no configuration value; its programs are checked by name.
	rn, err := winhost.Parse(wintime.ReadCommand())
	if err != nil {
		t.Fatalf("the read command does not parse: %v", err)
	}
	read := flatten(rn)
	for i := range read {
		read[i].Depth++
		switch read[i].Prog {
		case "ver", "reg", "sc":
		default:
			t.Fatalf("the read command runs %q", read[i].Prog)
		}
		if read[i].Prog != "ver" && (len(read[i].Args) == 0 || (read[i].Args[0] != "query" && read[i].Args[0] != "qc")) {
			t.Fatalf("the read command changes something: %s %q", read[i].Prog, read[i].Args)
		}
	}
	read[0].Op = "&&"
	return append(out, read...)
}

// TestApplyCommandLineAllowlist runs the hostile seeds through every
// validator directly: none may accept them. (The fuzz target returns early on
// rejected input, so this states the rejection itself.)
func TestApplyCommandLineAllowlist(t *testing.T) {
	accepted := map[string]bool{ // look-alikes that are in fact valid
		"xn--nxasmq6b.example": true, "::ffff:1.2.3.4": true, "a-": false, "a.": true, // a fully qualified one-label name
		strings.Repeat("a.", 126) + "a": true, // 253 characters, the longest name

	}
	for _, s := range hostileSeeds {
		t.Run(strconv.Quote(s), func(t *testing.T) {
			if err := wintime.ValidateAddress(s); (err == nil) != accepted[s] {
				t.Errorf("ValidateAddress(%q) = %v", s, err)
			}
			if _, err := wintime.ParseType(s); err == nil {
				t.Errorf("ParseType(%q) accepted it", s)
			}
			if _, err := wintime.ParseFlag(s); err == nil {
				t.Errorf("ParseFlag(%q) accepted it", s)
			}
		})
	}
}
