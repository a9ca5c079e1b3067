#!/usr/bin/env bash
# Runs the `test` command of one Terraform-compatible CLI over examples/testing
# (a module and its .tftest.hcl files) against simulated Windows hosts: what a
# user's CI pipeline does for a module of their own.
#
# usage: scripts/tftest.sh CLI_PATH [extra arguments of `test`...]
#
# Builds the provider and winsim from this tree, starts winsim with two member
# servers on loopback (free port, read back from its output), points the CLI
# at the fresh provider with dev_overrides in a CLI configuration of its own
# (so a developer's ~/.terraformrc plays no part, and nothing is downloaded:
# with dev_overrides, `test` needs no `init`), runs `test` in a copy of the
# example, and stops winsim whatever happens. The hosts reach the tests as
# TF_VAR_hosts, the credentials as WINDOWS_USERNAME and WINDOWS_PASSWORD.
# Exits with the status of `test`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cli=${1:-}
[[ -n $cli ]] || {
	echo "usage: scripts/tftest.sh CLI_PATH [test arguments...]" >&2
	exit 2
}
shift
[[ -x $cli ]] || {
	echo "tftest.sh: $cli is not an executable" >&2
	exit 1
}

hosts=2
username=Administrator
password='Tf-test-Passw0rd!'

work=$(mktemp -d "${TMPDIR:-/tmp}/tftest.XXXXXX")
sim_pid=""
cleanup() {
	if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
		kill -TERM "$sim_pid" 2>/dev/null || true
		wait "$sim_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/bin/terraform-provider-windows" .
go build -o "$work/bin/winsim" ./cmd/winsim

: >"$work/winsim.log" # before the background job opens it: the loop below reads it at once
"$work/bin/winsim" --listen 127.0.0.1:0 --hosts "$hosts" --role member \
	--username "$username" --password "$password" >"$work/winsim.log" 2>&1 &
sim_pid=$!

# winsim prints one "host N: http://ADDR/wsman ..." line per host once all
# listen; with --hosts 2 they are 127.0.0.2 and 127.0.0.3 on one free port
# (or two ports on 127.0.0.1 where those addresses cannot be bound).
endpoints=()
for _ in $(seq 1 100); do
	mapfile -t endpoints < <(sed -n 's#^host [0-9]*: http://\([^/]*\)/wsman.*#\1#p' "$work/winsim.log")
	((${#endpoints[@]} == hosts)) && break
	kill -0 "$sim_pid" 2>/dev/null || {
		cat "$work/winsim.log" >&2
		echo "tftest.sh: winsim exited before its hosts listened" >&2
		exit 1
	}
	sleep 0.1
done
((${#endpoints[@]} == hosts)) || {
	cat "$work/winsim.log" >&2
	echo "tftest.sh: winsim did not print its $hosts hosts within 10s" >&2
	exit 1
}

# The full source address: OpenTofu reads a short "w32time/windows" as
# registry.opentofu.org/w32time/windows, which the module does not use.
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/w32time/windows" = "$work/bin"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_DATA_DIR TF_CLI_ARGS TF_CLI_ARGS_test
# The provider reads WINDOWS_* settings (host, https, auth, ...) and the
# module TF_VAR_* values from the environment: a developer's must not reach
# the run.
for name in $(compgen -e); do
	if [[ $name == WINDOWS_* || $name == TF_VAR_* ]]; then
		unset "$name"
	fi
done

hosts_json=$(printf '"%s",' "${endpoints[@]}")
export TF_VAR_hosts="[${hosts_json%,}]"
export WINDOWS_USERNAME=$username WINDOWS_PASSWORD=$password

# A copy, so that nothing the CLI writes lands in examples/.
cp -R examples/testing "$work/testing"

echo "tftest.sh: $("$cli" version | sed -n 1p) ($cli), hosts $TF_VAR_hosts"
rc=0
"$cli" -chdir="$work/testing" test -no-color "$@" || rc=$?
if ((rc != 0)); then
	echo "tftest.sh: $cli test failed (exit $rc)" >&2
fi
exit "$rc"
