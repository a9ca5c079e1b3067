package winhost

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// streams are where a command's handles 1 and 2 go. Every writer is in memory (a bytes.Buffer,
// a fileWriter or io.Discard), so writes cannot fail and their errors are ignored.
type streams struct{ out, err io.Writer }

// shell is one cmd.exe process running one command line. Machine.mu is held while it runs.
type shell struct {
	h          *Machine
	ctx        context.Context
	errorlevel int
	exited     bool
	depth      int // nesting of cmd /c
}

// maxLine is the longest command line cmd.exe runs, in UTF-16 code units (Windows XP and Server 2003
// on; KB 830473). It is checked on the line cmd.exe receives after /c, which is what a WinRM client sent
// (the shell runs it as `cmd /c <line>`), before any %variable% is expanded (cmd.exe also limits
// expansions; that is not emulated).
const maxLine = 8191

// lineTooLong reports whether cmd.exe refuses line for its length.
func lineTooLong(line string) bool {
	n := 0
	for _, r := range line {
		n += max(utf16.RuneLen(r), 1)
	}
	return n > maxLine
}

// maxDepth bounds cmd /c nesting so that a hostile command line cannot recurse without end.
const maxDepth = 8

func (sh *shell) runLine(line string, st streams) int {
	if lineTooLong(line) {
		fmt.Fprint(st.err, sh.h.t(mLineTooLong)+"\r\n")
		return exitLineTooLong
	}
	line = Expand(cleanLine(line), sh.lookupVar)
	n, err := Parse(line)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			if se.Unexpected == "" {
				fmt.Fprint(st.err, sh.h.t(mSyntaxIncorrect)+"\r\n")
			} else {
				fmt.Fprint(st.err, sh.h.t(mUnexpected, se.Unexpected)+"\r\n")
			}
		}
		return exitSyntax
	}
	sh.run(n, st)
	return sh.errorlevel
}

// run executes a node and reports whether it succeeded, which is what && and || test.
func (sh *shell) run(n Node, st streams) bool {
	if sh.exited {
		return false
	}
	if sh.ctx.Err() != nil {
		sh.errorlevel = exitCanceled
		sh.exited = true
		return false
	}
	switch n := n.(type) {
	case nil:
		return true
	case *Binary:
		switch n.Op {
		case "&":
			sh.run(n.Left, st)
			return sh.run(n.Right, st)
		case "&&":
			return sh.run(n.Left, st) && sh.run(n.Right, st)
		case "||":
			return sh.run(n.Left, st) || sh.run(n.Right, st)
		case "|":
			// Nothing here reads standard input, so the left side's output is simply consumed.
			sh.run(n.Left, streams{out: io.Discard, err: st.err})
			return sh.run(n.Right, st)
		}
		return false
	case *Group:
		rst, ok := sh.redirect(n.Redirs, st)
		if !ok {
			return false
		}
		return sh.run(n.Body, rst)
	case *Simple:
		rst, ok := sh.redirect(n.Redirs, st)
		if !ok {
			return false
		}
		return sh.simple(n.Text, rst)
	}
	return false
}

// redirect applies redirections left to right, as cmd.exe does, so ">nul 2>&1" silences both handles
// while "2>&1 >nul" sends errors to the former standard output.
func (sh *shell) redirect(rs []Redirect, st streams) (streams, bool) {
	if len(rs) == 0 {
		return st, true
	}
	hs := map[int]io.Writer{1: st.out, 2: st.err}
	for _, r := range rs {
		if r.Op == "<" {
			if !isNul(r.Target) {
				if _, ok := sh.h.files[strings.ToUpper(r.Target)]; !ok {
					fmt.Fprint(st.err, sh.h.t(mErrFileNotFound)+"\r\n")
					sh.errorlevel = 1
					return st, false
				}
			}
			continue
		}
		var w io.Writer
		if strings.HasPrefix(r.Target, "&") {
			fd, _ := strconv.Atoi(r.Target[1:])
			w = hs[fd]
			if w == nil {
				w = io.Discard
			}
		} else if isNul(r.Target) {
			w = io.Discard
		} else {
			w = sh.h.openFile(r.Target, r.Op == ">>")
		}
		hs[r.FD] = w
	}
	return streams{out: hs[1], err: hs[2]}, true
}

func isNul(name string) bool {
	n := strings.ToUpper(strings.TrimSpace(name))
	return n == "NUL" || n == "NUL:" || n == `\\.\NUL`
}

