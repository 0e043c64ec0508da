/**
 * The seed's scenario on the local node, end to end with the real parts: a PostgreSQL StatefulSet
 * (the local postgres image) on a CSI volume of the default StorageClass, with the seed's hook
 * annotations; `hks backup create --snapshot-volumes` runs the pre hook in the database container,
 * the real snapshot controller + csi-snapshotter + CSI driver take the snapshot, then the post hook
 * runs; `hks restore create --restore-volumes` clones the namespace, and the clone's postgres starts
 * on the volume provisioned from that snapshot.
 *
 * Order is proved by the data: each hook also records itself in a table, so the clone (made from
 * the snapshot) holds the pre hook's row and not the post hook's, and the rows written after the
 * backup are absent from it. The hooks use `CHECKPOINT`: `pg_start_backup` no longer exists in
 * PostgreSQL 15+, and its successor `pg_backup_start` must be ended in the same session, which two
 * separate exec hooks cannot hold (see README "Application-consistent hooks").
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupManifest } from "../../provider/format/manifest";
import { adminKubeConfig, createLocation, locationNamespace, rand, readManifest } from "../support/backup-fixture";
import { defaultStorageClass, deleteNamespacesAndWait, podReady, postgresStatefulSet, psql } from "../support/node";
import { runHks, type HksRun } from "../support/hks-cli";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const id = rand();
const SRC = `pg-seed-${id}`;
const CLONE = `pg-clone-${id}`;
const locNs = locationNamespace();
const BACKUP = `seed-${id}`;
const SNAP = { group: "snapshot.storage.k8s.io", version: "v1" };
const restoredContents: string[] = [];

/** `psql` argv that records the hook's phase and time in hook_log after the seed's CHECKPOINT. */
const hookCommand = (phase: "pre" | "post") =>
  JSON.stringify([
    "/bin/psql",
    "-U",
    "postgres",
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    phase === "pre" ? "CHECKPOINT" : "SELECT 1",
    "-c",
    `INSERT INTO hook_log VALUES ('${phase}', clock_timestamp())`,
  ]);

// The seed's annotations, with commands that work on PostgreSQL 15.
const statefulSet = postgresStatefulSet({
  "pre.hook.backup.hks.io/container": "postgres",
  "pre.hook.backup.hks.io/command": hookCommand("pre"),
  "post.hook.backup.hks.io/container": "postgres",
  "post.hook.backup.hks.io/command": hookCommand("post"),
});

const hks = (args: string[]): Promise<HksRun> => runHks(locNs, args);

const ids = async (ns: string) =>
  (await psql(kc, ns, "postgres-0", "SELECT id FROM items ORDER BY id")).map((r) => Number(r[0]));
const hookLog = async (ns: string) =>
  (
    await psql(
      kc,
      ns,
      "postgres-0",
      "SELECT phase, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM hook_log ORDER BY at",
    )
  ).map(([phase, at]) => ({ phase: phase!, at: Date.parse(at!) }));

let storageClass: k8s.V1StorageClass;
let location: Awaited<ReturnType<typeof createLocation>>;

beforeAll(async () => {
  storageClass = await defaultStorageClass(kc);
  await core.createNamespace({ body: { metadata: { name: SRC } } });
  await apps.createNamespacedStatefulSet({ namespace: SRC, body: statefulSet });
  await podReady(kc, SRC, "postgres-0");
  await psql(
    kc,
    SRC,
    "postgres-0",
    "CREATE TABLE items (id int PRIMARY KEY, note text); CREATE TABLE hook_log (phase text, at timestamptz)",
  );
  await psql(kc, SRC, "postgres-0", "INSERT INTO items SELECT g, 'before the backup' FROM generate_series(1, 3) g");
  location = await createLocation(kc, { namespace: locNs, name: "main" });
}, 300_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [SRC, CLONE, locNs]).catch(() => undefined);
  for (const name of restoredContents)
    await custom.deleteClusterCustomObject({ ...SNAP, plural: "volumesnapshotcontents", name }).catch(() => undefined);
}, 180_000);

