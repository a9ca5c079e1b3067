package winsim

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/masterzen/winrm"

	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// TestRebootOverWinRM changes W32Time's start type over WinRM with sc config, reboots the host and
// checks what a client then finds: the service state the start type gives, shells ended by the
// restart, and w32tm /resync with and without time data.
func TestRebootOverWinRM(t *testing.T) {
	h := startHost(t, Options{Profile: winhost.P2022, Role: winhost.Standalone, Auth: "basic", AllowUnencrypted: true})
	c := newClient(t, h, defaultUsername, defaultPassword, nil)
	expect := func(line string, code int, want string) {
		t.Helper()
		stdout, stderr, got, err := run(t, c, line)
		if err != nil || got != code || !strings.Contains(stdout, want) {
			t.Errorf("%s: exit %d err %v, want exit %d and %q\nstdout: %s\nstderr: %s", line, got, err, code, want, stdout, stderr)
		}
	}
	const notStarted = "0x80070426"
	noData := int(uint32(0x800705B4))

	// A workgroup 2022 is manual with trigger start: stopped after a boot.
	expect("sc qc w32time", 0, "START_TYPE         : 3   DEMAND_START")
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	h.Reboot()
	_, err = sh.ExecuteWithContext(context.Background(), "echo hi")
	var ce *winrm.ExecuteCommandError
	if !errors.As(err, &ce) || faultSubcode(ce.Body) != "w:InvalidSelectors" {
		t.Errorf("a shell opened before the reboot still runs commands: %v", err)
	}
	expect("sc query w32time", 0, "1  STOPPED")
	expect("w32tm /resync", int(uint32(0x80070426)), notStarted)

	// Automatic: running after the next boot, and synchronised.
	expect("sc config w32time start= delayed-auto", 0, "[SC] ChangeServiceConfig SUCCESS")
	expect("sc qc w32time", 0, "2   AUTO_START  (DELAYED)")
	h.Reboot()
	expect("sc query w32time", 0, "4  RUNNING")
	expect("w32tm /resync", 0, "The command completed successfully.")

	// Peers unreachable: the resync finds no time data.
	h.SetTimeData(false)
	expect("w32tm /resync", noData, "The computer did not resync because no time data was available.")
	h.SetTimeData(true)
	expect("w32tm /resync", 0, "The command completed successfully.")

	// Disabled: stopped after a boot and refused by net start.
	expect("sc config w32time start= disabled", 0, "[SC] ChangeServiceConfig SUCCESS")
	h.Reboot()
	stdout, stderr, code, err := run(t, c, "net start w32time")
	if err != nil || code != 2 || !strings.Contains(stderr, "System error 1058 has occurred.") || h.Machine().ServiceState() != "STOPPED" {
		t.Errorf("net start of a disabled service: %q %q %d %v", stdout, stderr, code, err)
	}
}

// TestAfterBootAndNoTimeData checks the two Options that start a host as after a boot and without
// time data.
func TestAfterBootAndNoTimeData(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		state string
		data  bool
	}{
		{"default", Options{}, "RUNNING", true},
		{"after boot standalone", Options{AfterBoot: true}, "STOPPED", true},
		{"after boot member", Options{AfterBoot: true, Role: winhost.Member}, "RUNNING", true},
		{"no time data", Options{NoTimeData: true}, "RUNNING", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startHost(t, tt.opts)
			m := h.Machine()
			if g := m.ServiceState(); g != tt.state {
				t.Errorf("service %s, want %s", g, tt.state)
			}
			if g := m.TimeData(); g != tt.data {
				t.Errorf("TimeData() = %v, want %v", g, tt.data)
			}
		})
	}
}
