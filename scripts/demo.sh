#!/usr/bin/env bash
# `npm run demo`: installs what is missing, starts the embedded local environment (etcd,
# kube-apiserver, kube-controller-manager, MinIO), runs `pulumi up` on the root Pulumi.yaml program
# (examples/quickstart) with a local file backend, and prints what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
node bin/hks.js dev up
eval "$(node bin/hks.js dev env)"
say() { printf '[demo] %s\n' "$*" >&2; }
node bin/hks.js dev sample-app production
# The stack's settings file (Pulumi.demo.yaml) is made here, on this machine, with this environment's
# passphrase; it is never committed (.gitignore). A failure shows Pulumi's own message.
pulumi stack select demo --create --non-interactive
pulumi config set s3Endpoint "$AWS_ENDPOINT_URL" --non-interactive
pulumi config set --secret s3AccessKeyId "$AWS_ACCESS_KEY_ID" --non-interactive
pulumi config set --secret s3SecretAccessKey "$AWS_SECRET_ACCESS_KEY" --non-interactive
say "pulumi up (stack 'demo', state in $PULUMI_BACKEND_URL)"
pulumi up --yes --skip-preview --non-interactive
node scripts/demo-report.js
