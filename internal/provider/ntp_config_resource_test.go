package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

const resName = "windows_ntp_config.test"

// ntpConfig renders a windows_ntp_config resource for tg.
func ntpConfig(tg *target, typ, servers, extra string) string {
	return tg.provider + fmt.Sprintf(`
resource "windows_ntp_config" "test" {
  host = %q
  type = %q
%s
%s
}
`, tg.host, typ, servers, extra)
}

const (
	twoPeers = `  ntp_servers = [
    { address = "ntp.nict.jp" },
    { address = "time.windows.com", flags = ["UseAsFallbackOnly", "Client"] },
  ]`
	everyFlag = `  ntp_servers = [
    { address = "10.0.0.1", flags = ["SpecialInterval"] },
    { address = "2001:db8::123", flags = ["UseAsFallbackOnly"] },
    { address = "peer.example.com", flags = ["SymmetricActive"] },
    { address = "NTP.Example.org", flags = ["Client", "SpecialInterval", "UseAsFallbackOnly", "SymmetricActive"] },
  ]`
)

// twoPeersState and everyFlagState are twoPeers and everyFlag as the state
// holds them, flags defaulted.
var (
	twoPeersState  = []knownvalue.Check{peer("ntp.nict.jp", "SpecialInterval", "Client"), peer("time.windows.com", "UseAsFallbackOnly", "Client")}
	everyFlagState = []knownvalue.Check{
		peer("10.0.0.1", "SpecialInterval"),
		peer("2001:db8::123", "UseAsFallbackOnly"),
		peer("peer.example.com", "SymmetricActive"),
		peer("NTP.Example.org", "SpecialInterval", "UseAsFallbackOnly", "SymmetricActive", "Client"),
	}
)

// peer is one element of ntp_servers in the state.
func peer(address string, flags ...string) knownvalue.Check {
	fs := make([]knownvalue.Check, len(flags))
	for i, f := range flags {
		fs[i] = knownvalue.StringExact(f)
	}
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"address": knownvalue.StringExact(address),
		"flags":   knownvalue.SetExact(fs),
	})
}

// expectPeers expects the ntp_servers of the resource or data source at
// address to be peers, in order.
func expectPeers(address string, peers ...knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(address, tfjsonpath.New("ntp_servers"), knownvalue.ListExact(peers))
}

// regAddParameter is the command line that writes a REG_SZ value under the
// W32Time Parameters key, as another tool would behind Terraform's back.
func regAddParameter(name, data string) string {
	return `reg add "` + wintime.ParametersKey + `" /v ` + name + ` /t REG_SZ /d "` + data + `" /f`
}

// startFleet starts n simulated Server 2022 hosts with the test account.
func startFleet(t *testing.T, n int) []*winsim.Host {
	t.Helper()
	hosts, err := winsim.StartN(n, 0, winsim.Options{Profile: "2022", Username: simUser, Password: simPassword})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hosts {
		t.Cleanup(func() { _ = h.Close() })
	}
	return hosts
}

// fleetConfig is a provider block with the test account (and providerHost as
// the provider's host, unless empty) and windows_ntp_config.fleet, one
// instance per element of hosts (by count: terraform-plugin-testing cannot
// read the state of for_each instances, its state shim refuses string keys;
// examples/fleet shows the for_each form, validated by the CLI), each with
// body (its type and ntp_servers).
func fleetConfig(providerHost string, hosts []*winsim.Host, body string) string {
	hostLine := ""
	if providerHost != "" {
		hostLine = fmt.Sprintf("  host     = %q\n", providerHost)
	}
	addrs := make([]string, len(hosts))
	for i, h := range hosts {
		addrs[i] = fmt.Sprintf("%q", h.Addr())
	}
	return fmt.Sprintf(`
provider "windows" {
%s  username = %q
  password = %q
}

locals {
  hosts = [%s]
}

resource "windows_ntp_config" "fleet" {
  count = length(local.hosts)
  host  = local.hosts[count.index]
%s
}
`, hostLine, simUser, simPassword, strings.Join(addrs, ", "), body)
}

// checkRan asserts that the simulated host ran a command line containing
// each of want (skipped on a real host).
func checkRan(tg *target, want ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if tg.sim == nil {
			return nil
		}
		for _, w := range want {
			if !tg.ranContaining(w) {
				return fmt.Errorf("the host never ran a command containing %q; it ran:\n%s", w, strings.Join(tg.history(), "\n"))
			}
		}
		return nil
	}
}

