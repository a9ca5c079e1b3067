package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestAccNTPConfig_hostChanges: another host replaces the resource, another
// spelling of the same host does not, and a change of on_destroy alone
// touches no host.
func TestAccNTPConfig_hostChanges(t *testing.T) {
	tgs := newTargets(t, 2, winsim.Options{Profile: winhost.P2022})
	tg, other := tgs[0], tgs[1]
	// Two spellings of tg's host that differ only in case ("localhost:PORT"
	// for the simulator's "127.0.0.1:PORT").
	lower, upper, _ := hostSpellings(t, tg.host)
	withHost := func(host, extra string) string {
		tgc := *tg
		tgc.host = host
		return ntpConfig(&tgc, "NTP", twoPeers, extra)
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{Config: withHost(lower, "")},
			{
				Config: withHost(upper, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resName, plancheck.ResourceActionUpdate),
				}},
			},
			{
				// on_destroy alone: an update that runs nothing on the host.
				PreConfig: tg.clearHistory,
				Config:    withHost(upper, `  on_destroy = "reset"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resName, plancheck.ResourceActionUpdate),
				}},
				Check: checkNoWrite(tg), // i12: the shared read runs w32tm /query; a write is what must not run
			},
			{
				Config: withHost(other.host, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resName, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRegistry(t, other, "Type", "NTP"),
					// the replaced resource was destroyed with on_destroy = "reset"
					checkRan(tg, "w32tm /register"),
					checkReset(t, tg),
					checkRegistryNot(t, tg, "NtpServer", "ntp.nict.jp,0x9 time.windows.com,0xa"),
				),
			},
		},
	})
}

// TestAccNTPConfig_oddHostValues: values other tools wrote in forms the
// provider does not produce (a comma-separated peer list, unnamed flag bits,
// an unknown Type) show as drift and are overwritten by apply; unmanaged
// peers with unnamed bits do not break later updates.
func TestAccNTPConfig_oddHostValues(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: winhost.P2003}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		set := func(name, data string) func() {
			return func() { tg.setString(t, wintime.ParametersKey, name, data) }
		}
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					PreConfig: set("NtpServer", "a.pool.ntp.org,b.pool.ntp.org"),
					Config:    ntpConfig(tg, "NTP", twoPeers, ""),
					Check:     checkRegistry(t, tg, "NtpServer", "ntp.nict.jp,0x9 time.windows.com,0xa"),
				},
				{
					PreConfig:          set("Type", "Bogus"),
					Config:             ntpConfig(tg, "NTP", twoPeers, ""),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				},
				{
					Config: ntpConfig(tg, "NTP", twoPeers, ""),
					Check:  checkRegistry(t, tg, "Type", "NTP"),
				},
				{
					// Peers left unmanaged, holding a bit Windows does not name.
					PreConfig: set("NtpServer", "ntp.nict.jp,0x19"),
					Config:    ntpConfig(tg, "NT5DS", "", ""),
					Check:     checkRegistry(t, tg, "NtpServer", "ntp.nict.jp,0x19"),
					ConfigStateChecks: []statecheck.StateCheck{
						expectPeers(resName, peer("ntp.nict.jp", "SpecialInterval", "Client", "0x10")),
					},
				},
				{
					Config: ntpConfig(tg, "NoSync", "", ""),
					Check:  checkRegistry(t, tg, "Type", "NoSync"),
				},
			},
		})
	})
}

// TestAccNTPConfig_unknownProviderSettings: while the provider's password
// depends on a resource not created yet, plan neither connects nor replaces
// resources that name their host; apply then works.
func TestAccNTPConfig_unknownProviderSettings(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: winhost.P2019}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		username, vars := passwordVariables(tg)
		cfg := func(suffix string) string {
			return passwordVariable + fmt.Sprintf(`
resource "terraform_data" "secret" {
  input = "${var.password}%[1]s"
}

provider "windows" {
%[2]s  password = replace(terraform_data.secret.output, %[1]q, "")
}

resource "windows_ntp_config" "test" {
  host        = %[3]q
  type        = "NTP"
  ntp_servers = [{ address = "ntp.nict.jp" }]
}
`, suffix, username, tg.host)
		}
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{Config: cfg(""), ConfigVariables: vars, Check: checkRegistry(t, tg, "Type", "NTP")},
				{
					ConfigVariables: vars,
					// The secret is replaced, so the password is unknown in this
					// plan. The resource must not be replaced, and the refresh
					// must not log on with the password missing (it would fail
					// with an authentication error, failing this step).
					Config: cfg("#2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(resName, plancheck.ResourceActionNoop),
					}},
				},
			},
		})
	})
}
