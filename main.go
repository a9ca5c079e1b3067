// Command terraform-provider-windows is the Terraform and OpenTofu provider for
// the Windows Time service, run by the CLI as a plugin.
package main

import (
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/w32time/terraform-provider-windows/internal/provider"
	"github.com/w32time/terraform-provider-windows/internal/transport"
)

// address is the provider's source address, declared here once.
const address = "registry.terraform.io/w32time/windows"

// version is set by the release build (-X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	pool := transport.NewPool()
	err := tf6server.Serve(address, provider.NewServer(version, pool), opts...)
	// Serve returns when the CLI stops the plugin. Deleting the shells this
	// process kept open frees them on the hosts at once; left alone they
	// would count against the per-user shell quota (MaxShellsPerUser) until
	// the host's idle timeout, two hours by default.
	if cerr := pool.Close(); cerr != nil {
		log.Printf("[WARN] closing WinRM shells: %v", cerr)
	}
	if err != nil {
		log.Fatal(err)
	}
}
