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

// checkZone asserts the host's zone id, read through the transport (on
// Server 2003, found from its standard name).
func checkZone(t *testing.T, tg *target, v wintime.Version, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if got := hostZone(t, tg, v).ID; got != want {
			return fmt.Errorf("the time zone of %s is %q, want %q", tg.host, got, want)
		}
		return nil
	}
}

// setZone sets the host's zone behind Terraform's back, through the
// transport, as the provider would on its version.
func setZone(t *testing.T, tg *target, v wintime.Version, id string) {
	t.Helper()
	line, err := wintime.TimeZoneSetCommand(v, id)
	if err != nil {
		t.Fatal(err)
	}
	tg.mustRun(t, line)
	if got := hostZone(t, tg, v).ID; got != id {
		t.Fatalf("set the time zone of %s to %q, and it reads %q", tg.host, id, got)
	}
}

func timeZoneConfig(tg *target, zone string) string {
	return tg.provider + fmt.Sprintf("\nresource \"windows_time_zone\" \"test\" {\n  host      = %q\n  time_zone = %q\n}\n", tg.host, zone)
}

// TestAccTimeZone refuses an unknown name at plan time, sets a zone by its
// Windows id and by its IANA name, converges after drift made through the
// transport, imports, and leaves the zone on destroy; on a Japanese Server
// 2022, or in real-host mode on every host.
func TestAccTimeZone(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: winhost.P2022, Locale: winhost.JaJP}, timeZoneOnHost)
}

func timeZoneOnHost(t *testing.T, opts winsim.Options) {
	tg := newTarget(t, opts)
	v := versionOf(t, tg)
	const addr = "windows_time_zone.test"
	drift := "UTC"
	if v.Less(wintime.Version{Major: 6, Minor: 1}) {
		drift = "Pacific Standard Time" // no "UTC" zone before Server 2008 R2
	}
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
					checkZone(t, tg, v, "Tokyo Standard Time"),
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
					checkZone(t, tg, v, "W. Europe Standard Time"),
				),
			},
			{
				// Drift: the zone changed behind Terraform's back.
				PreConfig: func() { setZone(t, tg, v, drift) },
				Config:    timeZoneConfig(tg, "Europe/Berlin"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				Check: checkZone(t, tg, v, "W. Europe Standard Time"),
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
				Check:   checkZone(t, tg, v, "W. Europe Standard Time"),
			},
		},
	})
}

// TestAccTimeZone_missingOnHost: a zone CLDR knows but the host does not
// fails the apply with the host's own message.
func TestAccTimeZone_missingOnHost(t *testing.T) {
	needSim(t, "needs a zone the host lacks: the simulator leaves out Central Pacific Standard Time (Antarctica/Casey), which real hosts have")
	tg := newTarget(t, winsim.Options{Profile: winhost.P2022})
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config:      timeZoneConfig(tg, "Antarctica/Casey"),
			ExpectError: regexp.MustCompile(`(?s)Cannot set the time zone.*exit code`),
		}},
	})
}

// TestAccTimeZone_2003 sets the zone of hosts without tzutil, and reads it
// back through the zones' standard names; daylight saving cannot be turned
// off there. In real-host mode, on a host of each of those versions the lab
// has, of any locale.
func TestAccTimeZone_2003(t *testing.T) {
	for _, p := range []winhost.Profile{winhost.P2003, winhost.P2008} {
		t.Run(string(p), func(t *testing.T) {
			opts := winsim.Options{Profile: p, Locale: winhost.JaJP}
			if realHost() {
				opts.Locale = ""
			}
			tg := newTarget(t, opts)
			v := versionOf(t, tg)
			if tg.sim == nil {
				setZone(t, tg, v, "Tokyo Standard Time") // as the simulator's Japanese host starts
			}
			accTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps: []resource.TestStep{
					{
						// The host starts in Tokyo (ja-JP): a change is made.
						Config: timeZoneConfig(tg, "Europe/Berlin"),
						Check: resource.ComposeAggregateTestCheckFunc(
							resource.TestCheckResourceAttr("windows_time_zone.test", "windows_id", "W. Europe Standard Time"),
							checkZone(t, tg, v, "W. Europe Standard Time"),
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
