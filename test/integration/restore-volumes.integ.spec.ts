/**
 * PVCs from snapshots (restoreVolumes): exactly what restore creates (the pre-bound
 * VolumeSnapshotContent, the VolumeSnapshot bound to it, the claim's dataSource, a storage request
 * raised to the snapshot's restoreSize, claims left empty with a reason), from a hand-written backup
 * whose snapshot handles no driver serves: cases a real driver cannot be made to produce on demand.
 * A clone whose postgres really starts on a volume provisioned from a real snapshot is
 * test/integration/node-postgres-seed.integ.spec.ts.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runRestore } from "../../provider/engine/restore/restore";
import { openRestoreContext } from "../../provider/prepare/restore";
import { KubeRestoreCluster } from "../../provider/kube/restore-cluster";
import type { RestoreResult } from "../../provider/engine/restore/types";
import type { TargetRef } from "../../provider/kube/target-cluster";
import { createTestLocation, uniq, writeBackupFixture, type FixtureObject } from "../support/backup-fixture";
import { deleteNamespaces } from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const cluster = new KubeRestoreCluster(kc);

/** The fields of live PVCs, VolumeSnapshots and VolumeSnapshotContents that the assertions read. */
interface Live {
  metadata: { annotations?: Record<string, string> };
  spec: {
    dataSource?: unknown;
    dataSourceRef?: unknown;
    volumeName?: string;
    resources: { requests: { storage: string } };
    volumeSnapshotRef: { name: string };
  };
}

/** The live object; its absence fails the test at the first field read. */
const live = async (ref: TargetRef) => (await cluster.get(ref)) as unknown as Live;
const run = uniq("vol");
const SRC = `${run}-db`;
const LOC_NS = `${run}-hks`;
const namespaces = [SRC, LOC_NS];
const contents: string[] = [];
const SNAP = { group: "snapshot.storage.k8s.io", api: "snapshot.storage.k8s.io/v1" };

const pvc = (name: string): FixtureObject => ({
  group: "",
  resource: "persistentvolumeclaims",
  object: {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: SRC, annotations: { "pv.kubernetes.io/bind-completed": "yes" } },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "csi-hostpath-sc",
      volumeName: `pvc-${name}-source-pv`,
      resources: { requests: { storage: "1Gi" } },
    },
  },
});

async function restore(name: string, mapping: Record<string, string>): Promise<RestoreResult> {
  const rc = await openRestoreContext(kc, { storageLocation: "vol", namespace: LOC_NS, backupName: "b-vol" });
  const r = await runRestore(rc.deps, {
    restoreName: name,
    backupName: "b-vol",
    namespaceMapping: mapping,
    restoreVolumes: true,
  });
  namespaces.push(...r.createdNamespaces.map((n) => n.name));
  contents.push(...r.createdSnapshotContents);
  return r;
}

beforeAll(async () => {
  const { store } = await createTestLocation(kc, {
    name: "vol",
    namespace: LOC_NS,
    bucket: "hks-it-restore",
    prefix: run,
    s3: {
      endpoint: stack.s3Endpoint,
      region: stack.s3Region,
      accessKeyId: stack.s3AccessKeyId,
      secretAccessKey: stack.s3SecretAccessKey,
    },
  });
  await cluster.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: SRC } });
  // The backup's VolumeSnapshots of `data` and `grown`, as the backup left them in the source namespace.
  for (const claim of ["data", "grown"]) {
    await cluster.create({
      apiVersion: SNAP.api,
      kind: "VolumeSnapshot",
      metadata: { name: `${claim}-snap`, namespace: SRC },
      spec: { volumeSnapshotClassName: "csi-hostpath-snapclass", source: { persistentVolumeClaimName: claim } },
    });
  }
  await writeBackupFixture({
    store,
    name: "b-vol",
    namespaces: [SRC],
    objects: [pvc("data"), pvc("scratch"), pvc("pending"), pvc("grown")],
    volumeSnapshots: [
      {
        namespace: SRC,
        persistentVolumeClaim: "data",
        volumeSnapshot: "data-snap",
        volumeSnapshotClass: "csi-hostpath-snapclass",
        volumeSnapshotContent: "snapcontent-1",
        snapshotHandle: "7bdd0de3-aaeb-11e8-9aae-0242ac110002",
        driver: "hostpath.csi.k8s.io",
        restoreSize: "1Gi",
        readyToUse: true,
      },
      {
        namespace: SRC,
        persistentVolumeClaim: "pending",
        volumeSnapshot: "pending-snap",
        readyToUse: false,
        error: "snapshot timed out",
      },
      // Its volume was expanded after the claim was written: the snapshot restores 2Gi, the claim asks 1Gi.
      {
        namespace: SRC,
        persistentVolumeClaim: "grown",
        volumeSnapshot: "grown-snap",
        volumeSnapshotClass: "csi-hostpath-snapclass",
        snapshotHandle: "8cee1ef4-aaeb-11e8-9aae-0242ac110002",
        driver: "hostpath.csi.k8s.io",
        restoreSize: "2Gi",
        readyToUse: true,
      },
    ],
  });
});

