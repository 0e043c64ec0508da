/** Snapshot class choice, naming, and the wait for readyToUse against a scripted snapshot API. */
import { describe, expect, it } from "vitest";
import {
  backupLabelValue,
  chooseSnapshotClass,
  snapshotName,
} from "../../../../provider/engine/snapshot/snapshot-class";
import { deleteSnapshots, snapshotVolumes } from "../../../../provider/engine/snapshot/snapshot";
import type { SnapshotApi } from "../../../../provider/kube/snapshot-api";
import type { ListedObject } from "../../../../provider/format/kube-object";
import { nameProblem } from "../../../../provider/store";
import { isLabelValue } from "../../../../provider/format/names";

const sc = (name: string, provisioner: string, isDefault = false) => ({ name, provisioner, isDefault });
const vsc = (name: string, driver: string, isDefault = false) => ({ name, driver, isDefault });
const SCS = [
  sc("fast", "ebs.csi.aws.com", true),
  sc("shared", "efs.csi.aws.com"),
  sc("legacy", "kubernetes.io/aws-ebs"),
];

describe("chooseSnapshotClass", () => {
  it.each([
    {
      name: "given class wins",
      pvc: "shared",
      classes: [vsc("ebs", "ebs.csi.aws.com"), vsc("mine", "x")],
      given: "mine",
      want: "mine",
    },
    {
      name: "driver matches the StorageClass provisioner",
      pvc: "shared",
      classes: [vsc("ebs", "ebs.csi.aws.com", true), vsc("efs", "efs.csi.aws.com")],
      want: "efs",
    },
    {
      name: "default-annotated among several matching",
      pvc: "fast",
      classes: [vsc("a-ebs", "ebs.csi.aws.com"), vsc("b-ebs", "ebs.csi.aws.com", true)],
      want: "b-ebs",
    },
    {
      name: "first by name among several matching",
      pvc: "fast",
      classes: [vsc("z-ebs", "ebs.csi.aws.com"), vsc("a-ebs", "ebs.csi.aws.com")],
      want: "a-ebs",
    },
    {
      name: "no storageClassName: the default StorageClass",
      pvc: undefined,
      classes: [vsc("efs", "efs.csi.aws.com"), vsc("ebs", "ebs.csi.aws.com")],
      want: "ebs",
    },
    {
      name: "no driver match: the default class",
      pvc: "legacy",
      classes: [vsc("efs", "efs.csi.aws.com"), vsc("d", "other", true)],
      want: "d",
    },
  ])("$name", ({ pvc, classes, given, want }) => {
    expect(
      chooseSnapshotClass({ namespace: "n", name: "p", storageClassName: pvc }, SCS, classes, given),
    ).toMatchObject({ className: want });
  });

  it.each([
    {
      name: "given class missing",
      pvc: "fast",
      classes: [vsc("ebs", "ebs.csi.aws.com")],
      given: "nope",
      why: `VolumeSnapshotClass "nope" (target.volumeSnapshotClass) does not exist (classes: ebs)`,
    },
    {
      name: "no driver match and no default",
      pvc: "legacy",
      classes: [vsc("efs", "efs.csi.aws.com")],
      why:
        `no VolumeSnapshotClass has driver "kubernetes.io/aws-ebs" (the provisioner of StorageClass "legacy"), ` +
        `and no class is marked default; set target.volumeSnapshotClass`,
    },
    {
      name: "unknown StorageClass, two defaults",
      pvc: "gone",
      classes: [vsc("a", "x", true), vsc("b", "y", true)],
      why: `its StorageClass "gone" does not exist, and 2 classes claim to be the default`,
    },
    { name: "explicitly no StorageClass", pvc: "", classes: [], why: "it has no StorageClass" },
  ])("explains why not: $name", ({ pvc, classes, given, why }) => {
    const c = chooseSnapshotClass({ namespace: "n", name: "p", storageClassName: pvc }, SCS, classes, given);
    expect("error" in c && c.error).toContain(why);
  });

  it("names snapshots <backup>-<pvc>, cut with a hash when too long; label values fit 63 characters", () => {
    expect(snapshotName("daily-20260101000000", "data-db-0")).toBe("daily-20260101000000-data-db-0");
    const long = snapshotName("b".repeat(200), "p".repeat(200));
    expect(long.length).toBeLessThanOrEqual(253);
    expect(nameProblem(long)).toBeUndefined();
    expect(long).not.toBe(snapshotName("b".repeat(200), `${"p".repeat(199)}q`));
    expect(backupLabelValue("short")).toBe("short");
    const lv = backupLabelValue(`${"x".repeat(100)}-20260101000000`);
    expect(lv.length).toBeLessThanOrEqual(63);
    expect(isLabelValue(lv)).toBe(true);
  });
});

