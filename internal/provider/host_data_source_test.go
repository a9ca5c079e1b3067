package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// profileTarget is one simulated host of a profile and locale, with the name
// of its data source in a configuration of them all.
type profileTarget struct {
	*target
	profile winhost.Profile
	locale  winhost.Locale
	name    string
}

// everyProfile starts one simulated host per profile and locale.
func everyProfile(t *testing.T, role winhost.Role) []profileTarget {
	t.Helper()
	needSim(t, "starts a simulated host of every profile and locale, for one configuration of them all")
	var out []profileTarget
	for _, p := range winhost.Profiles() {
		for _, loc := range []winhost.Locale{winhost.EnUS, winhost.JaJP} {
			tg := newTarget(t, winsim.Options{Profile: p, Locale: loc, Role: role})
			name := "h" + string(p) + "_" + strings.ReplaceAll(string(loc), "-", "_")
			out = append(out, profileTarget{tg, p, loc, name})
		}
	}
	return out
}

// dataSources is a configuration with one data source of typ per target.
func dataSources(typ string, tgs []profileTarget) string {
	var b strings.Builder
	b.WriteString(tgs[0].provider)
	for _, tg := range tgs {
		fmt.Fprintf(&b, "data %q %q {\n  host = %q\n}\n", typ, tg.name, tg.host)
	}
	return b.String()
}

// TestAccHostDataSource reads windows_host on every profile and locale of
// the simulator (in real-host mode, on every host), and compares it with the
// facts, W32Time state and time zone read through the transport.
func TestAccHostDataSource(t *testing.T) {
	if realHost() {
		eachHost(t, nil, nil, func(t *testing.T, opts winsim.Options) {
			tg := newTarget(t, opts)
			const addr = "data.windows_host.test"
			accTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps: []resource.TestStep{{
					Config: tg.provider + fmt.Sprintf("\ndata \"windows_host\" \"test\" {\n  host = %q\n}\n", tg.host),
					Check:  checkHostFacts(t, tg, addr),
				}},
			})
		})
		return
	}
	tgs := everyProfile(t, winhost.Member)
	var checks []resource.TestCheckFunc
	for _, tg := range tgs {
		addr := "data.windows_host." + tg.name
		v, _ := wintime.ParseVer(string(tg.sim.Machine().Exec(t.Context(), "ver", 65001).Stdout))
		checks = append(checks,
			resource.TestCheckResourceAttr(addr, "os_version", v.String()),
			resource.TestCheckResourceAttrSet(addr, "build"),
			resource.TestCheckResourceAttrSet(addr, "product_name"),
			resource.TestCheckResourceAttr(addr, "hostname", tg.sim.Machine().Config().Hostname),
			resource.TestCheckResourceAttr(addr, "w32time_state", "running"),
			resource.TestCheckResourceAttr(addr, "w32time_startup", "automatic"),
			resource.TestCheckResourceAttrSet(addr, "domain_role"),
			checkHostFacts(t, tg.target, addr),
			checkNoWrite(tg.target),
		)
		if tg.profile != winhost.P2003 {
			checks = append(checks, resource.TestCheckResourceAttrSet(addr, "time_zone"))
		}
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: dataSources("windows_host", tgs),
			Check:  resource.ComposeAggregateTestCheckFunc(checks...),
		}},
	})
}

// checkHostFacts expects windows_host addr to show what the host's facts,
// W32Time state and time zone, read through the transport, say.
func checkHostFacts(t *testing.T, tg *target, addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		st, f := hostState(t, tg), hostFacts(t, tg)
		z := hostZone(t, tg, st.Version)
		codePage := ""
		if f.OEMCodePage != 0 {
			codePage = strconv.Itoa(f.OEMCodePage)
		}
		return resource.ComposeAggregateTestCheckFunc(
			resource.TestCheckResourceAttr(addr, "os_version", st.Version.String()),
			resource.TestCheckResourceAttr(addr, "build", strconv.Itoa(f.Build)),
			attrOrNone(addr, "product_name", f.ProductName),
			attrOrNone(addr, "domain_role", string(f.DomainRole)),
			attrOrNone(addr, "domain", f.Domain),
			attrOrNone(addr, "hostname", f.Hostname),
			attrOrNone(addr, "locale", f.Locale),
			attrOrNone(addr, "oem_code_page", codePage),
			resource.TestCheckResourceAttr(addr, "w32time_state", string(st.Service)),
			attrOrNone(addr, "w32time_startup", string(st.Local.Startup)),
			attrOrNone(addr, "time_zone", z.TzutilID()),
		)(s)
	}
}
