package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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

// tunableSet is a value for every tunable, as its attribute takes it in a
// configuration (without quotes).
type tunableSet map[string]string

var (
	// tunablesFirst and tunablesSecond differ from each other and from the
	// Windows defaults of every role in every value.
	tunablesFirst = tunableSet{
		"special_poll_interval": "900", "cross_site_sync_flags": "PdcOnly", "resolve_peer_backoff_minutes": "20",
		"resolve_peer_backoff_max_times": "5", "ntp_client_enabled": "true", "min_poll_interval": "5",
		"max_poll_interval": "9", "max_pos_phase_correction": "3600", "max_neg_phase_correction": "unlimited",
		"update_interval": "30", "large_phase_offset": "10000000", "max_allowed_phase_offset": "120",
		"phase_correct_rate": "2", "frequency_correct_rate": "3", "hold_period": "4", "spike_watch_period": "600",
		"event_log_flags": "3", "utilize_ssl_time_data": "false", "ntp_server_enabled": "true",
		"vmic_time_provider_enabled": "false",
	}
	tunablesSecond = tunableSet{
		"special_poll_interval": "1800", "cross_site_sync_flags": "None", "resolve_peer_backoff_minutes": "30",
		"resolve_peer_backoff_max_times": "6", "ntp_client_enabled": "false", "min_poll_interval": "4",
		"max_poll_interval": "12", "max_pos_phase_correction": "unlimited", "max_neg_phase_correction": "1800",
		"update_interval": "50", "large_phase_offset": "20000000", "max_allowed_phase_offset": "60",
		"phase_correct_rate": "3", "frequency_correct_rate": "5", "hold_period": "6", "spike_watch_period": "300",
		"event_log_flags": "0", "utilize_ssl_time_data": "true", "ntp_server_enabled": "false",
		"vmic_time_provider_enabled": "true",
	}
)

// versionOf is the Windows version of the target.
func versionOf(t *testing.T, tg *target) wintime.Version {
	t.Helper()
	st, err := wintime.ParseState(tg.run(t, wintime.ReadCommand()).Stdout)
	if err != nil {
		t.Fatal(err)
	}
	return st.Version
}

// hcl renders the tunables of s that version v has (all when keepAll),
// quoted as their attributes need.
func (s tunableSet) hcl(v wintime.Version, keepAll bool) string {
	var b strings.Builder
	for _, t := range wintime.Tunables {
		val, ok := s[t.Attr]
		if !ok || (!keepAll && !t.Available(v)) {
			continue
		}
		if t.Kind == wintime.KindEnum || t.Kind == wintime.KindUnlimited {
			val = strconv.Quote(val)
		}
		fmt.Fprintf(&b, "  %s = %s\n", t.Attr, val)
	}
	return b.String()
}

// check expects the host's registry (read through the transport) and the
// state to hold the tunables of s that version v has.
func (s tunableSet) check(t *testing.T, tg *target, v wintime.Version) resource.TestCheckFunc {
	var checks []resource.TestCheckFunc
	for _, tu := range wintime.Tunables {
		if !tu.Available(v) {
			checks = append(checks, resource.TestCheckNoResourceAttr(resName, tu.Attr))
			continue
		}
		want, err := tu.Parse(s[tu.Attr])
		if err != nil {
			panic(err)
		}
		checks = append(checks, resource.TestCheckResourceAttr(resName, tu.Attr, s[tu.Attr]), checkDWord(t, tg, tu.Key, tu.Value, want))
	}
	return resource.ComposeAggregateTestCheckFunc(checks...)
}

// startupsFor returns two start types for version v, other than the
// defaults, to set and then change to.
func startupsFor(v wintime.Version) (first, second string) {
	if !wintime.StartAutomaticDelayed.Available(v) {
		return "automatic", "manual"
	}
	return "automatic_delayed", "automatic"
}

