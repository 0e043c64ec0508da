/** Phases and the durable records (manifest.json, failure.json) built from a backup's outcome. */
import { describe, expect, it } from "vitest";
import {
  buildFailure,
  buildManifest,
  computePhase,
  summarizeBackupCounts,
} from "../../../../provider/engine/backup/result";
import { recipientFingerprint } from "../../../../provider/format/age-keys";

const id = {
  name: "b",
  labels: { a: "1" },
  storageLocation: "main",
  sourceCluster: "https://api",
  target: { namespaces: ["x"] },
  startedAt: new Date("2026-01-01T00:00:00Z"),
};
const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

describe("computePhase", () => {
  it.each([
    { name: "nothing wrong", fatal: undefined, errors: [], phase: "Completed" },
    {
      name: "an item error",
      fatal: undefined,
      errors: [{ item: "secrets/x", reason: "forbidden" }],
      phase: "PartiallyFailed",
    },
    {
      name: "a fatal error wins over item errors",
      fatal: "upload failed",
      errors: [{ item: "i", reason: "r" }],
      phase: "Failed",
    },
    { name: "an empty fatal message still fails", fatal: "", errors: [], phase: "Failed" },
  ])("$name → $phase", ({ fatal, errors, phase }) => {
    expect(computePhase(fatal, errors)).toBe(phase);
  });
});

describe("records", () => {
  const outcome = {
    completedAt: new Date("2026-01-01T00:01:00Z"),
    counts: { total: 3, byResource: { secrets: 1, configmaps: 2 } },
    uncompressedBytes: 900,
    resources: { key: "k", bytes: 300, sha256: "ab", encrypted: true, objects: 3 },
    recipients: [RECIPIENT],
    volumeSnapshots: [],
    hooks: [],
    warnings: ["w"],
    errors: [],
  };
  it("builds a Completed manifest: sorted counts, fingerprints never keys, no plan key when none", () => {
    const m = buildManifest(id, outcome);
    expect(m).toEqual({
      formatVersion: 1,
      name: "b",
      phase: "Completed",
      labels: { a: "1" },
      storageLocation: "main",
      sourceCluster: "https://api",
      target: { namespaces: ["x"] },
      startedAt: "2026-01-01T00:00:00.000Z",
      completedAt: "2026-01-01T00:01:00.000Z",
      counts: { total: 3, byResource: { configmaps: 2, secrets: 1 } },
      uncompressedBytes: 900,
      artifacts: { resources: outcome.resources },
      encryption: { format: "age", recipientFingerprints: [recipientFingerprint(RECIPIENT)] },
      volumeSnapshots: [],
      hooks: [],
      warnings: ["w"],
      errors: [],
    });
    expect(Object.keys(m.counts.byResource)).toEqual(["configmaps", "secrets"]);
    expect(JSON.stringify(m)).not.toContain(RECIPIENT);
    expect(summarizeBackupCounts(m)).toBe("3 objects (2 types)");
  });
  it("builds a PartiallyFailed manifest when items failed", () => {
    expect(buildManifest({ ...id, plan: "p" }, { ...outcome, errors: [{ item: "i", reason: "r" }] })).toMatchObject({
      phase: "PartiallyFailed",
      plan: "p",
    });
  });
  it("builds a failure record with the fatal cause first", () => {
    const f = buildFailure(id, new Date("2026-01-01T00:00:30Z"), "upload failed", {
      errors: [{ item: "hook/post/x/p", reason: "r" }],
      hooks: [],
      warnings: [],
    });
    expect(f).toEqual({
      formatVersion: 1,
      name: "b",
      phase: "Failed",
      labels: { a: "1" },
      storageLocation: "main",
      sourceCluster: "https://api",
      target: { namespaces: ["x"] },
      startedAt: "2026-01-01T00:00:00.000Z",
      failedAt: "2026-01-01T00:00:30.000Z",
      errors: [
        { item: "backup", reason: "upload failed" },
        { item: "hook/post/x/p", reason: "r" },
      ],
      hooks: [],
      warnings: [],
    });
  });
});
