#!/usr/bin/env bash
# Generates and checks docs/ with tfplugindocs, and validates examples/, offline.
#
# usage: scripts/docs.sh generate|check
#
#   generate  render docs/ from the provider schema, templates/ and examples/
#   check     render into a scratch copy and fail if docs/ differs (stale docs),
#             then run `tfplugindocs validate` over docs/
#
# (Examples are validated by scripts/validate-examples.sh.)
#
# tfplugindocs would otherwise build the provider itself and look for a
# `terraform` on PATH, downloading one when there is none. Here the schema comes
# from the local CLI (scripts/tfcli.sh, Terraform or OpenTofu) and the provider
# built from this tree, installed from a scratch -plugin-dir: nothing is
# downloaded. The schema is handed to tfplugindocs with --providers-schema.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

mode=${1:-}
case $mode in
generate | check) ;;
*)
	echo "usage: scripts/docs.sh generate|check" >&2
	exit 2
	;;
esac

provider_name=windows
namespace=w32time
# Provider package to build (the lead's main.go); overridable for tests.
provider_pkg=${PROVIDER_PKG:-.}

cli=$(bash scripts/tfcli.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/tfdocs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A CLI configuration of our own: a developer's dev_overrides or mirrors must
# not change what is generated, and nothing is fetched from a registry.
: >"$work/cli.tfrc"
export TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR

# Build the provider and lay it out as a plugin directory for -plugin-dir
# installation, which works offline with Terraform and OpenTofu alike.
plugin_version=0.0.1
platform=$(go env GOOS)_$(go env GOARCH)
provider_bin=$work/terraform-provider-${provider_name}_v$plugin_version
go build -trimpath -o "$provider_bin" "$provider_pkg"
plugin_dir=$work/plugins/registry.terraform.io/$namespace/$provider_name/$plugin_version/$platform
mkdir -p "$plugin_dir"
mv "$provider_bin" "$plugin_dir/"

# tf runs the CLI in a directory and shows its output only when it fails, to
# keep the log short.
tf() {
	local dir=$1 out
	shift
	if ! out=$("$cli" -chdir="$dir" "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		return 1
	fi
}

schema() {
	local dir=$work/schema
	mkdir -p "$dir"
	cat >"$dir/main.tf" <<-HCL
		terraform {
		  required_providers {
		    $provider_name = {
		      source  = "registry.terraform.io/$namespace/$provider_name"
		      version = "$plugin_version"
		    }
		  }
		}
	HCL
	tf "$dir" init -backend=false -input=false -plugin-dir="$work/plugins"
	# tfplugindocs looks the schema up by the short name "windows" (or under
	# registry.terraform.io/hashicorp/), so rename the provider's key.
	"$cli" -chdir="$dir" providers schema -json |
		sed "s#\"registry.terraform.io/$namespace/$provider_name\":#\"$provider_name\":#" \
			>"$work/schema.json"
	grep -q "\"$provider_name\":" "$work/schema.json" || {
		echo "docs.sh: no schema for $provider_name in the output of $cli providers schema" >&2
		return 1
	}
}

tfplugindocs() {
	local bin
	bin=$(bash scripts/tool.sh tfplugindocs)
	"$bin" "$@"
}

generate_into() {
	tfplugindocs generate --provider-dir "$1" --provider-name "$provider_name" \
		--providers-schema "$work/schema.json"
}

case $mode in
generate)
	schema
	generate_into "$root"
	;;
check)
	schema
	# Render into a copy of the inputs, so the check never touches the tree.
	copy=$work/copy
	mkdir -p "$copy"
	for d in docs templates examples; do
		[[ ! -d $d ]] || cp -R "$d" "$copy/"
	done
	generate_into "$copy" >"$work/generate.log" 2>&1 || {
		cat "$work/generate.log" >&2
		exit 1
	}
	if ! diff -ruN docs "$copy/docs"; then
		echo "docs.sh: docs/ is stale: run 'make docs' and commit the result" >&2
		exit 1
	fi
	# validate logs every file it reads at [DEBUG]; keep its findings only.
	tfplugindocs validate --provider-dir "$root" --provider-name "$provider_name" \
		--providers-schema "$work/schema.json" 2>&1 | { grep -v '\[DEBUG\]' || true; }
	echo "docs.sh: docs/ is up to date"
	;;
esac