describe("the seed's scenario: postgres on a CSI volume, hooks, snapshot, clone with --restore-volumes", () => {
  let manifest: BackupManifest;

  it("backs up with the pre hook before the snapshot and the post hook after, in the real container", async () => {
    const r = await hks([
      "backup",
      "create",
      BACKUP,
      "--include-namespaces",
      SRC,
      "--snapshot-volumes",
      "--storage-location",
      "main",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    manifest = await readManifest(location.store, BACKUP);
    expect(manifest.phase).toBe("Completed");
    expect(manifest.errors).toEqual([]);
    // Hook results in the manifest, in the order they ran.
    expect(manifest.hooks.map((h) => [h.phase, h.scope, h.pod, h.container, h.outcome, h.exitCode])).toEqual([
      ["pre", "pod", "postgres-0", "postgres", "Succeeded", 0],
      ["post", "pod", "postgres-0", "postgres", "Succeeded", 0],
    ]);
    expect(manifest.hooks[0]!.command).toEqual(JSON.parse(hookCommand("pre")));
    // The snapshot, made ready by the real snapshot controller and the node's CSI driver.
    expect(manifest.volumeSnapshots).toEqual([
      expect.objectContaining({
        namespace: SRC,
        persistentVolumeClaim: "data-postgres-0",
        storageClass: storageClass.metadata!.name,
        driver: storageClass.provisioner,
        readyToUse: true,
        snapshotHandle: expect.any(String),
        volumeSnapshotContent: expect.any(String),
      }),
    ]);
    const vs = (await custom.getNamespacedCustomObject({
      ...SNAP,
      namespace: SRC,
      plural: "volumesnapshots",
      name: manifest.volumeSnapshots[0]!.volumeSnapshot,
    })) as { status: { readyToUse: boolean; creationTime: string; boundVolumeSnapshotContentName: string } };
    expect(vs.status.readyToUse).toBe(true);
    const content = (await custom.getClusterCustomObject({
      ...SNAP,
      plural: "volumesnapshotcontents",
      name: vs.status.boundVolumeSnapshotContentName,
    })) as { spec: { driver: string }; status: { snapshotHandle: string } };
    expect(content.status.snapshotHandle).toBe(manifest.volumeSnapshots[0]!.snapshotHandle);
    // In the container: pre, then the snapshot's creation, then post (creationTime has 1 s resolution).
    const log = await hookLog(SRC);
    expect(log.map((l) => l.phase)).toEqual(["pre", "post"]);
    const created = Date.parse(vs.status.creationTime);
    expect(Math.floor(log[0]!.at / 1000) * 1000).toBeLessThanOrEqual(created);
    expect(created).toBeLessThanOrEqual(log[1]!.at);
  });

  it("a clone restored with --restore-volumes starts postgres on the snapshot's data: rows from before the backup only", async () => {
    await psql(kc, SRC, "postgres-0", "INSERT INTO items SELECT g, 'after the backup' FROM generate_series(4, 5) g");
    expect(await ids(SRC)).toEqual([1, 2, 3, 4, 5]);
    const r = await hks([
      "restore",
      "create",
      `clone-${id}`,
      "--from-backup",
      BACKUP,
      "--storage-location",
      "main",
      "--namespace-mapping",
      `${SRC}:${CLONE}`,
      "--restore-volumes",
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const contents = (await custom.listClusterCustomObject({ ...SNAP, plural: "volumesnapshotcontents" })) as {
      items: { metadata: { name: string }; spec: { volumeSnapshotRef: { namespace: string } } }[];
    };
    restoredContents.push(
      ...contents.items.filter((c) => c.spec.volumeSnapshotRef.namespace === CLONE).map((c) => c.metadata.name),
    );

    const claim = await core.readNamespacedPersistentVolumeClaim({ name: "data-postgres-0", namespace: CLONE });
    expect(claim.spec?.dataSource).toMatchObject({ apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot" });
    await podReady(kc, CLONE, "postgres-0");
    const bound = await core.readNamespacedPersistentVolumeClaim({ name: "data-postgres-0", namespace: CLONE });
    expect(bound.status?.phase).toBe("Bound");
    const source = await core.readNamespacedPersistentVolumeClaim({ name: "data-postgres-0", namespace: SRC });
    expect(bound.spec?.volumeName).not.toBe(source.spec?.volumeName);

    expect(await ids(CLONE)).toEqual([1, 2, 3]);
    // The snapshot was taken after the pre hook's row and before the post hook's.
    expect((await hookLog(CLONE)).map((l) => l.phase)).toEqual(["pre"]);
    // The source is untouched and keeps running.
    expect(await ids(SRC)).toEqual([1, 2, 3, 4, 5]);
  });
});
