#!/usr/bin/env bash
# Builds Velero and its AWS (S3) object-store plugin from Go modules, for the bench's Velero peer
# (`npm run bench -- --peer velero`) only: neither `npm test` nor the demo asks for it.
#   ~/.cache/hks-backup/tools/velero<v>-aws<v>/velero                  (CLI and server, one binary)
#   ~/.cache/hks-backup/tools/velero<v>-aws<v>/velero-plugin-for-aws   (what `velero server` runs as a plugin)
# Idempotent: a binary already in the cache is not built again. Each step logs to
# $HKS_BUILD_LOGS/velero-<step>.log (default ~/.cache/hks-backup/build-logs); a failure names that file.
# Stdout: the cache folder (last line). Progress lines go to stderr.
#
# Velero v1.18.3 requires k8s.io/cli-runtime v0.33.12, which the module proxy here refuses ("403 This
# module version is not available"); v0.33.3 is served and builds. Velero is built as the main module
# (its own replace of github.com/kopia/kopia applies) from a writable copy with that one replace added.
# The AWS plugin (v1.14.3, on velero v1.18.1) resolves as published and is built in its module folder.
# Cold (modules already downloaded, about 30 s more otherwise) on 2026-12-02 under nice on the 2 shared
# cores (load 5-10 from other work): 22m57s wall, Velero 15m11s + plugin 7m45s; 17 min user + 5.6 min
# system CPU, 3.5 GiB peak RSS; binaries 101 + 83 MiB.
set -euo pipefail

VELERO_VERSION=${VELERO_VERSION:-v1.18.3}
VELERO_AWS_VERSION=${VELERO_AWS_VERSION:-v1.14.3}
CLI_RUNTIME_VERSION=${VELERO_CLI_RUNTIME_VERSION:-v0.33.3}
VBIN=${HKS_VELERO_DIR:-$HOME/.cache/hks-backup/tools/velero${VELERO_VERSION#v}-aws${VELERO_AWS_VERSION#v}}
LOGS=${HKS_BUILD_LOGS:-$HOME/.cache/hks-backup/build-logs}

say() { printf '[velero-tools] %s\n' "$*" >&2; }
die() { printf '[velero-tools] error: %s\n' "$*" >&2; exit 1; }
command -v go >/dev/null 2>&1 || die "Go is not installed. Install Go >= 1.26 and make sure 'go' is on PATH."
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed to read 'go mod download -json' output)."

export CGO_ENABLED=0 GOTOOLCHAIN=${GOTOOLCHAIN:-local}
mkdir -p "$VBIN" "$LOGS"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
jf() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v=JSON.parse(s);
  for (const k of process.argv[1].split(".")) v=v?.[k]; console.log(v ?? "")})' "$1"; }
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s/60)) $((s%60)); }
# The module's folder in the module cache (downloaded if needed).
moddir() { (cd "$work" && GOFLAGS= go mod download -json "$1" | jf Dir); }

V=github.com/vmware-tanzu/velero
build_velero() {
  local dir; dir=$(moddir "$V@$VELERO_VERSION")
  [ -d "$dir/cmd/velero" ] || { echo "cannot download $V@$VELERO_VERSION"; return 1; }
  cp -r "$dir" "$work/velero" && chmod -R u+w "$work/velero" && cd "$work/velero" &&
  go mod edit "-replace=k8s.io/cli-runtime=k8s.io/cli-runtime@$CLI_RUNTIME_VERSION" &&
  GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-s -w -X $V/pkg/buildinfo.Version=$VELERO_VERSION -X $V/pkg/buildinfo.GitSHA=module -X $V/pkg/buildinfo.GitTreeState=clean" \
    -o "$VBIN/velero.tmp" ./cmd/velero && mv "$VBIN/velero.tmp" "$VBIN/velero"
}
build_plugin() {
  local dir; dir=$(moddir "$V-plugin-for-aws@$VELERO_AWS_VERSION")
  [ -d "$dir/velero-plugin-for-aws" ] || { echo "cannot download $V-plugin-for-aws@$VELERO_AWS_VERSION"; return 1; }
  cd "$dir" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w" \
    -o "$VBIN/velero-plugin-for-aws.tmp" ./velero-plugin-for-aws &&
  mv "$VBIN/velero-plugin-for-aws.tmp" "$VBIN/velero-plugin-for-aws"
}

STEPS=(velero plugin)
title() { case "$1" in velero) echo "Velero $VELERO_VERSION";; plugin) echo "velero-plugin-for-aws $VELERO_AWS_VERSION";; esac; }
output() { case "$1" in velero) echo "$VBIN/velero";; plugin) echo "$VBIN/velero-plugin-for-aws";; esac; }
todo=0; for s in "${STEPS[@]}"; do [ -x "$(output "$s")" ] || todo=$((todo+1)); done
[ "$todo" -eq 0 ] || say "$todo of ${#STEPS[@]} steps to build (logs: $LOGS; cold, on 2 shared cores, about 25 minutes)"
T0=$(date +%s); n=0
for s in "${STEPS[@]}"; do
  n=$((n+1))
  if [ -x "$(output "$s")" ]; then [ "$todo" -eq 0 ] || say "[$n/${#STEPS[@]}] $(title "$s"): cached"; continue; fi
  log="$LOGS/velero-$s.log"; t0=$(date +%s)
  say "[$n/${#STEPS[@]}] $(title "$s") ..."
  if ( "build_$s" ) >"$log" 2>&1 && [ -x "$(output "$s")" ]; then
    say "[$n/${#STEPS[@]}] $(title "$s"): built in $(elapsed "$t0") ($(du -sh "$(output "$s")" | cut -f1))"
    echo "built in $(elapsed "$t0")" >>"$log"
  else
    say "[$n/${#STEPS[@]}] $(title "$s"): FAILED after $(elapsed "$t0"); log: $log"
    grep -v '^go: downloading' "$log" | tail -n 15 | sed 's/^/[velero-tools]   /' >&2
    die "the Velero build failed; fix it and run again: a built binary stays cached"
  fi
done
[ "$todo" -eq 0 ] || say "done in $(elapsed "$T0"): velero $("$VBIN/velero" version --client-only | sed -n 's/^[[:space:]]*Version: //p')"
echo "$VBIN"
