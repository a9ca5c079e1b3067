package wintime

import (
	"testing"
)

func TestHostReadCommand(t *testing.T) {
	line := HostReadCommand()
	if err := CheckCommandLine(line); err != nil {
		t.Fatal(err)
	}
	// cmd.exe takes at most 8191 characters; keep a wide margin for what
	// later versions of the read add.
	if len(line) > 4000 {
		t.Errorf("HostReadCommand is %d characters long, want it far under cmd.exe's 8191", len(line))
	}
}
