/**
 * Volume data copied off the node (issue #16): `hks backup create --snapshot-volumes
 * --volume-data-selector ...` snapshots the PVCs, then a mover Pod running the runner image (the
 * node's image, the plan's default) reads a volume made from each selected snapshot and pushes its
 * files, encrypted, into the location on the stack's MinIO. The test pulls the copy back on the host
 * and compares it with what the application's container sees (content, modes, owners, symlink,
 * sparse file), checks the manifest's record against the stored index, that a second backup after
 * a small change uploads only about that change, that nothing of the movers is left, and that a
 * mover which cannot start fails the backup's copy with the reason (PartiallyFailed, no index), and
 * that after the source namespace, its claims and its snapshots are deleted, `hks restore create
 * --restore-volumes` fills a new claim from the volume data before the restored Pod starts.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { runBackup } from "../../provider/engine/backup/backup";
import { MOVER_LABEL } from "../../provider/kube/mover-render";
import { openBackupContext } from "../../provider/prepare/backup";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { adminKubeConfig, createLocation, rand, readManifest, stack } from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";
import {
  busyboxContainer,
  deleteNamespacesAndWait,
  exec,
  podLog,
  podReady,
  podS3Endpoint,
  waitFor,
} from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const id = rand();
const ns = `node-vd-${id}`;
const locNs = `hks-vd-${id}`;
const restored = `node-vd-restored-${id}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-it-node-vd-"));
let store: ObjectStore;
let locName: string;
let identity: string;

/** What the writer Pod puts on the `data` volume: files of several owners and modes, a symlink, a sparse file. */
const WRITE = [
  "set -e",
  "mkdir -p /data/db/base /data/empty",
  "dd if=/dev/urandom of=/data/db/base/big bs=1024 count=3072 2>/dev/null",
  "for i in 1 2 3 4 5 6 7 8; do dd if=/dev/urandom of=/data/db/base/f$i bs=1024 count=$((i*13)) 2>/dev/null; done",
  "echo secret > /data/db/pg_hba.conf && chmod 600 /data/db/pg_hba.conf && chown 999:999 /data/db/pg_hba.conf",
  "chown -R 999:999 /data/db/base && chmod 700 /data/db",
  "ln -s db/base /data/link",
  "dd if=/dev/zero of=/data/sparse.img bs=1 count=0 seek=20971520 2>/dev/null",
  "echo middle | dd of=/data/sparse.img bs=1 seek=10485760 conv=notrunc 2>/dev/null",
  "echo cache > /cache/c.txt",
].join("\n");

/** `path mode uid gid size` and a SHA-256 per regular file, as seen inside the application's container. */
async function treeInPod(namespace = ns, pod = "writer"): Promise<string[]> {
  const r = await exec(kc, namespace, pod, "app", [
    "sh",
    "-c",
    "cd /data && find . -mindepth 1 | sort | while read f; do " +
      'if [ -L "$f" ]; then echo "l $f -> $(readlink "$f")"; ' +
      'elif [ -f "$f" ]; then echo "f $f $(stat -c "%a %u %g %s" "$f") $(sha256sum < "$f" | cut -c1-64)"; ' +
      'else echo "d $f $(stat -c "%a %u %g" "$f")"; fi; done',
  ]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").sort();
}

/** The same lines for a directory on the host. */
function treeOnHost(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    for (const n of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out.push(`l ./${r} -> ${fs.readlinkSync(abs)}`);
      else if (st.isFile()) {
        const sum = crypto.createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
        out.push(`f ./${r} ${mode} ${st.uid} ${st.gid} ${st.size} ${sum}`);
      } else {
        out.push(`d ./${r} ${mode} ${st.uid} ${st.gid}`);
        visit(r);
      }
    }
  };
  visit("");
  return out.sort();
}