/**
 * A snapshot API whose controller answers per PVC after `delay` polls: ready, error (for good),
 * flaky (an error on the first answers, then ready, as the controller's retry succeeds), or never.
 */
function scriptedApi(
  plan: Record<string, "ready" | "error" | "flaky" | "never">,
  delay = 2,
): SnapshotApi & { created: ListedObject[]; deleted: string[] } {
  const polls = new Map<string, number>();
  const created: ListedObject[] = [];
  const deleted: string[] = [];
  return {
    created,
    deleted,
    async create(_ns, body) {
      created.push(body);
    },
    async get(ns, name) {
      const body = created.find((c) => c.metadata?.name === name);
      if (!body || deleted.includes(`${ns}/${name}`)) return undefined;
      const n = (polls.get(name) ?? 0) + 1;
      polls.set(name, n);
      const claim = (body.spec as { source: { persistentVolumeClaimName: string } }).source.persistentVolumeClaimName;
      if (n < delay) return { ...body, status: { readyToUse: false } };
      if (plan[claim] === "flaky" && n < delay + 2)
        return { ...body, status: { readyToUse: false, error: { message: "file changed as we read it" } } };
      if (plan[claim] === "ready" || plan[claim] === "flaky")
        return {
          ...body,
          status: { readyToUse: true, boundVolumeSnapshotContentName: `content-${name}`, restoreSize: "5Gi" },
        };
      if (plan[claim] === "error")
        return { ...body, status: { readyToUse: false, error: { message: "quota exceeded" } } };
      return { ...body, status: { readyToUse: false } };
    },
    async delete(ns, name) {
      deleted.push(`${ns}/${name}`);
    },
    async getContent(name) {
      return { spec: { driver: "ebs.csi.aws.com" }, status: { snapshotHandle: `snap-${name}` } };
    },
    async storageClasses() {
      return SCS;
    },
    async snapshotClasses() {
      return [vsc("ebs", "ebs.csi.aws.com")];
    },
  };
}

