package winhost

import (
	"sort"
	"strings"
)

// Value is one typed registry value.
type Value struct {
	Type  string // REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE
	Str   string // REG_SZ, REG_EXPAND_SZ
	Num   uint64 // REG_DWORD, REG_QWORD
	Multi []string
	Bin   []byte // REG_BINARY, REG_NONE
}

func (v Value) clone() Value {
	if v.Multi != nil {
		v.Multi = append([]string(nil), v.Multi...)
	}
	if v.Bin != nil {
		v.Bin = append([]byte(nil), v.Bin...)
	}
	return v
}

type regValue struct {
	name string // as created; "" is the default value
	val  Value
}

type regKey struct {
	path   string // canonical, e.g. HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet
	values []*regValue
}

// registry is a case-insensitive, case-preserving tree of keys. Values keep their creation order, as
// RegEnumValue returns them; subkeys are listed sorted, as RegEnumKeyEx returns them.
// It is not safe for concurrent use: Machine's mutex guards it.
type registry struct {
	keys map[string]*regKey // by upper-case canonical path
}

func newRegistry() *registry {
	r := &registry{keys: map[string]*regKey{}}
	for _, root := range rootNames {
		r.keys[root] = &regKey{path: root}
	}
	return r
}

var rootNames = []string{"HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_CLASSES_ROOT", "HKEY_USERS", "HKEY_CURRENT_CONFIG"}

var rootAliases = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE",
	"HKCU": "HKEY_CURRENT_USER", "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
	"HKCR": "HKEY_CLASSES_ROOT", "HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT",
	"HKU": "HKEY_USERS", "HKEY_USERS": "HKEY_USERS",
	"HKCC": "HKEY_CURRENT_CONFIG", "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
}

// canonPath turns `hklm\Software\\X\` into `HKEY_LOCAL_MACHINE\Software\X`. ok is false when the root is
// not a known hive.
func canonPath(p string) (string, bool) {
	parts := strings.Split(p, `\`)
	out := parts[:0]
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "", false
	}
	root, ok := rootAliases[strings.ToUpper(out[0])]
	if !ok {
		return "", false
	}
	out[0] = root
	return strings.Join(out, `\`), true
}

func (r *registry) key(path string) *regKey {
	c, ok := canonPath(path)
	if !ok {
		return nil
	}
	return r.keys[strings.ToUpper(c)]
}

// ensure returns the key, creating it and its missing parents. Existing segments keep their case.
func (r *registry) ensure(path string) *regKey {
	c, ok := canonPath(path)
	if !ok {
		return nil
	}
	parts := strings.Split(c, `\`)
	var k *regKey
	for i, s := range parts {
		var cur string
		if i == 0 {
			cur = s
		} else {
			cur = k.path + `\` + s
		}
		u := strings.ToUpper(cur)
		if ex := r.keys[u]; ex != nil {
			k = ex
			continue
		}
		k = &regKey{path: cur}
		r.keys[u] = k
	}
	return k
}

// subkeys lists the direct children's canonical paths, sorted case-insensitively.
func (r *registry) subkeys(k *regKey) []string {
	prefix := strings.ToUpper(k.path) + `\`
	var out []string
	for u, sk := range r.keys {
		if strings.HasPrefix(u, prefix) && !strings.Contains(u[len(prefix):], `\`) {
			out = append(out, sk.path)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToUpper(out[i]) < strings.ToUpper(out[j]) })
	return out
}

// deleteKey removes a key and all its subkeys; hive roots cannot be removed.
func (r *registry) deleteKey(path string) bool {
	k := r.key(path)
	if k == nil || !strings.Contains(k.path, `\`) {
		return false
	}
	u := strings.ToUpper(k.path)
	for x := range r.keys {
		if x == u || strings.HasPrefix(x, u+`\`) {
			delete(r.keys, x)
		}
	}
	return true
}

func (k *regKey) get(name string) (*regValue, int) {
	for i, v := range k.values {
		if strings.EqualFold(v.name, name) {
			return v, i
		}
	}
	return nil, -1
}

func (k *regKey) set(name string, v Value) {
	if ex, _ := k.get(name); ex != nil {
		ex.val = v.clone()
		return
	}
	k.values = append(k.values, &regValue{name: name, val: v.clone()})
}

func (k *regKey) del(name string) bool {
	_, i := k.get(name)
	if i < 0 {
		return false
	}
	k.values = append(k.values[:i], k.values[i+1:]...)
	return true
}

func (r *registry) getValue(path, name string) (Value, bool) {
	k := r.key(path)
	if k == nil {
		return Value{}, false
	}
	v, _ := k.get(name)
	if v == nil {
		return Value{}, false
	}
	return v.val.clone(), true
}

func (r *registry) setValue(path, name string, v Value) {
	if k := r.ensure(path); k != nil {
		k.set(name, v)
	}
}

func sz(s string) Value       { return Value{Type: "REG_SZ", Str: s} }
func expandSz(s string) Value { return Value{Type: "REG_EXPAND_SZ", Str: s} }
func dword(n uint32) Value    { return Value{Type: "REG_DWORD", Num: uint64(n)} }
