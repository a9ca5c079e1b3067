package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestAccHostRead_mixedPlanOneCommand plans a configuration of every resource
// and data source on each of three hosts, and of one windows_ntp_config alone
// on a fourth: each host runs as many commands as the fourth, which is one
// per CLI run that reads the hosts (a refresh step runs a refresh and a plan),
// counted by the simulator. Data sources read during the apply, after the
// writes they depend on, see them.
func TestAccHostRead_mixedPlanOneCommand(t *testing.T) {
	needSim(t, "counts the commands each of four simulated hosts runs")
	hosts := startFleet(t, 4)
	control := &target{sim: hosts[3], host: hosts[3].Addr()}
	tgs := make([]*target, 3)
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"windows_ntp_config\" \"control\" {\n  host = %q\n  type = \"NT5DS\"\n}\n", control.host)
	for i, h := range hosts[:3] {
		tgs[i] = &target{sim: h, host: h.Addr()}
		b.WriteString(mixedConfig(fmt.Sprintf("h%d", i), h.Addr()))
	}
	config := fmt.Sprintf("provider \"windows\" {\n  username = %q\n  password = %q\n}\n", simUser, simPassword) + b.String()
	forget := func() {
		control.clearHistory()
		for _, tg := range tgs {
			tg.clearHistory()
		}
	}
	onePerHost := func() {
		plans := len(control.history())
		if plans == 0 {
			t.Fatal("the host of windows_ntp_config alone ran no command during the refresh step")
		}
		for i, tg := range tgs {
			if got := tg.history(); len(got) != plans {
				t.Errorf("host %d ran %d commands during the refresh step, want %d (one per CLI run, as one resource alone):\n%s",
					i, len(got), plans, strings.Join(got, "\n"))
			}
		}
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: resource.ComposeAggregateTestCheckFunc(
					// Read during the apply, after the write it depends on.
					resource.TestCheckResourceAttr("data.windows_ntp_status.h0", "source", "ntp.nict.jp,0x9"),
					resource.TestCheckResourceAttr("data.windows_host.h1", "time_zone", "Tokyo Standard Time"),
				),
			},
			{PreConfig: forget, RefreshState: true},
			{PreConfig: onePerHost, Config: config, PlanOnly: true},
		},
	})
}

// TestAccHostRead_dataSourcesAfterWrites: data sources that depend on a
// resource are read during the apply, after its write, and see it: the
// time zone on every version, and the configured source where w32tm has no
// status to give (Server 2003). The host first gets another zone and peer
// through the transport, so that a read before the write would see those.
// On a simulated host and, in real-host mode, on every host.
func TestAccHostRead_dataSourcesAfterWrites(t *testing.T) {
	onEachHost(t, winsim.Options{}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		v := versionOf(t, tg)
		setZone(t, tg, v, "Pacific Standard Time")
		tg.setString(t, wintime.ParametersKey, "Type", "NTP")
		tg.setString(t, wintime.ParametersKey, "NtpServer", "time.windows.com,0x9")
		config := tg.provider + mixedConfig("test", tg.host)
		checks := []resource.TestCheckFunc{
			resource.TestCheckResourceAttr("data.windows_host.test", "time_zone", "Tokyo Standard Time"),
			checkZone(t, tg, v, "Tokyo Standard Time"),
			checkRegistry(t, tg, "NtpServer", "ntp.nict.jp,0x9"),
		}
		if !wintime.HasQuery(v) {
			checks = append(checks, resource.TestCheckResourceAttr("data.windows_ntp_status.test", "source", "ntp.nict.jp,0x9"))
		}
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps:                    []resource.TestStep{{Config: config, Check: resource.ComposeAggregateTestCheckFunc(checks...)}},
		})
	})
}

// mixedConfig is every resource and data source of the provider on host,
// each named name: the resources write a peer and a zone, and the data
// sources depend on them, so that they read during the apply, after the
// writes.
func mixedConfig(name, host string) string {
	return fmt.Sprintf(`
resource "windows_ntp_config" %[1]q {
  host        = %[2]q
  type        = "NTP"
  ntp_servers = [{ address = "ntp.nict.jp" }]
}
resource "windows_time_zone" %[1]q {
  host      = %[2]q
  time_zone = "Asia/Tokyo"
}
data "windows_host" %[1]q {
  host       = %[2]q
  depends_on = [windows_time_zone.%[1]s]
}
data "windows_ntp_status" %[1]q {
  host       = %[2]q
  depends_on = [windows_ntp_config.%[1]s]
}
`, name, host)
}
