package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"go.uber.org/goleak"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// The reliability suite: the provider against simulated hosts that fail,
// drop connections, hang, expire shells, refuse shells over quota, refuse
// the account, and a fleet of 100 hosts at once. Every test here needs the
// simulator's control of the host.

// simHost starts a simulated host with the test account and returns it with
// the address the resource's host attribute takes; in real-host mode the
// test skips, saying why it needs the simulator.
func simHost(t *testing.T, why string, opts winsim.Options) *winsim.Host {
	t.Helper()
	needSim(t, why)
	return newTarget(t, opts).sim
}

// relConfig is a provider block with the test account and extra settings,
// and one windows_ntp_config on h.
func relConfig(h *winsim.Host, providerExtra, typ, servers string) string {
	return fmt.Sprintf(`
provider "windows" {
  username = %q
  password = %q
%s
}

resource "windows_ntp_config" "test" {
  host = %q
  type = %q
%s
}
`, simUser, simPassword, providerExtra, h.Addr(), typ, servers)
}

// configLines returns the w32tm /config command lines the host ran from
// index from on.
func configLines(h *winsim.Host, from int) []string {
	var out []string
	hist := h.Machine().History()
	for _, l := range hist[min(from, len(hist)):] {
		if strings.Contains(l, "w32tm /config") {
			out = append(out, l)
		}
	}
	return out
}

// checkAppliedOnce asserts that every w32tm /config line the host ran since
// *from is the same line containing want (a repeated identical line cannot
// change the outcome), then moves *from to the end of the history.
func checkAppliedOnce(h *winsim.Host, from *int, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		lines := configLines(h, *from)
		*from = len(h.Machine().History())
		if len(lines) == 0 {
			return fmt.Errorf("the host ran no w32tm /config line")
		}
		for _, l := range lines {
			if l != lines[0] {
				return fmt.Errorf("the host ran different configuration lines in one apply:\n%s", strings.Join(lines, "\n"))
			}
		}
		if !strings.Contains(lines[0], want) {
			return fmt.Errorf("the host ran %q, want a line containing %q", lines[0], want)
		}
		return nil
	}
}

// checkHostType asserts the W32Time Type value on the host.
func checkHostType(h *winsim.Host, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		v, _ := h.Machine().GetValue(wintime.ParametersKey, "Type")
		if v.Str != want {
			return fmt.Errorf("host %s holds Type=%q, want %q", h.Addr(), v.Str, want)
		}
		return nil
	}
}

// A fifth of all SOAP requests fail transiently (HTTP 503 or a w:InternalError
// fault, which the host answers before acting on the request). Create, update
// and the refreshes around them converge; the state equals what the host holds
// (the framework's plan after each apply is empty); and each apply wrote one
// and the same configuration line, however often it was retried.
func TestAccReliability_transientFaults(t *testing.T) {
	h := simHost(t, "injects transport faults (FaultRate) and reads the command history", winsim.Options{FaultRate: 0.2, Seed: 20})
	// 10 retries per request: a spurious failure needs 11 faults in a row (0.2^11).
	const extra = `  max_retries = 10`
	from := 0
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config: relConfig(h, extra, "AllSync", twoPeers),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(resName, "type", "AllSync"),
					checkHostType(h, "AllSync"),
					checkRegistry(t, &target{sim: h}, "NtpServer", "ntp.nict.jp,0x9 time.windows.com,0xa"),
					checkAppliedOnce(h, &from, `/syncfromflags:ALL /manualpeerlist:"ntp.nict.jp,0x9 time.windows.com,0xa" /update`),
				),
				ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, twoPeersState...)},
			},
			{
				Config: relConfig(h, extra, "NTP", everyFlag),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(resName, "type", "NTP"),
					checkHostType(h, "NTP"),
					checkAppliedOnce(h, &from, `/syncfromflags:MANUAL /manualpeerlist:"10.0.0.1,0x1 2001:db8::123,0x2 peer.example.com,0x4 NTP.Example.org,0xf" /update`),
				),
				ConfigStateChecks: []statecheck.StateCheck{expectPeers(resName, everyFlagState...)},
			},
		},
	})
	// Without faults each command costs one Command, one Receive and one
	// Signal, and each shell one Create; the rest were retries. With some 50
	// SOAP requests at a rate of 0.2, none failing has a chance below 1e-4.
	st := h.Stats()
	ran := len(h.Commands())
	retried := st.Requests["Create"] - st.ShellsOpened + st.Requests["Command"] + st.Requests["Receive"] + st.Requests["Signal"] - 3*ran
	t.Logf("%d commands ran; %d requests were retries; counters %v", ran, retried, st.Requests)
	if retried <= 0 {
		t.Errorf("no request was retried, so no fault was injected: %v", st.Requests)
	}
}