// TestAccNTPConfig_tunables sets every tunable and service_startup in one
// step on every profile (the role changing with the profile; in real-host
// mode, on every host), changes them all, then leaves them out of the
// configuration, which must leave the host as it is with an empty plan; on
// a version without some of them, setting those fails the apply, naming them
// and the versions that have them, and writes none of them. The host's
// registry and start type are read back through the transport.
func TestAccNTPConfig_tunables(t *testing.T) {
	run := func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		v := versionOf(t, tg)
		first, second := startupsFor(v)
		steps := []resource.TestStep{
			{
				Config: ntpConfig(tg, "NTP", twoPeers, tunablesFirst.hcl(v, false)+fmt.Sprintf("  service_startup = %q\n", first)),
				Check: resource.ComposeAggregateTestCheckFunc(
					tunablesFirst.check(t, tg, v),
					resource.TestCheckResourceAttr(resName, "service_startup", first),
					checkStartup(t, tg, wintime.StartType(first)),
					checkOneUpdate(tg),
				),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(resName, tfjsonpath.New("policy_overrides"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
			},
			{
				PreConfig: tg.clearHistory,
				Config:    ntpConfig(tg, "NTP", twoPeers, tunablesSecond.hcl(v, false)+fmt.Sprintf("  service_startup = %q\n", second)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(resName, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					tunablesSecond.check(t, tg, v),
					resource.TestCheckResourceAttr(resName, "service_startup", second),
					checkStartup(t, tg, wintime.StartType(second)),
					checkOneUpdate(tg),
				),
			},
			{
				// Left out: unmanaged, the host keeps them, the state shows them.
				PreConfig: tg.clearHistory,
				Config:    ntpConfig(tg, "NTP", twoPeers, ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					tunablesSecond.check(t, tg, v),
					resource.TestCheckResourceAttr(resName, "service_startup", second),
					checkStartup(t, tg, wintime.StartType(second)),
					checkNotRan(tg, "reg add"),
					checkNotRan(tg, "sc config"),
				),
			},
		}
		if missing := unavailable(v); missing != nil {
			steps = append(steps,
				resource.TestStep{
					PreConfig:   tg.clearHistory,
					Config:      ntpConfig(tg, "NTP", twoPeers, tunablesFirst.hcl(v, true)),
					ExpectError: regexp.MustCompile(`(?s)` + strings.Join(missing, `.*`)),
				},
				resource.TestStep{
					// The refused apply wrote none of them.
					Config: ntpConfig(tg, "NTP", twoPeers, ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						tunablesSecond.check(t, tg, v),
						checkNotRan(tg, "reg add"),
					),
				})
		}
		accTest(t, resource.TestCase{ProtoV6ProviderFactories: testFactories(t), Steps: steps})
	}
	if realHost() {
		eachHost(t, nil, nil, run)
		return
	}
	roles := []winhost.Role{winhost.Standalone, winhost.Member, winhost.DomainController}
	for i, p := range winhost.Profiles() {
		t.Run(string(p), func(t *testing.T) { run(t, winsim.Options{Profile: p, Role: roles[i%len(roles)]}) })
	}
}

// unavailable returns patterns for the error of an apply of every tunable on
// version v: each tunable v lacks, with the versions that have it; nil when
// v has them all.
func unavailable(v wintime.Version) []string {
	var out []string
	for _, t := range wintime.Tunables {
		if !t.Available(v) {
			out = append(out, regexp.QuoteMeta(t.Attr)+`[\s\S]*`+strings.ReplaceAll(regexp.QuoteMeta(t.SinceText()), ` `, `\s+`))
		}
	}
	return out
}

// checkOneUpdate expects the apply to have asked the service once to reread
// its settings, after every write.
func checkOneUpdate(tg *target) resource.TestCheckFunc {
	return func(*terraform.State) error {
		if tg.sim == nil {
			return nil
		}
		n := 0
		for _, l := range tg.history() {
			n += strings.Count(l, "/update")
			if i, j := strings.LastIndex(l, "reg add"), strings.Index(l, "/update"); i > j && j >= 0 {
				return fmt.Errorf("a registry write follows /update: %s", l)
			}
		}
		if n != 1 {
			return fmt.Errorf("/update ran %d times, want once; the host ran:\n%s", n, strings.Join(tg.history(), "\n"))
		}
		return nil
	}
}

// TestAccNTPConfig_policyTunable: Group Policy holds SpecialPollInterval
// (written through the transport; the host's restore removes it in
// real-host mode). The state and the data source show the policy's value
// and policy_overrides; a configuration asking for another value is refused
// by the apply with the reason, nothing written; the plan's warning is
// checked through the CLI in TestAccNTPConfig_policyWarning.
func TestAccNTPConfig_policyTunable(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: "2022", Role: winhost.Member}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		// What the data source shows besides the policy's value: the
		// simulator's defaults of a 2022 member, or what a real host holds.
		startup, maxPos, vmic := "automatic", "unlimited", "true"
		local, hasLocal := tg.query(t, wintime.NtpClientKey, "SpecialPollInterval")
		if tg.sim == nil {
			st := hostState(t, tg)
			startup = string(st.Local.Startup)
			maxPos, vmic = localTunable(t, st, "max_pos_phase_correction"), localTunable(t, st, "vmic_time_provider_enabled")
		} else if n, _ := parseDWord(local); n != 3600 {
			t.Fatalf("the simulated host's SpecialPollInterval is %q, want 3600", local.Data)
		}
		tg.setDWord(t, wintime.PolicyNtpClientKey, "SpecialPollInterval", 900)
		ds := tg.provider + fmt.Sprintf(`
data "windows_ntp_config" "test" {
  host = %q
}
`, tg.host)
		dsChecks := []resource.TestCheckFunc{
			resource.TestCheckResourceAttr("data.windows_ntp_config.test", "special_poll_interval", "900"),
			attrOrNone("data.windows_ntp_config.test", "service_startup", startup),
			attrOrNone("data.windows_ntp_config.test", "max_pos_phase_correction", maxPos),
			attrOrNone("data.windows_ntp_config.test", "vmic_time_provider_enabled", vmic),
		}
		untouched := func(*terraform.State) error { // the local value, as it was
			if v, ok := tg.query(t, wintime.NtpClientKey, "SpecialPollInterval"); ok != hasLocal || v != local {
				return fmt.Errorf("the local SpecialPollInterval is %q (present: %v), want %q as before (present: %v)", v.Data, ok, local.Data, hasLocal)
			}
			return nil
		}
		overrides := knownvalue.MapExact(map[string]knownvalue.Check{"special_poll_interval": knownvalue.StringExact("900")})
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					Config: ds,
					Check:  resource.ComposeAggregateTestCheckFunc(dsChecks...),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("data.windows_ntp_config.test", tfjsonpath.New("policy_overrides"), overrides),
					},
				},
				{
					Config:      ntpConfig(tg, "NT5DS", "", "  special_poll_interval = 3600"),
					ExpectError: regexp.MustCompile(`(?s)Group Policy overrides special_poll_interval.*Nothing\s+was\s+written.*900.*Policies`),
				},
				{
					Config: ntpConfig(tg, "NT5DS", "", ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr(resName, "special_poll_interval", "900"),
						untouched, // the local value
						checkDWord(t, tg, wintime.PolicyNtpClientKey, "SpecialPollInterval", 900),
					),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(resName, tfjsonpath.New("policy_overrides"), overrides),
					},
				},
				{
					PreConfig:   tg.clearHistory,
					Config:      ntpConfig(tg, "NT5DS", "", "  special_poll_interval = 3600"),
					ExpectError: regexp.MustCompile(`(?s)Group Policy overrides special_poll_interval.*900`),
				},
				{
					// The state stays honest: the effective value; and the
					// refused apply wrote nothing.
					Config: ntpConfig(tg, "NT5DS", "", ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						untouched,
						checkNotRan(tg, "reg add"),
					),
				},
				{
					Config:   ntpConfig(tg, "NT5DS", "", ""),
					PlanOnly: true,
				},
			},
		})
	})
}

