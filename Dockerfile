# The hks runner image: what a BackupPlan's CronJob runs. The CronJob's container spells out this
# image's ENTRYPOINT as its command and adds `run-plan <plan> --namespace <ns>` as args; a unit test
# (test/unit/kube/plan-install-dockerfile.spec.ts) keeps the two in step.
#
#   docker build -t ghcr.io/hks-backup/runner:$(node -p 'require("./package.json").version') .
#
# The tag must be the package version: that is the BackupPlan's default `runner.image`.
# BASE_IMAGE stays node:24-slim for releases; the local test node builds this file with buildah on a
# locally made equivalent (scripts/test-infra/images.sh: --build-arg BASE_IMAGE=localhost/hks-dev/node:24-slim).
ARG BASE_IMAGE=node:24-slim

# Stage 1: compile TypeScript to dist/ (dev dependencies stay in this stage).
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts: the package's `prepare` script compiles, which needs the sources copied below.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY sdk/ ./sdk/
COPY provider/ ./provider/
COPY cli/ ./cli/
# The policy pack's rules: the dashboard refuses the restores they refuse.
COPY policy/ ./policy/
# The image's node runs tsc directly: `npx` would put node_modules/.bin first on PATH, where the
# `node` devDependency's launcher (its binary download skipped by --ignore-scripts) would shadow it.
RUN node node_modules/typescript/bin/tsc -p tsconfig.json
# One-file builds of the Kubernetes client and age (provider/vendor.ts): each run of the CronJob loads
# them ~0.4 s of CPU faster than the packages' thousand modules.
COPY scripts/bundle-vendor.js ./scripts/
RUN node scripts/bundle-vendor.js

# Stage 2: production dependencies + compiled code, run as the non-root `node` user (uid 1000).
FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin/ ./bin/
COPY --from=build /src/dist/ ./dist/
USER node
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "/app/bin/hks.js"]
