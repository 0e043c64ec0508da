/**
 * Volume snapshots with the real snapshot controller, csi-snapshotter and the node's CSI driver:
 * a bound claim of the default StorageClass becomes a ready snapshot holding the Pod's data, after
 * the driver failed its first two attempts (the controller's status.error, then its retry); a
 * claim that never binds fails at once, with no snapshot; a VolumeSnapshotClass of a
 * driver that nobody serves never becomes ready and times out (the VolumeSnapshot is deleted); a
 * class that does not exist is reported before anything is created.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackupContext } from "../../provider/prepare/backup";
import { runBackup } from "../../provider/engine/backup/backup";
import { BACKUP_LABEL, BACKUP_NAME_ANNOTATION } from "../../provider/engine/snapshot/snapshot";
import { STORE_LAYOUT } from "../../provider/store";
import { adminKubeConfig, createLocation, locationNamespace, rand, readManifest } from "../support/backup-fixture";
import {
  busyboxContainer,
  defaultStorageClass,
  deleteNamespacesAndWait,
  podReady,
  untilStopped,
  waitFor,
} from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const storage = kc.makeApiClient(k8s.StorageV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const id = rand();
const ns = `node-snap-${id}`;
const locNs = locationNamespace();
const SNAP = { group: "snapshot.storage.k8s.io", version: "v1" };
const nobody = `nobody-${id}.hks.example.com`;
let sc: k8s.V1StorageClass;

beforeAll(async () => {
  sc = await defaultStorageClass(kc);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  // A class whose provisioner nobody runs: its claim stays Pending.
  await storage.createStorageClass({ body: { metadata: { name: `unserved-${id}` }, provisioner: nobody } });
  await custom.createClusterCustomObject({
    ...SNAP,
    plural: "volumesnapshotclasses",
    body: {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: `vsc-unserved-${id}` },
      driver: nobody,
      deletionPolicy: "Delete",
    },
  });
  const claim = (name: string, storageClassName?: string): k8s.V1PersistentVolumeClaim => ({
    metadata: { name },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "64Mi" } },
      ...(storageClassName ? { storageClassName } : {}),
    },
  });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim("ok") });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim("unbound", `unserved-${id}`) });
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: "writer" },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          busyboxContainer("app", {
            // The driver fails this volume's next two snapshots (test/csi-hostpath: a passing error).
            command: untilStopped("echo hello-from-pvc > /data/file.txt; echo 2 > /data/.hks-test-fail-snapshots"),
            volumeMounts: [{ name: "d", mountPath: "/data" }],
          }),
        ],
        volumes: [{ name: "d", persistentVolumeClaim: { claimName: "ok" } }],
      },
    },
  });
  await podReady(kc, ns, "writer");
}, 300_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [ns, locNs]).catch(() => undefined);
  await storage.deleteStorageClass({ name: `unserved-${id}` }).catch(() => undefined);
  await custom
    .deleteClusterCustomObject({ ...SNAP, plural: "volumesnapshotclasses", name: `vsc-unserved-${id}` })
    .catch(() => undefined);
}, 180_000);

describe("volume snapshots on the node's CSI driver", () => {
  it("a bound claim gets a ready snapshot through the controller's retries; a claim that never bound fails at once", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const name = `snap-${id}`;
    const progress: string[] = [];
    const res = await runBackup(
      {
        name,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], snapshotVolumes: true },
        snapshotTimeoutMs: 90_000,
      },
      { ...ctx.deps, progress: (p) => p.step === "snapshot" && p.message && progress.push(p.message) },
    );
    expect(res.phase).toBe("PartiallyFailed");
    // The driver's failure reached the VolumeSnapshot's status.error and was shown, then the retry made it.
    expect(progress).toContain(`${ns}/${name}-ok ready`);
    expect(progress.find((l) => l.startsWith(`${ns}/${name}-ok: the snapshot controller reported:`))).toMatch(
      /injected transient failure/,
    );
    const m = await readManifest(loc.store, name);
    const byClaim = Object.fromEntries(m.volumeSnapshots.map((s) => [s.persistentVolumeClaim, s]));
    expect(byClaim.ok).toEqual({
      namespace: ns,
      persistentVolumeClaim: "ok",
      volumeSnapshot: `${name}-ok`,
      storageClass: sc.metadata!.name,
      volumeSnapshotClass: expect.any(String),
      driver: sc.provisioner,
      readyToUse: true,
      restoreSize: expect.any(String),
      volumeSnapshotContent: expect.stringMatching(/^snapcontent-/),
      snapshotHandle: expect.any(String),
    });
    expect(byClaim.unbound).toMatchObject({
      readyToUse: false,
      error: "the claim is Pending, not Bound: it has no volume to snapshot yet",
    });
    expect(m.errors).toEqual([{ item: `snapshot/${ns}/unbound`, reason: byClaim.unbound!.error }]);
    const volumes = JSON.parse((await loc.store.tryGet(STORE_LAYOUT.backupVolumesKey(name)))!.toString());
    expect(volumes.volumeSnapshots).toEqual(m.volumeSnapshots);
    // The ready snapshot is the only one (none was made for the unbound claim), labelled with the
    // backup; its content is the driver's.
    type Snap = {
      metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
      status: { readyToUse: boolean };
    };
    const left = await waitFor("only the ready VolumeSnapshot left", 60_000, async () => {
      const l = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: ns, plural: "volumesnapshots" })) as {
        items: Snap[];
      };
      return l.items.length === 1 ? l : undefined;
    });
    expect(left.items.map((i) => [i.metadata.name, i.status.readyToUse])).toEqual([[`${name}-ok`, true]]);
    expect(left.items[0]!.metadata.labels[BACKUP_LABEL]).toBe(name);
    expect(left.items[0]!.metadata.annotations[BACKUP_NAME_ANNOTATION]).toBe(name);
    const content = (await custom.getClusterCustomObject({
      ...SNAP,
      plural: "volumesnapshotcontents",
      name: byClaim.ok!.volumeSnapshotContent!,
    })) as { spec: { driver: string }; status: { snapshotHandle: string; readyToUse: boolean } };
    expect(content.spec.driver).toBe(sc.provisioner);
    expect(content.status).toMatchObject({ readyToUse: true, snapshotHandle: byClaim.ok!.snapshotHandle });
  });

  it("a class of a driver nobody serves never becomes ready: timed out and deleted", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const name = `slow-${id}`;
    const started = Date.now();
    const res = await runBackup(
      {
        name,
        storageLocation: loc.config.name,
        volumeSnapshotClass: `vsc-unserved-${id}`,
        snapshotTimeoutMs: 6000,
        target: { namespaces: [ns], snapshotVolumes: true, includeResources: ["persistentvolumeclaims"] },
      },
      ctx.deps,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(6000);
    expect(res.phase).toBe("PartiallyFailed");
    const m = await readManifest(loc.store, name);
    const ok = m.volumeSnapshots.find((s) => s.persistentVolumeClaim === "ok");
    expect(ok).toMatchObject({
      readyToUse: false,
      error: "not readyToUse within 6s (snapshotTimeoutSeconds); the VolumeSnapshot was deleted",
    });
    // Deleted: the DELETE was accepted. No driver answers for the class, so the snapshot controller
    // keeps its finalizers and the object stays Terminating (upstream behaviour); an administrator
    // clears them, as this test does so that its namespace can go.
    type Vs = { metadata: { name: string; deletionTimestamp?: string; finalizers?: string[] } };
    const terminating = await waitFor("the timed-out VolumeSnapshot marked for deletion", 30_000, async () => {
      const l = (await custom.listNamespacedCustomObject({
        ...SNAP,
        namespace: ns,
        plural: "volumesnapshots",
        labelSelector: `${BACKUP_LABEL}=${name}`,
      })) as { items: Vs[] };
      return l.items.length === 1 && l.items[0]!.metadata.deletionTimestamp ? l.items[0]! : undefined;
    });
    await custom.patchNamespacedCustomObject(
      {
        ...SNAP,
        namespace: ns,
        plural: "volumesnapshots",
        name: terminating.metadata.name,
        body: [{ op: "replace", path: "/metadata/finalizers", value: [] }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
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
    expect(m.errors.map((e) => e.item).sort()).toEqual([`snapshot/${ns}/ok`, `snapshot/${ns}/unbound`]);
    expect(m.errors[0]!.reason).toMatch(
      new RegExp(`^VolumeSnapshotClass "no-such-${id}" \\(target.volumeSnapshotClass\\) does not exist`),
    );
    expect(m.counts.byResource).toEqual({ namespaces: 1, persistentvolumeclaims: 2 });
  });
});