// localTunable is the attribute form of a tunable's local value in st, or
// "" when the host has none.
func localTunable(t *testing.T, st wintime.State, attr string) string {
	t.Helper()
	tu, ok := wintime.LookupTunable(attr)
	if !ok {
		t.Fatalf("no tunable %s", attr)
	}
	n, ok := st.Local.Tunables[attr]
	if !ok {
		return ""
	}
	return tu.Format(n)
}

// attrOrNone expects attribute name of addr to be want, or absent when want
// is "".
func attrOrNone(addr, name, want string) resource.TestCheckFunc {
	if want == "" {
		return resource.TestCheckNoResourceAttr(addr, name)
	}
	return resource.TestCheckResourceAttr(addr, name, want)
}

// TestAccNTPConfig_policyWarning: the plan of a value Group Policy holds
// (written through the transport) warns, naming the attribute and the
// policy's value.
func TestAccNTPConfig_policyWarning(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: "2016", Role: winhost.Member}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		tg.setDWord(t, wintime.PolicyConfigKey, "MaxPollInterval", 8)
		d := newCLIDir(t, ntpConfig(tg, "NT5DS", "", ""))
		if out, err := d.run("apply", "-auto-approve", "-input=false"); err != nil {
			t.Fatalf("apply: %v\n%s", err, out)
		}
		d.write(ntpConfig(tg, "NT5DS", "", "  max_poll_interval = 12"))
		out, err := d.run("plan", "-input=false", "-no-color")
		if err != nil {
			t.Fatalf("plan: %v\n%s", err, out)
		}
		flat := strings.Join(strings.Fields(out), " ")
		for _, want := range []string{"Warning: Group Policy overrides max_poll_interval", "Group Policy sets it to 8",
			"overrides the local value"} {
			if !strings.Contains(flat, want) {
				t.Errorf("the plan does not say %q:\n%s", want, out)
			}
		}
	})
}