/** Objects of mover Pods left anywhere. */
async function moverLeftovers(): Promise<string[]> {
  const sel = { labelSelector: MOVER_LABEL };
  const pods = await core.listNamespacedPod({ namespace: locNs, ...sel });
  const pvcs = await core.listNamespacedPersistentVolumeClaim({ namespace: locNs, ...sel });
  const snap = { group: "snapshot.storage.k8s.io", version: "v1" };
  const vs = (await custom.listNamespacedCustomObject({
    ...snap,
    namespace: locNs,
    plural: "volumesnapshots",
    ...sel,
  })) as { items: unknown[] };
  const vsc = (await custom.listClusterCustomObject({ ...snap, plural: "volumesnapshotcontents", ...sel })) as {
    items: { metadata: { name: string; deletionTimestamp?: string } }[];
  };
  return [
    ...pods.items.map((p) => `pod ${p.metadata!.name}`),
    ...pvcs.items.map((p) => `pvc ${p.metadata!.name}`),
    ...vs.items.map(() => "volumesnapshot"),
    ...vsc.items.filter((c) => !c.metadata.deletionTimestamp).map((c) => `content ${c.metadata.name}`),
  ];
}

/** `hks backup create <name>` of the test namespace, snapshotting and copying the `tier=db` claim. */
function createBackup(name: string, ...flags: string[]) {
  const target = ["--include-namespaces", ns, "--snapshot-volumes", "--volume-data-selector", "tier=db"];
  return runHks(locNs, ["backup", "create", name, ...target, ...flags, "--storage-location", locName]);
}

/** Waits until the movers' objects are gone (a claim goes once its Pod has stopped). */
async function noMoverLeft(): Promise<void> {
  let left: string[] = [];
  await waitFor("mover objects removed", 90_000, async () => {
    left = await moverLeftovers();
    return left.length ? undefined : true;
  }).catch((e: Error) => {
    throw new Error(`${e.message}; left: ${left.join(", ")}`);
  });
}

const claim = (name: string, tier: string): k8s.V1PersistentVolumeClaim => ({
  metadata: { name, labels: { tier, ...(tier === "db" ? { restore: "yes" } : {}) } },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
});

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim("data", "db") });
  await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: claim("cache", "cache") });
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: "writer" },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          busyboxContainer("app", {
            command: ["sh", "-c", `${WRITE}\ntouch /tmp/ready; sleep 86400`],
            readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1 },
            volumeMounts: [
              { name: "d", mountPath: "/data" },
              { name: "c", mountPath: "/cache" },
            ],
          }),
        ],
        volumes: [
          { name: "d", persistentVolumeClaim: { claimName: "data" } },
          { name: "c", persistentVolumeClaim: { claimName: "cache" } },
        ],
      },
    },
  });
  const key = await generateIdentity();
  identity = key.identity;
  // The mover Pod reaches MinIO at the node's address (so does this process).
  const loc = await createLocation(kc, {
    namespace: locNs,
    recipients: [key.recipient],
    endpoint: podS3Endpoint(stack),
  });
  store = loc.store;
  locName = loc.config.name;
  await podReady(kc, ns, "writer");
  // Created once the files exist; restored with the data claim, it is Ready only if they are there at its start.
  await core.createNamespacedPod({
    namespace: ns,
    body: {
      metadata: { name: "reader", labels: { restore: "yes" } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          busyboxContainer("app", {
            command: [
              "sh",
              "-c",
              "if [ -s /data/db/base/big ]; then echo has-data; sleep 86400; else echo empty; exit 1; fi",
            ],
            volumeMounts: [{ name: "d", mountPath: "/data", readOnly: true }],
          }),
        ],
        restartPolicy: "Never",
        volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }],
      },
    },
  });
  await podReady(kc, ns, "reader");
}, 300_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [ns, restored, locNs]).catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
}, 180_000);

