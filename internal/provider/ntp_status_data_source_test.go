package provider

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// TestAccNTPStatusDataSource reads windows_ntp_status on every profile and
// locale of the simulator, all synchronised, or in real-host mode on every
// host; either way checked against what the host gives through the
// transport (checkStatusOfHost).
func TestAccNTPStatusDataSource(t *testing.T) {
	if realHost() {
		eachHost(t, nil, nil, ntpStatusOnHost)
		return
	}
	tgs := everyProfile(t, winhost.Standalone)
	var checks []resource.TestCheckFunc
	var stateChecks []statecheck.StateCheck
	for _, tg := range tgs {
		addr := "data.windows_ntp_status." + tg.name
		checks = append(checks, resource.TestCheckResourceAttr(addr, "state", "running"), checkNoWrite(tg.target),
			checkStatusOfHost(t, tg.target, addr))
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

// ntpStatusOnHost reads windows_ntp_status on one host.
func ntpStatusOnHost(t *testing.T, opts winsim.Options) {
	tg := newTarget(t, opts)
	const addr = "data.windows_ntp_status.test"
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: statusConfig(tg),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(addr, "id", tg.host),
				checkStatusOfHost(t, tg, addr),
			),
		}},
	})
}

// checkStatusOfHost checks windows_ntp_status addr against what any host
// gives, read through the transport: the service's state; on a version
// without w32tm /query (Server 2003) the configured source and no status;
// else a status and as many peers as w32tm lists. The status itself
// (synchronised or not, its source) is the host's and may change between
// two reads; its presence and form may not.
func checkStatusOfHost(t *testing.T, tg *target, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		r, err := wintime.ParseHostRead(tg.run(t, wintime.HostReadCommand()).Stdout)
		if err != nil {
			return fmt.Errorf("reading %s through the transport: %w", tg.host, err)
		}
		checks := []resource.TestCheckFunc{resource.TestCheckResourceAttr(addr, "state", string(r.State.Service)), checkNoWrite(tg)}
		if !wintime.HasQuery(r.State.Version) {
			checks = append(checks,
				attrOrNone(addr, "source", wintime.ConfiguredSource(r.State)),
				resource.TestCheckNoResourceAttr(addr, "synchronized"),
				resource.TestCheckNoResourceAttr(addr, "stratum"),
				resource.TestCheckNoResourceAttr(addr, "last_sync_time"),
				resource.TestCheckNoResourceAttr(addr, "peers"),
			)
			return resource.ComposeAggregateTestCheckFunc(checks...)(s)
		}
		checks = append(checks,
			resource.TestCheckResourceAttrSet(addr, "synchronized"),
			resource.TestCheckResourceAttrWith(addr, "last_sync_time", func(v string) error {
				if v != "" && !rfc3339UTC.MatchString(v) {
					return fmt.Errorf("last_sync_time %q is not RFC 3339 in UTC", v)
				}
				return nil
			}),
		)
		if r.Status != nil {
			checks = append(checks,
				resource.TestCheckResourceAttrSet(addr, "stratum"),
				resource.TestCheckResourceAttrSet(addr, "leap_indicator"),
			)
		}
		if r.Peers != nil {
			checks = append(checks, resource.TestCheckResourceAttr(addr, "peers.#", strconv.Itoa(len(r.Peers))))
		}
		return resource.ComposeAggregateTestCheckFunc(checks...)(s)
	}
}

// statusConfig is a windows_ntp_status data source "test" of tg.
func statusConfig(tg *target) string {
	return tg.provider + fmt.Sprintf("\ndata \"windows_ntp_status\" \"test\" {\n  host = %q\n}\n", tg.host)
}

// TestAccNTPStatusDataSource_stopped reads a host whose service is stopped
// (stopped through the transport): a state, not an error.
func TestAccNTPStatusDataSource_stopped(t *testing.T) {
	run := func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		tg.setServiceRunning(t, false)
		addr := "data.windows_ntp_status.test"
		check := resource.TestCheckResourceAttr(addr, "synchronized", "false")
		if tg.profile == winhost.P2003 {
			check = resource.TestCheckNoResourceAttr(addr, "synchronized")
		}
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{{
				Config: statusConfig(tg),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(addr, "state", "stopped"),
					check,
					resource.TestCheckNoResourceAttr(addr, "stratum"),
					resource.TestCheckNoResourceAttr(addr, "peers"),
				),
			}},
		})
	}
	if realHost() {
		eachHost(t, nil, nil, run)
		return
	}
	for _, p := range []winhost.Profile{winhost.P2003, winhost.P2022} {
		t.Run(string(p), func(t *testing.T) { run(t, winsim.Options{Profile: p, Locale: winhost.JaJP}) })
	}
}

// rfc3339UTC matches a time in RFC 3339 and UTC.
var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