// checkNotRan asserts that no command line contained s.
func checkNotRan(tg *target, s string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if tg.ranContaining(s) {
			return fmt.Errorf("the host ran a command containing %q; it ran:\n%s", s, strings.Join(tg.history(), "\n"))
		}
		return nil
	}
}

// checkRegistry asserts a W32Time Parameters value on the host.
func checkRegistry(t *testing.T, tg *target, name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		v, ok := tg.query(t, wintime.ParametersKey, name)
		if !ok || v.Data != want {
			return fmt.Errorf("registry value %s = %q (present: %v), want %q", name, v.Data, ok, want)
		}
		return nil
	}
}

// allRoles are the domain roles the simulator plays.
var allRoles = []winhost.Role{winhost.Standalone, winhost.Member, winhost.DomainController}

// TestAccNTPConfig_matrix drives every type and every flag on every Windows
// profile and every domain role (in real-host mode, on every real host):
// create, update through all four types, import, drift, reset on destroy,
// and an empty plan after each apply (the framework checks that).
func TestAccNTPConfig_matrix(t *testing.T) {
	eachHost(t, winhost.Profiles(), allRoles, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		legacy := tg.profile == winhost.P2003
		allSync, noSync, noSyncThen := "/syncfromflags:ALL ", "/syncfromflags:NO ", "/syncfromflags:NO /update && ("
		if legacy {
			allSync, noSync = "/syncfromflags:DOMHIER,MANUAL ", `/v Type /t REG_SZ /d NoSync /f`
			// The registry write must be followed by w32tm telling the service.
			noSyncThen = `/v Type /t REG_SZ /d NoSync /f && w32tm /config /update && (`
		}
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					Config: ntpConfig(tg, "AllSync", twoPeers, "  reliable = true"),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "AllSync"),
						resource.TestCheckResourceAttr(resName, "reliable", "true"),
						checkRan(tg, "/reliable:YES /update"),
						resource.TestCheckResourceAttr(resName, "id", tg.host),
						resource.TestCheckResourceAttr(resName, "on_destroy", "keep"),
						resource.TestCheckResourceAttrSet(resName, "os_version"),
						checkRan(tg, allSync+`/manualpeerlist:"ntp.nict.jp,0x9 time.windows.com,0xa" /reliable:YES /update`),
						checkRegistry(t, tg, "Type", "AllSync"),
						checkRegistry(t, tg, "NtpServer", "ntp.nict.jp,0x9 time.windows.com,0xa"),
						checkAnnounceFlags(t, tg, wintime.AnnounceReliable),
					),
					ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, twoPeersState...)},
				},
				{
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "NTP", everyFlag, "  reliable = false"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(resName, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "NTP"),
						resource.TestCheckResourceAttr(resName, "reliable", "false"),
						checkRan(tg, `/syncfromflags:MANUAL /manualpeerlist:"10.0.0.1,0x1 2001:db8::123,0x2 peer.example.com,0x4 NTP.Example.org,0xf" /reliable:NO /update`),
						checkRegistry(t, tg, "Type", "NTP"),
						checkRegistry(t, tg, "NtpServer", "10.0.0.1,0x1 2001:db8::123,0x2 peer.example.com,0x4 NTP.Example.org,0xf"),
						checkAnnounceFlags(t, tg, wintime.AnnounceNotReliable),
					),
					ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, everyFlagState...)},
				},
				{
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "NT5DS", "", ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "NT5DS"),
						checkRan(tg, "/syncfromflags:DOMHIER /update"),
						checkRegistry(t, tg, "Type", "NT5DS"),
					),
					// unmanaged peers stay as the host holds them
					ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, everyFlagState...)},
				},
				{
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "NoSync", "", ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "NoSync"),
						checkRan(tg, noSync),
						checkRan(tg, noSyncThen),
						checkRegistry(t, tg, "Type", "NoSync"),
					),
				},
				{
					ResourceName:      resName,
					ImportState:       true,
					ImportStateId:     tg.host,
					ImportStateVerify: true,
				},
				{
					// The same through an import {} block.
					Config:          ntpConfig(tg, "NoSync", "", ""),
					ResourceName:    resName,
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   tg.host,
				},
				{
					// From NoSync back to NTP (on 2003 NoSync went
					// through the registry).
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "NTP", twoPeers, ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "NTP"),
						checkRan(tg, `/syncfromflags:MANUAL /manualpeerlist:"ntp.nict.jp,0x9 time.windows.com,0xa" /update`),
						checkRegistry(t, tg, "Type", "NTP"),
					),
				},
				{
					// Drift behind Terraform's back is caught by plan.
					PreConfig: func() {
						tg.run(t, regAddParameter("Type", "NoSync"))
					},
					Config:             ntpConfig(tg, "NTP", twoPeers, ""),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				},
				{
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "AllSync", twoPeers, `  on_destroy = "reset"`),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "AllSync"),
						checkRan(tg, allSync),
						checkRegistry(t, tg, "Type", "AllSync"),
					),
				},
			},
			CheckDestroy: checkReset(t, tg),
		})
		if legacy {
			if err := checkNotRan(tg, "/syncfromflags:ALL")(nil); err != nil {
				t.Error(err)
			}
		}
	})
}

