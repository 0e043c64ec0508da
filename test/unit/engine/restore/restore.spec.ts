/**
 * The restore orchestrator against the in-memory store and an in-memory RestoreCluster (a fake of
 * the engine's own port, not of Kubernetes): the order of calls, owner references re-attached after
 * their owners exist, and no cluster call at all when verification fails. The same flows run on the
 * real apiserver in test/integration/restore*.integ.spec.ts.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runRestore } from "../../../../provider/engine/restore/restore";
import { pushVolume } from "../../../../provider/engine/volume-data/push";
import {
  ClusterCallError,
  type ApiResourceInfo,
  type RestoreCluster,
  type TargetRef,
} from "../../../../provider/kube/target-cluster";
import type { KubeObject } from "../../../../provider/format/kube-object";
import { STORE_LAYOUT, MemoryObjectStore } from "../../../../provider/store";
import { writeBackupFixture, type FixtureObject } from "../../../support/backup-fixture";

const TYPES: Record<string, Omit<ApiResourceInfo, "kind">> = {
  "v1/Namespace": { group: "", version: "v1", resource: "namespaces", namespaced: false },
  "v1/ConfigMap": { group: "", version: "v1", resource: "configmaps", namespaced: true },
  "v1/Secret": { group: "", version: "v1", resource: "secrets", namespaced: true },
  "apiextensions.k8s.io/v1/CustomResourceDefinition": {
    group: "apiextensions.k8s.io",
    version: "v1",
    resource: "customresourcedefinitions",
    namespaced: false,
  },
};

/** An in-memory RestoreCluster that logs every call; `Widget` is served once its CRD exists. */
class FakeCluster implements RestoreCluster {
  readonly calls: string[] = [];
  readonly objects = new Map<string, KubeObject>();
  private seq = 0;
  describe() {
    return "fake://cluster";
  }
  refreshDiscovery() {
    this.calls.push("refreshDiscovery");
  }
  private key(r: TargetRef) {
    return `${r.kind}/${r.namespace ?? ""}/${r.name}`;
  }
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResourceInfo | undefined> {
    if (kind === "Widget" && this.objects.has("CustomResourceDefinition//widgets.example.com"))
      return { group: "example.com", version: "v1", resource: "widgets", kind, namespaced: true };
    const t = TYPES[`${apiVersion}/${kind}`];
    return t && { ...t, kind };
  }
  async get(r: TargetRef) {
    this.calls.push(`get ${this.key(r)}`);
    return structuredClone(this.objects.get(this.key(r)));
  }
  async create(o: KubeObject) {
    const k = this.key({ ...o, name: o.metadata.name, namespace: o.metadata.namespace });
    this.calls.push(`create ${k}`);
    if (!(await this.resourceFor(o.apiVersion, o.kind))) throw new ClusterCallError(404, `no ${o.kind}`, "NoKind");
    if (this.objects.has(k)) throw new ClusterCallError(409, `${o.kind} exists`, "AlreadyExists");
    const live = structuredClone(o);
    Object.assign(live.metadata, { uid: `uid-${++this.seq}`, resourceVersion: String(this.seq) });
    if (o.kind === "CustomResourceDefinition") live.status = { conditions: [{ type: "Established", status: "True" }] };
    this.objects.set(k, live);
    return structuredClone(live);
  }
  async replace(o: KubeObject) {
    const k = this.key({ ...o, name: o.metadata.name, namespace: o.metadata.namespace });
    this.calls.push(`replace ${k}`);
    const live = this.objects.get(k)!;
    if (live.metadata.resourceVersion !== o.metadata.resourceVersion)
      throw new ClusterCallError(409, "conflict", "Conflict");
    const next = structuredClone({
      ...o,
      metadata: { ...o.metadata, uid: live.metadata.uid, resourceVersion: String(++this.seq) },
    });
    this.objects.set(k, next);
    return structuredClone(next);
  }
  async delete(r: TargetRef) {
    this.calls.push(`delete ${this.key(r)}`);
    this.objects.delete(this.key(r));
  }
}

const cm = (name: string, extra: Record<string, unknown> = {}): FixtureObject => ({
  group: "",
  resource: "configmaps",
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "prod", ...extra }, data: { a: "1" } },
});
const OBJECTS: FixtureObject[] = [
  cm("owned", {
    ownerReferences: [{ apiVersion: "example.com/v1", kind: "Widget", name: "w1", uid: "dead-uid", controller: true }],
  }),
  {
    group: "example.com",
    resource: "widgets",
    object: {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w1", namespace: "prod" },
      spec: { size: 1 },
    },
  },
  {
    group: "",
    resource: "secrets",
    object: { apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "prod" }, type: "Opaque" },
  },
  {
    group: "apiextensions.k8s.io",
    resource: "customresourcedefinitions",
    object: {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {},
    },
  },
  { group: "", resource: "namespaces", object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod" } } },
];

