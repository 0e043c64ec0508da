import { describe, expect, it } from "vitest";
import { applyRetention } from "../../../../provider/engine/catalog/prune";
import { STORE_LAYOUT, MemoryObjectStore } from "../../../../provider/store";
import { storedBackupNames } from "../../../support/backup-fixture";
type Phase = "Completed" | "PartiallyFailed" | "Failed";

/** Writes a backup of `plan` the way runBackup/publish do: archive + manifest, or failure.json. */
async function backup(store: MemoryObjectStore, plan: string, at: string, phase: Phase = "Completed"): Promise<string> {
  const name = `${plan}-${at.replace(/[-:TZ]/g, "").slice(0, 14)}`;
  const base = {
    formatVersion: 1,
    name,
    plan,
    labels: {},
    storageLocation: "loc",
    sourceCluster: "https://k",
    target: { namespaces: ["production"] },
    startedAt: at,
    hooks: [],
    warnings: [],
  };
  if (phase === "Failed") {
    await store.put(
      STORE_LAYOUT.backupFailureKey(name),
      JSON.stringify({ ...base, phase, failedAt: at, errors: [{ item: "backup", reason: "boom" }] }),
    );
  } else {
    await store.put(STORE_LAYOUT.backupResourcesKey(name), "archive");
    await store.put(
      STORE_LAYOUT.backupManifestKey(name),
      JSON.stringify({ ...base, phase, completedAt: at, counts: { total: 1, byResource: {} }, errors: [] }),
    );
  }
  return name;
}

const day = (d: number, hh = "02") => `2025-03-${String(d).padStart(2, "0")}T${hh}:00:00Z`;