// TestAccNTPConfig_drift changes the host behind Terraform's back and expects
// the plan to show it and the next apply to converge.
func TestAccNTPConfig_drift(t *testing.T) {
	eachHost(t, []winhost.Profile{winhost.P2003, winhost.P2022}, nil, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		cfg := ntpConfig(tg, "NTP", twoPeers, "")
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{Config: cfg},
				{
					PreConfig: func() {
						tg.run(t, regAddParameter("Type", "NT5DS"))
					},
					Config:             cfg,
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				},
				{
					PreConfig: func() {
						tg.run(t, regAddParameter("NtpServer", "ntp.nict.jp,0x9 evil.example.com,0x9"))
					},
					Config: cfg,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(resName, plancheck.ResourceActionUpdate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "type", "NTP"),
						checkRegistry(t, tg, "NtpServer", "ntp.nict.jp,0x9 time.windows.com,0xa"),
					),
					ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, twoPeersState...)},
				},
				{
					// Same meaning, other spelling: 0x09 and upper-case
					// host names are no drift.
					PreConfig: func() {
						tg.run(t, regAddParameter("NtpServer", "NTP.NICT.JP,0x09 time.windows.com,0xA"))
					},
					Config:   cfg,
					PlanOnly: true,
				},
			},
		})
	})
}

// checkReset expects the Windows defaults of role after a destroy with
// on_destroy = "reset": a standalone server on NTP, a domain member or
// controller on NT5DS, the service running.
func checkReset(t *testing.T, tg *target) resource.TestCheckFunc {
	want := "NT5DS"
	if tg.role == winhost.Standalone {
		want = "NTP"
	}
	return resource.ComposeAggregateTestCheckFunc(
		checkRan(tg, "w32tm /unregister", "w32tm /register"),
		checkRegistry(t, tg, "Type", want),
		func(*terraform.State) error {
			if s := tg.serviceState(t); s != wintime.ServiceRunning {
				return fmt.Errorf("service is %s after reset, want running", s)
			}
			return nil
		},
	)
}

// TestAccNTPConfig_keepOnDestroy destroys with the default on every profile
// and role (every real host) and expects the host untouched.
func TestAccNTPConfig_keepOnDestroy(t *testing.T) {
	eachHost(t, winhost.Profiles(), allRoles, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps:                    []resource.TestStep{{Config: ntpConfig(tg, "NoSync", "", "")}},
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(
				checkRegistry(t, tg, "Type", "NoSync"),
				checkNotRan(tg, "/unregister"),
			),
		})
	})
}

// TestAccNTPConfig_japanese2003 runs against a Japanese Server 2003, whose
// w32tm answers in code page 932 whatever the shell asked for (in real-host
// mode, against a Japanese host of any version).
func TestAccNTPConfig_japanese2003(t *testing.T) {
	opts := winsim.Options{Profile: winhost.P2003, Locale: winhost.JaJP}
	if realHost() {
		opts.Profile = ""
	}
	tg := newTarget(t, opts)
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps:                    japaneseSteps(t, tg),
	})
}

