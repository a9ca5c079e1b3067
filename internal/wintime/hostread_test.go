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

func TestParseStartup(t *testing.T) {
	tests := []struct{ name, out, want string }{
		{"automatic", "        START_TYPE         : 2   AUTO_START\r\n", "automatic"},
		{"delayed", "        START_TYPE         : 2   AUTO_START  (DELAYED)\r\n", "automatic_delayed"},
		{"manual", "        START_TYPE         : 3   DEMAND_START\r\n", "manual"},
		{"disabled", "        START_TYPE         : 4   DISABLED\r\n", "disabled"},
		{"not installed", "[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseStartup(tc.out); got != tc.want {
				t.Errorf("ParseStartup = %q, want %q", got, tc.want)
			}
		})
	}
}
