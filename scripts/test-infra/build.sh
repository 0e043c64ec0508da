#!/usr/bin/env bash
# Builds the real local stack from Go modules and caches the binaries outside the repo:
#   etcd, kube-apiserver, kube-controller-manager, MinIO, pulumi + pulumi-language-nodejs.
# Idempotent: each tool is skipped when its binary is already in the cache folder.
# Prints the cache folder as its last line.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.35.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
PULUMI_VERSION=${PULUMI_VERSION:-3.274.1}
# The newest MinIO the module proxy serves (the repository is archived; RELEASE.2025-10-15 is no
# longer served: "403 This module version is not available").
MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
BIN=${HKS_TOOLS_DIR:-$HOME/.cache/hks-backup/tools/k8s$K8S_VERSION-etcd$ETCD_VERSION-minio20260212-pulumi$PULUMI_VERSION}

say() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go >= 1.24 (https://go.dev/doc/install) and make sure 'go' is on PATH."
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to read 'go mod download -json' output)."

export CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=-mod=mod
mkdir -p "$BIN"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
jf() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);
  for (const k of process.argv[1].split(".")) v=v?.[k]; console.log(v ?? "")})' "$1"; }
wrap() { mkdir "$work/$1" && cd "$work/$1" && { go mod init "local/$1" >"$work/$1.init.log" 2>&1 || { cat "$work/$1.init.log" >&2; return 1; }; }; }
K=k8s.io/kubernetes/cmd; P=github.com/pulumi/pulumi
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s/60)) $((s%60)); }
size() { du -sh "$@" 2>/dev/null | awk '{print $1}' | paste -sd' '; }

# Five steps, counted up front so the counter reads [n/5] from the first line to the last.
step=0; total=5
begin() { step=$((step+1)); T0=$(date +%s); say "[$step/$total] $1 ..."; }
done_() { say "[$step/$total] $1 built in $(elapsed "$T0") ($(size "${@:2}"))"; }

if [ ! -x "$BIN/etcd" ]; then
  begin "etcd $ETCD_VERSION"
  ( wrap etcd
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >"$work/etcd.log" 2>&1 || { cat "$work/etcd.log" >&2; exit 1; }
    go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 ) || die "etcd build failed (see above)"
  done_ etcd "$BIN/etcd"
else say "[skip] etcd (cached)"; step=$((step+1)); fi

if [ ! -x "$BIN/kube-apiserver" ] || [ ! -x "$BIN/kube-controller-manager" ]; then
  begin "kube-apiserver + kube-controller-manager v$K8S_VERSION (the slow one: 10-25 min cold)"
  ( wrap k8s
    gm=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | jf GoMod)
    [ -f "$gm" ] || { echo "cannot download k8s.io/kubernetes@v$K8S_VERSION" >&2; exit 1; }
    go mod edit -go="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gm")"
    gd=$(sed -n 's/^godebug \(default=.*\)/\1/p' "$gm"); [ -z "$gd" ] || go mod edit -godebug="$gd"
    mods=$(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$gm")
    [ -n "$mods" ] || { echo "no staging replaces in $gm" >&2; exit 1; }
    for m in $mods; do go mod edit "-replace=$m=$m@v0.${K8S_VERSION#1.}"; done
    say "      resolving modules ($(wc -w <<<"$mods") staging replaces)"
    go get "$K/kube-apiserver@v$K8S_VERSION" "$K/kube-controller-manager@v$K8S_VERSION" >"$work/k8s.log" 2>&1 || { cat "$work/k8s.log" >&2; exit 1; }
    ld="-s -w"; for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION") -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"; done
    say "      compiling"
    go build -trimpath -ldflags "$ld" -o "$BIN/" "$K/kube-apiserver" "$K/kube-controller-manager" ) || die "Kubernetes build failed (see above)"
  done_ kubernetes "$BIN/kube-apiserver" "$BIN/kube-controller-manager"
else say "[skip] kube-apiserver, kube-controller-manager (cached)"; step=$((step+1)); fi