// japaneseSteps apply and change a configuration on a Japanese host, and
// import it.
func japaneseSteps(t *testing.T, tg *target) []resource.TestStep {
	version := resource.TestCheckResourceAttrSet(resName, "os_version")
	if tg.profile == winhost.P2003 {
		version = resource.TestCheckResourceAttr(resName, "os_version", "5.2.3790")
	}
	return []resource.TestStep{
		{
			Config: ntpConfig(tg, "AllSync", twoPeers, ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				version,
				checkRan(tg, "/syncfromflags:DOMHIER,MANUAL"),
				checkRegistry(t, tg, "Type", "AllSync"),
				checkRegistry(t, tg, "NtpServer", "ntp.nict.jp,0x9 time.windows.com,0xa"),
			),
		},
		{
			Config: ntpConfig(tg, "NTP", twoPeers, ""),
			Check:  checkRegistry(t, tg, "Type", "NTP"),
		},
		{
			ResourceName:      resName,
			ImportState:       true,
			ImportStateId:     tg.host,
			ImportStateVerify: true,
		},
	}
}

// TestAccNTPConfig_japanese2003Refused: on a Japanese Server 2003, a change
// the host refuses reports the host's own message, decoded from code page
// 932.
func TestAccNTPConfig_japanese2003Refused(t *testing.T) {
	needSim(t, "takes the account's elevation away (SetElevated) for the host to refuse a change")
	tg := newTarget(t, winsim.Options{Profile: winhost.P2003, Locale: winhost.JaJP})
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: ntpConfig(tg, "AllSync", twoPeers, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(resName, "os_version", "5.2.3790"),
					checkRan(tg, "/syncfromflags:DOMHIER,MANUAL"),
					checkRegistry(t, tg, "Type", "AllSync"),
				),
			},
			{
				// A refused change reports the host's own message, decoded.
				PreConfig:   func() { tg.sim.Machine().SetElevated(false) },
				Config:      ntpConfig(tg, "NTP", twoPeers, ""),
				ExpectError: regexp.MustCompile(`(?s)refused the change.*アクセスが拒否されました.*0x80070005`),
			},
			{
				PreConfig: func() { tg.sim.Machine().SetElevated(true) },
				Config:    ntpConfig(tg, "NTP", twoPeers, ""),
			},
		},
	})
}

// TestAccNTPConfig_stoppedService expects the provider to start a stopped
// W32Time service before applying.
func TestAccNTPConfig_stoppedService(t *testing.T) {
	eachHost(t, []winhost.Profile{winhost.P2003, winhost.P2025}, nil, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		tg.setServiceRunning(t, false)
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{{
				Config: ntpConfig(tg, "NTP", twoPeers, ""),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRan(tg, "net start w32time"),
					checkRegistry(t, tg, "Type", "NTP"),
					func(*terraform.State) error {
						if s := tg.serviceState(t); s != wintime.ServiceRunning {
							return fmt.Errorf("service is %s, want running", s)
						}
						return nil
					},
				),
			}},
		})
	})
}

// TestAccNTPConfig_groupPolicy expects a clear error when Group Policy holds
// the value the configuration asks to change.
// The policy value is written through the transport; the host's restore
// after the test removes it.
func TestAccNTPConfig_groupPolicy(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: winhost.P2019, Role: winhost.Member}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		tg.setString(t, wintime.PolicyParametersKey, "Type", "NT5DS")
		before, _ := tg.query(t, wintime.ParametersKey, "Type")
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					Config:      ntpConfig(tg, "NTP", twoPeers, ""),
					ExpectError: regexp.MustCompile(`(?s)Group\s+Policy.*Policies`),
				},
				{
					// The refused apply changed nothing on the host.
					Config: tg.provider,
					Check:  checkRegistry(t, tg, "Type", before.Data),
				},
			},
		})
	})
}

// TestAccNTPConfig_fleet manages several hosts from one provider block, the
// resources taking the provider's host where they name none.
func TestAccNTPConfig_fleet(t *testing.T) {
	hosts := newTargets(t, 3, winsim.Options{Profile: winhost.P2022})
	cfg := fleetConfigFor(hosts[0].host, hosts[0], hosts[1:], `  type        = "NTP"
  ntp_servers = [{ address = "ntp.nict.jp" }]`) + `
resource "windows_ntp_config" "default_host" {
  type = "NT5DS"
}
`
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("windows_ntp_config.default_host", tfjsonpath.New("host"),
					knownvalue.StringExact(hosts[0].host)),
				statecheck.ExpectKnownValue("windows_ntp_config.fleet[1]",
					tfjsonpath.New("host"), knownvalue.StringExact(hosts[2].host)),
				stateCheckFunc(func() error {
					for i, h := range hosts {
						want := "NTP"
						if i == 0 {
							want = "NT5DS"
						}
						if v, _ := h.query(t, wintime.ParametersKey, "Type"); v.Data != want {
							return fmt.Errorf("host %d (%s) Type = %q, want %q", i, h.host, v.Data, want)
						}
					}
					return nil
				}),
			},
		}},
	})
}