// TestAccNTPConfig_resync asks for a resync after each change, which
// succeeds with the host's time data, and writes the settings; a change of
// resync_on_apply alone writes nothing and does not resync. The host
// without time data is TestAccNTPConfig_resyncNoTimeData.
func TestAccNTPConfig_resync(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: "2019"}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		accTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testFactories(t),
			Steps: []resource.TestStep{
				{
					Config: ntpConfig(tg, "NTP", twoPeers, "  resync_on_apply = true"),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkRan(tg, wintime.ResyncCommand),
						resource.TestCheckResourceAttr(resName, "resync_on_apply", "true"),
						checkRegistry(t, tg, "Type", "NTP"),
					),
				},
				{
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "NTP", twoPeers, "  resync_on_apply = true\n  special_poll_interval = 1200"),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkRan(tg, wintime.ResyncCommand),
						checkDWord(t, tg, wintime.NtpClientKey, "SpecialPollInterval", 1200),
						resource.TestCheckResourceAttr(resName, "special_poll_interval", "1200"),
					),
				},
				{
					// Only resync_on_apply changes: nothing to write, no resync.
					PreConfig: tg.clearHistory,
					Config:    ntpConfig(tg, "NTP", twoPeers, "  special_poll_interval = 1200"),
					Check: resource.ComposeAggregateTestCheckFunc(
						checkNotRan(tg, wintime.ResyncCommand),
						checkDWord(t, tg, wintime.NtpClientKey, "SpecialPollInterval", 1200),
					),
				},
			},
		})
	})
}

// TestAccNTPConfig_resyncNoTimeData asks for a resync after each change:
// with time data it succeeds; without (winsim: time sources unreachable),
// the apply succeeds with a warning and the settings are written.
func TestAccNTPConfig_resyncNoTimeData(t *testing.T) {
	needSim(t, "takes the host's time sources away (SetTimeData)")
	tg := newTarget(t, winsim.Options{Profile: "2019"})
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: ntpConfig(tg, "NTP", twoPeers, "  resync_on_apply = true"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRan(tg, wintime.ResyncCommand),
					resource.TestCheckResourceAttr(resName, "resync_on_apply", "true"),
				),
			},
			{
				PreConfig: func() { tg.clearHistory(); tg.sim.SetTimeData(false) },
				Config:    ntpConfig(tg, "NTP", twoPeers, "  resync_on_apply = true\n  special_poll_interval = 1200"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkRan(tg, wintime.ResyncCommand),
					checkDWord(t, tg, wintime.NtpClientKey, "SpecialPollInterval", 1200),
					resource.TestCheckResourceAttr(resName, "special_poll_interval", "1200"),
				),
			},
			{
				// Only resync_on_apply changes: nothing to write, no resync.
				PreConfig: tg.clearHistory,
				Config:    ntpConfig(tg, "NTP", twoPeers, "  special_poll_interval = 1200"),
				Check:     checkNotRan(tg, wintime.ResyncCommand),
			},
		},
	})
}

