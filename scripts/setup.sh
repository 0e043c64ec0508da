#!/usr/bin/env bash
# Shared by `npm test` and `npm run demo`: installs what a fresh clone is missing (npm packages with
# Node 24, the `age` CLI used by the format tests), builds the local tools (cached under
# ~/.cache/hks-backup/tools) and compiles the TypeScript. Idempotent and quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '[setup] %s\n' "$*" >&2; }
if [ ! -x node_modules/.bin/node ] || [ ! -d node_modules/@pulumi/pulumi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (Node 24 comes from the npm package 'node') ..."
  npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/node_modules/.bin:$PATH"
case "$(node --version)" in v2[4-9].*|v[3-9]*) ;; *) say "error: node_modules/.bin/node is $(node --version), expected >= 24: run 'npm ci'"; exit 1;; esac
if ! command -v age >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing the 'age' command (Debian package age) ..."
    # Quiet when it works; on failure the user sees apt's own output.
    log=$(mktemp); trap 'rm -f "$log"' EXIT
    if ! apt-get install -y -qq age >"$log" 2>&1; then
      say "apt-get install age failed; updating the package lists and trying again"
      { apt-get update -qq && apt-get install -y -qq age; } >"$log" 2>&1 || { cat "$log" >&2; say "error: could not install 'age' (apt-get output above)"; exit 1; }
    fi
  else
    say "error: the 'age' command is missing; install it (Debian/Ubuntu: sudo apt-get install age; macOS: brew install age)"; exit 1
  fi
fi
mkdir -p "$HOME/.cache/hks-backup/tools"
flock -w 5400 "$HOME/.cache/hks-backup/tools/.build.lock" bash scripts/test-infra/build.sh >/dev/null
node scripts/link-self.js
tsc -p tsconfig.json
