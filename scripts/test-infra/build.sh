#!/usr/bin/env bash
# Builds the real local stack from Go modules and caches the binaries outside the repo.
#   base tools (~/.cache/hks-backup/tools/k8s<v>-etcd<v>-minio<d>-pulumi<v>):
#     etcd, kube-apiserver, kube-controller-manager, MinIO, pulumi + pulumi-language-nodejs, snapshot CRDs
#   the Kubernetes provider plugin (~/.cache/hks-backup/tools/pulumi-kubernetes<v>, part of base):
#     pulumi-resource-kubernetes, which @pulumi/kubernetes programs need (`hks dev up` installs it)
#   node tools (~/.cache/hks-backup/tools/node-k8s<v>-snapshotter<v>-provisioner<v>):
#     kubelet, kube-scheduler, snapshot-controller, csi-snapshotter, csi-provisioner, and the project's
#     hostpath CSI driver (test/csi-hostpath, cached under a hash of its source)
# Idempotent: each step is skipped when its binaries are in the cache. Three lanes run side by side,
# grouped by the Go dependency set they share (so a lane reuses its own build cache):
#   kubernetes: etcd -> apiserver + kcm -> kubelet + scheduler
#   others:     MinIO -> Pulumi CLI -> language host -> snapshot CRDs
#   csi:        CSI driver -> snapshot-controller + csi-snapshotter -> csi-provisioner (k8s.io v0.37 / v0.33: nothing shared)
#               -> pulumi-resource-kubernetes (k8s.io v0.33.3, pulumi 3.215: little shared with any lane;
#               here because this lane ends first: in the cold build of 2026-12-02, 3 lanes + the image
#               build on 2 cores, it took 55.5 min, the others 60.5 and 60.6)
# Each step logs to $HKS_BUILD_LOGS/<step>.log (default ~/.cache/hks-backup/build-logs); a failure names
# the step and that file. Usage: build.sh [base|node|all|STEP...] (default all). HKS_BUILD_LANES=1 runs the
# lanes one after another. HKS_PULUMI_PLUGINS=1 adds the Kubernetes provider plugin (step k8sprovider). Stdout: `node-tools=<dir>`, `csi-driver=<binary>`,
# `kubernetes-provider=<binary>` and `kubernetes-provider-version=<v>`, then the base folder last.
set -euo pipefail

WHAT=${1:-all}; ONLY=()
case "$WHAT" in base|node|all) ;; etcd|kubernetes|minio|pulumi|langhost|crds|k8sprovider|kubelet|snapshotter|provisioner|csidriver) ONLY=("$@"); WHAT=all;;
  *) echo "usage: build.sh [base|node|all|STEP...]" >&2; exit 2;; esac
K8S_VERSION=${K8S_VERSION:-1.35.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
PULUMI_VERSION=${PULUMI_VERSION:-3.274.1}
# The newest MinIO the module proxy serves (the repository is archived; RELEASE.2025-10-15 is no
# longer served: "403 This module version is not available").
MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
SNAPSHOTTER_VERSION=${SNAPSHOTTER_VERSION:-v8.7.0}
# The only external-provisioner version the module proxy serves.
PROVISIONER_VERSION=${PROVISIONER_VERSION:-v5.3.0}
# The Pulumi Kubernetes provider plugin, the version @pulumi/kubernetes in package.json pins. Its module
# (provider/v4) is untagged: the only version the module proxy serves is the commit of v4.25.0.
K8S_PROVIDER_VERSION=${K8S_PROVIDER_VERSION:-4.25.0}
K8S_PROVIDER_MODULE=${K8S_PROVIDER_MODULE:-v4.0.0-20260115033456-f47bc2d6f199}
BIN=${HKS_TOOLS_DIR:-$HOME/.cache/hks-backup/tools/k8s$K8S_VERSION-etcd$ETCD_VERSION-minio20260212-pulumi$PULUMI_VERSION}
NBIN=${HKS_NODE_TOOLS_DIR:-$HOME/.cache/hks-backup/tools/node-k8s$K8S_VERSION-snapshotter${SNAPSHOTTER_VERSION#v}-provisioner${PROVISIONER_VERSION#v}}
KBIN=${HKS_K8S_PROVIDER_DIR:-$HOME/.cache/hks-backup/tools/pulumi-kubernetes$K8S_PROVIDER_VERSION}
LOGS=${HKS_BUILD_LOGS:-$HOME/.cache/hks-backup/build-logs}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CSI_SRC=$ROOT/test/csi-hostpath

say() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] error: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go >= 1.24 (https://go.dev/doc/install) and make sure 'go' is on PATH."
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to read 'go mod download -json' output)."

export CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOFLAGS=-mod=mod
mkdir -p "$BIN" "$NBIN" "$KBIN" "$LOGS"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
jf() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);
  for (const k of process.argv[1].split(".")) v=v?.[k]; console.log(v ?? "")})' "$1"; }