afterAll(async () => {
  await deleteNamespaces(kc, namespaces);
  for (const name of contents)
    await cluster.delete({ apiVersion: SNAP.api, kind: "VolumeSnapshotContent", name }).catch(() => undefined);
});

describe("PVCs from snapshots", () => {
  it(
    "same namespace: the claim's dataSource is the backup's VolumeSnapshot; the source PV is " + "never re-bound",
    async () => {
      const r = await restore("same-ns", {});
      expect(r.error).toBeUndefined();
      expect(r.createdSnapshotContents).toEqual([]);
      const claim = await live({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: "data", namespace: SRC });
      expect(claim.spec.dataSource).toEqual({ apiGroup: SNAP.group, kind: "VolumeSnapshot", name: "data-snap" });
      expect(claim.spec.volumeName).toBeUndefined();
      expect(claim.metadata.annotations?.["pv.kubernetes.io/bind-completed"]).toBeUndefined();
      expect(r.volumes).toContainEqual({ claim: `${SRC}/data`, source: `VolumeSnapshot ${SRC}/data-snap` });
      // Raised from the backup's own VolumeSnapshot too.
      const grown = await live({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: "grown", namespace: SRC });
      expect(grown.spec.resources.requests.storage).toBe("2Gi");
      expect(r.volumes).toContainEqual({
        claim: `${SRC}/grown`,
        source: `VolumeSnapshot ${SRC}/grown-snap; storage request raised from 1Gi to 2Gi, the snapshot's restoreSize`,
      });
    },
  );

  it(
    "another namespace: a pre-bound VolumeSnapshotContent (Retain, same handle), a VolumeSnapshot bound to it, " +
      "the claim from that",
    async () => {
      const DST = `${run}-clone`;
      const r = await restore("clone-vols", { [SRC]: DST });
      expect(r.phase).toBe("Completed");
      expect(r.createdNamespaces.map((n) => n.name)).toEqual([DST]);
      expect(r.createdSnapshotContents).toHaveLength(2);
      const dataContent = r.createdSnapshotContents.find((c) => c.endsWith("-data"))!;
      const content = await live({ apiVersion: SNAP.api, kind: "VolumeSnapshotContent", name: dataContent });
      const snapshotName = content.spec.volumeSnapshotRef.name;
      expect(content.spec).toEqual({
        deletionPolicy: "Retain",
        driver: "hostpath.csi.k8s.io",
        source: { snapshotHandle: "7bdd0de3-aaeb-11e8-9aae-0242ac110002" },
        volumeSnapshotClassName: "csi-hostpath-snapclass",
        volumeSnapshotRef: { apiVersion: SNAP.api, kind: "VolumeSnapshot", name: snapshotName, namespace: DST },
      });
      const snap = await live({ apiVersion: SNAP.api, kind: "VolumeSnapshot", name: snapshotName, namespace: DST });
      expect(snap.spec).toEqual({
        volumeSnapshotClassName: "csi-hostpath-snapclass",
        source: { volumeSnapshotContentName: dataContent },
      });
      const claim = await live({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: "data", namespace: DST });
      expect(claim.spec.dataSource).toEqual({ apiGroup: SNAP.group, kind: "VolumeSnapshot", name: snapshotName });
      expect(claim.spec.dataSourceRef).toEqual({ apiGroup: SNAP.group, kind: "VolumeSnapshot", name: snapshotName });
      expect(claim.spec.volumeName).toBeUndefined();
      expect(claim.spec.resources.requests.storage).toBe("1Gi"); // the snapshot restores 1Gi: as asked

      // The expanded volume's claim asks for what its snapshot restores, or the provisioner refuses it.
      const grown = await live({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: "grown", namespace: DST });
      expect(grown.spec.resources.requests.storage).toBe("2Gi");
      expect(r.volumes.find((v) => v.claim === `${DST}/grown`)?.source).toMatch(
        /; storage request raised from 1Gi to 2Gi, the snapshot's restoreSize$/,
      );
    },
  );

  it("claims without a usable snapshot are restored empty, each with a warning saying why", async () => {
    const DST = `${run}-clone2`;
    const r = await restore("clone-vols-2", { [SRC]: DST });
    expect(r.volumes).toEqual(
      expect.arrayContaining([
        { claim: `${DST}/scratch`, source: "none: the backup holds no snapshot of it" },
        {
          claim: `${DST}/pending`,
          source: "none: its snapshot pending-snap was not ready at backup time (snapshot timed out)",
        },
      ]),
    );
    expect(r.warnings).toContain(`PVC ${DST}/scratch: the backup holds no snapshot of it; it gets a new empty volume`);
    const scratch = await live({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: "scratch", namespace: DST });
    expect(scratch.spec.dataSource).toBeUndefined();
  });
});
