/**
 * Volume snapshots on the real stack. No CSI driver runs locally, so the test plays the snapshot
 * controller: it watches for the VolumeSnapshots the backup creates and sets their status through
 * the real status subresource (ready, error, or nothing, which must time out).
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackupContext } from "../../provider/prepare/backup";
import { runBackup } from "../../provider/engine/backup/backup";
import type { BackupManifest } from "../../provider/format/manifest";
import { BACKUP_LABEL, BACKUP_NAME_ANNOTATION } from "../../provider/engine/snapshot/snapshot";
import { STORE_LAYOUT } from "../../provider/store";
import {
  adminKubeConfig,
  createCsiClasses,
  createLocation,
  locationNamespace,
  rand,
  readManifest,
} from "../support/backup-fixture";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
let removeCsiClasses: (() => Promise<void>) | undefined;
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = `bk-snap-${rand()}`;
const locNs = locationNamespace();
const id = rand();
const driver = `csi-${id}.hks.example.com`;
const SNAP = { group: "snapshot.storage.k8s.io", version: "v1" };
const merge = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

function pvc(name: string, storageClassName: string): k8s.V1PersistentVolumeClaim {
  return {
    metadata: { name },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName },
  };
}

/**
 * Plays the CSI snapshot controller until stopped: `ok` becomes ready (with a content object
 * holding the driver's handle), `broken` gets `status.error`, `slow` is left alone.
 */
function fakeSnapshotController(): { stop: () => Promise<void>; seen: Set<string> } {
  let running = true;
  const seen = new Set<string>();
  const loop = (async () => {
    while (running) {
      const list = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: ns, plural: "volumesnapshots" })) as {
        items: {
          metadata: { name: string; labels?: Record<string, string> };
          spec: { source: { persistentVolumeClaimName: string } };
          status?: unknown;
        }[];
      };
      for (const vs of list.items) {
        if (seen.has(vs.metadata.name) || vs.status) continue;
        seen.add(vs.metadata.name);
        const claim = vs.spec.source.persistentVolumeClaimName;
        const now = new Date().toISOString();
        if (claim === "ok") {
          const content = `snapcontent-${id}-${vs.metadata.name}`.slice(0, 63);
          await custom.createClusterCustomObject({
            ...SNAP,
            plural: "volumesnapshotcontents",
            body: {
              apiVersion: "snapshot.storage.k8s.io/v1",
              kind: "VolumeSnapshotContent",
              metadata: { name: content },
              spec: {
                deletionPolicy: "Delete",
                driver,
                source: { volumeHandle: "vol-123" },
                volumeSnapshotRef: { name: vs.metadata.name, namespace: ns },
                volumeSnapshotClassName: `vsc-${id}`,
              },
            },
          });
          await custom.patchClusterCustomObjectStatus(
            {
              ...SNAP,
              plural: "volumesnapshotcontents",
              name: content,
              body: { status: { snapshotHandle: `snap-handle-${id}`, readyToUse: true, restoreSize: 1073741824 } },
            },
            merge,
          );
          await custom.patchNamespacedCustomObjectStatus(
            {
              ...SNAP,
              namespace: ns,
              plural: "volumesnapshots",
              name: vs.metadata.name,
              body: {
                status: {
                  readyToUse: true,
                  boundVolumeSnapshotContentName: content,
                  restoreSize: "1Gi",
                  creationTime: now,
                },
              },
            },
            merge,
          );
        } else if (claim === "broken") {
          await custom.patchNamespacedCustomObjectStatus(
            {
              ...SNAP,
              namespace: ns,
              plural: "volumesnapshots",
              name: vs.metadata.name,
              body: { status: { readyToUse: false, error: { message: "driver says: disk exploded", time: now } } },
            },
            merge,
          );
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  removeCsiClasses = await createCsiClasses(kc, id, driver);
  for (const name of ["ok", "broken", "slow"])
    await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: pvc(name, `sc-${id}`) });
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  await core.deleteNamespace({ name: locNs }).catch(() => undefined);
  await removeCsiClasses?.();
});

