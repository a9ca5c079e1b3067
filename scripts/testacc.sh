#!/usr/bin/env bash
# Runs the acceptance suite (TF_ACC=1) under one Terraform-compatible CLI.
#
# usage: scripts/testacc.sh CLI_PATH [extra go test flags...]
#
# Environment (all optional):
#   ACC_PKG      packages to test          (default ./internal/provider/...)
#   ACC_RUN      -run pattern              (default TestAcc)
#   ACC_TIMEOUT  go test -timeout          (default 40m)
#   GOTESTFLAGS  more go test flags        (default -race)
#
# terraform-plugin-testing runs the provider in-process and hands its address
# to the CLI in TF_REATTACH_PROVIDERS as HOST/NAMESPACE/windows, and writes
# the same address into the required_providers block it adds to most step
# configurations. Not to all: an import-block step (ImportBlockWithID) gets a
# configuration without one, which each CLI resolves to its default host and
# the "hashicorp" namespace. So this script sets:
#   TF_ACC_PROVIDER_NAMESPACE=hashicorp: the namespace an implied provider
#     gets. Left unset, the library registers "-" as well, which OpenTofu
#     rejects ("the legacy provider namespace "-" can be used only with
#     hostname registry.opentofu.org").
#   TF_ACC_PROVIDER_HOST=registry.terraform.io for Terraform and
#     registry.opentofu.org for OpenTofu: each CLI's default host.
# Test configurations must therefore not declare the provider's source
# themselves (no terraform { required_providers } block): the library adds it.
# TF_ACC_TERRAFORM_PATH is always set, so the library never downloads a CLI,
# and the CLI gets an empty configuration file of its own, so a developer's
# ~/.terraformrc (dev_overrides, mirrors, plugin cache) cannot change the run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cli=${1:-}
[[ -n $cli ]] || {
	echo "usage: scripts/testacc.sh CLI_PATH [go test flags...]" >&2
	exit 2
}
shift
[[ -x $cli ]] || {
	echo "testacc.sh: $cli is not an executable" >&2
	exit 1
}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/testacc.XXXXXX")
trap 'rm -rf "$workdir"' EXIT
: >"$workdir/cli.tfrc"
export TF_CLI_CONFIG_FILE=$workdir/cli.tfrc
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_REATTACH_PROVIDERS

version_line=$("$cli" version 2>/dev/null | sed -n 1p)
case $version_line in
OpenTofu*) host=registry.opentofu.org ;;
Terraform*) host=registry.terraform.io ;;
*)
	echo "testacc.sh: $cli printed \"$version_line\": neither Terraform nor OpenTofu" >&2
	exit 1
	;;
esac

export TF_ACC=1
export TF_ACC_TERRAFORM_PATH=$cli
export TF_ACC_PROVIDER_HOST=$host
export TF_ACC_PROVIDER_NAMESPACE=hashicorp

echo "testacc.sh: $version_line ($cli), provider address $host/hashicorp/windows"
# -count=1: the result depends on the CLI binary, which the test cache does not see.
# shellcheck disable=SC2086 # GOTESTFLAGS is a list of flags
go test ${GOTESTFLAGS--race} -count=1 -timeout "${ACC_TIMEOUT:-40m}" \
	-run "${ACC_RUN:-TestAcc}" "$@" ${ACC_PKG:-./internal/provider/...}