// The host drops the connection while the apply's output is on its way, every
// time the configuration command is sent. The provider cannot know whether
// the command ran (on the simulator the terminate Signal that follows usually
// stops it first; on Windows it may have finished): the apply ends with an
// error naming the host and the lost Receive once the retries are spent, well
// within the timeout, and the next refresh and plan show the truth, whichever
// it is. Then the apply converges.
func TestAccReliability_droppedConnection(t *testing.T) {
	var armed atomic.Bool
	var sent atomic.Int32
	h := simHost(t, "drops the connection on the configuration command (OnExec)", winsim.Options{OnExec: func(h *winsim.Host, line string) {
		// Each of the 1 + max_retries (3) sends of the configuration command
		// loses its Receive; nothing else is dropped.
		if armed.Load() && strings.Contains(line, "w32tm /config") && sent.Add(1) <= 4 {
			h.DropNext("Receive", 1)
		}
	}})
	// The retries end the apply, not the deadline: 15s leaves them room on a
	// loaded machine (3s was passed once under a load average of 12, and the
	// error was then the timeout's).
	const extra = "  timeout     = \"15s\"\n  max_retries = 3"
	hostType := func() string {
		v, _ := h.Machine().GetValue(wintime.ParametersKey, "Type")
		return v.Str
	}
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{Config: relConfig(h, extra, "NTP", twoPeers), Check: checkHostType(h, "NTP")},
			{
				PreConfig:   func() { armed.Store(true) },
				Config:      relConfig(h, extra, "AllSync", twoPeers),
				ExpectError: regexp.MustCompile(`(?s)Cannot configure the time settings of 127\.0\.0\.1:\d+.*Receive.*127\.0\.0\.1`),
			},
			{
				PreConfig:    func() { armed.Store(false) },
				RefreshState: true,
				// The refreshed state holds what the host holds...
				Check: func(s *terraform.State) error {
					return resource.TestCheckResourceAttr(resName, "type", hostType())(s)
				},
				// ...and the plan wants a change exactly when the change did
				// not land.
				ExpectNonEmptyPlan: true,
				RefreshPlanChecks: resource.RefreshPlanChecks{PostRefresh: []plancheck.PlanCheck{
					planCheckFunc(func(req plancheck.CheckPlanRequest) error {
						want := plancheck.ResourceActionUpdate
						if hostType() == "AllSync" {
							want = plancheck.ResourceActionNoop
						}
						var resp plancheck.CheckPlanResponse
						plancheck.ExpectResourceAction(resName, want).CheckPlan(context.Background(), req, &resp)
						return resp.Error
					}),
				}},
			},
			{Config: relConfig(h, extra, "AllSync", twoPeers), Check: checkHostType(h, "AllSync")},
		},
	})
	if n := sent.Load(); n < 4 {
		t.Errorf("the configuration command was sent %d times while armed, want 4 (1 + max_retries)", n)
	}
	// Every resend, and the final apply, wrote the same line.
	lines := configLines(h, 0)
	for _, l := range lines[1:] {
		if l != lines[len(lines)-1] {
			t.Errorf("the configuration lines after the first differ:\n%s", strings.Join(lines, "\n"))
			break
		}
	}
}

// planCheckFunc adapts a function to plancheck.PlanCheck.
type planCheckFunc func(req plancheck.CheckPlanRequest) error

