package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestAccPerHostCredentials manages two workgroup hosts whose Administrator
// passwords differ (LAPS) in one configuration, each with its own password,
// while the provider's password is right for neither: both converge, the
// state holds each password, an empty password of a resource is refused at
// plan time on that resource's password, before any logon, and an import
// reads the host with the provider's credentials.
func TestAccPerHostCredentials(t *testing.T) {
	needSim(t, "two hosts whose Administrator passwords differ (the simulator's accounts), and counts failed logons and commands per host")
	passwords := []string{"Laps-One-1!", "Laps-Two-2!"}
	tgs := make([]*target, 2)
	for i, pw := range passwords {
		tgs[i] = newTarget(t, winsim.Options{Profile: winhost.P2022, Role: winhost.Standalone, Username: simUser, Password: pw})
	}
	provider := fmt.Sprintf("provider \"windows\" {\n  username = %q\n  password = \"not-the-password\"\n}\n", simUser)
	config := func(pw0, user0 string) string {
		return provider + fmt.Sprintf(`
resource "windows_ntp_config" "h0" {
  host        = %[1]q
  username    = %[6]s
  password    = %[2]q
  type        = "NTP"
  ntp_servers = [{ address = "ntp.nict.jp" }]
}
resource "windows_time_zone" "h1" {
  host      = %[3]q
  username  = %[4]q
  password  = %[5]q
  time_zone = "Asia/Tokyo"
}
data "windows_host" "h1" {
  host       = %[3]q
  username   = %[4]q
  password   = %[5]q
  depends_on = [windows_time_zone.h1]
}
`, tgs[0].host, pw0, tgs[1].host, simUser, passwords[1], user0)
	}
	noFailedLogon := func(*terraform.State) error {
		for i, tg := range tgs {
			if st := tg.sim.Stats(); st.NTLMLogonsFailed != 0 {
				return fmt.Errorf("host %d counted %d failed logons, want none", i, st.NTLMLogonsFailed)
			}
		}
		return nil
	}
	var sent [2]int
	onlyReads := func(*terraform.State) error {
		for i, tg := range tgs {
			for _, c := range tg.sim.Commands()[sent[i]:] {
				if c != wintime.HostReadCommand() {
					return fmt.Errorf("host %d ran %q for a change of credentials alone", i, c)
				}
			}
		}
		return nil
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: config(passwords[0], "null"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRegistry(t, tgs[0], "Type", "NTP"),
					resource.TestCheckResourceAttr("windows_ntp_config.h0", "password", passwords[0]),
					resource.TestCheckNoResourceAttr("windows_ntp_config.h0", "username"),
					resource.TestCheckResourceAttr("windows_time_zone.h1", "password", passwords[1]),
					resource.TestCheckResourceAttr("data.windows_host.h1", "time_zone", "Tokyo Standard Time"),
					noFailedLogon,
				),
			},
			{
				Config:      config("", "null"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)password of this windows_ntp_config resource is empty`),
			},
			{Config: config(passwords[0], "null"), Check: noFailedLogon},
			{
				// Credentials alone change: the state takes them, and the
				// hosts run nothing but the reads of the refresh.
				PreConfig: func() { sent = [2]int{len(tgs[0].sim.Commands()), len(tgs[1].sim.Commands())} },
				Config:    config(passwords[0], fmt.Sprintf("%q", simUser)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("windows_ntp_config.h0", "username", simUser),
					onlyReads,
				),
			},
			{
				// An import carries no credentials: it reads the host with
				// the provider's, which are wrong here.
				ResourceName:  "windows_time_zone.h1",
				ImportState:   true,
				ImportStateId: tgs[1].host,
				ExpectError:   regexp.MustCompile(`authentication failed`),
			},
		},
	})
}
