/** Which snapshotted PVCs get a volume data copy: filters, the annotation, snapshots not ready. */
import { describe, expect, it } from "vitest";
import { selectVolumeCopies, type VolumeDataCandidate } from "../../../../provider/engine/volume-data/select";
import type { VolumeDataTarget, VolumeSnapshotRecord } from "../../../../provider/format/manifest";

const snap = (pvc: string, over: Partial<VolumeSnapshotRecord> = {}): VolumeSnapshotRecord => ({
  namespace: "prod",
  persistentVolumeClaim: pvc,
  volumeSnapshot: `b-${pvc}`,
  storageClass: "fast",
  readyToUse: true,
  ...over,
});
const pvc = (name: string, labels?: Record<string, string>, copy?: "copy" | "skip" | "other"): VolumeDataCandidate => ({
  namespace: "prod",
  name,
  labels,
  ...(copy ? { annotations: { "hks.io/volume-data": copy } } : {}),
});

const names = (target: VolumeDataTarget | undefined, pvcs: VolumeDataCandidate[], snaps: VolumeSnapshotRecord[]) => {
  const s = selectVolumeCopies(target, pvcs, snaps);
  return { copy: s.copy.map((j) => j.pvc.name), skipped: s.skipped, errors: s.errors };
};

describe("selectVolumeCopies", () => {
  const db = pvc("db", { tier: "db" });
  const cache = pvc("cache", { tier: "cache" });
  const slow = snap("slow", { storageClass: "slow" });
  const logs = pvc("slow", { tier: "db" });

  it.each([
    ["no volumeData: nothing, not even annotated PVCs", undefined, [db, pvc("x", {}, "copy")], []],
    ["{}: every snapshotted PVC", {}, [db, cache, logs], ["db", "cache", "slow"]],
    ["by label selector", { selector: "tier=db" }, [db, cache, logs], ["db", "slow"]],
    ["by StorageClass", { storageClasses: ["fast"] }, [db, cache, logs], ["db", "cache"]],
    ["both filters must match", { storageClasses: ["fast"], selector: "tier=db" }, [db, cache, logs], ["db"]],
    ["set-based selector", { selector: "tier in (cache,web)" }, [db, cache], ["cache"]],
    ["annotation copy overrides the filters", { selector: "tier=db" }, [db, pvc("cache", {}, "copy")], ["db", "cache"]],
    ["annotation skip overrides {}", {}, [db, pvc("cache", { tier: "db" }, "skip")], ["db"]],
    ["another annotation value changes nothing", { selector: "tier=db" }, [pvc("db", { tier: "db" }, "other")], ["db"]],
  ] as [string, VolumeDataTarget | undefined, VolumeDataCandidate[], string[]][])("%s", (_, target, pvcs, copied) => {
    const r = names(target, pvcs, [snap("db"), snap("cache"), slow, snap("x")]);
    expect(r.copy).toEqual(copied);
    expect(r.errors).toEqual([]);
  });

  it("says why each PVC is skipped", () => {
    const r = names(
      { storageClasses: ["fast"], selector: "tier=db" },
      [cache, logs, pvc("k", {}, "skip")],
      [snap("cache"), slow, snap("k")],
    );
    expect(r.skipped).toEqual([
      "prod/cache: labels do not match volumeData.selector tier=db",
      "prod/slow: StorageClass slow is not in volumeData.storageClasses",
      "prod/k: annotated hks.io/volume-data=skip",
    ]);
  });

  it("a selected PVC without a ready snapshot is an item error, not a silent skip", () => {
    const r = names({}, [db, cache, pvc("gone")], [snap("db", { readyToUse: false, error: "boom" }), snap("cache")]);
    expect(r.copy).toEqual(["cache"]);
    expect(r.errors).toEqual([
      { item: "volume-data/prod/db", reason: "not copied: its snapshot b-db is not ready" },
      { item: "volume-data/prod/gone", reason: "not copied: it has no snapshot" },
    ]);
  });

  it("pairs each PVC with its own snapshot record", () => {
    const s = selectVolumeCopies({}, [db], [snap("cache"), snap("db", { snapshotHandle: "h-db" })]);
    expect(s.copy[0]!.snapshot.snapshotHandle).toBe("h-db");
  });
});
