package wintime

import (
	"errors"
	"fmt"
	"strings"
)

// syncFromFlags returns the `w32tm /config /syncfromflags:` keyword for t on
// version v, or "" when that w32tm has no keyword for t.
//
// This is where the Server 2003 quirk lives: its w32tm refuses ALL and NO.
// AllSync is written there as the comma list DOMHIER,MANUAL, which 2003's
// w32tm turns into Type=AllSync; NoSync has no keyword and goes through the
// registry (see configSteps).
func syncFromFlags(v Version, t Type) string {
	legacy := v.legacyW32tm()
	switch t {
	case NoSync:
		if legacy {
			return ""
		}
		return "NO"
	case NTP:
		return "MANUAL"
	case NT5DS:
		return "DOMHIER"
	case AllSync:
		if legacy {
			return "DOMHIER,MANUAL"
		}
		return "ALL"
	}
	return ""
}

// configSteps returns the command lines that make a host of version v hold
// want, in order: the tunables through `reg add`, then one `w32tm /config`
// that writes Type, the peers and AnnounceFlags and has the service reread
// everything (`/update`). Each must succeed before the next runs. When want
// disables the service, nothing asks it to reread: it takes the settings
// when it next starts.
func configSteps(v Version, want Settings) ([]string, error) {
	if _, err := ParseType(string(want.Type)); err != nil {
		return nil, err
	}
	if err := CheckVersion(v, want); err != nil {
		return nil, err
	}
	if err := CheckPollRange(want); err != nil {
		return nil, err
	}
	args := ""
	if want.Peers != nil {
		if len(want.Peers) == 0 {
			return nil, errors.New("an empty peer list cannot be written: give at least one peer or leave peers unmanaged")
		}
		for _, p := range want.Peers {
			if err := ValidateAddress(p.Address); err != nil {
				return nil, err
			}
		}
		// Addresses and flags passed the allowlist, so the list holds only
		// letters, digits, '.', ':', '-', ',' and spaces: nothing cmd.exe or
		// w32tm interprets inside the quotes.
		args = ` /manualpeerlist:"` + FormatPeers(want.Peers) + `"`
	}

	if want.Reliable != nil {
		args += " /reliable:" + map[bool]string{true: "YES", false: "NO"}[*want.Reliable]
	}
	if want.Startup != StartDisabled {
		args += " /update"
	}

	steps := tunableSteps(want)
	if flags := syncFromFlags(v, want.Type); flags != "" {
		return append(steps, "w32tm /config /syncfromflags:"+flags+args), nil
	}
	// No keyword on this version (NoSync on Server 2003): write Type into the
	// registry, then have w32tm write the peers and tell the service.
	steps = append(steps, `reg add "`+ParametersKey+`" /v Type /t REG_SZ /d `+string(want.Type)+` /f`)
	if args != "" {
		steps = append(steps, "w32tm /config"+args)
	}
	return steps, nil
}

// ResyncCommand asks the service to synchronise now and waits for the
// outcome.
const ResyncCommand = "w32tm /resync"

// ExitNoTimeData is the exit code of ResyncCommand when the service had no
// time data to synchronise from (HRESULT 0x800705B4, read as an unsigned
// number): its sources could not be reached, which is not an error of the
// configuration.
const ExitNoTimeData = 0x800705B4

// ApplyCommand returns the one command line that makes the host described by
// current hold want and then reads the host back: its output parses with
// ParseState. The steps are joined with `&&`, so a non-zero exit code means a
// step failed and its own message is in the output; the read-back runs only
// when every step succeeded.
//
// The service's start type is written first (`sc config`), so that a service
// about to be enabled can start. When the W32Time service is stopped, the
// line then starts it (its `/config /update` fails on a stopped service),
// unless want disables it; the caller should say so.
//
// With resync, ResyncCommand follows the read-back: the line's exit code is
// then the resync's whenever the read-back ran (ParseState succeeds on the
// output), and a step's when it did not.
//
// A line longer than cmd.exe takes (MaxCommandLine) is refused with a
// *CommandLineTooLongError rather than sent: the host would refuse it whole.
func ApplyCommand(current State, want Settings, resync bool) (string, error) {
	line, err := applyLine(current, want, resync)
	if err != nil {
		return "", err
	}
	if err := CheckCommandLine(line); err != nil {
		return "", err
	}
	return line, nil
}

// applyLine is ApplyCommand without the length check.
func applyLine(current State, want Settings, resync bool) (string, error) {
	if !current.Version.Supported() {
		return "", fmt.Errorf("Windows version %s is older than Server 2003 (5.2) and is not supported", current.Version)
	}
	if !current.Installed || current.Service == ServiceNotInstalled {
		return "", errors.New("the Windows Time service (W32Time) is not installed on the host: run `w32tm /register` and `net start w32time` on the host, then apply again")
	}
	steps, err := configSteps(current.Version, want)
	if err != nil {
		return "", err
	}
	startup, err := startupSteps(current.Version, want.Startup)
	if err != nil {
		return "", err
	}
	read := ReadCommand()
	if resync {
		read += " & " + ResyncCommand
	}
	body := strings.Join(steps, " && ") + " && (" + read + ")"
	if StartsService(current, want) {
		// `net start` exits 2 when the service already runs, so its result
		// must not decide the chain: the read-back does. Its output stays,
		// so that when it cannot start the service (disabled, say) its
		// reason is in the message of the failing w32tm that follows.
		body = "net start w32time & " + body
		if len(startup) > 0 {
			body = "(" + body + ")"
		}
	}
	return strings.Join(append(startup, body), " && "), nil
}

