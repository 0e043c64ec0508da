/**
 * `verifyBackup`: a stored backup checked end to end against the in-memory store, and every way
 * one can be wrong (each must fail naming what is wrong, never verify).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { IntegrityError } from "../../../provider/errors";
import { countMismatches, entryProblem, verifyBackup } from "../../../provider/engine/backup-verify";
import { generateIdentity } from "../../../provider/engine/encrypt";
import { BackupNotRestorableError } from "../../../provider/engine/verify";
import { createLayout, MemoryObjectStore } from "../../../provider/store";
import { rawArchive, rewriteStored, storeBackup, writeBackupFixture, type FixtureObject } from "../../support/backup-fixture";

const layout = createLayout();
const cm = (name: string, ns = "prod"): FixtureObject => ({ group: "", resource: "configmaps", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns }, data: { k: name } } });
const deploy = (name: string): FixtureObject => ({ group: "apps", resource: "deployments", object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "prod" }, spec: { replicas: 1 } } });
const OBJECTS = [cm("a"), cm("b"), deploy("web")];

let store: MemoryObjectStore;
beforeEach(() => {
  store = new MemoryObjectStore("verify");
});


describe("verifyBackup", () => {
  it("reads every object back and agrees with the manifest", async () => {
    const m = await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: OBJECTS });
    const r = await verifyBackup(store, "b1");
    expect(r).toMatchObject({ name: "b1", contentsChecked: true, objects: 3, byResource: { configmaps: 2, "deployments.apps": 1 }, volumesChecked: false, sha256: m.artifacts.resources.sha256, archiveBytes: m.artifacts.resources.bytes });
    expect(r.uncompressedBytes).toBeGreaterThan(0);
  });

  it("an encrypted backup: checksums only without an identity (said so), every object with one", async () => {
    const { identity, recipient } = await generateIdentity();
    await writeBackupFixture({ store, name: "enc", namespaces: ["prod"], objects: OBJECTS, recipients: [recipient] });
    expect(await verifyBackup(store, "enc")).toMatchObject({ contentsChecked: false, objects: 0 });
    expect(await verifyBackup(store, "enc", { identities: [identity] })).toMatchObject({ contentsChecked: true, objects: 3 });
    const other = await generateIdentity();
    await expect(verifyBackup(store, "enc", { identities: [other.identity] })).rejects.toThrow(/none of the given identities can decrypt backup enc/);
  });

  it("a flipped byte in the stored archive", async () => {
    await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: OBJECTS });
    await rewriteStored(store, layout.backupResourcesKey("b1"), (b) => {
      const c = Buffer.from(b);
      c[c.length >> 1] ^= 0x01;
      return c;
    });
    await expect(verifyBackup(store, "b1")).rejects.toThrow(IntegrityError);
    await expect(verifyBackup(store, "b1")).rejects.toThrow(/does not match its manifest: .* The stored archive is corrupt/);
  });

  it("an archive holding fewer objects than its manifest counts", async () => {
    const archive = await rawArchive([{ name: "resources/configmaps/prod/a.yaml", content: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: prod\n" }]);
    await storeBackup({ store, name: "short", namespaces: ["prod"] }, archive, 2, { configmaps: 2 });
    await expect(verifyBackup(store, "short")).rejects.toThrow(/does not hold what its manifest lists: 1 objects, the manifest says 2; configmaps: 1, the manifest says 2/);
  });

  it.each([
    { name: "an entry holding another object than its path names", content: "metadata:\n  name: b\n  namespace: prod\n", error: /resources\/configmaps\/prod\/a\.yaml holds an object named "b", not "a"/ },
    { name: "an entry in another namespace than its path", content: "metadata:\n  name: a\n  namespace: dev\n", error: /holds an object in namespace "dev", not "prod"/ },
    { name: "an entry that is not YAML", content: "metadata: [unclosed\n", error: /resources\/configmaps\/prod\/a\.yaml \(configmaps\/prod\/a\) does not parse as YAML/ },
    { name: "an entry that is a list, not an object", content: "- a\n- b\n", error: /does not hold a YAML mapping/ },
  ])("$name", async ({ content, error }) => {
    const archive = await rawArchive([{ name: "resources/configmaps/prod/a.yaml", content }]);
    await storeBackup({ store, name: "bad", namespaces: ["prod"] }, archive, 1, { configmaps: 1 });
    await expect(verifyBackup(store, "bad")).rejects.toThrow(error);
  });

  it("an entry that appears twice", async () => {
    const content = "metadata:\n  name: a\n  namespace: prod\n";
    const archive = await rawArchive([{ name: "resources/configmaps/prod/a.yaml", content }, { name: "resources/configmaps/prod/a.yaml", content }]);
    await storeBackup({ store, name: "dup", namespaces: ["prod"] }, archive, 2, { configmaps: 2 });
    await expect(verifyBackup(store, "dup")).rejects.toThrow(/appears twice/);
  });

  it("volumes.json that does not match its record", async () => {
    const m = await writeBackupFixture({ store, name: "vol", namespaces: ["prod"], objects: OBJECTS });
    const key = layout.backupVolumesKey("vol");
    await store.put(key, JSON.stringify({ backup: "vol", volumeSnapshots: [] }));
    const withVolumes = { ...m, artifacts: { ...m.artifacts, volumes: { key, bytes: 10, sha256: "0".repeat(64) } } };
    await rewriteStored(store, layout.backupManifestKey("vol"), () => Buffer.from(JSON.stringify(withVolumes)));
    await expect(verifyBackup(store, "vol")).rejects.toThrow(/volumes\.json of backup vol does not match its manifest/);
  });

  it.each([
    { name: "a failed backup", setup: () => store.put(layout.backupFailureKey("f1"), JSON.stringify({ formatVersion: 1, name: "f1", phase: "Failed", failedAt: "2026-01-01T00:00:00Z", errors: [{ item: "backup", reason: "S3 said: SlowDown" }] })), error: /backup "f1" in memory:\/\/verify failed .* cannot be restored:\n {2}backup: S3 said: SlowDown/ },
    { name: "an incomplete backup", setup: () => store.put(layout.backupResourcesKey("f1"), "x"), error: /is incomplete \(no manifest.json/ },
    { name: "an absent backup", setup: async () => undefined, error: /backup "f1" does not exist/ },
  ])("$name is refused, saying why", async ({ setup, error }) => {
    await setup();
    await expect(verifyBackup(store, "f1")).rejects.toThrow(BackupNotRestorableError);
    await expect(verifyBackup(store, "f1")).rejects.toThrow(error);
  });
});

describe("entryProblem", () => {
  const ref = { group: "", resource: "configmaps", namespace: "prod", name: "a" };
  it.each([
    { parsed: { metadata: { name: "a", namespace: "prod" } }, problem: undefined },
    { parsed: { metadata: { name: "a" } }, problem: 'holds an object in namespace undefined, not "prod"' },
    { parsed: { metadata: { name: "x", namespace: "prod" } }, problem: 'holds an object named "x", not "a"' },
    { parsed: {}, problem: 'holds an object named undefined, not "a"' },
    { parsed: null, problem: "does not hold a YAML mapping (one Kubernetes object)" },
    { parsed: "text", problem: "does not hold a YAML mapping (one Kubernetes object)" },
  ])("$parsed → $problem", ({ parsed, problem }) => {
    expect(entryProblem(ref, parsed)).toBe(problem);
  });

  it("a cluster-scoped path names no namespace", () => {
    expect(entryProblem({ group: "", resource: "namespaces", name: "prod" }, { metadata: { name: "prod" } })).toBeUndefined();
  });
});

describe("countMismatches", () => {
  const manifest = { counts: { total: 3, byResource: { configmaps: 2, secrets: 1 } } };
  it.each([
    { total: 3, byResource: { configmaps: 2, secrets: 1 }, out: [] },
    { total: 2, byResource: { configmaps: 2 }, out: ["2 objects, the manifest says 3", "secrets: 0, the manifest says 1"] },
    { total: 3, byResource: { configmaps: 2, services: 1 }, out: ["secrets: 0, the manifest says 1", "services: 1, the manifest says 0"] },
  ])("$byResource", ({ total, byResource, out }) => {
    expect(countMismatches(manifest, total, byResource)).toEqual(out);
  });
});
