#!/usr/bin/env bash
# `npm test`: unit tests, then integration and end-to-end tests against the real local stack
# (etcd, kube-apiserver, kube-controller-manager, MinIO, Pulumi CLI), which the vitest global setup
# starts in a temporary folder and stops at the end; then, on its own, a fresh clone's `npm run demo`
# (test/newcomer), which starts its own local environment. Extra arguments go to the first vitest run
# and skip the newcomer run (e.g. `npm test -- test/unit/plan`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# vitest strips types without checking them: a type error in a test would otherwise go unseen.
tsc -p tsconfig.test.json
HKS_TEST_TOTALS=$(mktemp); export HKS_TEST_TOTALS; trap 'rm -f "$HKS_TEST_TOTALS"' EXIT
status=0
vitest run --project unit --project integration "$@" || status=$?
if [ $# -eq 0 ]; then vitest run --project newcomer || status=$?; fi
# One closing line for the whole run: the sum of every vitest run's counts.
awk '{p+=$1; f+=$2; s+=$3} END {printf "\n%d passed, %d failed, %d skipped\n", p, f, s}' "$HKS_TEST_TOTALS"
exit "$status"
