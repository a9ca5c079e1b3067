package provider

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
)

// TestAccLogging_passwordNeverLogged applies and refreshes with TF_LOG=TRACE
// and the provider's own winrm subsystem at TRACE, then reads every log line
// the in-process provider wrote: the command lines must be there, the
// password never.
func TestAccLogging_passwordNeverLogged(t *testing.T) {
	needSim(t, "sets TF_LOG and WINDOWS_PASSWORD for the process (t.Setenv), which a test run in parallel for a real host cannot; the host must take the test's password")
	for _, mode := range []string{"ntlm", "basic-https", "per-resource"} {
		t.Run(mode, func(t *testing.T) { testPasswordNeverLogged(t, mode) })
	}
}

func testPasswordNeverLogged(t *testing.T, mode string) {
	dir := t.TempDir()
	// The test sink of terraform-plugin-log reads these when the test starts.
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_LOG_PROVIDER_WINDOWS_WINRM", "TRACE")
	t.Setenv("TF_LOG_PATH_MASK", filepath.Join(dir, "%s.log"))

	// The password reaches the provider through WINDOWS_PASSWORD, not the
	// configuration: the test harness logs the configurations it runs, and
	// this test is about what the provider logs.
	const password = "Very-Secret-Passw0rd-7f3a"
	t.Setenv("WINDOWS_PASSWORD", password)
	opts := winsim.Options{Profile: "2003", Username: simUser, Password: password}
	extra, own := "", ""
	if mode == "per-resource" {
		// The resource's own password, from a variable, is the right one;
		// the provider's is another, which must not be logged either.
		t.Setenv("WINDOWS_PASSWORD", password+"-provider")
		t.Setenv("TF_VAR_own_password", password)
		own = "  password = var.own_password\n"
	}
	if mode == "basic-https" {
		opts.Auth, opts.HTTPS = "basic", true
	}
	tg := newTarget(t, opts)
	if mode == "basic-https" {
		extra = fmt.Sprintf("  auth = \"basic\"\n  https = true\n  ca_cert = %q\n", tg.sim.CertPEM())
	}
	tg.provider = fmt.Sprintf("provider \"windows\" {\n  username = %q\n%s}\n", simUser, extra)
	if own != "" {
		tg.provider += "variable \"own_password\" {\n  type      = string\n  sensitive = true\n}\n"
	}
	// The Basic header's form of the password.
	basic := base64.StdEncoding.EncodeToString([]byte(simUser + ":" + password))
	// Not parallel: t.Setenv forbids it, and the log sink is per process.
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{Config: ntpConfig(tg, "AllSync", twoPeers, own)},
			{Config: ntpConfig(tg, "NTP", twoPeers, own)},
		},
	})

	logs, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no provider log written under %s (%v)", dir, err)
	}
	var all strings.Builder
	for _, f := range logs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	text := all.String()
	if !strings.Contains(text, "/syncfromflags:DOMHIER,MANUAL") {
		t.Errorf("the winrm subsystem did not log the command lines at debug level (%d bytes of logs)", len(text))
	}
	if !strings.Contains(text, "duration_ms") {
		t.Error("command durations are not logged")
	}
	for _, secret := range []string{password, basic, password + "-provider"} {
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("the password appears in the logs: %.300s", line)
				break
			}
		}
	}
}