// fileWriter appends to one entry of the host's in-memory file table.
type fileWriter struct {
	h    *Machine
	name string
}

func (f fileWriter) Write(p []byte) (int, error) {
	f.h.files[f.name] = append(f.h.files[f.name], p...)
	return len(p), nil
}

// openFile opens a redirection target; ">" truncates at once, as cmd.exe does even if nothing is written.
func (h *Machine) openFile(name string, appendTo bool) io.Writer {
	k := strings.ToUpper(name)
	if !appendTo || h.files[k] == nil {
		h.files[k] = []byte{}
	}
	return fileWriter{h: h, name: k}
}

// File returns the contents of a file a command line wrote with "> name" (UTF-8 text), if any.
func (h *Machine) File(name string) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.files[strings.ToUpper(name)]
	return append([]byte(nil), b...), ok
}

func (sh *shell) lookupVar(name string) (string, bool) {
	h := sh.h
	switch strings.ToUpper(name) {
	case "ERRORLEVEL":
		return strconv.Itoa(sh.errorlevel), true
	case "CD":
		return h.pi.userProfile, true
	case "RANDOM":
		return strconv.Itoa(rand.IntN(32768)), true
	case "DATE":
		return time.Now().Format("Mon 01/02/2006"), true
	case "TIME":
		return time.Now().Format("15:04:05.00"), true
	}
	v, ok := h.env()[strings.ToUpper(name)]
	return v, ok
}

// env is the environment of a WinRM session of the local Administrator.
func (h *Machine) env() map[string]string {
	sr := h.pi.systemRoot
	domain := strings.ToUpper(h.cfg.Hostname)
	if h.cfg.Role != Standalone {
		domain = h.cfg.Domain
	}
	arch := "AMD64"
	if h.cfg.Profile == P2003 {
		arch = "x86"
	}
	return map[string]string{
		"ALLUSERSPROFILE":        `C:\ProgramData`,
		"COMPUTERNAME":           strings.ToUpper(h.cfg.Hostname),
		"COMSPEC":                sr + `\system32\cmd.exe`,
		"NUMBER_OF_PROCESSORS":   "2",
		"OS":                     "Windows_NT",
		"PATH":                   sr + `\system32;` + sr + `;` + sr + `\System32\Wbem`,
		"PATHEXT":                ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
		"PROCESSOR_ARCHITECTURE": arch,
		"PROGRAMFILES":           `C:\Program Files`,
		"PROMPT":                 "$P$G",
		"SYSTEMDRIVE":            "C:",
		"SYSTEMROOT":             sr,
		"TEMP":                   h.pi.userProfile + `\AppData\Local\Temp`,
		"TMP":                    h.pi.userProfile + `\AppData\Local\Temp`,
		"USERDOMAIN":             domain,
		"USERNAME":               "Administrator",
		"USERPROFILE":            h.pi.userProfile,
		"WINDIR":                 sr,
	}
}

// proc is one program invocation.
type proc struct {
	sh   *shell
	h    *Machine
	name string   // as typed
	raw  string   // the command line after the name
	args []string // raw split as the C runtime does
	out  io.Writer
	err  io.Writer
}

func (x *proc) outln(s ...string) {
	for _, l := range s {
		_, _ = io.WriteString(x.out, l+"\r\n") // in-memory stream: cannot fail
	}
}

func (x *proc) errln(s ...string) {
	for _, l := range s {
		_, _ = io.WriteString(x.err, l+"\r\n")
	}
}

func (x *proc) t(m msg, a ...any) string { return x.h.t(m, a...) }

// t returns a message in the host's language.
func (h *Machine) t(m msg, a ...any) string {
	pair := messages[m]
	s := pair[0]
	if h.cfg.Locale == JaJP {
		s = pair[1]
	}
	if len(a) > 0 {
		return fmt.Sprintf(s, a...)
	}
	return s
}

type program func(x *proc) int

