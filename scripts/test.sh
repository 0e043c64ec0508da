#!/usr/bin/env bash
# `npm test`: unit tests, then integration and end-to-end tests against the real local stack
# (etcd, kube-apiserver, kube-controller-manager, MinIO, Pulumi CLI), which the vitest global setup
# starts in a temporary folder and stops at the end; beside them, a fresh clone's `npm run demo`
# (test/newcomer), which starts its own local environment (own node slot, ports and run folder).
# Extra arguments go to the first vitest run and skip the newcomer run (e.g. `npm test -- test/unit/plan`).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests run a @pulumi/kubernetes program: build its provider plugin too (the demo does not).
export HKS_PULUMI_PLUGINS=1
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
HKS_TEST_TOTALS=$(mktemp); export HKS_TEST_TOTALS
newcomer_log=$(mktemp)
trap 'rm -f "$HKS_TEST_TOTALS" "$newcomer_log"' EXIT
status=0
# The newcomer's demo mostly waits (npm, its stack starting, pulumi): it runs beside everything below,
# sharing no cluster, bucket, port or node slot with the test environment. Its output comes at the end.
newcomer=""
if [ $# -eq 0 ]; then
  vitest run --project newcomer >"$newcomer_log" 2>&1 &
  newcomer=$!
fi
# The checks, side by side (each uses one core). A violation skips the tests below.
# Each keeps what it found per file content in a cache outside the repository, one per checkout: a
# run re-checks only the files that changed (53 s of CPU cold, 13 s warm). The type check's cache is
# TypeScript's own incremental build info (a file is checked again when anything it depends on
# changed); the lint rules look at one file at a time (no type information), so its cache is exact.
checks_cache="$HOME/.cache/hks-backup/checks/$(pwd | sha256sum | cut -c1-16)"
mkdir -p "$checks_cache"
# vitest strips types without checking them: a type error in a test would otherwise go unseen.
tsc -p tsconfig.test.json --incremental --tsBuildInfoFile "$checks_cache/test.tsbuildinfo" & tsc_pid=$!
# The linter and the formatter's check (npm run lint).
eslint --cache --cache-strategy content --cache-location "$checks_cache/eslint" . & eslint_pid=$!
prettier --check . --log-level warn --cache --cache-strategy content --cache-location "$checks_cache/prettier" ||
  status=$?
wait "$tsc_pid" || status=$?
wait "$eslint_pid" || status=$?
if [ "$status" -eq 0 ]; then
  vitest run --project unit --project integration "$@" || status=$?
else
  echo "type check, lint or format check failed (above): the tests did not run" >&2
fi
if [ -n "$newcomer" ]; then
  wait "$newcomer" || status=$?
  cat "$newcomer_log"
fi
# One closing line for the whole run: the sum of every vitest run's counts.
awk '{p+=$1; f+=$2; s+=$3; e+=$4} END {printf "\n%d passed, %d failed, %d skipped", p, f, s;
  if (e > 0) printf ", %d unhandled error%s", e, (e == 1 ? "" : "s"); printf "\n"}' "$HKS_TEST_TOTALS"
exit "$status"
