package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
)

func TestAccNTPStatusDataSource(t *testing.T) {
	tgs := everyProfile(t, winhost.Standalone)
	var checks []resource.TestCheckFunc
	var stateChecks []statecheck.StateCheck
	for _, tg := range tgs {
		addr := "data.windows_ntp_status." + tg.name
		checks = append(checks, resource.TestCheckResourceAttr(addr, "state", "running"), checkNoWrite(tg.target))
		if tg.profile == winhost.P2003 {
			// No /query: the configured source and the service only.
			checks = append(checks,
				resource.TestCheckResourceAttr(addr, "source", "time.windows.com,0x1"),
				resource.TestCheckNoResourceAttr(addr, "synchronized"),
				resource.TestCheckNoResourceAttr(addr, "stratum"),
				resource.TestCheckNoResourceAttr(addr, "last_sync_time"),
				resource.TestCheckNoResourceAttr(addr, "peers"),
			)
			continue
		}
		checks = append(checks,
			resource.TestCheckResourceAttr(addr, "synchronized", "true"),
			resource.TestCheckResourceAttr(addr, "leap_indicator", "no_warning"),
			resource.TestCheckResourceAttrSet(addr, "source"),
			resource.TestCheckResourceAttrSet(addr, "stratum"),
			resource.TestCheckResourceAttrSet(addr, "poll_interval"),
			resource.TestMatchResourceAttr(addr, "last_sync_time", rfc3339UTC),
		)
		stateChecks = append(stateChecks, statecheck.ExpectKnownValue(addr, tfjsonpath.New("peers"),
			knownvalue.ListSizeExact(1)))
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config:            dataSources("windows_ntp_status", tgs),
			Check:             resource.ComposeAggregateTestCheckFunc(checks...),
			ConfigStateChecks: stateChecks,
		}},
	})
}

// TestAccNTPStatusDataSource_stopped reads a host whose service is stopped:
// a state, not an error.
func TestAccNTPStatusDataSource_stopped(t *testing.T) {
	needSim(t, "not converted yet")
	for _, p := range []winhost.Profile{winhost.P2003, winhost.P2022} {
		t.Run(string(p), func(t *testing.T) {
			tg := newTarget(t, winsim.Options{Profile: p, Locale: winhost.JaJP})
			tg.sim.Machine().SetServiceRunning(false)
			addr := "data.windows_ntp_status.test"
			check := resource.TestCheckResourceAttr(addr, "synchronized", "false")
			if p == winhost.P2003 {
				check = resource.TestCheckNoResourceAttr(addr, "synchronized")
			}
			accTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps: []resource.TestStep{{
					Config: tg.provider + fmt.Sprintf("data \"windows_ntp_status\" \"test\" {\n  host = %q\n}\n", tg.host),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(addr, "state", "stopped"),
						check,
						resource.TestCheckNoResourceAttr(addr, "stratum"),
						resource.TestCheckNoResourceAttr(addr, "peers"),
					),
				}},
			})
		})
	}
}

// rfc3339UTC matches a time in RFC 3339 and UTC.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