// TestAccNTPConfig_startup sets service_startup and reads the start type
// back through the transport: the state shows the host's start type while
// the configuration leaves it out, then each start type set. The effect
// after a reboot is TestAccNTPConfig_startupReboot.
func TestAccNTPConfig_startup(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: "2022", Role: winhost.Standalone}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		st := hostState(t, tg)
		if tg.sim != nil && st.Local.Startup != wintime.StartManual {
			t.Fatalf("the simulated 2022 standalone host starts W32Time %q, want manual", st.Local.Startup)
		}
		first, second := startupsFor(st.Version)
		steps := []resource.TestStep{{
			Config: ntpConfig(tg, "NTP", twoPeers, ""),
			Check:  attrOrNone(resName, "service_startup", string(st.Local.Startup)),
		}}
		for _, s := range []string{first, second, string(wintime.StartManual)} {
			steps = append(steps, resource.TestStep{
				Config: ntpConfig(tg, "NTP", twoPeers, fmt.Sprintf("  service_startup = %q", s)),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(resName, "service_startup", s),
					checkStartup(t, tg, wintime.StartType(s)),
				),
			})
		}
		accTest(t, resource.TestCase{ProtoV6ProviderFactories: testFactories(t), Steps: steps})
	})
}

// TestAccNTPConfig_startupReboot: a standalone Server 2022 host, whose
// W32Time is manual (trigger start) by default and stopped after a reboot,
// keeps time after a reboot once service_startup is automatic.
func TestAccNTPConfig_startupReboot(t *testing.T) {
	needSim(t, "reboots the host")
	// SyncDelay < 0: a started service synchronises at once (the simulator's
	// default waits a few seconds, as Windows does), so that the check after
	// the reboot sees the start type's effect, not the clock.
	tg := newTarget(t, winsim.Options{Profile: "2022", Role: winhost.Standalone, SyncDelay: -1})
	synced := func(want bool) resource.TestCheckFunc {
		return func(*terraform.State) error {
			res := tg.run(t, "w32tm /query /status")
			st, err := wintime.ParseStatus(res.Stdout, 0)
			running := tg.sim.Machine().ServiceState() == "RUNNING"
			got := running && err == nil && st.Synchronized()
			if got != want {
				return fmt.Errorf("after the reboot: service %s, synchronised %v (status read: %s), want synchronised %v",
					tg.sim.Machine().ServiceState(), got, fmt.Sprint(err), want)
			}
			return nil
		}
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: ntpConfig(tg, "NTP", twoPeers, ""),
				Check:  resource.TestCheckResourceAttr(resName, "service_startup", "manual"),
			},
			{
				// The Windows default: stopped after a reboot, no time.
				PreConfig: func() { tg.sim.Reboot() },
				Config:    ntpConfig(tg, "NTP", twoPeers, ""),
				Check:     synced(false),
			},
			{
				Config: ntpConfig(tg, "NTP", twoPeers, `  service_startup = "automatic"`),
				Check:  resource.TestCheckResourceAttr(resName, "service_startup", "automatic"),
			},
			{
				PreConfig: func() { tg.sim.Reboot() },
				Config:    ntpConfig(tg, "NTP", twoPeers, `  service_startup = "automatic"`),
				Check:     synced(true),
			},
		},
	})
}