describe("volume data copied by a mover Pod on the node", () => {
  const first = `vd1-${id}`;

  it("copies the selected PVC's files, encrypted; they come back identical to what the container sees", async () => {
    const r = await createBackup(first);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Completed/);
    expect(r.stderr).toMatch(/volume-data: 1\/1 .*\/data copied/);
    expect(r.stdout).toMatch(
      /volume data: 1\/1 copied \(node-vd-\w+\/data: 11 files, [\d.]+ MiB read, [\d.]+ MiB uploaded, 0 B already stored\)/,
    );

    const m = await readManifest(store, first);
    expect(m.phase).toBe("Completed");
    expect(m.target.volumeData).toEqual({ selector: "tier=db" });
    expect(m.volumeSnapshots.map((s) => s.persistentVolumeClaim).sort()).toEqual(["cache", "data"]);
    expect(m.volumeData).toHaveLength(1);
    const rec = m.volumeData![0]!;
    expect(rec).toMatchObject({
      namespace: ns,
      persistentVolumeClaim: "data",
      volumeSnapshot: `${first}-data`,
      indexKey: STORE_LAYOUT.backupVolumeRecordKey(first, ns, "data", "indexEncrypted"),
      files: 11,
      symlinks: 1,
    });
    expect(rec.error).toBeUndefined();
    // 3 MiB + 468 KiB of random files, the sparse file's one written block; holes are not read as data.
    expect(rec.bytes).toBeGreaterThan(3.4 * 1024 * 1024);
    expect(rec.uploadedBytes).toBeGreaterThan(3.4 * 1024 * 1024);
    const index = (await store.tryGet(rec.indexKey!))!;
    expect(crypto.createHash("sha256").update(index).digest("hex")).toBe(rec.indexSha256);
    expect(index.includes(Buffer.from("pg_hba"))).toBe(false);

    const target = path.join(tmp, "pulled");
    fs.mkdirSync(target);
    const pull = await runHks(
      locNs,
      [
        "volume-data",
        "pull",
        "--backup",
        first,
        "--pvc",
        `${ns}/data`,
        "--target",
        target,
        "--storage-location",
        locName,
      ],
      { HKS_AGE_IDENTITY: identity },
    );
    expect(pull.code, pull.stderr).toBe(0);
    expect(treeOnHost(target)).toEqual(await treeInPod());
    // Sparse: 20 MiB long; holes are kept per 4 MiB blob, so only the blob holding "middle" is on disk.
    const sparse = fs.statSync(path.join(target, "sparse.img"));
    expect(sparse.size).toBe(20 * 1024 * 1024);
    expect(sparse.blocks * 512).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024);
    await noMoverLeft();
  }, 600_000);

  it("a second backup after changing one small file uploads about that file, not the volume", async () => {
    const change = await exec(kc, ns, "writer", "app", ["sh", "-c", "echo changed >> /data/db/base/f1"]);
    expect(change.exitCode).toBe(0);
    const second = `vd2-${id}`;
    const r = await createBackup(second);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const rec = (await readManifest(store, second)).volumeData![0]!;
    expect(rec.bytes).toBeGreaterThan(3.4 * 1024 * 1024);
    // f1 is 13 KiB: one blob re-uploaded, in one encrypted pack.
    expect(rec.uploadedBytes).toBeLessThan(64 * 1024);
    expect(rec.reusedBytes).toBeGreaterThan(3.3 * 1024 * 1024);
    await noMoverLeft();
  }, 600_000);

  it("--delete-snapshots-after-copy: the copy replaces the snapshot, and verify still passes", async () => {
    const name = `vd-nosnap-${id}`;
    const r = await createBackup(name, "--delete-snapshots-after-copy");
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/snapshots: 2\/2 ready .*, 1 deleted after its data was copied/);
    const m = await readManifest(store, name);
    const byClaim = Object.fromEntries(m.volumeSnapshots.map((s) => [s.persistentVolumeClaim, s]));
    expect(byClaim.data).toMatchObject({ readyToUse: true, deletedAfterCopy: true });
    // The cache claim was not copied (labels): its snapshot stays.
    expect(byClaim.cache!.deletedAfterCopy).toBeUndefined();
    const snaps = async () =>
      (
        (await custom.listNamespacedCustomObject({
          group: "snapshot.storage.k8s.io",
          version: "v1",
          namespace: ns,
          plural: "volumesnapshots",
        })) as { items: { metadata: { name: string } }[] }
      ).items.map((i) => i.metadata.name);
    await waitFor("the copied claim's snapshot deleted", 60_000, async () =>
      (await snaps()).includes(`${name}-data`) ? undefined : true,
    );
    expect(await snaps()).toContain(`${name}-cache`);
    const v = await runHks(locNs, ["backup", "verify", name, "--storage-location", locName]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/volume data of 1 PVC/);
    await noMoverLeft();
  }, 600_000);

  it("a mover that cannot start fails that PVC's copy with the reason: PartiallyFailed, no index, nothing left", async () => {
    const ctx = await openBackupContext(kc, { storageLocation: locName, namespace: locNs });
    const broken = `vd-broken-${id}`;
    const res = await runBackup(
      {
        name: broken,
        storageLocation: locName,
        target: { namespaces: [ns], snapshotVolumes: true, volumeData: { selector: "tier=db" } },
      },
      {
        ...ctx.deps,
        mover: async () => ({ ...(await ctx.deps.mover!()), image: `localhost/hks-dev/no-such-image-${id}:1` }),
      },
    );
    expect(res.phase).toBe("PartiallyFailed");
    const m = await readManifest(store, broken);
    expect(m.volumeData).toEqual([
      {
        namespace: ns,
        persistentVolumeClaim: "data",
        volumeSnapshot: `${broken}-data`,
        error: expect.stringMatching(
          /^the mover Pod hks-vd-.*\/hks-mover-data-\w+ cannot start: (ErrImagePull|ImagePullBackOff)/,
        ),
      },
    ]);
    expect(m.errors).toEqual([{ item: `volume-data/${ns}/data`, reason: m.volumeData![0]!.error }]);
    expect(
      await store.tryGet(STORE_LAYOUT.backupVolumeRecordKey(broken, ns, "data", "indexEncrypted")),
    ).toBeUndefined();
    await noMoverLeft();
  }, 600_000);
  it("restores the claim from volume data after the source namespace and its snapshots are gone", async () => {
    const before = await treeInPod();
    await deleteNamespacesAndWait(kc, [ns], 180_000);
    // Its snapshots go with it (class deletionPolicy Delete): the restore cannot use them.
    await waitFor("the source's VolumeSnapshotContents deleted", 90_000, async () => {
      const contents = (await custom.listClusterCustomObject({
        group: "snapshot.storage.k8s.io",
        version: "v1",
        plural: "volumesnapshotcontents",
      })) as { items: { spec: { volumeSnapshotRef?: { namespace?: string } } }[] };
      return contents.items.some((c) => c.spec.volumeSnapshotRef?.namespace === ns) ? undefined : true;
    });
    const idFile = path.join(tmp, "identity.txt");
    fs.writeFileSync(idFile, identity + "\n", { mode: 0o600 });
    const r = await runHks(locNs, [
      "restore",
      "create",
      `r-${id}`,
      "--from-backup",
      `vd2-${id}`,
      "--storage-location",
      locName,
      "--namespace-mapping",
      `${ns}:${restored}`,
      "--selector",
      "restore=yes",
      "--restore-volumes",
      "--identity-file",
      idFile,
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`${restored}/data: volume data of ${ns}/data: 11 files, [\\d.]+ MiB, every blob checked`),
    );
    // The reader exits 1 on an empty volume: Ready means the files were there when it started.
    await podReady(kc, restored, "reader");
    expect(await podLog(kc, restored, "reader")).toBe("has-data\n");
    expect(await treeInPod(restored, "reader")).toEqual(before);
    const left = await core.listNamespacedPod({ namespace: restored, labelSelector: MOVER_LABEL });
    const secrets = await core.listNamespacedSecret({ namespace: restored, labelSelector: MOVER_LABEL });
    expect([...left.items, ...secrets.items].map((o) => o.metadata!.name)).toEqual([]);
  }, 600_000);
  it("hks backup verify reads every pack back, and refuses a flipped byte in a pack naming the PVC", async () => {
    const idFile = path.join(tmp, "identity.txt");
    const ok = await runHks(locNs, [
      "backup",
      "verify",
      `vd2-${id}`,
      "--storage-location",
      locName,
      "--identity-file",
      idFile,
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/volume data of 1 PVC: \d+ packs, [\d.]+ MiB checked, \d+ blobs read back/);
    // The largest pack holds the first backup's blobs (the second added one small pack).
    let biggest = { key: "", size: -1 };
    for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix(ns, "data")))
      if (e.size > biggest.size) biggest = { key: e.key, size: e.size };
    const body = (await store.tryGet(biggest.key))!;
    body[Math.floor(body.length / 2)]! ^= 0x01;
    await store.delete(biggest.key);
    await store.put(biggest.key, body);
    const bad = await runHks(locNs, ["backup", "verify", `vd1-${id}`, "--storage-location", locName]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`the volume data of ${ns}/data in backup vd1-${id} is damaged: .*SHA-256`));
  }, 600_000);
});
