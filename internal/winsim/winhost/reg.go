package winhost

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// progReg emulates reg.exe: query, add and delete.
func progReg(x *proc) int {
	if len(x.args) == 0 {
		x.errln("ERROR: Invalid syntax.", `Type "REG /?" for usage.`)
		return exitReg
	}
	op := strings.ToUpper(x.args[0])
	opts, ok := parseRegArgs(x.args[1:])
	switch op {
	case "QUERY":
		if !ok {
			return x.regSyntax(op)
		}
		return x.regQuery(opts)
	case "ADD":
		if !ok {
			return x.regSyntax(op)
		}
		return x.regAdd(opts)
	case "DELETE":
		if !ok {
			return x.regSyntax(op)
		}
		return x.regDelete(opts)
	}
	x.errln("ERROR: Invalid syntax.", `Type "REG /?" for usage.`)
	return exitReg
}

type regOpts struct {
	key      string
	v        *string // /v NAME
	ve, va   bool
	s, f     bool
	t, d     *string
	sep      *string
	switches map[string]bool
}

// parseRegArgs reads "KEY [/switch [value]]...". It fails on a missing key, an unknown or repeated switch,
// or a switch without its value.
func parseRegArgs(a []string) (regOpts, bool) {
	o := regOpts{switches: map[string]bool{}}
	if len(a) == 0 || strings.HasPrefix(a[0], "/") {
		return o, false
	}
	o.key = a[0]
	for i := 1; i < len(a); i++ {
		sw := strings.ToLower(a[i])
		if o.switches[sw] {
			return o, false
		}
		o.switches[sw] = true
		takeValue := func() (*string, bool) {
			if i+1 >= len(a) {
				return nil, false
			}
			i++
			s := a[i]
			return &s, true
		}
		var ok = true
		switch sw {
		case "/v":
			o.v, ok = takeValue()
		case "/t":
			o.t, ok = takeValue()
		case "/d":
			o.d, ok = takeValue()
		case "/se":
			o.sep, ok = takeValue()
		case "/ve":
			o.ve = true
		case "/va":
			o.va = true
		case "/s":
			o.s = true
		case "/f":
			o.f = true
		case "/reg:32", "/reg:64":
		default:
			return o, false
		}
		if !ok {
			return o, false
		}
	}
	if o.v != nil && o.ve {
		return o, false
	}
	return o, true
}

func (x *proc) regSyntax(op string) int {
	x.errln(x.t(mRegInvalidSyntax, op))
	return exitReg
}

// regWritable reports whether the session may write under this key: HKLM needs an administrator.
func (x *proc) regWritable(canon string) bool {
	return x.h.elevated || !strings.HasPrefix(strings.ToUpper(canon), "HKEY_LOCAL_MACHINE")
}

func formatRegData(v Value) string {
	switch v.Type {
	case "REG_DWORD", "REG_QWORD":
		return fmt.Sprintf("0x%x", v.Num)
	case "REG_MULTI_SZ":
		return strings.Join(v.Multi, `\0`)
	case "REG_BINARY", "REG_NONE":
		return strings.ToUpper(hex.EncodeToString(v.Bin))
	}
	return v.Str
}

// regLine formats one value the way this release's reg.exe does.
func (x *proc) regLine(rv *regValue) string {
	name := rv.name
	if x.h.pi.reg3 {
		if name == "" {
			name = "<NO NAME>"
		}
		return "    " + name + "\t" + rv.val.Type + "\t" + formatRegData(rv.val)
	}
	if name == "" {
		name = "(Default)"
	}
	return "    " + name + "    " + rv.val.Type + "    " + formatRegData(rv.val)
}

func (x *proc) regHeader() {
	if x.h.pi.reg3 {
		// REG.EXE 3.0 announces itself [seen]; the blank line before it is [inferred].
		x.outln("", "! REG.EXE VERSION 3.0")
	}
}

func (x *proc) regQuery(o regOpts) int {
	canon, ok := canonPath(o.key)
	if !ok {
		x.errln(x.t(mRegInvalidKey, "QUERY"))
		return exitReg
	}
	k := x.h.reg.key(canon)
	if k == nil {
		x.errln(x.t(mRegNotFound))
		return exitReg
	}
	if o.v != nil || o.ve {
		name := ""
		if o.v != nil {
			name = *o.v
		}
		if o.s {
			// Search the whole subtree for values of that name.
			var b strings.Builder
			n := 0
			x.walk(k, func(sk *regKey) {
				if rv, _ := sk.get(name); rv != nil {
					n++
					b.WriteString("\r\n" + sk.path + "\r\n" + x.regLine(rv) + "\r\n")
				}
			})
			if n == 0 {
				x.errln(x.t(mRegNotFound))
				return exitReg
			}
			x.regHeader()
			fmt.Fprint(x.out, b.String())
			x.outln("End of search: " + strconv.Itoa(n) + " match(es) found.")
			return 0
		}
		rv, _ := k.get(name)
		if rv == nil {
			x.errln(x.t(mRegNotFound))
			return exitReg
		}
		x.regHeader()
		x.outln("", canon, x.regLine(rv), "")
		return 0
	}
	x.regHeader()
	if o.s {
		x.walk(k, func(sk *regKey) {
			x.outln("", sk.path)
			for _, rv := range sk.values {
				x.outln(x.regLine(rv))
			}
		})
		x.outln("")
		return 0
	}
	if len(k.values) > 0 {
		x.outln("", canon)
		for _, rv := range k.values {
			x.outln(x.regLine(rv))
		}
	}
	x.outln("")
	for _, sk := range x.h.reg.subkeys(k) {
		x.outln(sk)
	}
	return 0
}

