package provider

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/w32time/terraform-provider-windows/internal/transport"
	"github.com/w32time/terraform-provider-windows/internal/winsim"
	"github.com/w32time/terraform-provider-windows/internal/winsim/winhost"
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

// target is a Windows host under test: a simulated one, or the real host
// named by WINDOWS_HOST when it is set.
type target struct {
	sim  *winsim.Host // nil for a real host
	host string       // host[:port] as the resource's host attribute takes it
	// provider is the provider block for this target.
	provider string
}

// realHost reports whether the acceptance tests run against a real Windows
// host (WINDOWS_HOST and credentials set) rather than the simulator.
func realHost() bool { return os.Getenv("WINDOWS_HOST") != "" }

// newTarget returns the host a test runs against: a fresh simulated host with
// opts, or the real host from the environment. Tests that depend on simulator
// features skip themselves on a real host via needSim.
func newTarget(t *testing.T, opts winsim.Options) *target {
	t.Helper()
	if realHost() {
		return &target{host: os.Getenv("WINDOWS_HOST"), provider: `provider "windows" {}`}
	}
	if opts.Username == "" {
		opts.Username, opts.Password = simUser, simPassword
	}
	h, err := winsim.Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("starting a simulated host: %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
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
	}
}

// needSim skips a test that needs the simulator's control of the host.
func needSim(t *testing.T) {
	t.Helper()
	if realHost() {
		t.Skip("this test changes the host behind the provider's back through the simulator")
	}
}

// run runs a command on the target through the provider's own transport, for
// tests that change a host behind Terraform's back (works on real hosts too).
func (tg *target) run(t *testing.T, cmdline string) transport.Result {
	t.Helper()
	cfg := transport.Config{Host: tg.host, Username: simUser, Password: simPassword, Timeout: 30 * time.Second}
	if tg.sim == nil {
		cfg.Username, cfg.Password = os.Getenv("WINDOWS_USERNAME"), os.Getenv("WINDOWS_PASSWORD")
	}
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