// StartsService reports whether the apply of want starts the service first:
// it is stopped, and want does not disable it.
func StartsService(current State, want Settings) bool {
	return NeedsStart(current) && want.Startup != StartDisabled
}

// NeedsStart reports whether the service must be started before the settings
// can be applied.
func NeedsStart(s State) bool { return s.Service == ServiceStopped }

// ResetCommand returns the command line that restores the Windows defaults for
// the host's role, the documented way: unregister and register the service,
// which rewrites its registry keys from the built-in defaults for a standalone
// server, a domain member or a domain controller, then start it. It ends with
// the read-back.
func ResetCommand() string {
	return "net stop w32time >nul 2>&1 & w32tm /unregister >nul 2>&1 & w32tm /register && net start w32time >nul && (" + ReadCommand() + ")"
}

// Mismatch describes how the host's effective settings differ from want, or
// returns "" when they agree. Peers are compared only when want manages them.
// Where Group Policy holds the value, the message says so, because a local
// change cannot win against it.
func Mismatch(got State, want Settings) string {
	eff := got.Effective()
	var diffs []string
	if eff.Type != want.Type {
		d := fmt.Sprintf("Type is %q, not %q", eff.Type, want.Type)
		if got.PolicyType != "" {
			d += " (Group Policy sets it under " + PolicyParametersKey + "; change the policy or remove it)"
		}
		diffs = append(diffs, d)
	}
	if want.Peers != nil && !EqualPeers(eff.Peers, want.Peers) {
		d := fmt.Sprintf("NtpServer is %q, not %q", FormatPeers(eff.Peers), FormatPeers(want.Peers))
		if got.PolicyPeers != nil {
			d += " (Group Policy sets it under " + PolicyParametersKey + "; change the policy or remove it)"
		}
		diffs = append(diffs, d)
	}
	if want.Reliable != nil && got.Reliable() != *want.Reliable {
		d := fmt.Sprintf("AnnounceFlags is 0x%x, which does not announce the host as %s", got.EffectiveAnnounceFlags(),
			map[bool]string{true: "a reliable time source", false: "an ordinary time source"}[*want.Reliable])
		if got.PolicyAnnounceFlags != nil {
			d += " (Group Policy sets it under " + PolicyConfigKey + "; change the policy or remove it)"
		}
		diffs = append(diffs, d)
	}
	for _, t := range Tunables {
		n, ok := want.Tunables[t.Attr]
		if !ok {
			continue
		}
		if have, held := eff.Tunables[t.Attr]; !held || !t.same(have, n) {
			d := fmt.Sprintf("%s (%s) is %s, not %s", t.Attr, t.Value, formatHeld(t, have, held), t.Format(n))
			if _, pol := got.PolicyTunables[t.Attr]; pol {
				d += " (Group Policy sets it under " + t.PolicyKey + "; change the policy or remove it)"
			}
			diffs = append(diffs, d)
		}
	}
	if want.Startup != "" && got.Local.Startup != want.Startup {
		diffs = append(diffs, fmt.Sprintf("the service's start type is %q, not %q", got.Local.Startup, want.Startup))
	}
	return strings.Join(diffs, "; ")
}

// formatHeld shows a tunable's value on the host, or that it has none.
func formatHeld(t Tunable, n uint32, held bool) string {
	if !held {
		return "absent"
	}
	return t.Format(n)
}

// UpdateCommand is ApplyCommand for a host whose version is known (from the
// state) but that was not read before: an update costs one command. Not
// knowing whether the service runs, the line asks `sc query` first (so that
// ServiceBefore can tell the caller) and starts the service unless want
// disables it; `net start` of a running service fails harmlessly, as in
// ApplyCommand. Its output parses with ParseState and ServiceBefore.
func UpdateCommand(v Version, want Settings, resync bool) (string, error) {
	line, err := updateLine(v, want, resync)
	if err != nil {
		return "", err
	}
	if err := CheckCommandLine(line); err != nil {
		return "", err
	}
	return line, nil
}

// updateLine is UpdateCommand without the length check.
func updateLine(v Version, want Settings, resync bool) (string, error) {
	line, err := applyLine(State{Version: v, Installed: true, Service: ServiceStopped}, want, resync)
	if err != nil {
		return "", err
	}
	return "sc query w32time & " + line, nil
}

// ServiceBefore reads, from the output of UpdateCommand, the state of the
// service before the line changed anything: the first `sc query` before the
// read-back's version line. ServiceNotInstalled when there is none.
func ServiceBefore(out string) ServiceState {
	if loc := verPattern.FindStringIndex(out); loc != nil {
		out = out[:loc[0]]
	}
	return parseService(out)
}
