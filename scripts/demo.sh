#!/usr/bin/env bash
# make demo: the provider against a simulated Windows Server 2003, end to end.
#
# Builds the provider and the simulator, starts a simulated 2003 host, applies
# examples/quickstart (AllSync) through a local CLI configuration (no registry
# download), prints the command lines the host ran, shows that a second plan
# is empty, changes the host behind Terraform's back and shows the plan
# catching the drift, then stops everything.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

tf="$(bash scripts/tfcli.sh)"
cli="$(basename "$tf")"
work="$(mktemp -d "${TMPDIR:-/tmp}/windows-demo.XXXXXX")"
sim_pid=""
cleanup() {
	if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
		kill -TERM "$sim_pid" 2>/dev/null || true
		wait "$sim_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# drop_override_warning removes the CLI's warning box about provider
# development overrides (expected here: that is how the demo avoids a
# registry download), and keeps everything else.
drop_override_warning() {
	awk '
		/^Warning: Provider development overrides/ { skip = 1; next }
		skip && /releases\.$/ { skip = 2; next }
		skip == 2 && /^$/ { skip = 0; next }
		!skip { print }
	'
}

step "Building the provider and the simulator"
go build -o "$work/bin/terraform-provider-windows" .
go build -o "$work/bin/winsim" ./cmd/winsim
echo "CLI: $tf ($(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$tf" version | sed -n 1p))"

step "Starting a simulated Windows Server 2003 (standalone, en-US)"
password="Demo-Passw0rd!"
: >"$work/winsim.log" # before the background job opens it: the loop below reads it at once
"$work/bin/winsim" --listen 127.0.0.1:0 --control 127.0.0.1:0 --profile 2003 \
	--username Administrator --password "$password" --record >"$work/winsim.log" 2>&1 &
sim_pid=$!
endpoint="" control=""
for _ in $(seq 1 100); do
	endpoint="$(sed -n 's#^host 1: http://\([^/]*\)/wsman.*#\1#p' "$work/winsim.log" | sed -n 1p)"
	control="$(sed -n 's#^control: http://\([^/ ]*\).*#\1#p' "$work/winsim.log" | sed -n 1p)"
	[[ -n "$endpoint" && -n "$control" ]] && break
	kill -0 "$sim_pid" 2>/dev/null || { cat "$work/winsim.log"; echo "winsim exited" >&2; exit 1; }
	sleep 0.1
done
[[ -n "$endpoint" ]] || { cat "$work/winsim.log"; echo "winsim did not start" >&2; exit 1; }
grep '^host 1:' "$work/winsim.log"

# A CLI configuration that takes the provider from the freshly built binary
# instead of a registry; the full source address is what OpenTofu needs.
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/w32time/windows" = "$work/bin"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export TF_VAR_host="$endpoint" TF_VAR_password="$password"
cp examples/quickstart/main.tf "$work/main.tf"
cd "$work"

step "$cli apply examples/quickstart (type = AllSync)"
"$tf" apply -auto-approve -no-color 2>&1 | drop_override_warning

step "Command lines the host ran"
sed -n 's/^host 1 ran: /  /p' "$work/winsim.log"
if ! grep -q 'syncfromflags:DOMHIER,MANUAL' "$work/winsim.log"; then
	echo "expected the 2003 form /syncfromflags:DOMHIER,MANUAL" >&2
	exit 1
fi

step "A second plan is empty"
set +e
"$tf" plan -detailed-exitcode -no-color >"$work/plan.txt" 2>&1
rc=$?
set -e
grep -E 'No changes|Plan:' "$work/plan.txt" || true
[[ $rc -eq 0 ]] || { cat "$work/plan.txt"; echo "expected an empty plan (exit 0), got exit $rc" >&2; exit 1; }

step "Changing the host behind Terraform's back: Type=NT5DS"
curl -fsS -X POST --data-binary \
	'reg add "HKLM\SYSTEM\CurrentControlSet\Services\W32Time\Parameters" /v Type /t REG_SZ /d NT5DS /f' \
	"http://$control/hosts/1/exec"

step "$cli plan catches the drift"
set +e
"$tf" plan -detailed-exitcode -no-color >"$work/plan.txt" 2>&1
rc=$?
set -e
sed -n '/will be updated/,/^Plan:/p' "$work/plan.txt"
[[ $rc -eq 2 ]] || { cat "$work/plan.txt"; echo "expected a plan with changes (exit 2), got exit $rc" >&2; exit 1; }

step "Done: stopping the simulator"
