#!/usr/bin/env bash
# `npm test`: unit tests, then integration and end-to-end tests against the real local stack
# (etcd, kube-apiserver, kube-controller-manager, MinIO, Pulumi CLI), which the vitest global setup
# starts in a temporary folder and stops at the end. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# vitest strips types without checking them: a type error in a test would otherwise go unseen.
tsc -p tsconfig.test.json
# The linter and the formatter's check (npm run lint): a violation fails the run before any test.
eslint .
prettier --check . --log-level warn
exec vitest run "$@"
