package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
	"github.com/w32time/terraform-provider-windows/internal/wintime"
)

// testFactories serve the provider in-process to the CLI under test. Every
// CLI command of one test gets a new provider sharing one connection pool,
// which is closed when the test ends: shells are reused across the steps, as
// in a long provider process, and none is left open on the host (a real host
// allows 30 per user and keeps them two hours).
func testFactories(t *testing.T) map[string]func() (tfprotov6.ProviderServer, error) {
	pool := transport.NewPool()
	t.Cleanup(func() { _ = pool.Close() })
	return map[string]func() (tfprotov6.ProviderServer, error){
		"windows": func() (tfprotov6.ProviderServer, error) {
			return NewServer("test", pool)(), nil
		},
	}
}

const (
	simUser     = "Administrator"
	simPassword = "Sim-Passw0rd!"
)

// target is a Windows host under test: a simulated one, or in real-host
// mode one of the real hosts (see realhost_test.go).
type target struct {
	sim  *winsim.Host // nil for a real host
	lab  *labHost     // nil for a simulated host
	host string       // host[:port] as the resource's host attribute takes it
	// provider is the provider block for this target.
	provider string
	// profile, locale and role are the host's, so that a test can expect
	// what its version does ("" profile: a version the simulator has not).
	profile winhost.Profile
	locale  winhost.Locale
	role    winhost.Role
}

// realHost reports whether the acceptance tests run against real Windows
// hosts (real-host mode) rather than the simulator.
func realHost() bool { return lab != nil }

