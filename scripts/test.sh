#!/usr/bin/env bash
# `npm test`: unit tests, then integration and end-to-end tests against the real local stack
# (etcd, kube-apiserver, kube-controller-manager, MinIO, Pulumi CLI), which the vitest global setup
# starts in a temporary folder and stops at the end; then, on its own, a fresh clone's `npm run demo`
# (test/newcomer), which starts its own local environment. Extra arguments go to the first vitest run
# and skip the newcomer run (e.g. `npm test -- test/unit/plan`).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests run a @pulumi/kubernetes program: build its provider plugin too (the demo does not).
export HKS_PULUMI_PLUGINS=1
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# vitest strips types without checking them: a type error in a test would otherwise go unseen.
tsc -p tsconfig.test.json
# The linter and the formatter's check (npm run lint): a violation fails the run before any test.
eslint .
prettier --check . --log-level warn
HKS_TEST_TOTALS=$(mktemp); export HKS_TEST_TOTALS; trap 'rm -f "$HKS_TEST_TOTALS"' EXIT
status=0
vitest run --project unit --project integration "$@" || status=$?
if [ $# -eq 0 ]; then vitest run --project newcomer || status=$?; fi
# One closing line for the whole run: the sum of every vitest run's counts.
awk '{p+=$1; f+=$2; s+=$3; e+=$4} END {printf "\n%d passed, %d failed, %d skipped", p, f, s;
  if (e > 0) printf ", %d unhandled error%s", e, (e == 1 ? "" : "s"); printf "\n"}' "$HKS_TEST_TOTALS"
exit "$status"
