package provider

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestAccProvider_noPassword: with neither password nor WINDOWS_PASSWORD,
// the plan fails on the provider's password with a message naming both, and
// no host sees a logon (not even one HTTP request).
func TestAccProvider_noPassword(t *testing.T) {
	h := simHost(t, "counts the host's HTTP requests (the failed plan must make none)", winsim.Options{Username: simUser, Password: simPassword})
	t.Setenv("WINDOWS_PASSWORD", "")
	if err := os.Unsetenv("WINDOWS_PASSWORD"); err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "windows" {
  username = %q
}

resource "windows_ntp_config" "test" {
  host = %q
  type = "NT5DS"
}
`, simUser, h.Addr()),
			ExpectError: regexp.MustCompile(`(?s)No password is set for Administrator: set password in the provider block\s+or\s+the\s+WINDOWS_PASSWORD\s+environment\s+variable\.`),
		}},
	})
	if st := h.Stats(); st.HTTPRequests != 0 {
		t.Errorf("the host saw %d HTTP requests (%v), want none", st.HTTPRequests, st.Requests)
	}
}

// TestAccNTPConfigDataSource_unknownPassword: while the provider's password
// comes from a resource not created yet, the data source does not log on
// during the plan: the plan fails with an error that names password and the
// ways out; with depends_on, the read waits for the apply, and the plan still
// makes no request (counted on a simulated host; on a real one, a logon
// with the password unknown would fail the plan).
func TestAccNTPConfigDataSource_unknownPassword(t *testing.T) {
	onEachHost(t, winsim.Options{}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		// The read's type is one the test wrote, not a policy's.
		tg.deleteKey(t, wintime.PolicyParametersKey)
		tg.setString(t, wintime.ParametersKey, "Type", "NTP")
		username, vars := passwordVariables(tg)
		cfg := func(dependsOn string) string {
			return passwordVariable + fmt.Sprintf(`
resource "terraform_data" "pw" {
  input = var.password
}

provider "windows" {
%s  password = terraform_data.pw.output
}

data "windows_ntp_config" "test" {
  host = %q
%s
}
`, username, tg.host, dependsOn)
		}
		noRequests := func(when string) func() error {
			return func() error {
				if tg.sim == nil {
					return nil
				}
				if st := tg.sim.Stats(); st.HTTPRequests != 0 {
					return fmt.Errorf("%s: the host saw %d HTTP requests (%v), want none", when, st.HTTPRequests, st.Requests)
				}
				return nil
			}
		}
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					Config:          cfg(""),
					ConfigVariables: vars,
					ExpectError: regexp.MustCompile(`(?s)Cannot read ` + regexp.QuoteMeta(tg.host) + ` before the provider's settings are known.*` +
						"The windows provider's `password` is not known until apply.*-target=.*depends_on"),
				},
				{
					PreConfig: func() {
						if err := noRequests("the failed plan")(); err != nil {
							t.Error(err)
						}
					},
					Config:          cfg("  depends_on = [terraform_data.pw]"),
					ConfigVariables: vars,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						planCheckFunc(func(plancheck.CheckPlanRequest) error { return noRequests("the plan")() }),
					}},
					Check: resource.TestCheckResourceAttr("data.windows_ntp_config.test", "type", "NTP"),
				},
			},
		})
	})
}

