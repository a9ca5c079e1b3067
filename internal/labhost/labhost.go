// Package labhost saves the time settings of a Windows host and puts them
// back: what the acceptance suite does to a real host (a lab VM) before its
// first test and after each one, so that the host ends as it began and every
// test starts from the same state.
//
// A Snapshot holds the registry values of the W32Time service's Parameters,
// Config and TimeProviders keys and of the W32Time Group Policy tree, the
// service's state and start type, and the time zone. Restore writes back
// what differs (and deletes what was not there), sets the start type and the
// state, tells the service, sets the zone, and reads everything again to
// verify: it decides by that read-back, not by the commands' output, which is
// localized.
//
// It is test support: it runs commands through the transport and reads them
// with the time domain's parsers, and is imported only by tests.
package labhost

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// Runner runs one cmd.exe command line on the host: a *transport.Client.
type Runner interface {
	Run(ctx context.Context, cmdline string) (transport.Result, error)
}

// Snapshot is what Save read on a host.
type Snapshot struct {
	Version wintime.Version
	// Facts are the host's facts as read with the settings: its locale,
	// domain role and OEM code page, which the caller may need.
	Facts wintime.Facts
	// Keys holds the saved registry keys by their path in upper case with
	// the short hive name (as wintime.ParseRegQuery gives them).
	Keys     map[string]*wintime.RegKey
	Service  wintime.ServiceState
	Startup  wintime.StartType
	TimeZone wintime.TimeZone
}

