#!/usr/bin/env bash
# Validates every example under examples/ with the local Terraform or OpenTofu
# CLI, offline, and checks their formatting.
#
# usage: scripts/validate-examples.sh
#
# Every directory under examples/ that holds .tf files is a root module and
# must pass `validate` on its own. The provider is built from this tree and
# installed through a dev_overrides CLI configuration, with which `validate`
# needs no `init`: nothing is downloaded. An example that needs any other
# provider, or a remote module, would need `init` and the network, and fails
# here on purpose.
#
# Then `fmt -check -recursive examples` must find nothing to rewrite.
# Exits non-zero when any directory fails; every directory is tried.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

address=registry.terraform.io/w32time/windows

cli=""
if [[ -f scripts/tfcli.sh ]]; then
	cli=$(bash scripts/tfcli.sh) || cli=""
fi
if [[ -z $cli ]]; then
	cli=$(command -v terraform || command -v tofu) || {
		echo "validate-examples.sh: no terraform or tofu CLI found" >&2
		exit 1
	}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/validate-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/bin"
go build -o "$work/bin/terraform-provider-windows" .

# Our own CLI configuration, so that a developer's mirrors, credentials or
# plugin cache play no part. The full source address is what OpenTofu needs;
# Terraform accepts it too.
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "$address" = "$work/bin"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_DATA_DIR TF_CLI_ARGS TF_CLI_ARGS_validate TF_CLI_ARGS_fmt

echo "CLI: $cli ($("$cli" version | sed -n 1p))"

# Validate in a copy of the whole tree, so relative module sources still
# resolve and nothing is written into examples/.
cp -R examples "$work/examples"
find "$work/examples" \( -name .terraform -o -name .terraform.lock.hcl -o -name '*.tfstate*' \) \
	-prune -exec rm -rf {} +

mapfile -t dirs < <(find examples -name .terraform -prune -o -type f -name '*.tf' -printf '%h\n' | sort -u)
if [[ ${#dirs[@]} -eq 0 ]]; then
	echo "validate-examples.sh: no .tf files under examples/" >&2
	exit 1
fi

failed=0
for dir in "${dirs[@]}"; do
	if out=$("$cli" -chdir="$work/$dir" validate -no-color 2>&1); then
		echo "ok    $dir"
	else
		echo "FAIL  $dir"
		printf '%s\n' "$out" | sed 's/^/      /'
		failed=$((failed + 1))
	fi
done

if out=$("$cli" fmt -check -diff -recursive -no-color examples 2>&1); then
	echo "ok    fmt -check -recursive examples"
else
	echo "FAIL  fmt -check -recursive examples (run: $cli fmt -recursive examples)"
	printf '%s\n' "$out" | sed 's/^/      /'
	failed=$((failed + 1))
fi

if [[ $failed -gt 0 ]]; then
	echo "validate-examples.sh: $failed check(s) failed" >&2
	exit 1
fi
echo "validate-examples.sh: ${#dirs[@]} example directories valid and formatted"
