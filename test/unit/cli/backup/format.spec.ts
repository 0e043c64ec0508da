/** What `hks backup` prints: exact text for create, list rows and JSON, describe. */
import { describe, expect, it } from "vitest";
import { createdText, describeText, EXIT_CODE, summaryJson, summaryRows } from "../../../../cli/backup/format";
import type { BackupResult } from "../../../../provider/engine/backup/types";
import type { BackupManifest } from "../../../../provider/format/manifest";

const m: BackupManifest = {
  formatVersion: 1,
  name: "critical-app-backup",
  phase: "PartiallyFailed",
  labels: {},
  storageLocation: "main",
  sourceCluster: "https://api:6443",
  target: { namespaces: [], selector: "app=mission-critical" },
  startedAt: "2026-01-01T00:00:00.000Z",
  completedAt: "2026-01-01T00:00:02.500Z",
  counts: { total: 12, byResource: { configmaps: 10, secrets: 2 } },
  uncompressedBytes: 20480,
  artifacts: {
    resources: {
      key: "hks/v1/backups/critical-app-backup/resources.tar.gz",
      bytes: 4096,
      sha256: "ab",
      encrypted: false,
      objects: 12,
    },
  },
  volumeSnapshots: [
    { namespace: "db", persistentVolumeClaim: "data", volumeSnapshot: "critical-app-backup-data", readyToUse: true },
    {
      namespace: "db",
      persistentVolumeClaim: "logs",
      volumeSnapshot: "critical-app-backup-logs",
      readyToUse: false,
      error: "timeout",
    },
  ],
  hooks: [
    {
      phase: "pre",
      scope: "pod",
      namespace: "db",
      pod: "pg",
      container: "postgres",
      command: ["x"],
      onError: "Continue",
      outcome: "TimedOut",
      durationMs: 30000,
      error: "no result",
    },
  ],
  warnings: ["pre hook ..."],
  errors: [{ item: "snapshot/db/logs", reason: "timeout" }],
};

describe("hks backup output", () => {
  it("create: one line with counts and sizes, then only what matters", () => {
    const res: BackupResult = {
      name: m.name,
      phase: "PartiallyFailed",
      record: m,
      excludedByLabel: 1,
      url: "s3://b/hks/v1/backups/critical-app-backup/",
    };
    expect(createdText(res, "main")).toBe(
      [
        `Backup "critical-app-backup" PartiallyFailed: 12 objects (2 types), 4.0 KiB stored (20.0 KiB YAML) in 2.5s`,
        "  location: main s3://b/hks/v1/backups/critical-app-backup/",
        "  excluded by label hks.io/exclude-from-backup: 1",
        "  snapshots: 1/2 ready (db/critical-app-backup-data)",
        "  hook: pre db/pg postgres: TimedOut (no result)",
        "  warning: pre hook ...",
        "  error: snapshot/db/logs: timeout",
        "",
      ].join("\n"),
    );
    expect(EXIT_CODE).toEqual({ Completed: 0, Failed: 1, PartiallyFailed: 2 });
  });
  it("create: a Failed backup lists its reasons", () => {
    const f = {
      formatVersion: 1 as const,
      name: "x",
      phase: "Failed" as const,
      labels: {},
      storageLocation: "main",
      sourceCluster: "",
      target: { namespaces: ["a"] },
      startedAt: "2026-01-01T00:00:00.000Z",
      failedAt: "2026-01-01T00:00:01.000Z",
      errors: [{ item: "backup", reason: "upload failed" }],
      hooks: [],
      warnings: [],
    };
    expect(createdText({ name: "x", phase: "Failed", record: f, excludedByLabel: 0, url: "" }, "main")).toBe(
      `Backup "x" Failed after 1.0s (location main):\n  error: backup: upload failed\n`,
    );
  });
  it("list: table rows and JSON with every documented key (nulls, not missing keys)", () => {
    const s = { name: "n", phase: "Incomplete" as const, labels: {}, bytes: 2048, errors: 0, warnings: 0 };
    expect(summaryRows([s]).rows).toEqual([["n", "Incomplete", "-", "-", "2.0 KiB", "-", "-", "-"]]);
    expect(summaryJson(s)).toEqual({
      name: "n",
      phase: "Incomplete",
      storageLocation: null,
      startedAt: null,
      completedAt: null,
      items: null,
      bytes: 2048,
      plan: null,
      labels: {},
      errors: 0,
      warnings: 0,
    });
  });
  it("describe: the manifest's essentials", () => {
    const text = describeText({
      summary: {
        name: m.name,
        phase: m.phase,
        storageLocation: "main",
        labels: {},
        startedAt: m.startedAt,
        completedAt: m.completedAt,
        items: 12,
        bytes: 5000,
        errors: 1,
        warnings: 1,
      },
      manifest: m,
      objects: [],
    });
    expect(text).toContain("Target:       namespaces=* selector=app=mission-critical\n");
    expect(text).toContain("Items:        12 (20.0 KiB YAML)\n  configmaps: 10\n  secrets: 2\n");
    expect(text).toContain("Snapshot:     db/logs -> critical-app-backup-logs failed: timeout\n");
    expect(text).toContain("Error:        snapshot/db/logs: timeout\n");
  });
});