// newTarget returns the host a test runs against: a fresh simulated host with
// opts, or in real-host mode a real host with the profile, locale and role
// opts ask for (any, where they ask none), which the test then has to itself
// (see labHosts.realTarget). A test that needs more of the simulator than
// that skips itself on a real host, with needSim or because opts ask for it.
// In real-host mode newTarget makes the test parallel: run its test case
// with accTest.
func newTarget(t *testing.T, opts winsim.Options) *target {
	t.Helper()
	if realHost() {
		return lab.realTarget(t, opts)
	}
	if opts.Username == "" {
		opts.Username, opts.Password = simUser, simPassword
	}
	h, err := winsim.Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("starting a simulated host: %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
	cfg := h.Machine().Config()
	return &target{
		sim:  h,
		host: h.Addr(),
		provider: fmt.Sprintf(`
provider "windows" {
  username = %q
  password = %q
  timeout  = "30s"
}
`, opts.Username, opts.Password),
		profile: cfg.Profile, locale: cfg.Locale, role: cfg.Role,
	}
}

// newSerialTarget is newTarget for a test that must not be parallel (it
// calls t.Setenv): in real-host mode it takes the host without making the
// test parallel, which only a top-level test that is not parallel, or one of
// its sequential subtests, may do (see labHosts.takeTarget).
func newSerialTarget(t *testing.T, opts winsim.Options) *target {
	t.Helper()
	if realHost() {
		return lab.takeTarget(t, opts, false)
	}
	return newTarget(t, opts)
}

// newTargets returns n different hosts for one test, as newTarget does.
func newTargets(t *testing.T, n int, opts winsim.Options) []*target {
	t.Helper()
	if realHost() {
		return lab.realTargets(t, n, opts)
	}
	tgs := make([]*target, n)
	for i := range tgs {
		tgs[i] = newTarget(t, opts)
	}
	return tgs
}

// needSim skips a test in real-host mode; why says what of the simulator it
// needs (fault injection, its request counts, a setting no real host can be
// put in through WinRM), for the run's list of skips.
func needSim(t *testing.T, why string) {
	t.Helper()
	if realHost() {
		skipReal(t, "needs the simulator: "+why)
	}
}

// run runs a command on the target through the provider's own transport, for
// tests that change a host behind Terraform's back (works on real hosts too).
func (tg *target) run(t *testing.T, cmdline string) transport.Result {
	t.Helper()
	if tg.lab != nil {
		res, err := tg.lab.client.Run(t.Context(), cmdline)
		if err != nil {
			t.Fatalf("running %q on %s: %v", cmdline, tg.host, err)
		}
		return res
	}
	cfg := transport.Config{Host: tg.host, Username: simUser, Password: simPassword, Timeout: 30 * time.Second}
	name, port, err := splitHostPort(tg.host)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Host, cfg.Port = name, port
	c, err := transport.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Run(context.Background(), cmdline)
	if err != nil {
		t.Fatalf("running %q on %s: %v", cmdline, tg.host, err)
	}
	return res
}

// mustRun runs a command on the target that must exit 0.
func (tg *target) mustRun(t *testing.T, cmdline string) {
	t.Helper()
	if res := tg.run(t, cmdline); res.ExitCode != 0 {
		t.Fatalf("%q on %s exited %d: %s%s", cmdline, tg.host, res.ExitCode, res.Stdout, res.Stderr)
	}
}

// query reads one registry value: from the simulator's registry, or with
// reg query on a real host. Data is as reg query prints it (REG_DWORD as
// 0x hexadecimal).
func (tg *target) query(t *testing.T, key, name string) (wintime.RegValue, bool) {
	t.Helper()
	if tg.sim != nil {
		v, ok := tg.sim.Machine().GetValue(key, name)
		switch v.Type {
		case "REG_DWORD", "REG_QWORD":
			return wintime.RegValue{Type: v.Type, Data: fmt.Sprintf("0x%x", v.Num)}, ok
		case "REG_MULTI_SZ":
			return wintime.RegValue{Type: v.Type, Data: strings.Join(v.Multi, `\0`)}, ok
		}
		return wintime.RegValue{Type: v.Type, Data: v.Str}, ok
	}
	res := tg.run(t, `reg query "`+key+`" /v `+name)
	if res.ExitCode != 0 {
		return wintime.RegValue{}, false
	}
	return wintime.LookupKey(wintime.ParseRegQuery(res.Stdout), key).Value(name)
}

// setString writes a REG_SZ value behind Terraform's back.
func (tg *target) setString(t *testing.T, key, name, data string) {
	t.Helper()
	if tg.sim != nil {
		tg.sim.Machine().SetString(key, name, data)
		return
	}
	tg.mustRun(t, `reg add "`+key+`" /v `+name+` /t REG_SZ /d "`+data+`" /f`)
}

// setDWord writes a REG_DWORD value behind Terraform's back.
func (tg *target) setDWord(t *testing.T, key, name string, n uint32) {
	t.Helper()
	if tg.sim != nil {
		tg.sim.Machine().SetDWord(key, name, n)
		return
	}
	tg.mustRun(t, fmt.Sprintf(`reg add "%s" /v %s /t REG_DWORD /d %d /f`, key, name, n))
}

// deleteKey removes a registry key and its subkeys, if it exists.
func (tg *target) deleteKey(t *testing.T, key string) {
	t.Helper()
	if tg.sim != nil {
		tg.sim.Machine().DeleteKey(key)
		return
	}
	tg.run(t, `reg delete "`+key+`" /f`)
}

// serviceState returns the W32Time service's state.
func (tg *target) serviceState(t *testing.T) wintime.ServiceState {
	t.Helper()
	if tg.sim != nil {
		return map[string]wintime.ServiceState{
			"RUNNING": wintime.ServiceRunning, "STOPPED": wintime.ServiceStopped, "NOT_INSTALLED": wintime.ServiceNotInstalled,
		}[tg.sim.Machine().ServiceState()]
	}
	st, err := wintime.ParseState(tg.run(t, "ver & sc query w32time").Stdout)
	if err != nil {
		t.Fatalf("reading the W32Time service state of %s: %v", tg.host, err)
	}
	return st.Service
}

// setServiceRunning starts or stops W32Time behind Terraform's back, and
// checks that it is in that state.
func (tg *target) setServiceRunning(t *testing.T, running bool) {
	t.Helper()
	want := wintime.ServiceStopped
	if running {
		want = wintime.ServiceRunning
	}
	if tg.sim != nil {
		tg.sim.Machine().SetServiceRunning(running)
	} else if running {
		tg.run(t, "net start w32time") // exit 2 when it already runs: the read below decides
	} else {
		tg.run(t, "net stop w32time")
	}
	if got := tg.serviceState(t); got != want {
		t.Fatalf("W32Time on %s is %s, want %s", tg.host, got, want)
	}
}

// history returns the command lines the simulated host ran.
func (tg *target) history() []string {
	if tg.sim == nil {
		return nil
	}
	return tg.sim.Machine().History()
}

// clearHistory forgets the command lines the simulated host ran, so that a
// step's checks see only its own commands.
func (tg *target) clearHistory() {
	if tg.sim != nil {
		tg.sim.Machine().ClearHistory()
	}
}

// ranContaining reports whether the host ran a command line containing s.
func (tg *target) ranContaining(s string) bool {
	for _, l := range tg.history() {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestProviderSchemaValid(t *testing.T) {
	// The framework validates the schemas when the server starts answering;
	// GetProviderSchema fails on an invalid one.
	srv, err := testFactories(t)["windows"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Errorf("schema error: %s: %s", d.Summary, d.Detail)
		}
	}
	if _, ok := resp.ResourceSchemas["windows_ntp_config"]; !ok {
		t.Error("windows_ntp_config missing from the schema")
	}
}

var _ = winhost.Profiles // the simulator's profiles drive the matrix in the acceptance tests

func TestConnectionSettings(t *testing.T) {
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	tests := []struct {
		name     string
		vars     map[string]string
		wantAttr string // "" for success
		check    func(t *testing.T, cfg transport.Config, host string)
	}{
		{"defaults from env", map[string]string{"WINDOWS_HOST": "dc01:5986", "WINDOWS_USERNAME": "admin", "WINDOWS_PASSWORD": "pw"}, "",
			func(t *testing.T, cfg transport.Config, host string) {
				if host != "dc01:5986" || cfg.Auth != "ntlm" || cfg.Timeout != 60*time.Second || cfg.MaxRetries != 3 || cfg.Password != "pw" {
					t.Errorf("cfg = %+v, host %q", cfg, host)
				}
			}},
		{"max_retries 0 disables retries", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_MAX_RETRIES": "0"}, "",
			func(t *testing.T, cfg transport.Config, _ string) {
				if cfg.MaxRetries != 0 {
					t.Errorf("MaxRetries = %d, want 0 (none)", cfg.MaxRetries)
				}
			}},
		{"auth upper case", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_AUTH": "NTLM"}, "", nil},
		{"bad auth", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_AUTH": "digest"}, "auth", nil},
		{"basic over http", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_AUTH": "basic"}, "auth", nil},
		{"basic over http allowed", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_AUTH": "basic", "WINDOWS_ALLOW_UNENCRYPTED": "true"}, "", nil},
		{"basic over https", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_AUTH": "basic", "WINDOWS_HTTPS": "1"}, "", nil},
		{"no username", map[string]string{}, "username", nil},
		{"bad ca", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_CA_CERT": "not a pem"}, "ca_cert", nil},
		{"bad bool", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_HTTPS": "yes please"}, "https", nil},
		{"bad port", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_PORT": "70000"}, "port", nil},
		{"bad timeout", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_TIMEOUT": "soon"}, "timeout", nil},
		{"bad host", map[string]string{"WINDOWS_USERNAME": "a", "WINDOWS_PASSWORD": "pw", "WINDOWS_HOST": "dc01&calc"}, "host", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := providerModel{}
			cfg, host, err := connectionSettings(m, env(tt.vars))
			switch {
			case tt.wantAttr == "" && err != nil:
				t.Fatalf("unexpected error on %s: %s", err.attr, err.msg)
			case tt.wantAttr != "" && err == nil:
				t.Fatalf("want an error on %s, got none", tt.wantAttr)
			case tt.wantAttr != "" && err.attr.String() != tt.wantAttr:
				t.Fatalf("error on %s (%s), want it on %s", err.attr, err.msg, tt.wantAttr)
			}
			if tt.check != nil {
				tt.check(t, cfg, host)
			}
		})
	}
}
