#!/usr/bin/env bash
# `npm run bench`: backup/restore speed and memory beside their floors (see bench/bench.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
exec node dist/bench/bench.js "$@"