// TestAccNTPConfig_badRanges: out-of-range values are refused at plan time,
// naming the attribute, the range and the unit.
func TestAccNTPConfig_badRanges(t *testing.T) {
	onEachHost(t, winsim.Options{}, func(t *testing.T, opts winsim.Options) {
		tg := newTarget(t, opts)
		unchanged := unchangedSince(t, tg)
		tests := []struct{ extra, want string }{
			{"  min_poll_interval = 18", `min_poll_interval: "18" is not allowed; write 0 to 17 log2 seconds`},
			{"  special_poll_interval = 0", `special_poll_interval: "0" is not allowed; write 1 to 4294967295 seconds`},
			{`  max_pos_phase_correction = "forever"`, `write 0 to 4294967294 seconds, or "unlimited"`},
			{`  cross_site_sync_flags = "Some"`, `write None, PdcOnly, All`},
			{"  min_poll_interval = 12\n  max_poll_interval = 10", `min_poll_interval (12) is above max_poll_interval (10)`},
			{`  service_startup = "boot"`, `service_startup`},
		}
		var steps []resource.TestStep
		for _, tt := range tests {
			steps = append(steps, resource.TestStep{
				Config:      ntpConfig(tg, "NTP", twoPeers, tt.extra),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(tt.want), ` `, `\s+`)),
			})
		}
		accTest(t, resource.TestCase{ProtoV6ProviderFactories: testFactories(t), Steps: steps})
		if err := unchanged(); err != nil {
			t.Errorf("a refused configuration wrote the host: %v", err)
		}
		if slices.ContainsFunc(tg.history(), func(l string) bool { return strings.Contains(l, "reg add") }) {
			t.Errorf("a refused configuration wrote the host: %q", tg.history())
		}
	})
}

// TestAccNTPConfig_stateBeforeTunables plans, through the CLI, from a state
// written as the provider wrote it before the tunables, service_startup,
// resync_on_apply and policy_overrides existed: the plan must show no change
// (the refresh fills the new attributes from the host), and must write
// nothing.
func TestAccNTPConfig_stateBeforeTunables(t *testing.T) {
	onEachHost(t, winsim.Options{Profile: "2022"}, stateBeforeTunables)
}

func stateBeforeTunables(t *testing.T, opts winsim.Options) {
	tg := newTarget(t, opts)
	if tg.sim == nil {
		// The simulator's 2022 host starts as the old state says; a real
		// host is put so, without a policy over it.
		tg.deleteKey(t, wintime.PolicyRootKey)
		tg.setString(t, wintime.ParametersKey, "Type", "NTP")
		tg.setString(t, wintime.ParametersKey, "NtpServer", "time.windows.com,0x9")
		tg.setDWord(t, wintime.ConfigKey, "AnnounceFlags", wintime.AnnounceNotReliable)
	}
	v := versionOf(t, tg)
	config := ntpConfig(tg, "NTP", `  ntp_servers = [{ address = "time.windows.com" }]`, "")
	d := newCLIDir(t, config)
	state := fmt.Sprintf(`{
  "version": 4,
  "terraform_version": "1.11.4",
  "serial": 1,
  "lineage": "0b6e4a8e-3c0e-4f7a-9d55-7f2f3a1c1e01",
  "outputs": {},
  "resources": [
    {
      "mode": "managed",
      "type": "windows_ntp_config",
      "name": "test",
      "provider": "provider[\"%s\"]",
      "instances": [
        {
          "schema_version": 0,
          "attributes": {
            "host": %q,
            "id": %q,
            "ntp_servers": [{"address": "time.windows.com", "flags": ["Client", "SpecialInterval"]}],
            "on_destroy": "keep",
            "os_version": %q,
            "reliable": false,
            "type": "NTP"
          },
          "sensitive_attributes": []
        }
      ]
    }
  ]
}
`, d.addr, tg.host, tg.host, v.String())
	if err := os.WriteFile(filepath.Join(d.dir, "terraform.tfstate"), []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	tg.clearHistory()
	unchanged := unchangedSince(t, tg)
	out, err := d.run("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if err != nil {
		t.Fatalf("the plan from the old state is not empty (%v):\n%s", err, out)
	}
	if err := unchanged(); err != nil {
		t.Errorf("the plan wrote the host: %v", err)
	}
	if tg.ranContaining("reg add") || tg.ranContaining("w32tm /config") {
		t.Errorf("the plan wrote the host: %q", tg.history())
	}
}