async function setup(): Promise<{ store: MemoryObjectStore; cluster: FakeCluster }> {
  const store = new MemoryObjectStore("engine");
  await writeBackupFixture({ store, name: "b1", namespaces: ["prod"], objects: OBJECTS });
  return { store, cluster: new FakeCluster() };
}

describe("runRestore", () => {
  it(
    "applies CRDs first (then refreshes discovery), namespaces, then the rest; owners " + "re-attached with new uids",
    async () => {
      const { store, cluster } = await setup();
      const r = await runRestore(
        { store, storageLocation: "mem", cluster },
        { restoreName: "r", backupName: "b1", namespaceMapping: { prod: "staging" } },
      );
      expect(r.error).toBeUndefined();
      expect(r.phase).toBe("Completed");
      expect(r.counts).toMatchObject({ created: 5, failed: 0 });
      expect(r.createdNamespaces).toEqual([{ name: "staging", uid: expect.stringMatching(/^uid-/) }]);
      const creates = cluster.calls.filter((c) => c.startsWith("create") || c === "refreshDiscovery");
      // Secrets and ConfigMaps share a tier (applied concurrently, in any order).
      expect(creates.slice(0, 3)).toEqual([
        "create CustomResourceDefinition//widgets.example.com",
        "refreshDiscovery",
        "create Namespace//staging",
      ]);
      expect(creates.slice(3, 5).sort()).toEqual(["create ConfigMap/staging/owned", "create Secret/staging/s"]);
      expect(creates.slice(5)).toEqual(["create Widget/staging/w1"]);
      const owner = cluster.objects.get("Widget/staging/w1")!;
      expect(cluster.objects.get("ConfigMap/staging/owned")!.metadata.ownerReferences).toEqual([
        { apiVersion: "example.com/v1", kind: "Widget", name: "w1", controller: true, uid: owner.metadata.uid },
      ]);
    },
  );

  it("policy none: a second run skips everything as existing and writes nothing", async () => {
    const { store, cluster } = await setup();
    await runRestore({ store, storageLocation: "mem", cluster }, { restoreName: "r1", backupName: "b1" });
    cluster.calls.length = 0;
    const r = await runRestore({ store, storageLocation: "mem", cluster }, { restoreName: "r2", backupName: "b1" });
    expect(r.counts).toMatchObject({ restored: 0, skipped: 5, failed: 0 });
    expect(r.skipped).toEqual([
      expect.objectContaining({ reason: "already exists in the target (existingResourcePolicy: none)", count: 5 }),
    ]);
    expect(cluster.calls.filter((c) => c.startsWith("replace") || c.startsWith("delete"))).toEqual([]);
  });

  it("names skipped objects as they are in the target, where the person looks for them (issue 15)", async () => {
    const { store, cluster } = await setup();
    const opts = { backupName: "b1", namespaceMapping: { prod: "staging" } };
    await runRestore({ store, storageLocation: "mem", cluster }, { restoreName: "r1", ...opts });
    const r = await runRestore({ store, storageLocation: "mem", cluster }, { restoreName: "r2", ...opts });
    expect(r.skipped).toHaveLength(1);
    expect([...r.skipped[0]!.items].sort()).toEqual([
      "configmaps/staging/owned",
      "customresourcedefinitions.apiextensions.k8s.io/widgets.example.com",
      "namespaces/staging",
      "secrets/staging/s",
      "widgets.example.com/staging/w1",
    ]);
  });

  it.each([
    {
      name: "a corrupted archive",
      damage: (b: Buffer) => {
        const c = Buffer.from(b);
        c[10] ^= 1;
        return c;
      },
      error: /IntegrityError: .*corrupt/,
    },
    { name: "a truncated archive", damage: (b: Buffer) => b.subarray(0, 20), error: /IntegrityError: .*truncated/ },
  ])("$name: Failed, and not a single call reached the cluster", async ({ damage, error }) => {
    const { store, cluster } = await setup();
    const key = STORE_LAYOUT.backupResourcesKey("b1");
    const body = (await store.tryGet(key))!;
    await store.delete(key);
    await store.put(key, damage(body));
    const r = await runRestore({ store, storageLocation: "mem", cluster }, { restoreName: "r", backupName: "b1" });
    expect(r.phase).toBe("Failed");
    expect(r.error).toMatch(error);
    expect(cluster.calls).toEqual([]);
  });

  it("refuses a mapping of a namespace the backup does not hold, before any call", async () => {
    const { store, cluster } = await setup();
    const r = await runRestore(
      { store, storageLocation: "mem", cluster },
      { restoreName: "r", backupName: "b1", namespaceMapping: { production: "staging" } },
    );
    expect(r.error).toBe(
      "InputError: namespaceMapping.production: backup b1 holds no namespace production (it holds: prod)",
    );
    expect(cluster.calls).toEqual([]);
  });
});