// stateCheckFunc adapts a function to statecheck.StateCheck.
type stateCheckFunc func() error

func (f stateCheckFunc) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = f()
}

// TestAccNTPConfig_validation expects plan-time errors that name the
// attribute and the allowed values, before any connection is made.
func TestAccNTPConfig_validation(t *testing.T) {
	const provider = `
provider "windows" {
  host = "127.0.0.1:1"
}
`
	tests := []struct {
		name, body string
		want       string
	}{
		{"type", `type = "Manual"`, `(?s)type.*NoSync.*NTP.*NT5DS.*AllSync`},
		{"flag", `
type = "NTP"
ntp_servers = [{ address = "ntp.nict.jp", flags = ["Server"] }]`, `(?s)flags.*SpecialInterval.*UseAsFallbackOnly.*SymmetricActive.*Client`},
		{"address with &", `
type = "NTP"
ntp_servers = [{ address = "ntp.nict.jp&calc" }]`, `(?s)Invalid NTP server address.*address`},
		{"address with flags", `
type = "NTP"
ntp_servers = [{ address = "ntp.nict.jp,0x9" }]`, `Invalid NTP server address`},
		{"NTP without servers", `type = "NTP"`, `(?s)ntp_servers.*at least one\s+server`},
		{"AllSync with empty list", `
type = "AllSync"
ntp_servers = []`, `(?s)ntp_servers.*at least 1`},
		{"duplicate", `
type = "NTP"
ntp_servers = [{ address = "ntp.nict.jp" }, { address = "NTP.nict.jp" }]`, `Duplicate NTP server`},
		{"on_destroy", `
type = "NT5DS"
on_destroy = "wipe"`, `(?s)on_destroy.*keep.*reset`},
		{"host", `
type = "NT5DS"
host = "dc01;calc"`, `Invalid host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps: []resource.TestStep{{
					Config:      provider + "resource \"windows_ntp_config\" \"test\" {\n" + tt.body + "\n}\n",
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tt.want),
				}},
			})
		})
	}
}

// TestAccNTPConfigDataSource reads a host without managing it. On a real
// host (any version and role) the test first writes what it expects: the
// simulated Server 2003 member holds these values already.
func TestAccNTPConfigDataSource(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: winhost.P2003, Role: winhost.Member}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		tg.setString(t, wintime.ParametersKey, "Type", "NT5DS")
		tg.setDWord(t, wintime.ConfigKey, "AnnounceFlags", 0xa) // not a reliable source
		tg.deleteKey(t, wintime.PolicyConfigKey)                // no policy AnnounceFlags
		tg.deleteKey(t, wintime.PolicyParametersKey)            // nor Type
		tg.setString(t, wintime.PolicyParametersKey, "NtpServer", "ntp.nict.jp,0x9")
		tg.setServiceRunning(t, true)
		tg.clearHistory()
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{{
				Config: tg.provider + fmt.Sprintf(`
data "windows_ntp_config" "test" {
  host = %q
}
`, tg.host),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.windows_ntp_config.test", "type", "NT5DS"),
					resource.TestCheckResourceAttr("data.windows_ntp_config.test", "os_name", osName(tg, "Windows Server 2003")),
					resource.TestCheckResourceAttr("data.windows_ntp_config.test", "service_state", "running"),
					resource.TestCheckResourceAttr("data.windows_ntp_config.test", "group_policy", "true"),
					resource.TestCheckResourceAttr("data.windows_ntp_config.test", "reliable", "false"),
					checkNoWrite(tg), // i12: the shared read runs w32tm /query; a write is what must not run
				),
				ConfigStateChecks: []statecheck.StateCheck{
					expectPeers("data.windows_ntp_config.test", peer("ntp.nict.jp", "SpecialInterval", "Client")),
				},
			}},
		})
	})
}
