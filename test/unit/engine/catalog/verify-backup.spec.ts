/**
 * `verifyBackup`: a stored backup checked end to end against the in-memory store, and every way
 * one can be wrong (each must fail naming what is wrong, never verify).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import { IntegrityError } from "../../../../provider/errors";
import { countMismatches, verifyBackup } from "../../../../provider/engine/catalog/verify-backup";
import { generateIdentity } from "../../../../provider/engine/archive/encrypt";
import { checkArchivedIdentity } from "../../../../provider/engine/transform/transform";
import { BackupNotRestorableError } from "../../../../provider/engine/catalog/read-verified";
import { STORE_LAYOUT, MemoryObjectStore } from "../../../../provider/store";
import {
  rawArchive,
  rewriteStored,
  storeBackup,
  writeBackupFixture,
  type FixtureObject,
} from "../../../support/backup-fixture";
const cm = (name: string, ns = "prod"): FixtureObject => ({
  group: "",
  resource: "configmaps",
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { k: name } },
});
const deploy = (name: string): FixtureObject => ({
  group: "apps",
  resource: "deployments",
  object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "prod" }, spec: { replicas: 1 } },
});
const OBJECTS = [cm("a"), cm("b"), deploy("web")];
const CM_HEAD = "apiVersion: v1\nkind: ConfigMap\n";

let store: MemoryObjectStore;
beforeEach(() => {
  store = new MemoryObjectStore("verify");
});

describe("verifyBackup", () => {
  it("reads every object back and agrees with the manifest", async () => {
    const m = await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: OBJECTS });
    const r = await verifyBackup(store, "b1");
    expect(r).toMatchObject({
      name: "b1",
      contentsChecked: true,
      objects: 3,
      byResource: { configmaps: 2, "deployments.apps": 1 },
      volumesChecked: false,
      sha256: m.artifacts.resources.sha256,
      archiveBytes: m.artifacts.resources.bytes,
    });
    expect(r.uncompressedBytes).toBeGreaterThan(0);
  });

  it("an encrypted backup: checksums only without an identity (said so), every object with one", async () => {
    const { identity, recipient } = await generateIdentity();
    await writeBackupFixture({ store, name: "enc", namespaces: ["prod"], objects: OBJECTS, recipients: [recipient] });
    expect(await verifyBackup(store, "enc")).toMatchObject({ contentsChecked: false, objects: 0 });
    expect(await verifyBackup(store, "enc", { identities: [identity] })).toMatchObject({
      contentsChecked: true,
      objects: 3,
    });
    const other = await generateIdentity();
    await expect(verifyBackup(store, "enc", { identities: [other.identity] })).rejects.toThrow(
      /none of the given identities can decrypt backup enc/,
    );
  });

  it("a flipped byte in the stored archive", async () => {
    await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: OBJECTS });
    await rewriteStored(store, STORE_LAYOUT.backupResourcesKey("b1"), (b) => {
      const c = Buffer.from(b);
      c[c.length >> 1] ^= 0x01;
      return c;
    });
    await expect(verifyBackup(store, "b1")).rejects.toThrow(IntegrityError);
    await expect(verifyBackup(store, "b1")).rejects.toThrow(
      /does not match its manifest: .* The stored archive is corrupt/,
    );
  });

  it("an archive holding fewer objects than its manifest counts", async () => {
    const archive = await rawArchive([
      {
        name: "resources/configmaps/prod/a.yaml",
        content: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: prod\n",
      },
    ]);
    await storeBackup({ store, name: "short", namespaces: ["prod"] }, archive, 2, { configmaps: 2 });
    await expect(verifyBackup(store, "short")).rejects.toThrow(
      /does not hold what its manifest lists: 1 objects, the manifest says 2; configmaps: 1, the manifest says 2/,
    );
  });

  it.each([
    {
      name: "an entry holding another object than its path names",
      content: `${CM_HEAD}metadata:\n  name: b\n  namespace: prod\n`,
      error: /archive entry configmaps\/prod\/a is refused: its metadata\.name is "b", the path says "a"/,
    },
    {
      name: "an entry in another namespace than its path",
      content: `${CM_HEAD}metadata:\n  name: a\n  namespace: dev\n`,
      error: /its metadata\.namespace is "dev", the path says "prod"/,
    },
    {
      name: "an entry that is not YAML",
      content: "metadata: [unclosed\n",
      error: /resources\/configmaps\/prod\/a\.yaml \(configmaps\/prod\/a\) does not parse as YAML/,
    },
    {
      name: "an entry that is a list, not an object",
      content: "- a\n- b\n",
      error: /it is not a YAML mapping \(a Kubernetes object\)/,
    },
  ])("$name", async ({ content, error }) => {
    const archive = await rawArchive([{ name: "resources/configmaps/prod/a.yaml", content }]);
    await storeBackup({ store, name: "bad", namespaces: ["prod"] }, archive, 1, { configmaps: 1 });
    await expect(verifyBackup(store, "bad")).rejects.toThrow(error);
  });

  it("an entry that appears twice", async () => {
    const content = `${CM_HEAD}metadata:\n  name: a\n  namespace: prod\n`;
    const archive = await rawArchive([
      { name: "resources/configmaps/prod/a.yaml", content },
      { name: "resources/configmaps/prod/a.yaml", content },
    ]);
    await storeBackup({ store, name: "dup", namespaces: ["prod"] }, archive, 2, { configmaps: 2 });
    await expect(verifyBackup(store, "dup")).rejects.toThrow(/appears twice/);
  });

  it("volumes.json that does not match its record", async () => {
    const m = await writeBackupFixture({ store, name: "vol", namespaces: ["prod"], objects: OBJECTS });
    const key = STORE_LAYOUT.backupVolumesKey("vol");
    await store.put(key, JSON.stringify({ backup: "vol", volumeSnapshots: [] }));
    const withVolumes = { ...m, artifacts: { ...m.artifacts, volumes: { key, bytes: 10, sha256: "0".repeat(64) } } };
    await rewriteStored(store, STORE_LAYOUT.backupManifestKey("vol"), () => Buffer.from(JSON.stringify(withVolumes)));
    await expect(verifyBackup(store, "vol")).rejects.toThrow(/volumes\.json of backup vol does not match its manifest/);
  });

  it.each([
    {
      name: "a failed backup",
      setup: () =>
        store.put(
          STORE_LAYOUT.backupFailureKey("f1"),
          JSON.stringify({
            formatVersion: 1,
            name: "f1",
            phase: "Failed",
            failedAt: "2026-01-01T00:00:00Z",
            errors: [{ item: "backup", reason: "S3 said: SlowDown" }],
          }),
        ),
      error: /backup "f1" in memory:\/\/verify failed .* cannot be restored:\n {2}backup: S3 said: SlowDown/,
    },
    {
      name: "an incomplete backup",
      setup: () => store.put(STORE_LAYOUT.backupResourcesKey("f1"), "x"),
      error: /is incomplete \(no manifest.json/,
    },
    { name: "an absent backup", setup: async () => undefined, error: /backup "f1" does not exist/ },
  ])("$name is refused, saying why", async ({ setup, error }) => {
    await setup();
    await expect(verifyBackup(store, "f1")).rejects.toThrow(BackupNotRestorableError);
    await expect(verifyBackup(store, "f1")).rejects.toThrow(error);
  });
});

// verifyBackup uses the restore's own identity check (transform.ts); these are its cases from verify's side.
describe("checkArchivedIdentity, as verify uses it", () => {
  const ref = { group: "", resource: "configmaps", namespace: "prod", name: "a" };
  const cmWith = (metadata: object) => ({ apiVersion: "v1", kind: "ConfigMap", metadata });
  it("accepts the object its path names", () => {
    expect(() => checkArchivedIdentity(cmWith({ name: "a", namespace: "prod" }), ref)).not.toThrow();
  });

  it.each([
    { parsed: cmWith({ name: "a" }), problem: /its metadata\.namespace is null, the path says "prod"/ },
    { parsed: cmWith({ name: "x", namespace: "prod" }), problem: /its metadata\.name is "x", the path says "a"/ },
    { parsed: {}, problem: /it lacks apiVersion, kind or metadata\.name/ },
    { parsed: null, problem: /it is not a YAML mapping \(a Kubernetes object\)/ },
    { parsed: "text", problem: /it is not a YAML mapping \(a Kubernetes object\)/ },
  ])("$parsed → $problem", ({ parsed, problem }) => {
    expect(() => checkArchivedIdentity(parsed, ref)).toThrow(IntegrityError);
    expect(() => checkArchivedIdentity(parsed, ref)).toThrow(problem);
  });

  it("a cluster-scoped path names no namespace", () => {
    expect(() =>
      checkArchivedIdentity(
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod" } },
        { group: "", resource: "namespaces", name: "prod" },
      ),
    ).not.toThrow();
  });
});

describe("countMismatches", () => {
  const manifest = { counts: { total: 3, byResource: { configmaps: 2, secrets: 1 } } };
  it.each([
    { total: 3, byResource: { configmaps: 2, secrets: 1 }, out: [] },
    {
      total: 2,
      byResource: { configmaps: 2 },
      out: ["2 objects, the manifest says 3", "secrets: 0, the manifest says 1"],
    },
    {
      total: 3,
      byResource: { configmaps: 2, services: 1 },
      out: ["secrets: 0, the manifest says 1", "services: 1, the manifest says 0"],
    },
  ] as { total: number; byResource: Record<string, number>; out: string[] }[])(
    "$byResource",
    ({ total, byResource, out }) => {
      expect(countMismatches(manifest, total, byResource)).toEqual(out);
    },
  );
});

describe("verifyBackup: volume data", () => {
  async function withVolumeData(): Promise<{ store: MemoryObjectStore; identity: string }> {
    const { identity, recipient } = await generateIdentity();
    const store = new MemoryObjectStore("vd");
    const src = fs.mkdtempSync(path.join(os.tmpdir(), "hks-verify-vd-"));
    fs.writeFileSync(path.join(src, "a.bin"), crypto.randomBytes(300_000));
    fs.writeFileSync(path.join(src, "b.txt"), "hello\n");
    const s = await pushVolume({
      namespace: "prod",
      pvc: "data",
      backup: "b1",
      store,
      source: src,
      recipients: [recipient],
    });
    fs.rmSync(src, { recursive: true, force: true });
    const m = await writeBackupFixture({
      store,
      name: "b1",
      namespaces: ["prod"],
      objects: OBJECTS,
      recipients: [recipient],
    });
    const record = {
      namespace: "prod",
      persistentVolumeClaim: "data",
      volumeSnapshot: "b1-data",
      indexKey: s.indexKey,
      indexSha256: s.indexSha256,
    };
    await store.delete(STORE_LAYOUT.backupManifestKey("b1"));
    await store.put(STORE_LAYOUT.backupManifestKey("b1"), JSON.stringify({ ...m, volumeData: [record] }));
    return { store, identity };
  }

  it("checks each PVC's index and packs, and with the identity every blob", async () => {
    const { store, identity } = await withVolumeData();
    const bare = await verifyBackup(store, "b1");
    expect(bare.volumeData).toEqual([
      { pvc: "prod/data", packs: 1, storedBytes: expect.any(Number), blobs: 0, contentsChecked: false },
    ]);
    const full = await verifyBackup(store, "b1", { identities: [identity] });
    expect(full.volumeData[0]).toMatchObject({ pvc: "prod/data", packs: 1, blobs: 2, contentsChecked: true });
  });

  it("refuses a flipped byte in a pack, and an index that is not the one recorded, naming the PVC", async () => {
    const { store } = await withVolumeData();
    const packs: string[] = [];
    for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix("prod", "data"))) packs.push(e.key);
    const body = (await store.tryGet(packs[0]!))!;
    body[body.length >> 1]! ^= 0x20;
    await store.delete(packs[0]!);
    await store.put(packs[0]!, body);
    await expect(verifyBackup(store, "b1")).rejects.toThrow(
      /the volume data of prod\/data in backup b1 is damaged: pack \w+ .* is damaged: .*SHA-256/,
    );
    const { store: other } = await withVolumeData();
    const m = JSON.parse((await other.tryGet(STORE_LAYOUT.backupManifestKey("b1")))!.toString());
    m.volumeData[0].indexSha256 = "0".repeat(64);
    await other.delete(STORE_LAYOUT.backupManifestKey("b1"));
    await other.put(STORE_LAYOUT.backupManifestKey("b1"), JSON.stringify(m));
    await expect(verifyBackup(other, "b1")).rejects.toThrow(IntegrityError);
    await expect(verifyBackup(other, "b1")).rejects.toThrow(/volume data of prod\/data in backup b1 is damaged/);
  });
});
