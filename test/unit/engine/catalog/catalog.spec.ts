/** The catalog over a store: phases from the records (Incomplete when neither), describe, delete. */
import { describe, expect, it } from "vitest";
import {
  deleteBackup,
  describeBackup,
  listBackups,
  parseBackupRecord,
  scanLocation,
} from "../../../../provider/engine/catalog/catalog";
import { readDrillRecords } from "../../../../provider/engine/drill/records";
import { IntegrityError } from "../../../../provider/errors";
import { STORE_LAYOUT, MemoryObjectStore } from "../../../../provider/store";
const manifest = (name: string, phase = "Completed") =>
  JSON.stringify({
    formatVersion: 1,
    name,
    phase,
    plan: "daily",
    labels: { env: "prod" },
    storageLocation: "main",
    startedAt: "2026-01-01T00:00:00Z",
    completedAt: "2026-01-01T00:01:00Z",
    counts: { total: 7, byResource: {} },
    errors: phase === "Completed" ? [] : [{ item: "i", reason: "r" }],
    warnings: ["w"],
  });

async function seeded(): Promise<MemoryObjectStore> {
  const s = new MemoryObjectStore("cat", new Set());
  await s.put(STORE_LAYOUT.backupResourcesKey("b-complete"), "x".repeat(100));
  await s.put(STORE_LAYOUT.backupManifestKey("b-complete"), manifest("b-complete"));
  await s.put(STORE_LAYOUT.backupResourcesKey("b-partial", { encrypted: true }), "y".repeat(10));
  await s.put(STORE_LAYOUT.backupVolumesKey("b-partial"), "{}");
  await s.put(STORE_LAYOUT.backupManifestKey("b-partial"), manifest("b-partial", "PartiallyFailed"));
  await s.put(
    STORE_LAYOUT.backupFailureKey("a-failed"),
    JSON.stringify({
      formatVersion: 1,
      name: "a-failed",
      phase: "Failed",
      labels: {},
      startedAt: "s",
      failedAt: "f",
      errors: [{ item: "backup", reason: "boom" }],
      warnings: [],
    }),
  );
  await s.put(STORE_LAYOUT.backupResourcesKey("c-running"), "z");
  await s.put("hks/v1/locks/daily.json", "{}");
  return s;
}

describe("catalog", () => {
  it("lists every backup with its phase, including Failed and Incomplete, sorted by name", async () => {
    const list = await listBackups(await seeded(), "fallback-loc");
    expect(list.map((b) => [b.name, b.phase, b.items, b.storageLocation])).toEqual([
      ["a-failed", "Failed", undefined, "fallback-loc"],
      ["b-complete", "Completed", 7, "main"],
      ["b-partial", "PartiallyFailed", 7, "main"],
      ["c-running", "Incomplete", undefined, "fallback-loc"],
    ]);
    const complete = list[1]!;
    expect(complete).toMatchObject({
      plan: "daily",
      labels: { env: "prod" },
      startedAt: "2026-01-01T00:00:00Z",
      completedAt: "2026-01-01T00:01:00Z",
      errors: 0,
      warnings: 1,
    });
    expect(complete.bytes).toBe(100 + Buffer.byteLength(manifest("b-complete")));
    expect(list[0]).toMatchObject({ completedAt: "f", errors: 1 });
  });

  it("describes one backup, or says it is absent", async () => {
    const s = await seeded();
    const d = await describeBackup(s, "b-partial");
    expect(d?.manifest?.phase).toBe("PartiallyFailed");
    expect(d?.objects.map((o) => o.key)).toEqual([
      STORE_LAYOUT.backupManifestKey("b-partial"),
      STORE_LAYOUT.backupResourcesKey("b-partial", { encrypted: true }),
      STORE_LAYOUT.backupVolumesKey("b-partial"),
    ]);
    expect(await describeBackup(s, "nope")).toBeUndefined();
  });

  it("reports damaged or newer records as a problem instead of failing the listing", async () => {
    const s = new MemoryObjectStore();
    await s.put(STORE_LAYOUT.backupManifestKey("bad-json"), "{");
    await s.put(STORE_LAYOUT.backupManifestKey("future"), JSON.stringify({ formatVersion: 99 }));
    const list = await listBackups(s);
    expect(list.map((b) => [b.name, b.phase])).toEqual([
      ["bad-json", "Incomplete"],
      ["future", "Incomplete"],
    ]);
    expect(list[1]!.problem).toContain("has format version 99; this hks-backup reads up to 1: upgrade hks-backup");
    expect(() => parseBackupRecord(Buffer.from("{"), "k")).toThrow(IntegrityError);
  });

  it("deletes every object of a backup, the manifest first, and nothing else", async () => {
    const s = await seeded();
    const order: string[] = [];
    const del = s.delete.bind(s);
    s.delete = async (k: string) => {
      order.push(k);
      return del(k);
    };
    const r = await deleteBackup(s, "b-partial");
    expect(r).toMatchObject({
      name: "b-partial",
      keys: expect.arrayContaining([STORE_LAYOUT.backupVolumesKey("b-partial")]),
      abortedUploads: 0,
    });
    expect(r?.keys).toHaveLength(3);
    expect(order[0]).toBe(STORE_LAYOUT.backupManifestKey("b-partial"));
    expect((await listBackups(s)).map((b) => b.name)).toEqual(["a-failed", "b-complete", "c-running"]);
    expect(await deleteBackup(s, "b-partial")).toBeUndefined();
  });

  it("reads a backup folder that also holds volume data (a volumes/ subfolder) as before", async () => {
    const s = await seeded();
    const volumeKeys = ["index", "blobs"].map((f) =>
      STORE_LAYOUT.backupVolumeRecordKey("b-complete", "production", "data", f as "index" | "blobs"),
    );
    for (const k of volumeKeys) await s.put(k, "{}");
    const list = await listBackups(s);
    expect(list.map((b) => [b.name, b.phase, b.items])).toEqual([
      ["a-failed", "Failed", undefined],
      ["b-complete", "Completed", 7],
      ["b-partial", "PartiallyFailed", 7],
      ["c-running", "Incomplete", undefined],
    ]);
    const d = await describeBackup(s, "b-complete");
    expect(d?.summary.phase).toBe("Completed");
    expect(d?.objects.map((o) => o.key)).toEqual(expect.arrayContaining(volumeKeys));
    const del = await deleteBackup(s, "b-complete");
    expect(del?.keys).toEqual(expect.arrayContaining(volumeKeys));
    expect(await describeBackup(s, "b-complete")).toBeUndefined();
  });

  it("one listing finds the backups and the drill records beside them (the views read both)", async () => {
    const s = await seeded();
    const key = STORE_LAYOUT.drillRecordKey("b-complete", "orders", "20260101t000200z-abcdef");
    const record = {
      format: 1,
      drill: "orders",
      runId: "20260101t000200z-abcdef",
      backupName: "b-complete",
      phase: "Passed",
    };
    await s.put(key, JSON.stringify(record));
    let listings = 0;
    const list = s.list.bind(s);
    s.list = (prefix: string) => {
      listings++;
      return list(prefix);
    };
    const scan = await scanLocation(s);
    expect(listings).toBe(1);
    expect(scan.backups.map((b) => b.name)).toEqual((await listBackups(s)).map((b) => b.name));
    expect(scan.drillKeys).toEqual([key]);
    expect((await readDrillRecords(s, scan.drillKeys)).records).toEqual([record]);
    expect((await readDrillRecords(s, scan.drillKeys, { drill: "other" })).records).toEqual([]);
  });
});
