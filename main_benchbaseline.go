//go:build benchbaseline

package main

import "github.com/w32time/terraform-provider-windows/internal/transport"

// A provider built with -tags benchbaseline is the naive baseline of the
// benchmarks (internal/bench/cmd/benchrun): one shell opened and deleted
// around every command. The binary users run has no way to ask for it.
func init() { transport.UseFreshShellPerCommand() }
