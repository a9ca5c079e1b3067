package winhost

import (
	"strings"
)

// This file is a self-contained parser for the cmd.exe command-line subset the simulator runs. It follows
// the phases cmd.exe uses for a /c command line: percent expansion over the whole line first (Expand), then
// splitting into commands at unquoted, unescaped operators with redirections pulled out (Parse).

// Node is one element of a parsed command line: *Simple, *Group or *Binary.
type Node interface{ isNode() }

// Simple is one command. Text is the command as cmd.exe hands it on: escapes (^) resolved, quotes kept,
// redirections removed, spacing kept (echo prints it as is).
type Simple struct {
	Text   string
	Redirs []Redirect
}

// Group is a parenthesised command list with the redirections that follow its closing parenthesis.
type Group struct {
	Body   Node // nil for "()"
	Redirs []Redirect
}

// Binary joins two commands with "&", "&&", "||" or "|".
type Binary struct {
	Op          string
	Left, Right Node
}

func (*Simple) isNode() {}
func (*Group) isNode()  {}
func (*Binary) isNode() {}

// Redirect is one redirection. Op is ">", ">>" or "<"; Target is a file name (quotes removed) or "&N"
// for a handle duplication such as 2>&1.
type Redirect struct {
	FD     int
	Op     string
	Target string
}

// SyntaxError is a command line cmd.exe refuses to run. Unexpected is the token cmd.exe names in
// "X was unexpected at this time."; it is empty for "The syntax of the command is incorrect."
type SyntaxError struct{ Unexpected string }

func (e *SyntaxError) Error() string {
	if e.Unexpected == "" {
		return "The syntax of the command is incorrect."
	}
	return e.Unexpected + " was unexpected at this time."
}

// Expand performs cmd.exe's command-line percent expansion: %NAME% becomes the variable's value when
// lookup knows it; otherwise the text stays as it is (command-line context, unlike a batch file) and the
// scan resumes at the closing percent sign. Substring and replacement forms (%VAR:~1,2%) are not supported
// and stay literal unless lookup accepts the name.
func Expand(s string, lookup func(name string) (string, bool)) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '%' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		name := s[i+1 : i+1+j]
		if name != "" && lookup != nil {
			if v, ok := lookup(name); ok {
				b.WriteString(v)
				i += j + 2
				continue
			}
		}
		b.WriteString(s[i : i+1+j])
		i += j + 1
	}
	return b.String()
}

// cleanLine applies cmd.exe's line handling: carriage returns are dropped and a line feed ends the command.
func cleanLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.ReplaceAll(s, "\r", "")
}

// Parse parses an (already expanded) command line. An empty line gives a nil Node. Unbalanced quotes
// quote the rest of the line, as in cmd.exe; a missing ")" is taken as closing at the end of the line.
func Parse(line string) (Node, error) {
	p := &parser{s: cleanLine(line)}
	n, err := p.seq()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) {
		// Only a stray ")" at depth 0 can stop seq early; cmd.exe reports it.
		return nil, &SyntaxError{Unexpected: string(p.s[p.i])}
	}
	return n, nil
}

type parser struct {
	s     string
	i     int
	depth int
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func (p *parser) skipSpace() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

func (p *parser) at(op string) bool { return strings.HasPrefix(p.s[p.i:], op) }

// atCloser reports whether the parser stands at the end of the current list: end of line, or ")" inside
// a group.
func (p *parser) atCloser() bool {
	return p.i >= len(p.s) || (p.depth > 0 && p.s[p.i] == ')')
}

// Precedence, lowest first: "&", "||", "&&", "|".
func (p *parser) seq() (Node, error) {
	left, err := p.or()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '&' || p.at("&&") {
			return left, nil
		}
		p.i++
		p.skipSpace()
		if p.atCloser() { // a trailing "&" is allowed
			return left, nil
		}
		if left == nil {
			return nil, &SyntaxError{Unexpected: "&"}
		}
		right, err := p.or()
		if err != nil {
			return nil, err
		}
		if right == nil {
			return nil, &SyntaxError{}
		}
		left = &Binary{Op: "&", Left: left, Right: right}
	}
}

