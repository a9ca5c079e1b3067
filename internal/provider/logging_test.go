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
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

// TestAccLogging_passwordNeverLogged applies and refreshes with TF_LOG=TRACE
// and the provider's own winrm subsystem at TRACE, then reads every log line
// the in-process provider wrote: the command lines must be there, the
// password never.
func TestAccLogging_passwordNeverLogged(t *testing.T) {
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
	password, username := "Very-Secret-Passw0rd-7f3a", simUser
	opts := winsim.Options{Profile: "2003", Username: simUser, Password: password}
	if realHost() {
		// A real host's account and password: the ones the provider must
		// never log. Other modes would need the simulator.
		switch mode {
		case "basic-https":
			skipReal(t, "needs the simulator: serves Basic over HTTPS with a certificate it hands to the test")
		case "per-resource":
			skipReal(t, "gives the provider a wrong password besides the resource's (a lab account must not risk failed logons)")
		}
		password, username = os.Getenv("WINDOWS_PASSWORD"), os.Getenv("WINDOWS_USERNAME")
		opts = winsim.Options{}
	}
	t.Setenv("WINDOWS_PASSWORD", password)
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
	tg := newSerialTarget(t, opts)
	if mode == "basic-https" {
		extra = fmt.Sprintf("  auth = \"basic\"\n  https = true\n  ca_cert = %q\n", tg.sim.CertPEM())
	}
	tg.provider = fmt.Sprintf("provider \"windows\" {\n  username = %q\n%s}\n", username, extra)
	if own != "" {
		tg.provider += "variable \"own_password\" {\n  type      = string\n  sensitive = true\n}\n"
	}
	// The Basic header's form of the password.
	basic := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
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
	allSync := "/syncfromflags:ALL"
	if tg.profile == winhost.P2003 {
		allSync = "/syncfromflags:DOMHIER,MANUAL"
	}
	if !strings.Contains(text, allSync) {
		t.Errorf("the winrm subsystem did not log the command lines at debug level (%d bytes of logs)", len(text))
	}
	if !strings.Contains(text, "duration_ms") {
		t.Error("command durations are not logged")
	}
	for _, secret := range []string{password, basic, password + "-provider"} {
		if password == "" {
			break // a lab that logs on without one (Kerberos): nothing to look for
		}
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, secret) {
				t.Errorf("the password appears in the logs: %.300s", line)
				break
			}
		}
	}
}
