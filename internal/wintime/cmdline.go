package wintime

import (
	"fmt"
	"unicode/utf16"
)

// MaxCommandLine is the longest command line cmd.exe runs, in characters
// (Windows XP and Server 2003 on). A longer line is refused as a whole with
// "The command line is too long." and nothing of it runs, so it must be caught
// before it is sent.
//
// The count is of the line the WinRM cmd shell hands to cmd.exe, that is the
// text this package builds (masterzen/winrm sends it as the command of the
// shell, which runs it as `cmd /c <line>`), in UTF-16 code units, as cmd.exe
// holds it. The prefix `cmd /c` is not counted: cmd.exe's limit is on the
// string it parses, which is what follows the switch.
const MaxCommandLine = 8191

// CommandLineTooLongError reports a command line longer than MaxCommandLine.
type CommandLineTooLongError struct {
	Length int // in characters, as cmd.exe counts them
}

func (e *CommandLineTooLongError) Error() string {
	return fmt.Sprintf("the command line would have %d characters, and cmd.exe refuses lines over %d characters",
		e.Length, MaxCommandLine)
}

// CommandLineLength is the length of line as cmd.exe counts it: in UTF-16 code
// units (a character outside the Basic Multilingual Plane counts twice).
func CommandLineLength(line string) int {
	n := 0
	for _, r := range line {
		n += max(utf16.RuneLen(r), 1) // a byte that is not UTF-8 reaches cmd.exe as one character
	}
	return n
}

// CheckCommandLine returns a *CommandLineTooLongError when cmd.exe would refuse
// line for its length.
func CheckCommandLine(line string) error {
	if n := CommandLineLength(line); n > MaxCommandLine {
		return &CommandLineTooLongError{Length: n}
	}
	return nil
}

// worstCaseHosts are host states whose apply command lines are the longest
// for given settings: the Server 2003 plan (NoSync takes two steps there) and
// the current one. Their lines are built as UpdateCommand builds them (the
// longest: `sc query` and `net start` first, a resync last). Settings a
// version does not have are left out of its line.
var worstCaseHosts = []State{
	{Version: Version{Major: 5, Minor: 2, Build: 3790}, Installed: true, Service: ServiceStopped},
	{Version: Version{Major: 10, Minor: 0, Build: 20348}, Installed: true, Service: ServiceStopped},
}

// CheckApplyLength checks, before any host is known, that the apply command
// line for want fits cmd.exe on every supported version: it builds the line
// for the longest case of each plan (UpdateCommand's, with a resync) and returns a *CommandLineTooLongError
// with the longest length when one does not fit. Other errors of want (an
// invalid address, say) are returned as ApplyCommand returns them.
func CheckApplyLength(want Settings) error {
	longest := 0
	for _, h := range worstCaseHosts {
		line, err := updateLine(h.Version, want.availableOn(h.Version), true)
		if err != nil {
			return err
		}
		longest = max(longest, CommandLineLength(line))
	}
	if longest > MaxCommandLine {
		return &CommandLineTooLongError{Length: longest}
	}
	return nil
}
