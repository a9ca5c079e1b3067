#!/usr/bin/env bash
# Prints the absolute path of a Terraform-compatible CLI.
#
# usage: scripts/tfcli.sh [any|terraform|tofu]
#
#   any (default)  $TF_CLI if set; else `terraform` on PATH; else `tofu` on PATH;
#                  else the pinned OpenTofu, built on first use.
#   terraform      $TERRAFORM if set; else `terraform` on PATH. Prints nothing and
#                  exits 1 when there is none (Terraform is not open source, so it
#                  cannot be built here; callers skip what needs it).
#   tofu           $TOFU if set; else `tofu` on PATH; else the pinned OpenTofu.
#
# The pinned OpenTofu (OPENTOFU_VERSION in tools/versions.env) is built from its
# Go module, downloaded through the Go module proxy, into
# .tools/tofu-<version>/tofu and reused afterwards. `go install` refuses the
# module because its go.mod has replace directives, so the module is
# downloaded and built in place (the module cache is read-only, and
# -mod=readonly never writes to it). It takes about 2 to 4 minutes on 2 cores.
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

die() {
	echo "tfcli.sh: $*" >&2
	exit 1
}

# abspath prints the absolute path of an executable named or found on PATH.
abspath() {
	local p
	p=$(command -v -- "$1" 2>/dev/null) || return 1
	[[ -x $p && ! -d $p ]] || return 1
	[[ $p == /* ]] || p=$PWD/$p
	printf '%s\n' "$p"
}

build_tofu() {
	local version=$OPENTOFU_VERSION
	local dir=$tools_dir/tofu-$version
	local bin=$dir/tofu
	if [[ -x $bin ]]; then
		printf '%s\n' "$bin"
		return
	fi

	echo "tfcli.sh: building OpenTofu $version from the Go module proxy into $dir" >&2
	local start=$SECONDS moddir
	# Downloaded from outside any module, so the project's go.mod and go.sum
	# are neither read nor touched.
	moddir=$(cd / && GOFLAGS='' GOWORK=off GO111MODULE=on \
		go mod download -json "github.com/opentofu/opentofu@$version" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	[[ -n $moddir && -d $moddir/cmd/tofu ]] ||
		die "could not download github.com/opentofu/opentofu@$version"

	mkdir -p "$dir"
	local tmp=$dir/tofu.tmp.$$
	trap 'rm -f "$tmp"' EXIT
	# The same flags as OpenTofu's own release build: static, trimmed, and
	# version.dev=no so that `tofu version` reports a release, not "-dev".
	CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" GOWORK=off \
		go build -C "$moddir" -trimpath \
		-ldflags "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'" \
		-o "$tmp" ./cmd/tofu >&2 ||
		die "building OpenTofu $version failed"
	mv -f "$tmp" "$bin"
	trap - EXIT
	echo "tfcli.sh: built OpenTofu $version in $((SECONDS - start))s" >&2
	printf '%s\n' "$bin"
}

case ${1:-any} in
any)
	if [[ -n ${TF_CLI:-} ]]; then
		abspath "$TF_CLI" || die "TF_CLI=$TF_CLI is not an executable"
	else
		abspath terraform || abspath tofu || build_tofu
	fi
	;;
terraform)
	if [[ -n ${TERRAFORM:-} ]]; then
		abspath "$TERRAFORM" || die "TERRAFORM=$TERRAFORM is not an executable"
	else
		abspath terraform
	fi
	;;
tofu)
	if [[ -n ${TOFU:-} ]]; then
		abspath "$TOFU" || die "TOFU=$TOFU is not an executable"
	else
		abspath tofu || build_tofu
	fi
	;;
*)
	echo "usage: scripts/tfcli.sh [any|terraform|tofu]" >&2
	exit 2
	;;
esac