func (p *parser) binary(op string, next func() (Node, error)) (Node, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !p.at(op) || (op == "|" && p.at("||")) {
			return left, nil
		}
		if left == nil {
			return nil, &SyntaxError{Unexpected: op}
		}
		p.i += len(op)
		p.skipSpace()
		if p.atCloser() {
			return nil, &SyntaxError{}
		}
		right, err := next()
		if err != nil {
			return nil, err
		}
		if right == nil {
			return nil, &SyntaxError{}
		}
		left = &Binary{Op: op, Left: left, Right: right}
	}
}

func (p *parser) or() (Node, error)   { return p.binary("||", p.and) }
func (p *parser) and() (Node, error)  { return p.binary("&&", p.pipe) }
func (p *parser) pipe() (Node, error) { return p.binary("|", p.primary) }

// primary parses a group or a simple command; it returns nil at the end of a list.
func (p *parser) primary() (Node, error) {
	// cmd.exe skips leading delimiters and the echo-suppressing "@".
	for p.i < len(p.s) && (isSpace(p.s[p.i]) || p.s[p.i] == '@' || p.s[p.i] == ';' || p.s[p.i] == ',' || p.s[p.i] == '=') {
		p.i++
	}
	if p.atCloser() {
		return nil, nil
	}
	switch c := p.s[p.i]; c {
	case '&', '|':
		tok := string(c)
		if p.i+1 < len(p.s) && p.s[p.i+1] == c {
			tok += tok
		}
		return nil, &SyntaxError{Unexpected: tok}
	case '(':
		return p.group()
	}
	return p.simple()
}

func (p *parser) group() (Node, error) {
	p.i++ // "("
	p.depth++
	body, err := p.seq()
	p.depth--
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	}
	g := &Group{Body: body}
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			return g, nil
		}
		c := p.s[p.i]
		if c == '>' || c == '<' || (c >= '0' && c <= '9' && p.i+1 < len(p.s) && (p.s[p.i+1] == '>' || p.s[p.i+1] == '<')) {
			fd := -1
			if c >= '0' && c <= '9' {
				fd = int(c - '0')
				p.i++
			}
			r, err := p.redirect(fd)
			if err != nil {
				return nil, err
			}
			g.Redirs = append(g.Redirs, r)
			continue
		}
		if c == '&' || c == '|' || (c == ')' && p.depth > 0) {
			return g, nil
		}
		// Text after ")" that is not an operator: cmd.exe names the word it did not expect.
		j := p.i
		for j < len(p.s) && !isSpace(p.s[j]) && !strings.ContainsRune("&|<>()", rune(p.s[j])) {
			j++
		}
		if j == p.i {
			j++
		}
		return nil, &SyntaxError{Unexpected: p.s[p.i:j]}
	}
}

func (p *parser) simple() (Node, error) {
	var text strings.Builder
	var redirs []Redirect
	inQ := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		if inQ {
			text.WriteByte(c)
			if c == '"' {
				inQ = false
			}
			p.i++
			continue
		}
		switch c {
		case '"':
			inQ = true
			text.WriteByte(c)
			p.i++
		case '^':
			if p.i+1 < len(p.s) {
				text.WriteByte(p.s[p.i+1])
				p.i += 2
			} else {
				p.i++ // a trailing caret would continue the line; there is no next line
			}
		case '&', '|':
			return &Simple{Text: text.String(), Redirs: redirs}, nil
		case ')':
			if p.depth > 0 {
				return &Simple{Text: text.String(), Redirs: redirs}, nil
			}
			text.WriteByte(c)
			p.i++
		case '<', '>':
			// A single digit standing alone right before the operator names the handle (2>nul).
			fd := -1
			t := text.String()
			if n := len(t); n > 0 && t[n-1] >= '0' && t[n-1] <= '9' && (n == 1 || isSpace(t[n-2])) {
				fd = int(t[n-1] - '0')
				text.Reset()
				text.WriteString(t[:n-1])
			}
			r, err := p.redirect(fd)
			if err != nil {
				return nil, err
			}
			redirs = append(redirs, r)
		default:
			text.WriteByte(c)
			p.i++
		}
	}
	return &Simple{Text: text.String(), Redirs: redirs}, nil
}