describe("volume snapshots (the test plays the CSI snapshot controller)", () => {
  it("records a ready snapshot, reports the failed and the timed-out ones, and deletes those", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const controller = fakeSnapshotController();
    const name = `snap-${id}`;
    const started = Date.now();
    const res = await runBackup(
      {
        name,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], snapshotVolumes: true },
        snapshotTimeoutMs: 6000,
      },
      ctx.deps,
    ).finally(() => controller.stop());
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
    expect(res.phase).toBe("PartiallyFailed");
    const m: BackupManifest = await readManifest(loc.store, name);
    const byClaim = Object.fromEntries(m.volumeSnapshots.map((s) => [s.persistentVolumeClaim, s]));
    expect(byClaim.ok).toEqual({
      namespace: ns,
      persistentVolumeClaim: "ok",
      volumeSnapshot: `${name}-ok`,
      storageClass: `sc-${id}`,
      volumeSnapshotClass: `vsc-${id}`,
      driver,
      readyToUse: true,
      restoreSize: "1Gi",
      volumeSnapshotContent: expect.stringMatching(/^snapcontent-/),
      snapshotHandle: `snap-handle-${id}`,
    });
    expect(byClaim.broken).toMatchObject({
      readyToUse: false,
      error: "the snapshot controller reported: driver says: disk exploded",
    });
    expect(byClaim.slow).toMatchObject({
      readyToUse: false,
      error: "not readyToUse within 6s (snapshotTimeoutSeconds); the VolumeSnapshot was deleted",
    });
    expect(m.errors).toEqual([
      { item: `snapshot/${ns}/broken`, reason: "the snapshot controller reported: driver says: disk exploded" },
      {
        item: `snapshot/${ns}/slow`,
        reason: "not readyToUse within 6s (snapshotTimeoutSeconds); the VolumeSnapshot was deleted",
      },
    ]);
    // volumes.json holds the same references, and the manifest records its checksum.
    const volumes = JSON.parse((await loc.store.tryGet(STORE_LAYOUT.backupVolumesKey(name)))!.toString());
    expect(volumes.volumeSnapshots).toEqual(m.volumeSnapshots);
    expect(m.artifacts.volumes?.key).toBe(STORE_LAYOUT.backupVolumesKey(name));
    // Only the ready snapshot is left in the cluster, labelled with the backup.
    const left = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: ns, plural: "volumesnapshots" })) as {
      items: {
        metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
        spec: Record<string, unknown>;
      }[];
    };
    expect(left.items.map((i) => i.metadata.name)).toEqual([`${name}-ok`]);
    expect(left.items[0]!.metadata.labels[BACKUP_LABEL]).toBe(name);
    expect(left.items[0]!.metadata.annotations[BACKUP_NAME_ANNOTATION]).toBe(name);
    expect(left.items[0]!.spec).toEqual({
      volumeSnapshotClassName: `vsc-${id}`,
      source: { persistentVolumeClaimName: "ok" },
    });
  });

  it("uses the class given in the request, and reports a class that does not exist", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const res = await runBackup(
      {
        name: `given-${id}`,
        storageLocation: loc.config.name,
        volumeSnapshotClass: `no-such-${id}`,
        target: { namespaces: [ns], snapshotVolumes: true, includeResources: ["persistentvolumeclaims"] },
      },
      ctx.deps,
    );
    expect(res.phase).toBe("PartiallyFailed");
    const m = await readManifest(loc.store, `given-${id}`);
    expect(m.errors.map((e) => e.item).sort()).toEqual([
      `snapshot/${ns}/broken`,
      `snapshot/${ns}/ok`,
      `snapshot/${ns}/slow`,
    ]);
    expect(m.errors[0]!.reason).toMatch(
      new RegExp(`^VolumeSnapshotClass "no-such-${id}" \\(target.volumeSnapshotClass\\) does not exist`),
    );
    expect(m.counts.byResource).toEqual({ namespaces: 1, persistentvolumeclaims: 3 });
  });
});
