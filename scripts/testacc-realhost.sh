#!/usr/bin/env bash
# Runs the acceptance suite in real-host mode against simulated hosts started
# as plain winsim processes, without their control API: the suite can only
# reach them over WinRM, as it would a lab VM. Prints how many tests ran and
# were skipped, with each skip's reason, and fails when fewer than
# REALHOST_MIN_RUN of them ran, when one failed, or when a host was not
# restored as it was saved.
#
# usage: scripts/testacc-realhost.sh [CLI_PATH]   (default: scripts/tfcli.sh's)
#
# The hosts: Server 2003 (en-US, standalone), 2012 R2 (ja-JP, standalone) and
# 2022 (en-US, domain member). Environment (optional):
#   REALHOST_MIN_RUN  fraction of the acceptance tests that must run (default 0.8)
#   ACC_RUN, ACC_TIMEOUT, GOTESTFLAGS  as for scripts/testacc.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

cli=${1:-$(bash scripts/tfcli.sh)}
work=$(mktemp -d "${TMPDIR:-/tmp}/testacc-realhost.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/winsim" ./cmd/winsim

password="Lab-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')!"

# start_host NAME WINSIM_FLAGS... starts one host and prints its host:port.
start_host() {
	local name=$1 log="$work/$1.log" addr=""
	shift
	"$work/winsim" --listen 127.0.0.1:0 --password "$password" "$@" >"$log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 100); do
		addr=$(sed -n 's#^host 1: http://\([^/]*\)/wsman.*#\1#p' "$log" | sed -n 1p)
		[[ -n $addr ]] && break
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $addr ]] || {
		cat "$log" >&2
		echo "testacc-realhost.sh: winsim ($name) did not start" >&2
		exit 1
	}
	echo "$addr"
}

hosts=()
hosts+=("$(start_host 2003 --profile 2003 --locale en-US --role standalone)")
hosts+=("$(start_host 2012r2 --profile 2012r2 --locale ja-JP --role standalone)")
hosts+=("$(start_host 2022 --profile 2022 --locale en-US --role member)")

WINDOWS_HOSTS=$(
	IFS=,
	echo "${hosts[*]}"
)
export WINDOWS_HOSTS WINDOWS_USERNAME=Administrator WINDOWS_PASSWORD=$password
unset WINDOWS_HOST WINDOWS_PORT WINDOWS_HTTPS WINDOWS_AUTH
echo "testacc-realhost.sh: real-host mode against plain winsim processes: $WINDOWS_HOSTS"

# Tests of different hosts run in parallel; a test waiting for its host
# holds one of go test's parallel slots, so give it more than the 3 hosts.
rc=0
bash scripts/testacc.sh "$cli" -json -parallel 8 >"$work/acc.json" || rc=$?
go run ./internal/accsummary -min-run "${REALHOST_MIN_RUN:-0.8}" <"$work/acc.json" || rc=1
if grep -q 'NOT RESTORED' "$work/acc.json" || (($(grep -c 'restored, and read back as saved' "$work/acc.json") != ${#hosts[@]})); then
	echo "testacc-realhost.sh: not every host was restored and read back (see above)" >&2
	rc=1
fi
exit "$rc"
