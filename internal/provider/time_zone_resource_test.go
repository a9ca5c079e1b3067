package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// checkZone asserts the zone id the simulated host's registry holds.
func checkZone(tg *target, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if tg.sim == nil {
			return nil
		}
		v, ok := tg.sim.Machine().GetValue(wintime.TimeZoneKey, "TimeZoneKeyName")
		if !ok || v.Str != want {
			return fmt.Errorf("TimeZoneKeyName = %q (present: %v), want %q", v.Str, ok, want)
		}
		return nil
	}
}

func timeZoneConfig(tg *target, zone string) string {
	return tg.provider + fmt.Sprintf("\nresource \"windows_time_zone\" \"test\" {\n  host      = %q\n  time_zone = %q\n}\n", tg.host, zone)
}

func TestAccTimeZone(t *testing.T) {
	tg := newTarget(t, winsim.Options{Profile: winhost.P2022, Locale: winhost.JaJP})
	const addr = "windows_time_zone.test"
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config:      timeZoneConfig(tg, "Mars/Olympus_Mons"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Unknown time zone.*Mars/Olympus_Mons`),
			},
			{
				Config: timeZoneConfig(tg, "Tokyo Standard Time"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "windows_id", "Tokyo Standard Time"),
					checkZone(tg, "Tokyo Standard Time"),
				),
			},
			{
				Config: timeZoneConfig(tg, "Europe/Berlin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "time_zone", "Europe/Berlin"),
					resource.TestCheckResourceAttr(addr, "windows_id", "W. Europe Standard Time"),
					checkZone(tg, "W. Europe Standard Time"),
				),
			},
			{
				// Drift: the zone changed behind Terraform's back.
				PreConfig: func() { tg.run(t, `tzutil /s "UTC"`) },
				Config:    timeZoneConfig(tg, "Europe/Berlin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: checkZone(tg, "W. Europe Standard Time"),
			},
			{
				ResourceName:      addr,
				ImportState:       true,
				ImportStateId:     tg.host,
				ImportStateVerify: true,
				// The state keeps the IANA name; an import finds the id.
				ImportStateVerifyIgnore: []string{"time_zone"},
			},
			{
				// Destroy leaves the zone as it is.
				Config:  tg.provider,
				Destroy: false,
				Check:   checkZone(tg, "W. Europe Standard Time"),
			},
		},
	})
}

// TestAccTimeZone_missingOnHost: a zone CLDR knows but the host does not
// fails the apply with the host's own message.
func TestAccTimeZone_missingOnHost(t *testing.T) {
	tg := newTarget(t, winsim.Options{Profile: winhost.P2022})
	needSim(t, "not converted yet")
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config:      timeZoneConfig(tg, "Antarctica/Casey"),
			ExpectError: regexp.MustCompile(`(?s)Cannot set the time zone.*exit code`),
		}},
	})
}

// TestAccTimeZone_2003 sets the zone of hosts without tzutil, and reads it
// back through the zones' standard names.
func TestAccTimeZone_2003(t *testing.T) {
	needSim(t, "not converted yet")
	for _, p := range []winhost.Profile{winhost.P2003, winhost.P2008} {
		t.Run(string(p), func(t *testing.T) {
			tg := newTarget(t, winsim.Options{Profile: p, Locale: winhost.JaJP})
			accTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps: []resource.TestStep{
					{
						// The host starts in Tokyo (ja-JP): a change is made.
						Config: timeZoneConfig(tg, "Europe/Berlin"),
						Check: resource.ComposeAggregateTestCheckFunc(
							resource.TestCheckResourceAttr("windows_time_zone.test", "windows_id", "W. Europe Standard Time"),
							checkRan(tg, "RUNDLL32.EXE shell32.dll,Control_RunDLL timedate.cpl,,/Z"),
						),
					},
					{
						Config:      timeZoneConfig(tg, "Pacific Standard Time_dstoff"),
						ExpectError: regexp.MustCompile(`(?s)no tzutil.*daylight\s+saving`),
					},
				},
			})
		})
	}
}
