import { describe, expect, it } from "vitest";
import { drillRows } from "../../../../cli/drill/format";
import { describeDrill } from "../../../../provider/engine/drill/report";
import type { DrillRecord } from "../../../../provider/format/drill";

const passed: DrillRecord = {
  format: 1,
  drill: "orders-db",
  runId: "20261202t020500z-a1b2c3",
  backupName: "nightly-1",
  plan: "production-db-daily",
  storageLocation: "main",
  phase: "Passed",
  startedAt: "2026-12-02T02:05:00.123Z",
  completedAt: "2026-12-02T02:06:30.623Z",
  rtoSeconds: 41.2,
  namespaces: { production: "drill-a1b2c3-production" },
  restored: { objects: 12, skipped: 5, failed: 0, archiveBytes: 20480, volumes: 1, volumeBytes: 1 << 30 },
  unhealthy: [],
  checks: [
    {
      name: "orders-count",
      passed: true,
      target: "exec drill-a1b2c3-production/postgres-0 (postgres): psql",
      output: "3\n",
      seconds: 0.4,
    },
  ],
  cleanup: { deleted: ["drill-a1b2c3-production"], kept: [] },
};

describe("hks drill output", () => {
  it("describes a passed run in a few exact lines", () => {
    expect(describeDrill(passed)).toEqual([
      "drill orders-db run 20261202t020500z-a1b2c3: Passed",
      "  backup:     nightly-1 of plan production-db-daily in main",
      "  restored:   12 objects (5 skipped, 0 failed) from 20.0 KiB; 1 volume(s) of 1.0 GiB",
      "  namespaces: production -> drill-a1b2c3-production",
      "  RTO:        41.2s (restore start to all healthy)",
      "  check orders-count: passed (0.4s) exec drill-a1b2c3-production/postgres-0 (postgres): psql",
      "    | 3",
      "  clean-up:   1 namespace(s) deleted",
      "  took:       90.5s",
    ]);
  });

  it("says why a run failed, what was unhealthy and what was kept", () => {
    const failed: DrillRecord = {
      ...passed,
      phase: "Failed",
      reason: "not healthy within the deadline: Deployment d/web: 0/1 replicas available",
      rtoSeconds: undefined,
      unhealthy: ["Deployment d/web: 0/1 replicas available", "Pod d/web-1: container web: ErrImageNeverPull"],
      checks: [],
      cleanup: { deleted: [], kept: ["drill-a1b2c3-production"] },
    };
    const lines = describeDrill(failed);
    expect(lines[0]).toBe(
      "drill orders-db run 20261202t020500z-a1b2c3: Failed (not healthy within the deadline: Deployment d/web: " +
        "0/1 replicas available)",
    );
    expect(lines).toContain("  RTO:        not reached");
    expect(lines).toContain("  unhealthy:  Pod d/web-1: container web: ErrImageNeverPull");
    expect(lines).toContain(
      "  clean-up:   kept drill-a1b2c3-production for inspection (keepOnFailure); delete them with kubectl " +
        "delete ns when done",
    );
  });

  it("lists runs as table rows", () => {
    expect(drillRows([passed])).toEqual([["2026-12-02T02:05:00Z", "orders-db", "nightly-1", "Passed", "41.2s", "1/1"]]);
  });
});
