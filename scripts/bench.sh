#!/usr/bin/env bash
# make bench: the provider's speed at fleet scale, measured through the real CLI.
#
# usage: scripts/bench.sh [benchrun flags...]
#
# Builds the provider and the driver (internal/bench/cmd/benchrun), runs the Go
# benchmarks of the parsers, the command planner and the transport, then has
# the driver start simulated Windows hosts (1, 10, 100 and 1000, at 0 and 20 ms
# per request; 1000 with the provider's transport only, creates and refreshes;
# and 100 hosts of windows_ntp_config + windows_time_zone + windows_host +
# windows_ntp_status) and time plans and applies through Terraform or OpenTofu
# (scripts/tfcli.sh picks it), for the provider's transport and for the
# fresh-shell-per-command baseline (the same provider built with -tags
# benchbaseline: the binary users run cannot be switched to it). Prints one
# line per case and writes docs/benchmarks.md with the machine it ran on.
# About 10 minutes on 2 cores, most of it the 1000 hosts (`-hosts 1,10,100` to
# skip them).
#
# Extra arguments go to the driver, e.g. `-hosts 1,10 -refresh-samples 1` for a
# quick run, or `-out ""` not to touch docs/benchmarks.md.
#
# Environment (optional):
#   BENCH_GOTIME   -benchtime of the Go benchmarks (default 1s)
#   TF_CLI         the CLI to use (see scripts/tfcli.sh)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cli=$(bash scripts/tfcli.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

version=$(git describe --always --dirty 2>/dev/null || echo unknown)
echo "bench.sh: building the provider ($version) and the driver"
go build -trimpath -ldflags "-X main.version=bench-$version" -o "$work/terraform-provider-windows" .
go build -trimpath -tags benchbaseline -ldflags "-X main.version=bench-$version-baseline" \
	-o "$work/terraform-provider-windows-baseline" .
go build -o "$work/benchrun" ./internal/bench/cmd/benchrun

echo "bench.sh: Go benchmarks (parsers, planner, transport)"
go test -run '^$' -bench . -benchmem -benchtime "${BENCH_GOTIME:-1s}" \
	./internal/wintime ./internal/bench ./internal/transport | tee "$work/gobench.txt"

mkdir -p docs
echo "bench.sh: fleet benchmark through $("$cli" version | sed -n 1p) ($cli)"
"$work/benchrun" -cli "$cli" -provider "$work/terraform-provider-windows" \
	-baseline-provider "$work/terraform-provider-windows-baseline" \
	-out docs/benchmarks.md -gobench "$work/gobench.txt" -provider-version "$version" "$@"