// walk visits a key and its subtree in the order reg /s lists them.
func (x *proc) walk(k *regKey, f func(*regKey)) {
	f(k)
	for _, p := range x.h.reg.subkeys(k) {
		if sk := x.h.reg.key(p); sk != nil {
			x.walk(sk, f)
		}
	}
}

func (x *proc) regAdd(o regOpts) int {
	canon, ok := canonPath(o.key)
	if !ok || !strings.Contains(canon, `\`) {
		x.errln(x.t(mRegInvalidKey, "ADD"))
		return exitReg
	}
	if o.va || o.s {
		return x.regSyntax("ADD")
	}
	v, ok := regAddValue(o)
	if !ok {
		return x.regSyntax("ADD")
	}
	if !x.regWritable(canon) {
		x.errln(x.t(mRegAccessDenied))
		return exitReg
	}
	if o.v == nil && !o.ve {
		x.h.reg.ensure(canon)
		x.outln(x.t(mRegOK))
		return 0
	}
	name := ""
	if o.v != nil {
		name = *o.v
	}
	if _, exists := x.h.reg.getValue(canon, name); exists && !o.f {
		// reg.exe asks; the WinRM shell's standard input is empty, so the answer is no [inferred].
		disp := name
		if disp == "" {
			disp = "(Default)"
		}
		fmt.Fprint(x.out, x.t(mRegOverwrite, disp))
		x.outln(x.t(mRegCanceled))
		return exitReg
	}
	x.h.reg.setValue(canon, name, v)
	x.outln(x.t(mRegOK))
	return 0
}

// regAddValue is the value "reg add" writes: /d read as the type /t names (REG_SZ when absent),
// REG_MULTI_SZ parts split at /s (\0 by default). It reports false for data the type cannot hold
// or an unknown type, which reg.exe answers as a syntax error.
func regAddValue(o regOpts) (Value, bool) {
	typ := "REG_SZ"
	if o.t != nil {
		typ = strings.ToUpper(*o.t)
	}
	data := ""
	if o.d != nil {
		data = *o.d
	}
	switch typ {
	case "REG_SZ", "REG_EXPAND_SZ":
		return Value{Type: typ, Str: data}, true
	case "REG_DWORD", "REG_DWORD_LITTLE_ENDIAN":
		n, ok := parseRegNumber(data, 32)
		if !ok {
			return Value{}, false
		}
		return dword(uint32(n)), true
	case "REG_QWORD":
		n, ok := parseRegNumber(data, 64)
		if !ok {
			return Value{}, false
		}
		return Value{Type: typ, Num: n}, true
	case "REG_MULTI_SZ":
		sep := `\0`
		if o.sep != nil {
			sep = *o.sep
		}
		var parts []string
		if data != "" {
			if sep == "" {
				parts = []string{data}
			} else {
				parts = strings.Split(data, sep)
			}
		}
		return Value{Type: typ, Multi: parts}, true
	case "REG_BINARY", "REG_NONE":
		if len(data)%2 == 1 {
			data = "0" + data
		}
		b, err := hex.DecodeString(data)
		if err != nil {
			return Value{}, false
		}
		return Value{Type: typ, Bin: b}, true
	default:
		return Value{}, false
	}
}

func (x *proc) regDelete(o regOpts) int {
	canon, ok := canonPath(o.key)
	if !ok || !strings.Contains(canon, `\`) {
		x.errln(x.t(mRegInvalidKey, "DELETE"))
		return exitReg
	}
	if o.t != nil || o.d != nil || o.s || (o.va && (o.v != nil || o.ve)) {
		return x.regSyntax("DELETE")
	}
	if !x.regWritable(canon) {
		x.errln(x.t(mRegAccessDenied))
		return exitReg
	}
	k := x.h.reg.key(canon)
	if k == nil {
		x.errln(x.t(mRegNotFound))
		return exitReg
	}
	name := ""
	if o.v != nil {
		name = *o.v
	}
	valueOp := o.v != nil || o.ve
	if valueOp {
		if rv, _ := k.get(name); rv == nil {
			x.errln(x.t(mRegNotFound))
			return exitReg
		}
	}
	if !o.f {
		// The confirmation prompt meets empty standard input [inferred].
		if valueOp {
			fmt.Fprint(x.out, x.t(mRegDeleteValue, name))
		} else {
			fmt.Fprint(x.out, x.t(mRegDeleteKey, canon))
		}
		x.outln(x.t(mRegCanceled))
		return exitReg
	}
	switch {
	case valueOp:
		k.del(name)
	case o.va:
		k.values = nil
	default:
		x.h.reg.deleteKey(canon)
	}
	x.outln(x.t(mRegOK))
	return 0
}

// parseRegNumber reads the /d of a REG_DWORD or REG_QWORD: decimal, or hexadecimal after 0x; empty
// is 0. Anything else (a sign, spaces, Go's 0b, 0o and _ forms) or a number too big for bits is
// refused [inferred: decimal with leading zeros stays decimal].
func parseRegNumber(data string, bits int) (uint64, bool) {
	if data == "" {
		return 0, true
	}
	digits, base := data, 10
	if len(data) > 2 && (data[:2] == "0x" || data[:2] == "0X") {
		digits, base = data[2:], 16
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(digits, base, bits)
	return n, err == nil
}