// redirect parses one redirection starting at "<" or ">"; fd is -1 when no handle digit preceded it.
func (p *parser) redirect(fd int) (Redirect, error) {
	r := Redirect{FD: fd, Op: string(p.s[p.i])}
	p.i++
	if r.Op == ">" && p.i < len(p.s) && p.s[p.i] == '>' {
		r.Op = ">>"
		p.i++
	}
	if r.FD < 0 {
		r.FD = 1
		if r.Op == "<" {
			r.FD = 0
		}
	}
	if p.i < len(p.s) && p.s[p.i] == '&' {
		if p.i+1 < len(p.s) && p.s[p.i+1] >= '0' && p.s[p.i+1] <= '9' {
			r.Target = p.s[p.i : p.i+2]
			p.i += 2
			return r, nil
		}
		return r, &SyntaxError{}
	}
	p.skipSpace()
	var t strings.Builder
	inQ := false
	for p.i < len(p.s) {
		c := p.s[p.i]
		if inQ {
			if c == '"' {
				inQ = false
			} else {
				t.WriteByte(c)
			}
			p.i++
			continue
		}
		if c == '"' {
			inQ = true
			p.i++
			continue
		}
		if c == '^' && p.i+1 < len(p.s) {
			t.WriteByte(p.s[p.i+1])
			p.i += 2
			continue
		}
		if isSpace(c) || c == '&' || c == '|' || c == '<' || c == '>' || (c == ')' && p.depth > 0) {
			break
		}
		t.WriteByte(c)
		p.i++
	}
	if t.Len() == 0 {
		return r, &SyntaxError{}
	}
	r.Target = t.String()
	return r, nil
}

// splitCommand splits a Simple's text into the command name token (quotes kept, as typed) and the rest
// of the line the program receives.
func splitCommand(text string) (name, rest string) {
	i := 0
	for i < len(text) && isSpace(text[i]) {
		i++
	}
	j := i
	inQ := false
	for j < len(text) {
		c := text[j]
		if c == '"' {
			inQ = !inQ
		} else if !inQ && (isSpace(c) || c == ',' || c == ';' || c == '=') {
			break
		}
		j++
	}
	return text[i:j], text[j:]
}

// SplitArgs splits a program's command line into arguments the way the Microsoft C runtime does for
// argv: whitespace separates arguments outside quotes, quotes group and are removed, 2n backslashes
// before a quote give n backslashes, 2n+1 give n and a literal quote, and "" inside quotes is a quote.
func SplitArgs(s string) []string {
	var args []string
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return args
		}
		var b strings.Builder
		inQ := false
		for i < len(s) {
			c := s[i]
			if c == '\\' {
				n := 0
				for i < len(s) && s[i] == '\\' {
					n++
					i++
				}
				if i < len(s) && s[i] == '"' {
					b.WriteString(strings.Repeat(`\`, n/2))
					if n%2 == 1 {
						b.WriteByte('"')
						i++
					}
				} else {
					b.WriteString(strings.Repeat(`\`, n))
				}
				continue
			}
			if c == '"' {
				if inQ && i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i += 2
					continue
				}
				inQ = !inQ
				i++
				continue
			}
			if !inQ && isSpace(c) {
				break
			}
			b.WriteByte(c)
			i++
		}
		args = append(args, b.String())
	}
}

// unquote removes the quotes from a command name token.
func unquote(s string) string { return strings.ReplaceAll(s, `"`, "") }