func (f planCheckFunc) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f(req)
}

// A configuration command that never ends: the apply fails at the provider's
// timeout (3 s, not the host's 60 s long poll) with an error that says so and
// how to fix it; the command did not change the host, so the next plan still
// shows the change; once the host answers again, the apply converges.
func TestAccReliability_hungCommand(t *testing.T) {
	h := simHost(t, "hangs a command on the host (SetHang)", winsim.Options{})
	const extra = `  timeout = "3s"`
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{Config: relConfig(h, extra, "NTP", twoPeers), Check: checkHostType(h, "NTP")},
			{
				// The host holds the command until it is terminated: the
				// step can only end through the provider's deadline.
				PreConfig:   func() { h.Machine().SetHang("w32tm /config") },
				Config:      relConfig(h, extra, "AllSync", twoPeers),
				ExpectError: regexp.MustCompile(`(?s)did not finish within.*timeout 3s.*raise .timeout.`),
			},
			{
				PreConfig:          func() { h.Machine().SetHang("") },
				Config:             relConfig(h, extra, "AllSync", twoPeers),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				Check:              checkHostType(h, "NTP"),
			},
			{Config: relConfig(h, extra, "AllSync", twoPeers), Check: checkHostType(h, "AllSync")},
		},
	})
	if st := h.Stats(); st.Requests["Signal"] == 0 {
		t.Errorf("the hung command was never terminated: %v", st.Requests)
	}
}

// The host forgets the provider's shells between two commands (its idle
// timeout): the next command finds its shell gone, opens a new one and
// succeeds.
func TestAccReliability_expiredShells(t *testing.T) {
	h := simHost(t, "expires the host's shells (ExpireShells) and counts those opened", winsim.Options{})
	var opened int
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{Config: relConfig(h, "", "NTP", twoPeers), Check: checkHostType(h, "NTP")},
			{
				PreConfig: func() {
					opened = h.Stats().ShellsOpened
					h.ExpireShells()
				},
				Config: relConfig(h, "", "AllSync", twoPeers),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkHostType(h, "AllSync"),
					func(*terraform.State) error {
						if st := h.Stats(); st.ShellsOpened <= opened {
							return fmt.Errorf("no shell was reopened after expiry (opened %d before, %d now)", opened, st.ShellsOpened)
						}
						return nil
					},
				),
			},
		},
	})
}

// Six resources on one host whose account may hold two shells: the provider
// asks for more than two at once, the host refuses, and the transport settles
// on what the host allows; every resource is applied.
func TestAccReliability_shellQuota(t *testing.T) {
	h := simHost(t, "limits the shells per user to two (MaxShellsPerUser)", winsim.Options{MaxShellsPerUser: 2})
	cfg := fleetConfig("", slices.Repeat([]*winsim.Host{h}, 6), `  type        = "NTP"
  ntp_servers = [{ address = "ntp.nict.jp" }]`)
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("windows_ntp_config.fleet.5", "type", "NTP"),
				checkHostType(h, "NTP"),
				func(*terraform.State) error {
					st := h.Stats()
					if st.ShellsOpen > 2 {
						return fmt.Errorf("%d shells open, over the quota of 2", st.ShellsOpen)
					}
					return nil
				},
			),
		}},
	})
	if st := h.Stats(); st.Requests["Create"] <= st.ShellsOpened {
		// Not an error: the CLI may not have run the six at once on this
		// machine. Say so, so that a run that never hit the quota is visible.
		t.Logf("no Create was refused (Create requests %d, shells opened %d): the quota was not reached", st.Requests["Create"], st.ShellsOpened)
	}
}