if [ ! -x "$BIN/minio" ]; then
  begin "MinIO $MINIO_VERSION"
  # MinIO is built as the main module, in its downloaded module folder, so its own replaces apply.
  ( cd "$work"; dir=$(GOFLAGS= go mod download -json "github.com/minio/minio@$MINIO_VERSION" | jf Dir)
    [ -d "$dir" ] || { echo "cannot download github.com/minio/minio@$MINIO_VERSION" >&2; exit 1; }
    cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$BIN/minio" . >"$work/minio.log" 2>&1 || { grep -v '^go: downloading' "$work/minio.log" >&2; exit 1; } ) || die "MinIO build failed (see above)"
  done_ minio "$BIN/minio"
else say "[skip] minio (cached)"; step=$((step+1)); fi

if [ ! -x "$BIN/pulumi" ]; then
  begin "Pulumi CLI v$PULUMI_VERSION"
  ( wrap pulumi
    go get "$P/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" "$P/sdk/v3@v$PULUMI_VERSION" >"$work/pulumi.log" 2>&1 || { cat "$work/pulumi.log" >&2; exit 1; }
    for m in pkg/v3 sdk/v3; do
      v=$(go list -m -f '{{.Version}}' "$P/$m"); [ "$v" = "v$PULUMI_VERSION" ] || { echo "$m drifted to $v" >&2; exit 1; }; done
    say "      compiling"
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X $P/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$BIN/pulumi" "$P/pkg/v3/cmd/pulumi" ) || die "Pulumi CLI build failed (see above)"
  done_ pulumi "$BIN/pulumi"
else say "[skip] pulumi (cached)"; step=$((step+1)); fi

# The Node.js language host. Upstream it is the untagged module .../sdk/nodejs/cmd/pulumi-language-nodejs/v3,
# fetched at the commit of pkg/v3.$PULUMI_VERSION; that needs the commit hash (Origin.Hash), which the module
# proxy here does not report, and it refuses to list the module's pseudo-versions. The newest version the
# proxy serves that still ships the language host inside the tagged sdk/v3 module is v3.68.0: its
# RunRequest -> `node @pulumi/pulumi/cmd/run --monitor ... <program>` contract is what @pulumi/pulumi 3.270 reads.
LANGHOST_SDK_VERSION=${LANGHOST_SDK_VERSION:-v3.68.0}
if [ ! -x "$BIN/pulumi-language-nodejs" ]; then
  begin "pulumi-language-nodejs"
  ( wrap langhost
    lh=$(go mod download -json "$P/pkg/v3@v$PULUMI_VERSION" | jf Origin.Hash)
    if [ -n "$lh" ] && go get "$P/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$lh" >"$work/lh.log" 2>&1; then
      pkg="$P/sdk/nodejs/cmd/pulumi-language-nodejs/v3"; ver="v$PULUMI_VERSION"
    else
      say "      the commit of pkg/v3@v$PULUMI_VERSION is not available from the module proxy; using the language host of sdk/v3@$LANGHOST_SDK_VERSION"
      go get "$P/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$LANGHOST_SDK_VERSION" >"$work/lh.log" 2>&1 || { cat "$work/lh.log" >&2; exit 1; }
      pkg="$P/sdk/v3/nodejs/cmd/pulumi-language-nodejs"; ver="$LANGHOST_SDK_VERSION"
    fi
    go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X $P/sdk/v3/go/common/version.Version=$ver" \
      -o "$BIN/pulumi-language-nodejs" "$pkg" ) || die "pulumi-language-nodejs build failed (see above)"
  done_ pulumi-language-nodejs "$BIN/pulumi-language-nodejs"
else say "[skip] pulumi-language-nodejs (cached)"; step=$((step+1)); fi

# The dynamic-provider plugin next to `pulumi`, where the CLI looks for bundled plugins first (on PATH
# it works too, with a warning on every run). It starts @pulumi/pulumi's dynamic provider resolved
# from the project folder, so each project uses its own SDK version.
if [ ! -x "$BIN/pulumi-resource-pulumi-nodejs" ]; then
  cat > "$BIN/pulumi-resource-pulumi-nodejs" <<'SHIM'
#!/bin/sh
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
SHIM
  chmod 755 "$BIN/pulumi-resource-pulumi-nodejs"
fi

# The snapshot.storage.k8s.io/v1 CRDs, as a CSI-enabled cluster has them, from the external-snapshotter
# client module (the same files its release installs). Installed by `hks dev up`.
SNAPSHOTTER_VERSION=${SNAPSHOTTER_VERSION:-v8.7.0}
if [ ! -f "$BIN/crds/snapshot.storage.k8s.io_volumesnapshots.yaml" ]; then
  ( cd "$work"; dir=$(GOFLAGS= go mod download -json "github.com/kubernetes-csi/external-snapshotter/client/v8@$SNAPSHOTTER_VERSION" | jf Dir)
    [ -d "$dir/config/crd" ] || { echo "no config/crd in external-snapshotter client $SNAPSHOTTER_VERSION" >&2; exit 1; }
    mkdir -p "$BIN/crds" && cp "$dir"/config/crd/snapshot.storage.k8s.io_*.yaml "$BIN/crds/" && chmod 644 "$BIN"/crds/*.yaml ) \
    || die "could not fetch the VolumeSnapshot CRDs (external-snapshotter client $SNAPSHOTTER_VERSION)"
  say "snapshot CRDs: external-snapshotter $SNAPSHOTTER_VERSION"
fi

say "versions: $("$BIN/kube-apiserver" --version) | $("$BIN/etcd" --version | head -1) | $("$BIN/minio" --version | head -1) | pulumi $("$BIN/pulumi" version)"
say "cache: $BIN ($(size "$BIN"))"
echo "$BIN"