// saved reports whether the key at path (normalized) is one a Snapshot
// holds: the service's Parameters, Config and TimeProviders keys and
// everything under the Group Policy root. The service key itself (ImagePath,
// Start, its security descriptor) is the service controller's, set with sc.
func saved(path string) bool {
	svc := strings.ToUpper(wintime.ServiceKey) + `\`
	for _, sub := range []string{"PARAMETERS", "CONFIG", "TIMEPROVIDERS"} {
		if path == svc+sub || strings.HasPrefix(path, svc+sub+`\`) {
			return true
		}
	}
	policy := strings.ToUpper(wintime.PolicyRootKey)
	return path == policy || strings.HasPrefix(path, policy+`\`)
}

// readCommand reads everything a Snapshot holds: wintime's read of the
// settings (both registry trees, sc query, sc qc), the facts (version, code
// page) and the time zone.
func readCommand() string {
	return wintime.HostReadCommand()
}

// Save reads the host's time settings.
func Save(ctx context.Context, r Runner) (*Snapshot, error) {
	res, err := r.Run(ctx, readCommand())
	if err != nil {
		return nil, fmt.Errorf("reading the time settings: %w", err)
	}
	return parse(res.Stdout)
}

// parse reads the output of readCommand.
func parse(out string) (*Snapshot, error) {
	hr, err := wintime.ParseHostRead(out)
	if err != nil {
		return nil, fmt.Errorf("reading the time settings: %w", err)
	}
	s := &Snapshot{
		Version:  hr.State.Version,
		Facts:    hr.Facts,
		Keys:     map[string]*wintime.RegKey{},
		Service:  hr.State.Service,
		Startup:  hr.State.Local.Startup,
		TimeZone: hr.Facts.TimeZone,
	}
	// Only the first part of the output is the settings read: the facts
	// read that follows lists other keys, none of them saved ones.
	for path, k := range wintime.ParseRegQuery(out) {
		if saved(path) {
			s.Keys[path] = k
		}
	}
	if s.Service == "" || s.Service == wintime.ServiceNotInstalled || !hr.State.Installed {
		return nil, fmt.Errorf("%w (service state %q): labhost saves a host with W32Time installed", errNotInstalled, s.Service)
	}
	return s, nil
}

// String lists what s holds, one registry value per line in the form reg
// add takes, then the service and the time zone: for a person to put back by
// hand what a run killed before it could restore left changed.
func (s *Snapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", s.Version.Release(), s.Version)
	for _, path := range unionKeys(s.Keys, nil) {
		k := s.Keys[path]
		fmt.Fprintf(&b, "%s\n", k.Path)
		for _, name := range unionValues(k.Values, nil) {
			v := k.Values[name]
			fmt.Fprintf(&b, "    %s    %s    %s\n", originalName(k, name), v.Type, v.Data)
		}
	}
	fmt.Fprintf(&b, "W32Time service: %s, start type %s\n", s.Service, s.Startup)
	fmt.Fprintf(&b, "time zone: %s (daylight saving off: %v)\n", s.TimeZone.ID, s.TimeZone.DSTOff)
	return b.String()
}

// Diff lists how now differs from s, one line per difference, in a stable
// order; nil when they agree.
func (s *Snapshot) Diff(now *Snapshot) []string {
	var d []string
	for _, path := range unionKeys(s.Keys, now.Keys) {
		was, is := s.Keys[path], now.Keys[path]
		switch {
		case is == nil:
			d = append(d, fmt.Sprintf("key %s is missing", was.Path))
			continue
		case was == nil:
			d = append(d, fmt.Sprintf("key %s was not there", is.Path))
			continue
		}
		for _, lower := range unionValues(was.Values, is.Values) {
			a, okA := was.Values[lower]
			b, okB := is.Values[lower]
			name := originalName(was, lower)
			if !okA {
				name = originalName(is, lower)
			}
			switch {
			case !okB:
				d = append(d, fmt.Sprintf("%s\\%s is missing (was %s %q)", was.Path, name, a.Type, a.Data))
			case !okA:
				d = append(d, fmt.Sprintf("%s\\%s was not there (is %s %q)", was.Path, name, b.Type, b.Data))
			case a != b:
				d = append(d, fmt.Sprintf("%s\\%s is %s %q, was %s %q", was.Path, name, b.Type, b.Data, a.Type, a.Data))
			}
		}
	}
	if s.Startup != now.Startup {
		d = append(d, fmt.Sprintf("the service's start type is %q, was %q", now.Startup, s.Startup))
	}
	if s.Service != now.Service {
		d = append(d, fmt.Sprintf("the service is %s, was %s", now.Service, s.Service))
	}
	if !strings.EqualFold(s.TimeZone.ID, now.TimeZone.ID) || s.TimeZone.DSTOff != now.TimeZone.DSTOff {
		d = append(d, fmt.Sprintf("the time zone is %q (daylight saving off: %v), was %q (%v)",
			now.TimeZone.ID, now.TimeZone.DSTOff, s.TimeZone.ID, s.TimeZone.DSTOff))
	}
	return d
}

// ErrNotRestored is wrapped by Restore's error when the host still differs
// from the snapshot after the restore.
var ErrNotRestored = errors.New("the host was not restored")

// errNotInstalled is parse's error for a host without W32Time.
var errNotInstalled = errors.New("the W32Time service is not installed")

// Restore puts the host back as s was saved, then reads it again and
// verifies it: the error lists what still differs (wrapping
// ErrNotRestored), with the values it would not write through cmd.exe and
// the commands that failed, or why the host could not be read. A host left
// without W32Time (a `w32tm /unregister` not followed by `/register`) gets
// it registered again first.
func Restore(ctx context.Context, r Runner, s *Snapshot) error {
	now, err := Save(ctx, r)
	if errors.Is(err, errNotInstalled) {
		if _, rerr := r.Run(ctx, "w32tm /register"); rerr != nil {
			return fmt.Errorf("restoring: registering W32Time again: %w", rerr)
		}
		now, err = Save(ctx, r)
	}
	if err != nil {
		return err
	}
	lines, refused := s.restoreCommands(now)
	var failed []string // not a verdict: the read-back decides, but says why when it disagrees
	for _, line := range lines {
		res, err := r.Run(ctx, line)
		if err != nil {
			return fmt.Errorf("restoring: running %q: %w", line, err)
		}
		if res.ExitCode != 0 {
			failed = append(failed, fmt.Sprintf("%q exited %d: %s", line, res.ExitCode, strings.TrimSpace(res.Stdout+" "+res.Stderr)))
		}
	}
	back, err := Save(ctx, r)
	if err != nil {
		return fmt.Errorf("reading the host back after restoring it: %w", err)
	}
	if d := s.Diff(back); len(d) > 0 {
		for _, e := range refused {
			d = append(d, e.Error())
		}
		if len(failed) > 0 {
			d = append(d, "restore commands that failed: "+strings.Join(failed, "; "))
		}
		return fmt.Errorf("%w: %s", ErrNotRestored, strings.Join(d, "; "))
	}
	return nil
}

// restoreCommands returns the command lines that turn now into s, each
// within cmd.exe's limit: the registry first (values, then keys that were not
// there), then the start type, the service state, `w32tm /config /update`
// when the service runs afterwards (it rereads its configuration), and the
// time zone. The steps are joined with `&`, not `&&`: they do not depend on
// each other, a failed one must not keep the others from running, and the
// read-back is the verdict. It also returns the changes it will not make
// through cmd.exe (see quoted), to be reported if the host still differs.
func (s *Snapshot) restoreCommands(now *Snapshot) (lines []string, refused []error) {
	var steps []string
	step := func(line string, err error) {
		if err != nil {
			refused = append(refused, err)
			return
		}
		steps = append(steps, line)
	}
	for _, path := range unionKeys(s.Keys, now.Keys) {
		was, is := s.Keys[path], now.Keys[path]
		if was == nil {
			continue // deleted below, after its values' parents are settled
		}
		for _, name := range unionValues(was.Values, valuesOf(is)) {
			a, okA := was.Values[name]
			b, okB := valuesOf(is)[name]
			switch {
			case !okA:
				step(regDelete(was.Path, originalName(is, name)))
			case !okB || !sameData(a, b):
				step(regAdd(was.Path, originalName(was, name), a))
			}
		}
		if is == nil && len(was.Values) == 0 {
			step(regKeyCommand("add", was.Path))
		}
	}
	// Keys that were not there, deepest first so that a parent goes after
	// its children (reg delete of a key removes its subkeys anyway).
	var extra []string
	for path, k := range now.Keys {
		if s.Keys[path] == nil && !coveredBy(path, s.Keys, now.Keys) {
			extra = append(extra, k.Path)
		}
	}
	slices.Sort(extra)
	for _, p := range slices.Backward(extra) {
		step(regKeyCommand("delete", p))
	}
	if s.Startup != now.Startup && s.Startup != "" {
		steps = append(steps, "sc config w32time start= "+scStart[s.Startup])
	}
	switch {
	case s.Service == wintime.ServiceRunning && now.Service != wintime.ServiceRunning:
		steps = append(steps, "net start w32time")
	case s.Service == wintime.ServiceStopped && now.Service != wintime.ServiceStopped:
		steps = append(steps, "net stop w32time")
	}
	if s.Service == wintime.ServiceRunning && len(steps) > 0 {
		steps = append(steps, "w32tm /config /update")
	}
	if s.TimeZone.ID != "" && (!strings.EqualFold(s.TimeZone.ID, now.TimeZone.ID) || s.TimeZone.DSTOff != now.TimeZone.DSTOff) {
		id := s.TimeZone.ID
		if s.TimeZone.DSTOff {
			id += "_dstoff"
		}
		tz, err := wintime.TimeZoneSetCommand(s.Version, id)
		if err != nil {
			err = fmt.Errorf("restoring the time zone %q: %w", id, err)
		}
		step(tz, err)
	}
	lines, err := batch(steps)
	if err != nil {
		refused = append(refused, err)
	}
	return lines, refused
}

// sameData reports whether two values hold the same: REG_EXPAND_SZ data is
// a path, which Windows compares without regard to case (w32tm /register
// writes %systemroot% in whatever case its version does).
func sameData(a, b wintime.RegValue) bool {
	if a.Type == "REG_EXPAND_SZ" && b.Type == a.Type {
		return strings.EqualFold(a.Data, b.Data)
	}
	return a == b
}

// scStart is sc config's word for each start type.
var scStart = map[wintime.StartType]string{
	wintime.StartAutomatic: "auto", wintime.StartAutomaticDelayed: "delayed-auto",
	wintime.StartManual: "demand", wintime.StartDisabled: "disabled",
}

// coveredBy reports whether an ancestor of path is also a key to delete (not
// in saved but in now), whose deletion removes path with it.
func coveredBy(path string, saved, now map[string]*wintime.RegKey) bool {
	for p := path; ; {
		i := strings.LastIndexByte(p, '\\')
		if i < 0 {
			return false
		}
		p = p[:i]
		if saved[p] == nil && now[p] != nil {
			return true
		}
	}
}

// batch joins steps with & into as few command lines as fit cmd.exe's
// limit.
func batch(steps []string) ([]string, error) {
	var lines []string
	cur := ""
	for _, st := range steps {
		if err := wintime.CheckCommandLine(st); err != nil {
			return nil, fmt.Errorf("restoring: %w", err)
		}
		next := st
		if cur != "" {
			next = cur + " & " + st
		}
		if wintime.CheckCommandLine(next) != nil {
			lines, next = append(lines, cur), st
		}
		cur = next
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines, nil
}

// quoted returns s for a double-quoted argument of reg.exe, or an error
// naming what, of the key or value (described by what), it will not put
// through cmd.exe: a double quote, a line break, % (which cmd.exe expands
// inside quotes), and a trailing backslash (which reg.exe reads as escaping
// the closing quote). The text comes from the host, not from a user, but
// reaches cmd.exe all the same: it is refused, to be set by hand, rather
// than quoted by a rule that would have to be right for every version.
func quoted(what, s string) (string, error) {
	if strings.ContainsAny(s, "\"%\r\n") || strings.HasSuffix(s, `\`) {
		return "", fmt.Errorf("restoring %s: %q holds a character (\", %%, a line break or a final \\) "+
			"this restore does not write through cmd.exe: set it by hand with regedit", what, s)
	}
	return `"` + s + `"`, nil
}

// valueName checks a value's name: the key's default value is printed under
// a localized pseudo-name such as (Default), which reg would take for a
// value of that name.
func valueName(key, name string) (string, error) {
	if strings.HasPrefix(name, "(") {
		return "", fmt.Errorf("restoring %s: its default value %s is not one this restore writes: set it by hand with regedit", key, name)
	}
	return quoted(key+`\`+name, name)
}

// regKeyCommand returns `reg add KEY /f` or `reg delete KEY /f`.
func regKeyCommand(verb, key string) (string, error) {
	k, err := quoted(key, key)
	if err != nil {
		return "", err
	}
	return "reg " + verb + " " + k + " /f", nil
}

// regDelete returns the reg delete of the value name under key.
func regDelete(key, name string) (string, error) {
	k, err := quoted(key, key)
	if err != nil {
		return "", err
	}
	n, err := valueName(key, name)
	if err != nil {
		return "", err
	}
	return "reg delete " + k + " /v " + n + " /f", nil
}

// regAdd returns the reg add that writes v as name under key. REG_EXPAND_SZ
// data holding % (W32Time's DLL paths, %systemroot%\system32\w32time.dll)
// is written unquoted with each % escaped as ^%, which keeps cmd.exe from
// expanding it on a command line, when it holds nothing else cmd.exe or reg
// would act on; other data goes quoted.
func regAdd(key, name string, v wintime.RegValue) (string, error) {
	k, err := quoted(key, key)
	if err != nil {
		return "", err
	}
	n, err := valueName(key, name)
	if err != nil {
		return "", err
	}
	switch v.Type {
	case "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY":
	default:
		return "", fmt.Errorf("restoring %s\\%s: type %s is not one reg add writes as printed: set it by hand with regedit", key, name, v.Type)
	}
	data, err := quoted(key+`\`+name, v.Data)
	if err != nil && strings.Contains(v.Data, "%") && unquotedSafe.MatchString(v.Data) {
		data, err = strings.ReplaceAll(v.Data, "%", "^%"), nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`reg add %s /v %s /t %s /d %s /f`, k, n, v.Type, data), nil
}

// unquotedSafe matches data that may go unquoted on a cmd.exe line: no
// blank, and no character cmd.exe or reg.exe gives a meaning to but %,
// which regAdd escapes.
var unquotedSafe = regexp.MustCompile(`^[A-Za-z0-9%\\._:\-]+$`)

// originalName returns the value's name as the host printed it (the key
// holds names in lower case), for the command line: names are
// case-insensitive, but a restored value should be spelt as it was.
func originalName(k *wintime.RegKey, lower string) string {
	if k != nil {
		if n, ok := k.Names[lower]; ok {
			return n
		}
	}
	return lower
}

func valuesOf(k *wintime.RegKey) map[string]wintime.RegValue {
	if k == nil {
		return nil
	}
	return k.Values
}

func unionKeys(a, b map[string]*wintime.RegKey) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if a[k] == nil {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func unionValues(a, b map[string]wintime.RegValue) []string {
	var ns []string
	for n := range a {
		ns = append(ns, n)
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}
