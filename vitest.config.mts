import * as os from "node:os";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

// Three projects: `unit` (pure logic, no services), `integration` (real etcd, kube-apiserver,
// kube-controller-manager, MinIO and the Pulumi CLI, started once per run by the global setup) and
// `newcomer` (a fresh clone's `npm run demo`, run beside the others by scripts/test.sh).

// Three files at a time: these tests mostly wait (Pods starting, a CronJob's next minute, controllers,
// pulumi's engine), and with two the 2-core CI machine was busy 70-80% of the run. The unit project
// has the same size: vitest runs both projects' files in one pool, which needs one size.
const WORKERS = 3;

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.spec.ts"],
          // Pure logic: the files share one module graph per worker instead of importing it again
          // for each file (CPU of the unit run 81 s -> 27 s).
          isolate: false,
          maxWorkers: WORKERS,
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.integ.spec.ts", "test/e2e/**/*.e2e.spec.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          // The CLI's record cache (provider/prepare/record-cache-file.ts) of the test buckets goes
          // to the temp folder, not the home of whoever runs the tests.
          env: {
            HKS_CACHE_DIR: path.join(os.tmpdir(), "hks-test-cache"),
            // V8's code cache for every Node.js process the tests start (pulumi programs, dynamic
            // providers, hks): loading @pulumi/pulumi costs 0.47 s of CPU with it, 0.75 s without.
            NODE_COMPILE_CACHE: path.join(os.tmpdir(), "hks-test-node-compile-cache"),
          },
          pool: "forks",
          // One module graph per worker, as for the unit files: each file imported the engine, the
          // Kubernetes and S3 clients again (about 0.5 s of CPU per file). A file that changes the
          // process (an environment variable) sets it with vi.stubEnv and ends it with vi.unstubAllEnvs.
          isolate: false,
          maxWorkers: WORKERS,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        // A fresh clone running `npm run demo`, with its own local environment: scripts/test.sh runs
        // this project in a vitest process of its own, beside the others.
        test: {
          name: "newcomer",
          include: ["test/newcomer/**/*.newcomer.spec.ts"],
          testTimeout: 60_000,
          hookTimeout: 45 * 60_000,
        },
      },
    ],
  },
});
