/**
 * Restore on the real stack (kube-apiserver, etcd, controller-manager, MinIO), through the same
 * entry points the Restore resource and the CLI use (openRestoreContext + runRestore). The backup
 * is built by test/support/backup-fixture.ts from the objects read back from the apiserver.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { runRestore } from "../../provider/engine/restore/restore";
import { openRestoreContext } from "../../provider/prepare/restore";
import { KubeRestoreCluster } from "../../provider/kube/restore-cluster";
import type { RestoreOptions, RestoreResult } from "../../provider/engine/restore/types";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import {
  collectNamespaces,
  createTestLocation,
  uniq,
  writeBackupFixture,
  type FixtureObject,
} from "../support/backup-fixture";
import { compareRestored, createCrd, createSource, deleteNamespaces, widgetCrd } from "../support/restore-source";
import { comparable } from "../support/semantic-diff";
import { waitFor } from "../support/wait";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const cluster = new KubeRestoreCluster(kc);
const core = kc.makeApiClient(k8s.CoreV1Api);
const run = uniq("rst");
const SRC = `${run}-prod`;
const LOC_NS = `${run}-hks`;
const CRD_GROUP = `${run}.hks-test.example.com`;
const namespaces: string[] = [SRC, LOC_NS];
let store: ObjectStore;
let backup: FixtureObject[];
const BACKUP = "b-main";

async function restore(name: string, opts: Partial<RestoreOptions>): Promise<RestoreResult> {
  const rc = await openRestoreContext(kc, {
    storageLocation: "main",
    namespace: LOC_NS,
    backupName: opts.backupName ?? BACKUP,
  });
  const r = await runRestore(rc.deps, { restoreName: name, backupName: rc.backupName, ...opts });
  for (const ns of r.createdNamespaces) if (!namespaces.includes(ns.name)) namespaces.push(ns.name);
  return r;
}

const skippedReasons = (r: RestoreResult) => Object.fromEntries(r.skipped.map((g) => [g.reason, g.items]));

beforeAll(async () => {
  const crd = widgetCrd(CRD_GROUP);
  await createCrd(cluster, crd);
  await createSource(kc, SRC, CRD_GROUP);
  ({ store } = await createTestLocation(kc, {
    name: "main",
    namespace: LOC_NS,
    bucket: "hks-it-restore",
    prefix: run,
    s3: {
      endpoint: stack.s3Endpoint,
      region: stack.s3Region,
      accessKeyId: stack.s3AccessKeyId,
      secretAccessKey: stack.s3SecretAccessKey,
    },
  }));
  // Wait for the controllers to settle what the backup captures: the SA controller adds `default`,
  // the Job controller marks the suspended Job (it creates nothing for it).
  await waitFor(`ServiceAccount ${SRC}/default`, 60_000, () =>
    cluster.get({ apiVersion: "v1", kind: "ServiceAccount", name: "default", namespace: SRC }),
  );
  await waitFor(`the Suspended condition of Job ${SRC}/migrate`, 60_000, async () => {
    const job = (await cluster.get({ apiVersion: "batch/v1", kind: "Job", name: "migrate", namespace: SRC })) as
      { status?: { conditions?: { type: string }[] } } | undefined;
    return job?.status?.conditions?.some((c) => c.type === "Suspended") ? job : undefined;
  });
  const liveCrd = await cluster.get({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: crd.metadata.name,
  });
  backup = [
    ...(await collectNamespaces(kc, [SRC])),
    { group: "apiextensions.k8s.io", resource: "customresourcedefinitions", object: comparable(liveCrd) },
  ];
  await writeBackupFixture({ store, name: BACKUP, namespaces: [SRC], objects: backup });
});

afterAll(async () => {
  await deleteNamespaces(kc, namespaces);
  await cluster
    .delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${CRD_GROUP}` })
    .catch(() => undefined);
});

describe("restore into a new namespace (a clone)", () => {
  const DST = `${run}-staging`;
  let result: RestoreResult;

  beforeAll(async () => {
    result = await restore("clone", { namespaceMapping: { [SRC]: DST } });
  });

  it("completes, creates the target namespace and records it", () => {
    expect(result.error).toBeUndefined();
    expect(result.phase).toBe("Completed");
    expect(result.counts.failed).toBe(0);
    expect(result.createdNamespaces.map((n) => n.name)).toEqual([DST]);
    expect(result.createdNamespaces[0].uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("skips what the target must not get, each with its reason, counted once per reason", () => {
    const reasons = skippedReasons(result);
    // Events are served by two APIs (core and events.k8s.io); both copies are skipped. The real
    // controllers write many more than the fixture's web.1, and a group lists only a sample.
    const events = result.skipped.find(
      (g) => g.reason === "Events record the source cluster's history; the target writes its own",
    );
    expect(events!.count).toBeGreaterThanOrEqual(2);
    for (const item of events!.items) expect(item).toMatch(new RegExp(`^events(\\.events\\.k8s\\.io)?/${DST}/`));
    expect(reasons["a service-account token is valid only in the source cluster; the target issues its own"]).toEqual([
      `secrets/${DST}/app-token`,
    ]);
    // The Deployment's two pods and its ReplicaSet: their controllers recreate them in the target.
    const byReplicaSet = Object.entries(reasons).filter(([reason]) =>
      /^created by its controller ReplicaSet\/web-[a-z0-9]+, which recreates it$/.test(reason),
    );
    expect(byReplicaSet).toHaveLength(1);
    expect(byReplicaSet[0][1]).toHaveLength(2);
    for (const item of byReplicaSet[0][1]) expect(item).toMatch(new RegExp(`^pods/${DST}/web-[a-z0-9]+-[a-z0-9]{5}$`));
    expect(reasons["created by its controller Deployment/web, which recreates it"]).toEqual([
      expect.stringMatching(new RegExp(`^replicasets.apps/${DST}/web-[a-z0-9]+$`)),
    ]);
    // The CRD exists in this cluster already: skipped under policy none, not failed.
    expect(reasons["already exists in the target (existingResourcePolicy: none)"]).toContain(
      `customresourcedefinitions.apiextensions.k8s.io/widgets.${CRD_GROUP}`,
    );
  });

  it("every restored object equals its source after sanitizing (semantic diff lists any difference)", async () => {
    const { compared, diffs, missing } = await compareRestored(cluster, cluster, backup, result, SRC, DST);
    expect(missing).toEqual([]);
    expect(diffs).toEqual([]);
    // namespace + 20 kinds of objects (+ `default` SA when the restore won the race)
    expect(compared).toBeGreaterThanOrEqual(21);
    expect(compared).toBe(result.counts.restored); // every restored object was compared
  });

  it("remaps RoleBinding subjects: the clone's ServiceAccount, other namespaces untouched", async () => {
    const rb = await cluster.get({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      name: "app-reader",
      namespace: DST,
    });
    expect(rb?.subjects).toEqual([
      { kind: "ServiceAccount", name: "app", namespace: DST },
      { kind: "ServiceAccount", name: "monitor", namespace: "monitoring" },
      { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
    ]);
  });

  it("re-attaches owner references with the owners' new uids", async () => {
    const owner = await cluster.get({ apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: DST });
    const child = await cluster.get({ apiVersion: "v1", kind: "ConfigMap", name: "child", namespace: DST });
    expect(child?.metadata.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", name: "settings", uid: owner?.metadata.uid },
    ]);
  });

  it("gives Services new cluster IPs and node ports, keeps headless Services headless", async () => {
    const get = (ns: string, name: string) =>
      cluster.get({ apiVersion: "v1", kind: "Service", name, namespace: ns }) as Promise<any>;
    const [src, dst] = [await get(SRC, "web"), await get(DST, "web")];
    expect(dst.spec.clusterIP).toMatch(/^10\.0\.0\./);
    expect(dst.spec.clusterIP).not.toBe(src.spec.clusterIP);
    const [srcNp, dstNp] = [await get(SRC, "web-np"), await get(DST, "web-np")];
    expect(dstNp.spec.ports[0].nodePort).not.toBe(srcNp.spec.ports[0].nodePort);
    expect((await get(DST, "web-headless")).spec.clusterIP).toBe("None");
  });
});

describe("existing objects", () => {
  const DST = `${run}-existing`;

  it("policy none skips every existing object with one reason and changes nothing", async () => {
    const first = await restore("existing-1", {
      namespaceMapping: { [SRC]: DST },
      includeResources: ["configmaps", "secrets", "services"],
    });
    expect(first.phase).toBe("Completed");
    const before = await core.listNamespacedConfigMap({ namespace: DST });
    const second = await restore("existing-2", {
      namespaceMapping: { [SRC]: DST },
      includeResources: ["configmaps", "secrets", "services"],
    });
    expect(second.phase).toBe("Completed");
    expect(second.counts).toMatchObject({ restored: 0, failed: 0 });
    expect(second.createdNamespaces).toEqual([]);
    const exists = second.skipped.find(
      (g) => g.reason === "already exists in the target (existingResourcePolicy: none)",
    );
    expect(exists?.count).toBe(first.counts.created);
    // Named as they are in the target, where they exist, not as in the backup (issue 15).
    for (const item of exists!.items) expect(item).toMatch(new RegExp(`^[a-z.]+/${DST}/`));
    const after = await core.listNamespacedConfigMap({ namespace: DST });
    expect(after.items.map((c) => c.metadata?.resourceVersion)).toEqual(
      before.items.map((c) => c.metadata?.resourceVersion),
    );
  });

  it(
    "policy update replaces changed live objects at their resourceVersion and leaves equal ones " + "unchanged",
    async () => {
      const cm = await core.readNamespacedConfigMap({ name: "settings", namespace: DST });
      await core.replaceNamespacedConfigMap({
        name: "settings",
        namespace: DST,
        body: { ...cm, data: { a: "changed" } },
      });
      const r = await restore("existing-3", {
        namespaceMapping: { [SRC]: DST },
        includeResources: ["configmaps", "services"],
        existingResourcePolicy: "update",
      });
      expect(r.error).toBeUndefined();
      expect(r.phase).toBe("Completed");
      expect(r.counts.updated).toBe(1);
      expect(r.counts.unchanged).toBe(r.counts.restored - 1);
      const back = await core.readNamespacedConfigMap({ name: "settings", namespace: DST });
      expect(back.data).toEqual({ a: "1", "config.yaml": "x: 1\n" });
      // The Services kept the cluster IPs the target allocated.
      const svc = await core.readNamespacedService({ name: "web", namespace: DST });
      expect(svc.spec?.clusterIP).toMatch(/^10\.0\.0\./);
    },
  );
});

describe("failures that change nothing in the cluster", () => {
  async function damaged(name: string, damage: (b: Buffer) => Buffer): Promise<void> {
    await writeBackupFixture({ store, name, namespaces: [SRC], objects: backup });
    const key = STORE_LAYOUT.backupResourcesKey(name);
    const body = (await store.tryGet(key))!;
    await store.delete(key);
    await store.put(key, damage(body));
  }

  it.each([
    {
      name: "a corrupted archive (one flipped byte)",
      backup: "b-corrupt",
      damage: (b: Buffer) => {
        const c = Buffer.from(b);
        c[c.length >> 1] ^= 0x10;
        return c;
      },
      error: /IntegrityError: .*The stored archive is corrupt; nothing was restored/,
    },
    {
      name: "a truncated archive",
      backup: "b-truncated",
      damage: (b: Buffer) => b.subarray(0, b.length >> 1),
      error: /IntegrityError: .*The stored archive is truncated/,
    },
  ])("$name: Failed, target namespace never created", async ({ backup: name, damage, error }) => {
    await damaged(name, damage);
    const target = `${run}-${name}`;
    const r = await restore(`r-${name}`, { backupName: name, namespaceMapping: { [SRC]: target } });
    expect(r.phase).toBe("Failed");
    expect(r.error).toMatch(error);
    expect(r.counts.total).toBe(0);
    expect(r.createdNamespaces).toEqual([]);
    expect(await cluster.get({ apiVersion: "v1", kind: "Namespace", name: target })).toBeUndefined();
  });

  it(
    "a wrong identity: Failed with an IntegrityError naming the fix, target namespace never created; the right " +
      "one restores",
    async () => {
      const [right, wrong] = [await generateIdentity(), await generateIdentity()];
      await writeBackupFixture({
        store,
        name: "b-encrypted",
        namespaces: [SRC],
        objects: backup,
        recipients: [right.recipient],
      });
      const target = `${run}-enc`;
      const r = await restore("r-wrong-identity", {
        backupName: "b-encrypted",
        namespaceMapping: { [SRC]: target },
        identities: [wrong.identity],
      });
      expect(r.phase).toBe("Failed");
      expect(r.error).toMatch(
        /^IntegrityError: none of the given identities can decrypt backup b-encrypted: .* Use the identity file of the location's recipients/,
      );
      expect(r.error).not.toContain(wrong.identity);
      expect(await cluster.get({ apiVersion: "v1", kind: "Namespace", name: target })).toBeUndefined();
      const none = await restore("r-no-identity", { backupName: "b-encrypted", namespaceMapping: { [SRC]: target } });
      expect(none.error).toMatch(/backup b-encrypted is encrypted \(age\): give the identity/);
      expect(await cluster.get({ apiVersion: "v1", kind: "Namespace", name: target })).toBeUndefined();
      const ok = await restore("r-right-identity", {
        backupName: "b-encrypted",
        namespaceMapping: { [SRC]: target },
        identities: [right.identity],
        includeResources: ["secrets"],
      });
      expect(ok.phase).toBe("Completed");
      const secret = await core.readNamespacedSecret({ name: "db", namespace: target });
      expect(Buffer.from(secret.data!.password, "base64").toString()).toBe("s3cr3t");
    },
  );

  it("a backup without manifest.json is refused as incomplete", async () => {
    await store.put(STORE_LAYOUT.backupResourcesKey("b-incomplete"), "partial");
    const r = await restore("r-incomplete", { backupName: "b-incomplete", namespaceMapping: { [SRC]: `${run}-inc` } });
    expect(r.phase).toBe("Failed");
    expect(r.error).toMatch(/backup "b-incomplete" in s3:\/\/hks-it-restore\/.* is incomplete \(no manifest.json/);
  });
});