describe("snapshotVolumes", () => {
  it(
    "waits for each snapshot until the deadline, records ready ones with their handle, deletes and reports " +
      "the ones not ready in time with the controller's last error",
    async () => {
      const api = scriptedApi({ a: "ready", b: "error", c: "never" });
      let now = 0;
      const progress: string[] = [];
      const pvcs = ["a", "b", "c"].map((name) => ({ namespace: "db", name, storageClassName: "fast" }));
      const res = await snapshotVolumes(api, [...pvcs, { namespace: "db", name: "d", storageClassName: "legacy" }], {
        backupName: "nightly",
        timeoutMs: 5000,
        pollMs: 1,
        now: () => (now += 500),
        progress: (p) => progress.push(`${p.done}/${p.total}${p.message ? ` ${p.message}` : ""}`),
      });
      expect(api.created.map((c) => c.metadata?.name)).toEqual(["nightly-a", "nightly-b", "nightly-c"]);
      expect(api.created[0]).toMatchObject({
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshot",
        metadata: { namespace: "db", labels: { "hks.io/backup": "nightly" } },
        spec: { volumeSnapshotClassName: "ebs", source: { persistentVolumeClaimName: "a" } },
      });
      expect(res.records.find((r) => r.persistentVolumeClaim === "a")).toEqual({
        namespace: "db",
        persistentVolumeClaim: "a",
        volumeSnapshot: "nightly-a",
        storageClass: "fast",
        volumeSnapshotClass: "ebs",
        driver: "ebs.csi.aws.com",
        readyToUse: true,
        restoreSize: "5Gi",
        volumeSnapshotContent: "content-nightly-a",
        snapshotHandle: "snap-content-nightly-a",
      });
      expect(res.errors).toEqual([
        {
          item: "snapshot/db/d",
          reason: expect.stringContaining(`no VolumeSnapshotClass has driver "kubernetes.io/aws-ebs"`),
        },
        {
          item: "snapshot/db/b",
          reason:
            "not readyToUse within 5s (snapshotTimeoutSeconds); the snapshot controller last reported: quota " +
            "exceeded; the VolumeSnapshot was deleted",
        },
        {
          item: "snapshot/db/c",
          reason: "not readyToUse within 5s (snapshotTimeoutSeconds); the VolumeSnapshot was deleted",
        },
      ]);
      expect(api.deleted).toEqual(["db/nightly-b", "db/nightly-c"]);
      // The error is shown once, when it appears, not at every poll.
      expect(progress).toEqual([
        "1/4",
        "2/4 db/nightly-a ready",
        "2/4 db/nightly-b: the snapshot controller reported: quota exceeded (it retries; waiting until the deadline)",
      ]);
    },
  );

  it("an error the controller's retry clears is not a failure: the snapshot is ready", async () => {
    const api = scriptedApi({ a: "flaky" });
    let now = 0;
    const res = await snapshotVolumes(api, [{ namespace: "db", name: "a", storageClassName: "fast" }], {
      backupName: "nightly",
      timeoutMs: 60_000,
      pollMs: 1,
      now: () => (now += 500),
    });
    expect(res.errors).toEqual([]);
    expect(res.records[0]).toMatchObject({ readyToUse: true, snapshotHandle: "snap-content-nightly-a" });
    expect(res.records[0]!.error).toBeUndefined();
    expect(api.deleted).toEqual([]);
  });

  it("a claim that is not Bound fails at once, without a VolumeSnapshot or a wait", async () => {
    const api = scriptedApi({ a: "ready", p: "never" });
    let now = 0;
    const res = await snapshotVolumes(
      api,
      [
        { namespace: "db", name: "a", storageClassName: "fast", phase: "Bound" },
        { namespace: "db", name: "p", storageClassName: "fast", phase: "Pending" },
      ],
      { backupName: "nightly", timeoutMs: 600_000, pollMs: 1, now: () => (now += 500) },
    );
    expect(api.created.map((c) => c.metadata?.name)).toEqual(["nightly-a"]);
    expect(res.errors).toEqual([
      { item: "snapshot/db/p", reason: "the claim is Pending, not Bound: it has no volume to snapshot yet" },
    ]);
    expect(now).toBeLessThan(10_000); // no wait for the deadline
  });

  it("does nothing without PVCs, and deletes only ready snapshots of a deleted backup", async () => {
    const api = scriptedApi({});
    expect(await snapshotVolumes(api, [], { backupName: "x" })).toEqual({ records: [], errors: [] });
    const r = await deleteSnapshots(api, [
      { namespace: "n", persistentVolumeClaim: "a", volumeSnapshot: "x-a", readyToUse: true },
      { namespace: "n", persistentVolumeClaim: "b", volumeSnapshot: "x-b", readyToUse: false, error: "e" },
    ]);
    expect(r).toEqual({ deleted: ["n/x-a"], errors: [] });
  });
});