describe("applyRetention on a memory store", () => {
  it("keeps daily 3 of ten daily backups, deletes the rest with all their objects", async () => {
    const s = new MemoryObjectStore();
    for (let d = 1; d <= 10; d++) await backup(s, "daily", day(d));
    const r = await applyRetention(s, { plan: "daily", policy: { daily: 3 }, timeZone: "UTC" });
    expect(r.kept.map((k) => k.name)).toEqual(["daily-20250310020000", "daily-20250309020000", "daily-20250308020000"]);
    expect(r.pruned.map((p) => p.name)).toHaveLength(7);
    expect(await storedBackupNames(s)).toEqual([
      "daily-20250308020000",
      "daily-20250309020000",
      "daily-20250310020000",
    ]);
    expect(r.failed).toEqual([]);
  });

  it(
    "every run failed for a week: the last good backup survives, and keepFailed keeps the newest " + "failure",
    async () => {
      const s = new MemoryObjectStore();
      await backup(s, "daily", day(1));
      const good = await backup(s, "daily", day(2));
      for (let d = 3; d <= 9; d++) await backup(s, "daily", day(d), "Failed");
      const r = await applyRetention(s, { plan: "daily", policy: { daily: 1 }, timeZone: "UTC" });
      expect(await storedBackupNames(s)).toEqual([good, "daily-20250309020000"]);
      expect(r.kept.find((k) => k.name === good)!.reasons).toContain("newest completed backup (always kept)");
      expect(r.warnings).toContain(`7 run(s) failed since the newest good backup "${good}"`);
    },
  );

  it("only this plan's backups are touched; other plans and record-less folders are left alone", async () => {
    const s = new MemoryObjectStore();
    for (let d = 1; d <= 3; d++) await backup(s, "daily", day(d));
    for (let d = 1; d <= 3; d++) await backup(s, "other", day(d));
    await s.put(STORE_LAYOUT.backupResourcesKey("daily-20250304020000"), "a run that died");
    await s.put(STORE_LAYOUT.backupResourcesKey("manual-backup"), "someone's");
    const r = await applyRetention(s, { plan: "daily", policy: { last: 1 }, timeZone: "UTC" });
    expect(r.pruned.map((p) => p.name)).toEqual(["daily-20250302020000", "daily-20250301020000"]);
    expect(await storedBackupNames(s)).toEqual([
      "daily-20250303020000",
      "daily-20250304020000",
      "manual-backup",
      "other-20250301020000",
      "other-20250302020000",
      "other-20250303020000",
    ]);
    expect(r.warnings).toContainEqual(expect.stringMatching(/1 incomplete backup folder\(s\).*daily-20250304020000/));
  });

  it("periods are local to the plan's time zone", async () => {
    const s = new MemoryObjectStore();
    // 23:30 and 00:30 UTC on consecutive UTC days are the same local day in Tokyo (08:30, 09:30).
    await backup(s, "daily", "2025-03-01T23:30:00Z");
    await backup(s, "daily", "2025-03-02T00:30:00Z");
    expect((await applyRetention(s, { plan: "daily", policy: { daily: 2 }, timeZone: "UTC" })).pruned).toEqual([]);
    const tokyo = await applyRetention(s, { plan: "daily", policy: { daily: 2 }, timeZone: "Asia/Tokyo" });
    expect(tokyo.pruned.map((p) => p.name)).toEqual(["daily-20250301233000"]);
  });

  it("a locked backup is kept with a warning, not deleted, and not retried within the run", async () => {
    const s = new MemoryObjectStore();
    for (let d = 1; d <= 4; d++) await backup(s, "daily", day(d));
    const asked: string[] = [];
    const r = await applyRetention(s, {
      plan: "daily",
      policy: { last: 2 },
      timeZone: "UTC",
      isLocked: async (n) => (asked.push(n), n === "daily-20250301020000"),
    });
    expect(asked.sort()).toEqual(["daily-20250301020000", "daily-20250302020000"]); // only prune candidates are asked
    expect(r.pruned.map((p) => p.name)).toEqual(["daily-20250302020000"]);
    expect(r.kept.map((k) => k.name)).toContain("daily-20250301020000");
    expect(r.warnings).toContainEqual(
      expect.stringMatching(/"daily-20250301020000" would be pruned .* object lock has not expired/),
    );
    expect(await storedBackupNames(s)).toContain("daily-20250301020000");
  });

  it("a delete that fails is reported, the others go on", async () => {
    const s = new MemoryObjectStore("test", new Set([STORE_LAYOUT.backupManifestKey("daily-20250301020000")]));
    for (let d = 1; d <= 3; d++) await backup(s, "daily", day(d));
    const r = await applyRetention(s, { plan: "daily", policy: { last: 1 }, timeZone: "UTC" });
    expect(r.pruned.map((p) => p.name)).toEqual(["daily-20250302020000"]);
    expect(r.failed).toEqual([
      { name: "daily-20250301020000", reason: expect.stringMatching(/injected delete failure/) },
    ]);
    expect(r.warnings).toContainEqual(expect.stringMatching(/could not be deleted .* the next run tries again/));
  });

  it("dryRun decides without deleting", async () => {
    const s = new MemoryObjectStore();
    for (let d = 1; d <= 3; d++) await backup(s, "daily", day(d));
    const r = await applyRetention(s, { plan: "daily", policy: { last: 1 }, timeZone: "UTC", dryRun: true });
    expect(r.pruned).toHaveLength(2);
    expect(await storedBackupNames(s)).toHaveLength(3);
  });

  it("GFS over a quarter: the seed's daily 7, weekly 4, monthly 6", async () => {
    const s = new MemoryObjectStore();
    const start = Date.UTC(2025, 0, 1, 2);
    for (let d = 0; d < 90; d++)
      await backup(s, "db", new Date(start + d * 86_400_000).toISOString().replace(".000", ""));
    const r = await applyRetention(s, { plan: "db", policy: { daily: 7, weekly: 4, monthly: 6 }, timeZone: "UTC" });
    const kept = r.kept.map((k) => k.name.slice(3, 11)).sort();
    // 7 days (Mar 25-31); 4 ISO weeks: Mar 31 (Mon) and Mar 30 are already daily, then Sundays Mar 23
    // and 16; 3 months with backups: Mar 31 (daily), Feb 28, Jan 31.
    expect(kept).toEqual([
      "20250131",
      "20250228",
      "20250316",
      "20250323",
      "20250325",
      "20250326",
      "20250327",
      "20250328",
      "20250329",
      "20250330",
      "20250331",
    ]);
    expect(await storedBackupNames(s)).toHaveLength(11);
  });
});
