import { describe, expect, it } from "vitest";
import { InputError } from "../../../../provider/errors";
import { formatRestoreResult } from "../../../../provider/engine/restore/report";
import { latestBackupOfPlan } from "../../../../provider/engine/catalog/latest-of-plan";
import {
  MAX_WARNINGS,
  restorePhase,
  RestoreOutcomes,
  summarizeRestoreCounts,
} from "../../../../provider/engine/restore/result";
import { MAX_ITEMS_PER_REASON, type RestoreResult } from "../../../../provider/engine/restore/types";
import { boundedName } from "../../../../provider/engine/restore/volumes";
import { MemoryObjectStore } from "../../../../provider/store";
import { writeBackupFixture } from "../../../support/backup-fixture";

describe("RestoreOutcomes", () => {
  it("groups 10,000 existing objects into one reason with a count, naming the first few", () => {
    const o = new RestoreOutcomes();
    for (let i = 0; i < 10_000; i++) o.skipped(`configmaps/prod/c${i}`, "already exists");
    o.skipped("events/prod/e", "Events record history");
    const groups = o.skippedGroups();
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({ reason: "already exists", count: 10_000 });
    expect(groups[0].items).toHaveLength(MAX_ITEMS_PER_REASON);
    expect(groups[1]).toEqual({ reason: "Events record history", count: 1, items: ["events/prod/e"] });
    expect(o.counts()).toMatchObject({ total: 10_001, skipped: 10_001, restored: 0 });
  });

  it("counts created, updated and unchanged as restored; keeps warnings unique and bounded", () => {
    const o = new RestoreOutcomes();
    o.restored("created");
    o.restored("created");
    o.restored("updated");
    o.restored("unchanged");
    o.failed("secrets/prod/s", "HTTP 403: forbidden");
    expect(o.counts()).toEqual({ total: 5, restored: 4, created: 2, updated: 1, unchanged: 1, skipped: 0, failed: 1 });
    for (let i = 0; i < MAX_WARNINGS + 5; i++) o.warn(`w${i}`);
    o.warn("w0");
    expect(o.warnings()).toHaveLength(MAX_WARNINGS + 1);
    expect(o.warnings().at(-1)).toBe("... and 5 more warnings");
  });
});

describe("restorePhase", () => {
  it.each([
    { restored: 5, failed: 0, fatal: false, phase: "Completed" },
    { restored: 0, failed: 0, fatal: false, phase: "Completed" },
    { restored: 5, failed: 1, fatal: false, phase: "PartiallyFailed" },
    { restored: 0, failed: 3, fatal: false, phase: "Failed" },
    { restored: 5, failed: 0, fatal: true, phase: "Failed" },
  ])("restored $restored, failed $failed, fatal $fatal → $phase", ({ phase, ...o }) =>
    expect(restorePhase(o)).toBe(phase),
  );
});