describe("runRestore: volume data checked before the cluster is touched", () => {
  it("an index that is not the one the manifest records stops the restore with no cluster call", async () => {
    const { store, cluster } = await setup();
    const key = STORE_LAYOUT.backupManifestKey("b1");
    const m = JSON.parse((await store.tryGet(key))!.toString());
    const indexKey = STORE_LAYOUT.backupVolumeRecordKey("b1", "prod", "data", "index");
    await store.put(indexKey, "{}");
    m.volumeData = [
      {
        namespace: "prod",
        persistentVolumeClaim: "data",
        volumeSnapshot: "b1-data",
        indexKey,
        indexSha256: "0".repeat(64),
      },
    ];
    await store.delete(key);
    await store.put(key, JSON.stringify(m));
    const filler = async () => {
      throw new Error("not reached");
    };
    const r = await runRestore(
      { store, storageLocation: "mem", cluster, filler },
      { restoreName: "r", backupName: "b1", restoreVolumes: true },
    );
    expect(r.phase).toBe("Failed");
    expect(r.error).toMatch(
      /the volume data of prod\/data in backup b1 is damaged: its index .* SHA-256 \w+, the manifest records 0{64}/,
    );
    expect(cluster.calls).toEqual([]);
    // With snapshots only, the volume data is not read and the restore goes on.
    const snap = await runRestore(
      { store, storageLocation: "mem", cluster, filler },
      { restoreName: "r2", backupName: "b1", restoreVolumes: true, volumeSource: "snapshot" },
    );
    expect(snap.error).toBeUndefined();
  });

  it("a flipped byte in a pack stops the restore with no cluster call, naming the PVC and the pack", async () => {
    const { store, cluster } = await setup();
    const src = fs.mkdtempSync(path.join(os.tmpdir(), "hks-restore-vd-"));
    fs.writeFileSync(path.join(src, "db"), crypto.randomBytes(100_000));
    const pushed = await pushVolume({
      backup: "b1",
      namespace: "prod",
      pvc: "data",
      store,
      source: src,
      recipients: [],
    });
    fs.rmSync(src, { recursive: true, force: true });
    const key = STORE_LAYOUT.backupManifestKey("b1");
    const m = JSON.parse((await store.tryGet(key))!.toString());
    m.volumeData = [
      {
        namespace: "prod",
        persistentVolumeClaim: "data",
        volumeSnapshot: "b1-data",
        indexKey: pushed.indexKey,
        indexSha256: pushed.indexSha256,
      },
    ];
    await store.delete(key);
    await store.put(key, JSON.stringify(m));
    const filled: string[] = [];
    const filler = async () => {
      filled.push("fill");
      throw new Error("not reached");
    };
    // Whole, the volume data passes the check (the restore goes on to the cluster).
    const whole = await runRestore(
      { store, storageLocation: "mem", cluster, filler },
      { restoreName: "r0", backupName: "b1", restoreVolumes: true, namespaceMapping: { prod: "p0" } },
    );
    expect(whole.error).toBeUndefined();
    expect(cluster.calls.length).toBeGreaterThan(0);
    cluster.calls.length = 0;
    let pack = "";
    for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix("prod", "data"))) {
      const body = (await store.tryGet(e.key))!;
      body[body.length >> 1]! ^= 0x01;
      await store.delete(e.key);
      await store.put(e.key, body);
      pack = STORE_LAYOUT.parsePackKey(e.key)!.packId;
    }
    const r = await runRestore(
      { store, storageLocation: "mem", cluster, filler },
      { restoreName: "r", backupName: "b1", restoreVolumes: true },
    );
    expect(r.phase).toBe("Failed");
    expect(r.error).toMatch(new RegExp(`the volume data of prod/data in backup b1 is damaged: pack ${pack} .*SHA-256`));
    expect(cluster.calls).toEqual([]);
    expect(filled).toEqual([]);
    // With auto and the claim's snapshot still in place, the snapshot is used: its packs are not read.
    m.volumeSnapshots = [
      {
        namespace: "prod",
        persistentVolumeClaim: "data",
        volumeSnapshot: "b1-data",
        snapshotHandle: "h",
        driver: "d",
        readyToUse: true,
      },
    ];
    await store.delete(key);
    await store.put(key, JSON.stringify(m));
    const snap = {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshot",
      metadata: { name: "b1-data", namespace: "prod" },
    };
    cluster.objects.set("VolumeSnapshot/prod/b1-data", snap);
    const inPlace = await runRestore(
      { store, storageLocation: "mem", cluster, filler },
      { restoreName: "r3", backupName: "b1", restoreVolumes: true },
    );
    expect(inPlace.error).toBeUndefined();
    // Into another namespace the snapshot cannot be bound as it is: the copy is used, and checked first.
    const elsewhere = await runRestore(
      { store, storageLocation: "mem", cluster, filler },
      { restoreName: "r4", backupName: "b1", restoreVolumes: true, namespaceMapping: { prod: "staging" } },
    );
    expect(elsewhere.error).toMatch(/the volume data of prod\/data in backup b1 is damaged/);
  });
});
