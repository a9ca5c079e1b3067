#!/usr/bin/env bash
# Runs the acceptance suite in real-host mode (internal/provider/realhost_test.go)
# and prints how many tests ran and were skipped, with each skip's reason. It
# fails when a test failed, when a host was not restored as it was saved, or
# when fewer than REALHOST_MIN_RUN of the tests ran.
#
# usage: scripts/testacc-realhost.sh [CLI_PATH]   (default: scripts/tfcli.sh's)
#
# Against your VMs: set WINDOWS_HOSTS (or WINDOWS_HOST) and the other
# WINDOWS_* variables (docs/guides/testing-against-your-own-vms.md).
# Without them: against four simulated hosts started as plain winsim
# processes, without their control API, so that the suite reaches them only
# over WinRM, as it would a VM: Server 2003 (en-US, standalone), 2008 (en-US,
# domain controller: no tzutil, the first w32tm with /query), 2012 R2 (ja-JP,
# standalone) and 2022 (en-US, domain member). That is CI's proof of this
# mode.
#
# Environment (optional):
#   REALHOST_MIN_RUN  fraction of the acceptance tests that must run (default
#                     0.8 against the simulated hosts, 0 against your VMs)
#   REALHOST_JSON     a file to keep the run's `go test -json` output in
#   ACC_RUN, ACC_TIMEOUT, GOTESTFLAGS  as for scripts/testacc.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cli=${1:-$(bash scripts/tfcli.sh)}
work=$(mktemp -d "${TMPDIR:-/tmp}/testacc-realhost.XXXXXX")
pids=()
cleanup() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

# start_host NAME WINSIM_FLAGS... starts one simulated host and appends its
# host:port to hosts (not in a $(...) subshell: pids must keep its pid).
start_host() {
	local name=$1 log="$work/$1.log" addr=""
	shift
	: >"$log" # before the background job opens it: sed reads it at once
	"$work/winsim" --listen 127.0.0.1:0 --password "$WINDOWS_PASSWORD" "$@" >"$log" 2>&1 &
	local pid=$!
	pids+=("$pid")
	for _ in $(seq 1 100); do
		addr=$(sed -n 's#^host 1: http://\([^/]*\)/wsman.*#\1#p' "$log" | sed -n 1p)
		[[ -n $addr ]] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $addr ]] || {
		cat "$log" >&2
		echo "testacc-realhost.sh: winsim ($name) did not start" >&2
		exit 1
	}
	hosts+=("$addr")
}

if [[ -n ${WINDOWS_HOSTS:-}${WINDOWS_HOST:-} ]]; then
	min_run=${REALHOST_MIN_RUN:-0}
	echo "testacc-realhost.sh: real-host mode against ${WINDOWS_HOSTS:-$WINDOWS_HOST}"
else
	min_run=${REALHOST_MIN_RUN:-0.8}
	go build -o "$work/winsim" ./cmd/winsim
	unset WINDOWS_HOST WINDOWS_PORT WINDOWS_HTTPS WINDOWS_AUTH WINDOWS_CA_CERT WINDOWS_INSECURE WINDOWS_TLS_SERVER_NAME
	export WINDOWS_USERNAME=Administrator WINDOWS_PASSWORD="Lab-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')!"
	hosts=()
	start_host 2003 --profile 2003 --locale en-US --role standalone
	start_host 2008 --profile 2008 --locale en-US --role dc
	start_host 2012r2 --profile 2012r2 --locale ja-JP --role standalone
	start_host 2022 --profile 2022 --locale en-US --role member
	WINDOWS_HOSTS=$(
		IFS=,
		echo "${hosts[*]}"
	)
	export WINDOWS_HOSTS
	echo "testacc-realhost.sh: real-host mode against plain winsim processes: $WINDOWS_HOSTS"
fi

# Tests of different hosts run in parallel; a test waiting for its host
# holds one of go test's parallel slots, so give it more than there are hosts.
rc=0
bash scripts/testacc.sh "$cli" -json -parallel 8 >"$work/acc.json" || rc=$?
go run ./internal/accsummary -min-run "$min_run" <"$work/acc.json" || rc=1
if [[ -n ${REALHOST_JSON:-} ]]; then
	cp "$work/acc.json" "$REALHOST_JSON"
fi
# The suite says how many hosts it took (the list without repeats), then one
# line per host restored.
want=$(grep -o 'real-host mode: [0-9]* host(s)' "$work/acc.json" | sed -n '1s/[^0-9]//gp')
got=$(grep -c 'restored, and read back as saved' "$work/acc.json" || true)
if [[ -z $want ]] || grep -q 'NOT RESTORED' "$work/acc.json" || ((got != want)); then
	echo "testacc-realhost.sh: not every host was restored and read back (see above)" >&2
	rc=1
fi
exit "$rc"
