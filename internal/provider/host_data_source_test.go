package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

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
	needSim(t, "not converted yet")
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

func TestAccHostDataSource(t *testing.T) {
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
