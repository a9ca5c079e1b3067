#!/usr/bin/env bash
# Prints the absolute path of a pinned development tool, building it from the
# Go module proxy into .tools/<name>-<version>/ on first use.
#
# usage: scripts/tool.sh golangci-lint|goreleaser|tfplugindocs
#
# Versions live in tools/versions.env. Each tool is installed with
# `go install module/cmd@version`, so it is built with exactly the dependency
# versions its authors tested (a shared tools module would mix the three
# tools' dependency graphs), and the checksum database verifies every module.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Pinned versions; a variable already set in the environment wins.
while IFS='=' read -r key value; do
	if [[ $key =~ ^[A-Z][A-Z0-9_]*$ && -z ${!key:-} ]]; then
		export "$key=$value"
	fi
done <"$root/tools/versions.env"
tools_dir=${TOOLS_DIR:-$root/.tools}
[[ $tools_dir == /* ]] || tools_dir=$root/$tools_dir

name=${1:-}
case $name in
golangci-lint)
	pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint
	version=$GOLANGCI_LINT_VERSION
	;;
goreleaser)
	pkg=github.com/goreleaser/goreleaser/v2
	version=$GORELEASER_VERSION
	;;
tfplugindocs)
	pkg=github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs
	version=$TFPLUGINDOCS_VERSION
	;;
*)
	echo "usage: scripts/tool.sh golangci-lint|goreleaser|tfplugindocs" >&2
	exit 2
	;;
esac

dir=$tools_dir/$name-$version
bin=$dir/$name
if [[ ! -x $bin ]]; then
	echo "tool.sh: building $pkg@$version into $dir" >&2
	mkdir -p "$dir"
	start=$SECONDS
	# GOFLAGS from the caller (-mod=vendor, say) must not leak into an install
	# of another module; GOWORK=off keeps a go.work above the tree out of it.
	GOBIN=$dir GOFLAGS='' GOWORK=off go install "$pkg@$version" >&2
	echo "tool.sh: built $name $version in $((SECONDS - start))s" >&2
fi
printf '%s\n' "$bin"