// Refusals end with a message that names the cause, and a wrong password is
// tried once: one NTLM handshake, no SOAP request, no retry that could lock
// the account out.
func TestAccReliability_refusals(t *testing.T) {
	const operator, operatorPassword = "operator", "Op-Passw0rd!"
	tests := []struct {
		name     string
		opts     winsim.Options
		user     string
		password string
		extra    string
		want     string
		check    func(t *testing.T, st winsim.Stats)
	}{
		{
			name: "wrong password",
			user: simUser, password: "not-the-password",
			want: `(?s)authentication failed for Administrator at 127\.0\.0\.1:\d+ \(auth=ntlm\)`,
			check: func(t *testing.T, st winsim.Stats) {
				// One handshake is at most three legs (probe, negotiate,
				// authenticate); a retry would be three more.
				if st.Requests["Auth"] > 3 || st.HTTPRequests != st.Requests["Auth"] {
					t.Errorf("a wrong password was tried more than once: %+v", st)
				}
			},
		},
		{
			name: "not an administrator",
			opts: winsim.Options{Users: []winsim.User{{Name: operator, Password: operatorPassword}}},
			user: operator, password: operatorPassword,
			want: `(?s)Cannot read the time settings.*Access\s+is\s+denied`,
			check: func(t *testing.T, st winsim.Stats) {
				if st.Requests["Create"] != 1 {
					t.Errorf("access denied was retried: %v", st.Requests)
				}
			},
		},
		{
			name: "ntlm against a Basic-only host",
			opts: winsim.Options{Auth: "basic", AllowUnencrypted: true},
			user: simUser, password: simPassword,
			want: `(?s)authentication failed.*does not offer Negotiate`,
			check: func(t *testing.T, st winsim.Stats) {
				if st.BasicCredentials != 0 {
					t.Errorf("the password was sent as Basic credentials %d times", st.BasicCredentials)
				}
				if st.Requests["Create"] != 0 {
					t.Errorf("a SOAP request reached the host: %v", st.Requests)
				}
			},
		},
		{
			name: "basic over plain HTTP",
			opts: winsim.Options{Auth: "basic", AllowUnencrypted: true},
			user: simUser, password: simPassword, extra: `  auth = "basic"`,
			want: `(?s)clear text.*allow_unencrypted`,
			check: func(t *testing.T, st winsim.Stats) {
				if st.HTTPRequests != 0 {
					t.Errorf("the password was sent in clear text: %+v", st)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Username, tt.opts.Password = simUser, simPassword
			h := simHost(t, "counts the logon and SOAP requests a refused logon made (and a wrong password could lock a lab account out)", tt.opts)
			cfg := fmt.Sprintf(`
provider "windows" {
  username = %q
  password = %q
%s
}

resource "windows_ntp_config" "test" {
  host = %q
  type = "NT5DS"
}
`, tt.user, tt.password, tt.extra, h.Addr())
			accTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testFactories(t),
				Steps:                    []resource.TestStep{{Config: cfg, ExpectError: regexp.MustCompile(tt.want)}},
			})
			tt.check(t, h.Stats())
		})
	}
}

// HTTPS verifies the host's certificate: a self-signed one is refused with a
// message naming ca_cert and insecure, and accepted once ca_cert holds it.
func TestAccReliability_httpsVerification(t *testing.T) {
	h := simHost(t, "serves HTTPS with a self-signed certificate it hands to the test", winsim.Options{HTTPS: true})
	ca := fmt.Sprintf("  https   = true\n  ca_cert = %q", string(h.CertPEM()))
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{
			{
				Config:      relConfig(h, "  https = true", "NTP", twoPeers),
				ExpectError: regexp.MustCompile(`(?s)certificate.*ca_cert.*insecure`),
			},
			{Config: relConfig(h, ca, "NTP", twoPeers), Check: checkHostType(h, "NTP")},
		},
	})
}