// TestAccNTPConfig_savedPlanUnmanagedDrift: with type managed and ntp_servers
// and reliable left out, the host changes both between a saved plan and its
// apply; the apply succeeds, the state holds what the host holds, and the
// next plan is empty (plugin-testing plans with -out, runs the PreApply
// checks, applies the saved plan, then expects an empty plan).
func TestAccNTPConfig_savedPlanUnmanagedDrift(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: winhost.P2022}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		// No policy may override the values this test writes behind
		// Terraform's back (the host's restore puts a lab's policy back).
		tg.deleteKey(t, wintime.PolicyParametersKey)
		tg.deleteKey(t, wintime.PolicyConfigKey)
		behindTheBack := planCheckFunc(func(plancheck.CheckPlanRequest) error {
			tg.setString(t, wintime.ParametersKey, "NtpServer", "changed.example.com,0x8")
			tg.setDWord(t, wintime.ConfigKey, "AnnounceFlags", 0x5)
			return nil
		})
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					Config: ntpConfig(tg, "NTP", `  ntp_servers = [{ address = "ntp.nict.jp" }]`, "  reliable = false"),
				},
				{
					Config: ntpConfig(tg, "NT5DS", "", ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(resName, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(resName, tfjsonpath.New("ntp_servers")),
						plancheck.ExpectUnknownValue(resName, tfjsonpath.New("reliable")),
						behindTheBack,
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "NT5DS"),
						resource.TestCheckResourceAttr(resName, "reliable", "true"),
						checkRegistry(t, tg, "NtpServer", "changed.example.com,0x8"),
					),
					ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, peer("changed.example.com", "Client"))},
				},
				{
					// Nothing managed changes: the unmanaged values stay known,
					// and the plan is empty.
					Config: ntpConfig(tg, "NT5DS", "", `  on_destroy = "keep"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
			},
		})
	})
}

// TestAccNTPConfig_tooManyServers: an ntp_servers list whose apply command
// would be longer than cmd.exe takes is refused at plan time, naming
// ntp_servers, the length and the limit.
func TestAccNTPConfig_tooManyServers(t *testing.T) {
	label := strings.Repeat("a", 63)
	var b strings.Builder
	b.WriteString("  ntp_servers = [\n")
	for i := range 42 {
		fmt.Fprintf(&b, "    { address = \"%s.%s.%s.p%02d.example\" },\n", label, label, label, i)
	}
	b.WriteString("  ]")
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: `
provider "windows" {
  host = "127.0.0.1:1"
}

resource "windows_ntp_config" "test" {
  type = "NTP"
` + b.String() + `
}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Too many NTP servers for one command line.*ntp_servers: with these 42\s+servers,\s+the\s+command\s+line\s+that\s+applies\s+them\s+would\s+have\s+9103\s+characters,\s+and\s+cmd\.exe\s+refuses\s+command\s+lines\s+over\s+8191\s+characters`),
		}},
	})
}

// TestAccNTPConfig_sharedHost: two resources on one host (in two spellings)
// are warned about once in a plan; one resource, even one that is replaced
// (planned twice by the CLI), is not.
func TestAccNTPConfig_sharedHost(t *testing.T) {
	tgs := newTargets(t, 2, winsim.Options{Profile: winhost.P2022})
	tg, other := tgs[0], tgs[1]
	lower, _, upperDot := hostSpellings(t, tg.host)
	res := func(name, host, typ string) string {
		return fmt.Sprintf(`
resource "windows_ntp_config" %q {
  host = %q
  type = %q
}
`, name, host, typ)
	}
	const warning = "Another windows_ntp_config manages"
	tests := []struct {
		name   string
		config string
		want   int
	}{
		{"two resources", res("a", lower, "NT5DS") + res("b", upperDot, "NoSync"), 1},
		{"one resource", res("a", tg.host, "NT5DS"), 0},
		{"two hosts", res("a", tg.host, "NT5DS") + res("b", other.host, "NoSync"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newCLIDir(t, tg.provider+tt.config)
			out, err := d.run("plan", "-input=false", "-no-color")
			if err != nil {
				t.Fatalf("plan: %v\n%s", err, out)
			}
			if n := count(out, warning); n != tt.want {
				t.Errorf("the warning appears %d times, want %d:\n%s", n, tt.want, out)
			}
		})
	}
	t.Run("one resource replaced", func(t *testing.T) {
		d := newCLIDir(t, tg.provider+res("a", tg.host, "NT5DS"))
		if out, err := d.run("apply", "-input=false", "-auto-approve", "-no-color"); err != nil {
			t.Fatalf("apply: %v\n%s", err, out)
		}
		d.write(tg.provider + res("a", other.host, "NT5DS"))
		out, err := d.run("plan", "-input=false", "-no-color")
		if err != nil || !strings.Contains(out, "must be replaced") {
			t.Fatalf("plan: %v\n%s", err, out)
		}
		if n := count(out, warning); n != 0 {
			t.Errorf("the warning appears %d times, want none:\n%s", n, out)
		}
	})
}