// simple runs one command and updates ERRORLEVEL. Built-ins echo, ver and rem leave ERRORLEVEL alone,
// as in cmd.exe, so "reg query X & echo done" still exits with reg's code.
func (sh *shell) simple(text string, st streams) bool {
	name, rest := splitCommand(text)
	if name == "" {
		return true
	}
	x := &proc{sh: sh, h: sh.h, name: name, raw: rest, out: st.out, err: st.err}
	lname := strings.ToLower(unquote(name))

	// echo. echo: echo( and friends.
	if len(lname) > 4 && strings.HasPrefix(lname, "echo") && strings.ContainsRune(".:(/\\[]+", rune(lname[4])) {
		i := len(text) - len(strings.TrimLeft(text, " \t"))
		x.echo(text[i+5:], true)
		return true
	}
	switch lname {
	case "echo":
		x.echo(rest, false)
		return true
	case "ver":
		x.outln("", sh.h.pi.ver)
		return true
	case "rem":
		return true
	case "exit":
		return x.exit()
	}

	base := lname
	if i := strings.LastIndexAny(base, `\/`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimSuffix(base, ".exe")
	var prog program
	switch base {
	case "reg":
		prog = progReg
	case "w32tm":
		prog = progW32tm
	case "net", "net1":
		prog = progNet
	case "sc":
		prog = progSC
	case "cmd":
		prog = progCmd
	case "hostname":
		prog = func(x *proc) int { x.outln(x.h.cfg.Hostname); return 0 }
	case "wmic":
		if sh.h.cfg.Profile.hasWMIC() {
			prog = progWmic
		}
	case "rundll32":
		prog = progRundll32
	case "tzutil":
		if sh.h.pi.tzutil {
			prog = progTzutil
		}
	}
	// A path that is not the system directory does not find the program.
	if prog != nil && strings.ContainsAny(lname, `\/`) && !strings.HasPrefix(lname, strings.ToLower(sh.h.pi.systemRoot)+`\system32\`) {
		prog = nil
	}
	if prog == nil {
		x.errln(x.t(mNotRecognized1, unquoteOuter(name)), x.t(mNotRecognized2))
		sh.errorlevel = exitNotRecognized
		return false
	}
	x.args = SplitArgs(rest)
	code := prog(x)
	sh.errorlevel = code
	return code == 0
}

// unquoteOuter drops one pair of surrounding quotes, as cmd.exe does when it names an unknown program.
func unquoteOuter(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return strings.TrimPrefix(s, `"`)
}

// echo prints its text as typed. rest starts with the delimiter after "echo" unless dotted is set
// ("echo." and friends already consumed it).
func (x *proc) echo(rest string, dotted bool) {
	msg := rest
	if !dotted {
		if msg == "" || strings.TrimSpace(msg) == "" {
			x.outln(x.t(mEchoOn))
			return
		}
		msg = msg[1:]
		if t := strings.ToLower(strings.TrimSpace(msg)); t == "on" || t == "off" {
			return
		}
	}
	x.outln(msg)
}

// exit handles "exit [/b] [code]": it ends the command line with that code, or with the current
// ERRORLEVEL when none is given.
func (x *proc) exit() bool {
	args := SplitArgs(x.raw)
	if len(args) > 0 && strings.EqualFold(args[0], "/b") {
		args = args[1:]
	}
	if len(args) > 0 {
		// cmd.exe reads the code with atoi: leading digits, anything else is 0.
		s := args[0]
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' || n > 1<<31 {
				break
			}
			n = n*10 + int(c-'0')
		}
		if neg {
			n = -n
		}
		x.sh.errorlevel = int(int32(n))
	}
	x.sh.exited = true
	return x.sh.errorlevel == 0
}

// progCmd runs "cmd [/s] [/q] [/d] /c string": a nested command line with its own ERRORLEVEL.
func progCmd(x *proc) int {
	rest := x.raw
	for {
		rest = strings.TrimLeft(rest, " \t")
		if len(rest) < 2 || rest[0] != '/' {
			break
		}
		sw := strings.ToLower(rest[:2])
		if sw == "/c" || sw == "/k" {
			rest = strings.TrimLeft(rest[2:], " \t")
			if strings.HasPrefix(rest, `"`) {
				// cmd.exe strips the first quote and the last one.
				rest = rest[1:]
				if i := strings.LastIndexByte(rest, '"'); i >= 0 {
					rest = rest[:i] + rest[i+1:]
				}
			}
			if x.sh.depth >= maxDepth {
				return 1
			}
			sub := &shell{h: x.h, ctx: x.sh.ctx, depth: x.sh.depth + 1}
			return sub.runLine(rest, streams{out: x.out, err: x.err})
		}
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			break
		}
		rest = rest[i:]
	}
	// An interactive cmd.exe reads standard input, which is empty here: banner, prompt, exit.
	x.outln(x.h.pi.ver, "(c) Microsoft Corporation. All rights reserved.", "")
	_, _ = io.WriteString(x.out, x.h.pi.userProfile+">")
	return 0
}
