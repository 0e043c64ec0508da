import { defineConfig } from "vitest/config";

// Two projects: `unit` (pure logic, no services) and `integration` (real etcd, kube-apiserver,
// kube-controller-manager, MinIO and the Pulumi CLI, started once per run by the global setup).
export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.spec.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.integ.spec.ts", "test/e2e/**/*.e2e.spec.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          pool: "forks",
          maxWorkers: 2,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