describe("the report", () => {
  const result: RestoreResult = {
    restoreName: "clone",
    backupName: "b1",
    storageLocation: "main",
    targetCluster: "https://k8s:6443",
    phase: "PartiallyFailed",
    startedAt: "2026-01-01T00:00:00.000Z",
    completedAt: "2026-01-01T00:00:05.000Z",
    counts: { total: 12, restored: 8, created: 7, updated: 1, unchanged: 0, skipped: 3, failed: 1 },
    skipped: [
      { reason: "already exists", count: 3, items: ["configmaps/prod/a", "configmaps/prod/b", "configmaps/prod/c"] },
    ],
    failed: [{ reason: "HTTP 422: invalid", count: 1, items: ["configmaps/prod/bad"] }],
    warnings: ["PVC staging/data: the backup holds no snapshot of it; it gets a new empty volume"],
    createdNamespaces: [{ name: "staging", uid: "u" }],
    createdSnapshotContents: [],
    volumes: [{ claim: "staging/data", source: "none: the backup holds no snapshot of it" }],
    namespaceMapping: { prod: "staging" },
    objectsPerSecond: 1.6,
  };

  it("is short and exact, with counts and one line per reason", () => {
    expect(formatRestoreResult(result)).toEqual([
      "restore clone of backup b1 (location main, prod→staging) into https://k8s:6443",
      "  PartiallyFailed: 8 restored (7 created, 1 updated), 3 skipped, 1 failed",
      "  created namespaces: staging",
      "  failed:",
      "    1 × HTTP 422: invalid: configmaps/prod/bad",
      "  skipped:",
      "    3 × already exists: configmaps/prod/a, configmaps/prod/b, configmaps/prod/c",
      "  warnings:",
      "    PVC staging/data: the backup holds no snapshot of it; it gets a new empty volume",
      "  volumes:",
      "    staging/data: none: the backup holds no snapshot of it",
    ]);
  });

  it("adds timing when verbose, and says how many items a long group has", () => {
    const many = {
      ...result,
      skipped: [
        { reason: "already exists", count: 40, items: Array.from({ length: 20 }, (_, i) => `configmaps/prod/c${i}`) },
      ],
    };
    const lines = formatRestoreResult(many, true);
    expect(lines).toContain(
      "    40 × already exists: configmaps/prod/c0, configmaps/prod/c1, configmaps/prod/c2, ... (+37)",
    );
    expect(lines).toContain("    staging/data: none: the backup holds no snapshot of it");
    expect(lines.at(-1)).toBe("  started 2026-01-01T00:00:00.000Z, completed 2026-01-01T00:00:05.000Z (1.6 objects/s)");
  });

  it("summarizes counts", () => {
    expect(
      summarizeRestoreCounts("Completed", { restored: 3, created: 3, updated: 0, unchanged: 0, skipped: 0, failed: 0 }),
    ).toBe("Completed: 3 restored (3 created), 0 skipped, 0 failed");
  });
});

describe("latestBackupOfPlan", () => {
  it("picks the newest Completed backup of the plan, never a PartiallyFailed one or another plan's", async () => {
    const store = new MemoryObjectStore("plans");
    const at = (d: string) => new Date(d);
    await writeBackupFixture({
      store,
      name: "db-1",
      plan: "db",
      namespaces: ["prod"],
      objects: [],
      completedAt: at("2026-01-01T02:00:00Z"),
    });
    await writeBackupFixture({
      store,
      name: "db-2",
      plan: "db",
      namespaces: ["prod"],
      objects: [],
      completedAt: at("2026-01-02T02:00:00Z"),
    });
    await writeBackupFixture({
      store,
      name: "db-3",
      plan: "db",
      namespaces: ["prod"],
      objects: [],
      completedAt: at("2026-01-03T02:00:00Z"),
      phase: "PartiallyFailed",
    });
    await writeBackupFixture({
      store,
      name: "web-9",
      plan: "web",
      namespaces: ["prod"],
      objects: [],
      completedAt: at("2026-01-09T02:00:00Z"),
    });
    expect(await latestBackupOfPlan(store, "db")).toBe("db-2");
    expect(await latestBackupOfPlan(store, "web")).toBe("web-9");
  });

  it("explains when a plan has no usable backup", async () => {
    const store = new MemoryObjectStore("plans");
    await expect(latestBackupOfPlan(store, "db")).rejects.toThrow(InputError);
    await expect(latestBackupOfPlan(store, "db")).rejects.toThrow(/plan "db" has no backups in memory:\/\/plans/);
    await writeBackupFixture({
      store,
      name: "db-1",
      plan: "db",
      namespaces: ["prod"],
      objects: [],
      phase: "PartiallyFailed",
    });
    await expect(latestBackupOfPlan(store, "db")).rejects.toThrow(
      /has 1 backup\(s\) .* but none Completed; name a backup explicitly/,
    );
  });
});

describe("boundedName", () => {
  it("keeps short names and shortens long ones with a stable hash suffix", () => {
    expect(boundedName("data-clone")).toBe("data-clone");
    const long = `hks-${"r".repeat(200)}-staging-${"d".repeat(100)}`;
    const a = boundedName(long);
    expect(a.length).toBeLessThanOrEqual(253);
    expect(a).toMatch(/-[0-9a-f]{10}$/);
    expect(boundedName(long)).toBe(a);
    expect(boundedName(`${long}x`)).not.toBe(a);
  });
});
