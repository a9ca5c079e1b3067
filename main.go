// Command terraform-provider-windows is the Terraform and OpenTofu provider for
// the Windows Time service, run by the CLI as a plugin.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/w32time/terraform-provider-windows/internal/provider"
)

// address is the provider's source address, declared here once.
const address = "registry.terraform.io/w32time/windows"

// version is set by the release build (-X main.version=...).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: address,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
