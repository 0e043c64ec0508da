#!/usr/bin/env bash
# Shared by `npm test` and `npm run demo`: installs what a fresh clone is missing (npm packages with
# Node 24, the Debian packages below), builds the local tools and the node's (cached under
# ~/.cache/hks-backup/tools) and compiles the TypeScript. Idempotent and quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*" >&2; }
built=0
if [ ! -x node_modules/.bin/node ] || [ ! -d node_modules/@pulumi/pulumi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (Node 24 comes from the npm package 'node') ..."
  npm ci --no-audit --no-fund --loglevel=error
  # Its `prepare` script linked the package and built dist/ (scripts/build-package.js --prepare).
  built=1
fi
export PATH="$PWD/node_modules/.bin:$PATH"
case "$(node --version)" in v2[4-9].*|v[3-9]*) ;; *) say "error: node_modules/.bin/node is $(node --version), expected >= 24: run 'npm ci'"; exit 1;; esac
# Debian packages: `age` for the format tests; the node's container runtime (containerd, runc), its
# network plugins (bridge, host-local, portmap, loopback in /usr/lib/cni) and iptables; the
# Prometheus Pushgateway that `hks metrics --pushgateway` is tested against (the tests start their
# own on a loopback port; on a host with systemd, apt also starts the package's service on :9091);
# Chromium, the browser the dashboard's tests drive (playwright-core never downloads one).
missing=()
has() { command -v "$1" >/dev/null 2>&1 || [ -e "$1" ]; }
has age || missing+=(age)
has containerd || missing+=(containerd)
has runc || missing+=(runc)
has /usr/lib/cni/bridge || missing+=(containernetworking-plugins)
has iptables || missing+=(iptables)
has prometheus-pushgateway || missing+=(prometheus-pushgateway)
has chromium || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]} ..."
    # Quiet when it works; on failure the user sees apt's own output.
    log=$(mktemp); trap 'rm -f "$log"' EXIT
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$log" 2>&1; then
      say "apt-get install failed; updating the package lists and trying again"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1 || { cat "$log" >&2; say "error: could not install ${missing[*]} (apt-get output above)"; exit 1; }
    fi
  else
    say "error: missing ${missing[*]}; install them as root (Debian/Ubuntu: sudo apt-get install ${missing[*]}; the node needs root anyway)"; exit 1
  fi
fi
mkdir -p "$HOME/.cache/hks-backup/tools"
# The local node's container images (pause, busybox, postgres, the runner; cached, rebuilt on
# change), built beside the Go tools: a cold image build mostly waits on downloads, not on the CPU.
bash scripts/test-infra/images.sh >/dev/null &
images=$!
flock -w 5400 "$HOME/.cache/hks-backup/tools/.build.lock" bash scripts/test-infra/build.sh >/dev/null
wait "$images" || { say "error: the image build failed (its messages above)"; exit 1; }
# The sources may have changed since the last build; right after `npm ci` they have not (building
# again cost 22 s of CPU in every fresh clone).
if [ "$built" = 0 ]; then
  node scripts/link-self.js
  tsc -p tsconfig.json
  node scripts/bundle-vendor.js --quiet
fi