// 100 resources against 100 hosts in one apply, under -race when the suite
// runs with it. plugin-testing offers no -parallelism flag, so the CLI runs
// them with its default of 10 at a time.
func TestAccReliability_fleet100(t *testing.T) {
	needSim(t, "starts 100 simulated hosts")
	const n = 100
	hosts := startFleet(t, n)
	cfg := fleetConfig("", hosts, `  type        = "AllSync"
  ntp_servers = [{ address = "ntp.nict.jp" }, { address = "time.windows.com", flags = ["UseAsFallbackOnly", "Client"] }]`)
	accTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testFactories(t),
		Steps: []resource.TestStep{{
			Config: cfg,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("windows_ntp_config.fleet.99", "type", "AllSync"),
				func(*terraform.State) error {
					for i, h := range hosts {
						if v, _ := h.Machine().GetValue(wintime.ParametersKey, "NtpServer"); v.Str != "ntp.nict.jp,0x9 time.windows.com,0xa" {
							return fmt.Errorf("host %d NtpServer = %q", i+1, v.Str)
						}
						if err := checkHostType(h, "AllSync")(nil); err != nil {
							return err
						}
					}
					return nil
				},
			),
		}},
	})
}

// The provider's own path (a pooled client, readState) leaves no goroutine
// behind after a dropped connection and after a command hung past the
// timeout, once the pool is closed. Not an acceptance test: it runs in the
// unit suite.
func TestReliability_noGoroutineLeft(t *testing.T) {
	h, err := winsim.Start("127.0.0.1:0", winsim.Options{Username: simUser, Password: simPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	pool := transport.NewPool()
	data := &providerData{pool: pool, base: transport.Config{Username: simUser, Password: simPassword, Timeout: 3 * time.Second, MaxRetries: 3}}
	c, err := data.client(h.Addr(), noCredentials)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := readState(ctx, c); err != nil {
		t.Fatal(err)
	}
	// A dropped connection is retried on a new one.
	h.DropNext("Receive", 1)
	if _, err := readState(ctx, c); err != nil {
		t.Fatalf("after a dropped connection: %v", err)
	}
	// A hung command ends at the timeout (the host would hold it forever, so
	// returning at all is the deadline's doing).
	h.HangNext(1)
	if _, err := readState(ctx, c); err == nil || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("hung command: err = %v, want a timeout", err)
	}
	if _, err := readState(ctx, c); err != nil {
		t.Fatalf("after the timeout: %v", err)
	}
	_ = pool.Close()
	_ = h.Close()
}

// A stopped W32Time service is started before the change, and the apply says
// so in a warning (plugin-testing cannot see warnings, so the resource's
// apply is called directly).
func TestReliability_stoppedServiceWarning(t *testing.T) {
	h, err := winsim.Start("127.0.0.1:0", winsim.Options{Profile: "2019", Username: simUser, Password: simPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	h.Machine().SetServiceRunning(false)
	pool := transport.NewPool()
	defer pool.Close()
	r := NewNTPConfigResource().(*ntpConfigResource)
	r.data = &providerData{pool: pool, base: transport.Config{Username: simUser, Password: simPassword, Timeout: 30 * time.Second}}

	ctx := context.Background()
	peers, d := types.ListValueFrom(ctx, peerObjectType, []peerModel{{
		Address: types.StringValue("ntp.nict.jp"),
		Flags:   types.SetValueMust(types.StringType, []attr.Value{types.StringValue("SpecialInterval"), types.StringValue("Client")}),
	}})
	if d.HasError() {
		t.Fatal(d)
	}
	plan := ntpConfigModel{
		Host: types.StringValue(h.Addr()), OnDestroy: types.StringValue(onDestroyKeep),
		ntpSettingsModel: ntpSettingsModel{Type: types.StringValue("NTP"), NTPServers: peers, Reliable: types.BoolNull()},
	}
	diags := r.apply(ctx, &plan, plan, nil)
	if diags.HasError() {
		t.Fatalf("apply on a stopped service: %v", diags)
	}
	var warned bool
	for _, d := range diags.Warnings() {
		if strings.Contains(d.Summary(), "Windows Time service started") && strings.Contains(d.Summary(), h.Addr()) {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that the service was started: %v", diags)
	}
	if s := h.Machine().ServiceState(); s != "RUNNING" {
		t.Errorf("service is %s, want RUNNING", s)
	}
	if plan.Type.ValueString() != "NTP" || plan.OSVersion.IsNull() {
		t.Errorf("plan not filled from the read-back: %+v", plan)
	}
}
