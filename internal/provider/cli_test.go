package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// cliDir drives the CLI under test (TF_ACC_TERRAFORM_PATH, as
// scripts/testacc.sh sets it) in a working directory of its own, for what
// terraform-plugin-testing does not show: the warnings of a plan. Each
// command gets a new provider server, served in-process and handed to the
// CLI in TF_REATTACH_PROVIDERS, as a real run starts a new plugin process per
// command; the servers share one connection pool, as in testFactories.
type cliDir struct {
	t    *testing.T
	cli  string
	dir  string
	addr string // the provider's address: HOST/NAMESPACE/windows
	pool *transport.Pool
}

// newCLIDir returns a working directory holding config, initialised. It
// skips the test outside the acceptance suite.
func newCLIDir(t *testing.T, config string) *cliDir {
	t.Helper()
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if os.Getenv("TF_ACC") == "" || cli == "" {
		t.Skip("drives the CLI: run it through scripts/testacc.sh")
	}
	host := os.Getenv("TF_ACC_PROVIDER_HOST")
	if host == "" {
		host = "registry.terraform.io"
	}
	ns := os.Getenv("TF_ACC_PROVIDER_NAMESPACE")
	if ns == "" {
		ns = "hashicorp"
	}
	pool := transport.NewPool()
	t.Cleanup(func() { _ = pool.Close() })
	d := &cliDir{t: t, cli: cli, dir: t.TempDir(), addr: host + "/" + ns + "/windows", pool: pool}
	d.write(config)
	if out, err := d.run("init", "-input=false"); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	return d
}

// write replaces the configuration.
func (d *cliDir) write(config string) {
	d.t.Helper()
	config = `terraform {
  required_providers {
    windows = { source = "` + d.addr + `" }
  }
}
` + config
	if err := os.WriteFile(filepath.Join(d.dir, "main.tf"), []byte(config), 0o600); err != nil {
		d.t.Fatal(err)
	}
}

// run runs one CLI command with a provider server of its own and returns
// its standard output and error together.
func (d *cliDir) run(args ...string) (string, error) {
	d.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reattach := make(chan *plugin.ReattachConfig)
	closed := make(chan struct{})
	served := make(chan error, 1)
	go func() {
		served <- tf6server.Serve(d.addr, func() tfprotov6.ProviderServer {
			return NewServer("test", d.pool)()
		}, tf6server.WithDebug(ctx, reattach, closed), tf6server.WithLoggingSink(d.t),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()))
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-reattach:
	case err := <-served:
		cancel()
		d.t.Fatalf("serving the provider: %v", err)
	}
	defer func() {
		cancel()
		<-closed
	}()
	info, err := json.Marshal(map[string]any{d.addr: map[string]any{
		"Protocol": rc.Protocol, "ProtocolVersion": rc.ProtocolVersion, "Pid": rc.Pid, "Test": rc.Test,
		"Addr": map[string]string{"Network": rc.Addr.Network(), "String": rc.Addr.String()},
	}})
	if err != nil {
		d.t.Fatal(err)
	}
	cmd := exec.CommandContext(context.Background(), d.cli, args...)
	cmd.Dir = d.dir
	cmd.Env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+string(info), "TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1", "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// count returns how many times s occurs in out.
func count(out, s string) int { return strings.Count(out, s) }