wrap() { mkdir "$work/$1" && cd "$work/$1" && { go mod init "local/$1" >"$work/$1.init.log" 2>&1 || { cat "$work/$1.init.log" >&2; return 1; }; }; }
K=k8s.io/kubernetes/cmd; P=github.com/pulumi/pulumi
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s/60)) $((s%60)); }
size() { du -shc "$@" 2>/dev/null | tail -1 | awk '{print $1}'; }
CSI_HASH=$( (cd "$CSI_SRC" && cat go.mod go.sum ./*.go) | sha256sum | cut -c1-12)
CSI_BIN=$NBIN/hks-csi-hostpath-$CSI_HASH

# --- the steps: name, group, binaries it produces, build function -----------------------------------
STEPS=(etcd kubernetes minio pulumi langhost crds k8sprovider kubelet snapshotter provisioner csidriver)
group() { case "$1" in kubelet|snapshotter|provisioner|csidriver) echo node;; *) echo base;; esac; }
title() { case "$1" in
  etcd) echo "etcd $ETCD_VERSION";;
  kubernetes) echo "kube-apiserver + kube-controller-manager v$K8S_VERSION";;
  minio) echo "MinIO $MINIO_VERSION";;
  pulumi) echo "Pulumi CLI v$PULUMI_VERSION";;
  langhost) echo "pulumi-language-nodejs";;
  crds) echo "VolumeSnapshot CRDs (external-snapshotter client $SNAPSHOTTER_VERSION)";;
  k8sprovider) echo "pulumi-resource-kubernetes v$K8S_PROVIDER_VERSION";;
  kubelet) echo "kubelet + kube-scheduler v$K8S_VERSION";;
  snapshotter) echo "snapshot-controller + csi-snapshotter $SNAPSHOTTER_VERSION";;
  provisioner) echo "csi-provisioner $PROVISIONER_VERSION";;
  csidriver) echo "hks hostpath CSI driver (test/csi-hostpath)";;
esac; }
outputs() { case "$1" in
  etcd) echo "$BIN/etcd";;
  kubernetes) echo "$BIN/kube-apiserver $BIN/kube-controller-manager";;
  minio) echo "$BIN/minio";;
  pulumi) echo "$BIN/pulumi";;
  langhost) echo "$BIN/pulumi-language-nodejs";;
  crds) echo "$BIN/crds/snapshot.storage.k8s.io_volumesnapshots.yaml";;
  k8sprovider) echo "$KBIN/pulumi-resource-kubernetes";;
  kubelet) echo "$NBIN/kubelet $NBIN/kube-scheduler";;
  snapshotter) echo "$NBIN/snapshot-controller $NBIN/csi-snapshotter";;
  provisioner) echo "$NBIN/csi-provisioner";;
  csidriver) echo "$CSI_BIN";;
esac; }
present() { local f; for f in $(outputs "$1"); do [ -e "$f" ] || return 1; done; }

# The Kubernetes wrapper module: k8s.io/kubernetes' go/godebug lines and one replace per staging
# module (its go.mod points them at ./staging, which is not in the module zip).
k8s_wrapper() {
  wrap "$1"
  gm=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | jf GoMod)
  [ -f "$gm" ] || { echo "cannot download k8s.io/kubernetes@v$K8S_VERSION"; return 1; }
  go mod edit -go="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gm")"
  gd=$(sed -n 's/^godebug \(default=.*\)/\1/p' "$gm"); [ -z "$gd" ] || go mod edit -godebug="$gd"
  mods=$(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$gm")
  [ -n "$mods" ] || { echo "no staging replaces in $gm"; return 1; }
  for m in $mods; do go mod edit "-replace=$m=$m@v0.${K8S_VERSION#1.}"; done
  K8S_LDFLAGS="-s -w"; for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    K8S_LDFLAGS="$K8S_LDFLAGS -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION") -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"; done
}

build_etcd() {
  wrap etcd && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" &&
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
}
build_kubernetes() {
  k8s_wrapper k8s && go get "$K/kube-apiserver@v$K8S_VERSION" "$K/kube-controller-manager@v$K8S_VERSION" &&
  go build -trimpath -ldflags "$K8S_LDFLAGS" -o "$BIN/" "$K/kube-apiserver" "$K/kube-controller-manager"
}
# Same wrapper and versions as the apiserver: the lane runs it after build_kubernetes, so most
# packages come from the Go build cache.
build_kubelet() {
  k8s_wrapper k8s-node && go get "$K/kubelet@v$K8S_VERSION" "$K/kube-scheduler@v$K8S_VERSION" &&
  go build -trimpath -ldflags "$K8S_LDFLAGS" -o "$NBIN/" "$K/kubelet" "$K/kube-scheduler"
}
build_minio() {
  # MinIO is built as the main module, in its downloaded module folder, so its own replaces apply.
  cd "$work"; dir=$(GOFLAGS= go mod download -json "github.com/minio/minio@$MINIO_VERSION" | jf Dir)
  [ -d "$dir" ] || { echo "cannot download github.com/minio/minio@$MINIO_VERSION"; return 1; }
  cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$BIN/minio" .
}
build_pulumi() {
  wrap pulumi && go get "$P/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" "$P/sdk/v3@v$PULUMI_VERSION" || return 1
  for m in pkg/v3 sdk/v3; do
    v=$(go list -m -f '{{.Version}}' "$P/$m"); [ "$v" = "v$PULUMI_VERSION" ] || { echo "$m drifted to $v"; return 1; }; done
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X $P/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$BIN/pulumi" "$P/pkg/v3/cmd/pulumi"
}
# The Node.js language host. Upstream it is the untagged module .../sdk/nodejs/cmd/pulumi-language-nodejs/v3,
# fetched at the commit of pkg/v3.$PULUMI_VERSION; that needs the commit hash (Origin.Hash), which the module
# proxy here does not report, and it refuses to list the module's pseudo-versions. The newest version the
# proxy serves that still ships the language host inside the tagged sdk/v3 module is v3.68.0: its
# RunRequest -> `node @pulumi/pulumi/cmd/run --monitor ... <program>` contract is what @pulumi/pulumi 3.270 reads.
LANGHOST_SDK_VERSION=${LANGHOST_SDK_VERSION:-v3.68.0}
build_langhost() {
  wrap langhost
  lh=$(go mod download -json "$P/pkg/v3@v$PULUMI_VERSION" | jf Origin.Hash)
  if [ -n "$lh" ] && go get "$P/sdk/nodejs/cmd/pulumi-language-nodejs/v3@$lh"; then
    pkg="$P/sdk/nodejs/cmd/pulumi-language-nodejs/v3"; ver="v$PULUMI_VERSION"
  else
    echo "the commit of pkg/v3@v$PULUMI_VERSION is not available from the module proxy; using the language host of sdk/v3@$LANGHOST_SDK_VERSION"
    go get "$P/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$LANGHOST_SDK_VERSION" || return 1
    pkg="$P/sdk/v3/nodejs/cmd/pulumi-language-nodejs"; ver="$LANGHOST_SDK_VERSION"
  fi
  go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X $P/sdk/v3/go/common/version.Version=$ver" \
    -o "$BIN/pulumi-language-nodejs" "$pkg"
}
# The snapshot.storage.k8s.io/v1 CRDs, as a CSI-enabled cluster has them, from the external-snapshotter
# client module (the same files its release installs). Installed by `hks dev up`.
build_crds() {
  cd "$work"; dir=$(GOFLAGS= go mod download -json "github.com/kubernetes-csi/external-snapshotter/client/v8@$SNAPSHOTTER_VERSION" | jf Dir)
  [ -d "$dir/config/crd" ] || { echo "no config/crd in external-snapshotter client $SNAPSHOTTER_VERSION"; return 1; }
  mkdir -p "$BIN/crds" && cp "$dir"/config/crd/snapshot.storage.k8s.io_*.yaml "$BIN/crds/" && chmod 644 "$BIN"/crds/*.yaml
}
# The Kubernetes provider plugin, built as the main module from a writable copy: its go.mod replaces
# sdk/v4 with ../sdk (not in the module zip), so that replace is dropped and the published sdk/v4 of the
# same release required instead; main.go embeds schema-embed.json and terraform-mapping-embed.json,
# which are generated (not in the zip) from the schema.json and terraform-mapping.json next to it,
# with the version written into the schema. The version is also linked in: the plugin reports it.
# Cold (module downloads included) on 2026-12-02, under nice on the 2 shared cores (load 5-13): 37m28s,
# 26 min user + 6.6 min system CPU (go run generate.go 3 min; the generated sdk/v4 Go packages are
# most of the rest); the binary is 159 MiB.
build_k8sprovider() {
  local pk=github.com/pulumi/pulumi-kubernetes
  cd "$work"; dir=$(GOFLAGS= go mod download -json "$pk/provider/v4@$K8S_PROVIDER_MODULE" | jf Dir)
  [ -f "$dir/cmd/pulumi-resource-kubernetes/generate.go" ] || { echo "cannot download $pk/provider/v4@$K8S_PROVIDER_MODULE"; return 1; }
  cp -r "$dir" "$work/k8sprovider" && chmod -R u+w "$work/k8sprovider" && cd "$work/k8sprovider" &&
  go mod edit "-dropreplace=$pk/sdk/v4" "-require=$pk/sdk/v4@v$K8S_PROVIDER_VERSION" &&
  ( cd cmd/pulumi-resource-kubernetes && VERSION=$K8S_PROVIDER_VERSION go run generate.go ) &&
  go build -trimpath -ldflags "-s -w -X $pk/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
    -o "$KBIN/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
}
# external-snapshotter is built as the main module (its replaces apply) from a writable copy: its
# go.mod replaces client/v8 with ./client, a nested module that is not in the module zip, so the
# replace is re-pointed at the published client module of the same version.
build_snapshotter() {
  cd "$work"; dir=$(GOFLAGS= go mod download -json "github.com/kubernetes-csi/external-snapshotter/v8@$SNAPSHOTTER_VERSION" | jf Dir)
  [ -d "$dir" ] || { echo "cannot download external-snapshotter/v8@$SNAPSHOTTER_VERSION"; return 1; }
  cp -r "$dir" "$work/snapshotter" && chmod -R u+w "$work/snapshotter" && cd "$work/snapshotter" &&
  go mod edit "-replace=github.com/kubernetes-csi/external-snapshotter/client/v8=github.com/kubernetes-csi/external-snapshotter/client/v8@$SNAPSHOTTER_VERSION" &&
  go build -trimpath -ldflags "-s -w -X main.version=$SNAPSHOTTER_VERSION" -o "$NBIN/" ./cmd/snapshot-controller ./cmd/csi-snapshotter
}
build_provisioner() {
  cd "$work"; dir=$(GOFLAGS= go mod download -json "github.com/kubernetes-csi/external-provisioner/v5@$PROVISIONER_VERSION" | jf Dir)
  [ -d "$dir" ] || { echo "cannot download external-provisioner/v5@$PROVISIONER_VERSION"; return 1; }
  cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w -X main.version=$PROVISIONER_VERSION" -o "$NBIN/csi-provisioner" ./cmd/csi-provisioner
}
build_csidriver() {
  cd "$CSI_SRC" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" -o "$CSI_BIN.tmp" . &&
  mv "$CSI_BIN.tmp" "$CSI_BIN" && find "$NBIN" -maxdepth 1 -name 'hks-csi-hostpath-*' ! -name "hks-csi-hostpath-$CSI_HASH" -delete
}

# --- the plan: numbers fixed up front, so the counter reads the same from first to last line --------
selected=()
for s in "${STEPS[@]}"; do
  g=$(group "$s"); { [ "$WHAT" = all ] || [ "$WHAT" = "$g" ]; } || continue
  [ ${#ONLY[@]} -eq 0 ] || [[ " ${ONLY[*]} " == *" $s "* ]] || continue
  # The Kubernetes provider plugin (33 CPU-minutes cold) only for those who ask: `npm test` (its
  # examples test runs a @pulumi/kubernetes program) sets HKS_PULUMI_PLUGINS=1; the demo does not need it.
  [ "$s" != k8sprovider ] || [ "${HKS_PULUMI_PLUGINS:-0}" = 1 ] || [ ${#ONLY[@]} -gt 0 ] || continue
  selected+=("$s")
done
total=${#selected[@]}
num() { local i; for i in "${!selected[@]}"; do [ "${selected[$i]}" = "$1" ] && { echo $((i+1)); return; }; done; echo 0; }
todo=0; for s in "${selected[@]}"; do present "$s" || todo=$((todo+1)); done
[ "$todo" -eq 0 ] || say "$todo of $total steps to build (logs: $LOGS; a cold build takes 30-60 minutes)"

# Runs one step: skipped when cached, else built with its output in its log; returns non-zero on failure.
run_step() {
  local s=$1 n; n=$(num "$s"); [ "$n" -gt 0 ] || return 0
  if present "$s"; then [ "$todo" -eq 0 ] || say "[$n/$total] $(title "$s"): cached"; return 0; fi
  local log="$LOGS/$s.log" t0; t0=$(date +%s)
  say "[$n/$total] $(title "$s") ..."
  if ( "build_$s" ) >"$log" 2>&1 && present "$s"; then
    say "[$n/$total] $(title "$s"): built in $(elapsed "$t0") ($(size $(outputs "$s")))"
    echo "built in $(elapsed "$t0")" >>"$log"
  else
    say "[$n/$total] $(title "$s"): FAILED after $(elapsed "$t0"); log: $log"
    grep -v '^go: downloading' "$log" | tail -n 15 | sed 's/^/[tools]   /' >&2
    return 1
  fi
}
lane() { local s; for s in "$@"; do run_step "$s" || return 1; done; }

LANES=("etcd kubernetes kubelet" "minio pulumi langhost crds" "csidriver snapshotter provisioner k8sprovider")
failed=0
if [ "${HKS_BUILD_LANES:-3}" = 1 ]; then
  for l in "${LANES[@]}"; do lane $l || failed=1; done
else
  pids=(); for l in "${LANES[@]}"; do lane $l & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
fi
[ "$failed" = 0 ] || die "the tool build failed (see the FAILED lines above); fix it and run again: finished steps stay cached"

# The dynamic-provider plugin next to `pulumi`, where the CLI looks for bundled plugins first (on PATH
# it works too, with a warning on every run). It starts @pulumi/pulumi's dynamic provider resolved
# from the project folder, so each project uses its own SDK version.
if [ "$WHAT" != node ] && [ ! -x "$BIN/pulumi-resource-pulumi-nodejs" ]; then
  cat > "$BIN/pulumi-resource-pulumi-nodejs" <<'SHIM'
#!/bin/sh
script=$(node -e "console.log(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))") || exit 1
exec node "$script" "$@"
SHIM
  chmod 755 "$BIN/pulumi-resource-pulumi-nodejs"
fi

if [ "$todo" -gt 0 ]; then
  [ "$WHAT" = node ] || [ ${#ONLY[@]} -gt 0 ] || say "versions: $("$BIN/kube-apiserver" --version) | $("$BIN/etcd" --version | head -1) | $("$BIN/minio" --version | head -1) | pulumi $("$BIN/pulumi" version)"
  [ "$WHAT" = base ] || [ ${#ONLY[@]} -gt 0 ] || say "node: $("$NBIN/kubelet" --version) | $("$NBIN/csi-provisioner" --version 2>&1 | head -1)"
  say "cache: $BIN ($(size "$BIN")), $NBIN ($(size "$NBIN")), $KBIN ($(size "$KBIN"))"
fi
[ "$WHAT" = base ] || { echo "node-tools=$NBIN"; echo "csi-driver=$CSI_BIN"; }
# The plugin when it was built (now or before): `hks dev up` installs it into the stack's PULUMI_HOME.
[ "$WHAT" = node ] || ! present k8sprovider || { echo "kubernetes-provider=$KBIN/pulumi-resource-kubernetes"; echo "kubernetes-provider-version=$K8S_PROVIDER_VERSION"; }
echo "$BIN"
