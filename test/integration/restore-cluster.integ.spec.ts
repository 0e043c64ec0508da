/**
 * Restore into ANOTHER cluster: a second local stack (its own etcd and kube-apiserver) restores a
 * backup of the first one, reading it from the first stack's MinIO through a location recorded in
 * the second cluster as ReadOnly. The CRD of the backed-up custom resources does not exist there:
 * restore creates it, waits until it is Established, then restores the custom resources.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { downStack, upStack, type StackInfo } from "../../cli/dev/stack";
import { ensureTools } from "../../cli/dev/tools";
import { runRestore } from "../../provider/engine/restore/restore";
import { openRestoreContext } from "../../provider/prepare/restore";
import { KubeRestoreCluster } from "../../provider/kube/restore-cluster";
import type { RestoreResult } from "../../provider/engine/restore/types";
import type { ObjectStore } from "../../provider/store";
import {
  collectNamespaces,
  createTestLocation,
  uniq,
  writeBackupFixture,
  type FixtureObject,
} from "../support/backup-fixture";
import { compareRestored, createCrd, createSource, deleteNamespaces, widgetCrd } from "../support/restore-source";
import { comparable } from "../support/semantic-diff";

const stack = inject("stack");
const kc1 = new k8s.KubeConfig();
kc1.loadFromDefault();
const one = new KubeRestoreCluster(kc1);
const run = uniq("xc");
const SRC = `${run}-prod`;
const LOC_NS = `${run}-hks`;
const CRD_GROUP = `${run}.hks-test.example.com`;
const s3 = {
  endpoint: stack.s3Endpoint,
  region: stack.s3Region,
  accessKeyId: stack.s3AccessKeyId,
  secretAccessKey: stack.s3SecretAccessKey,
};
let second: StackInfo;
let kc2: k8s.KubeConfig;
let two: KubeRestoreCluster;
let store: ObjectStore;
let objects: FixtureObject[];
let result: RestoreResult;
let keysBefore: string[];

async function keys(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list("")) out.push(`${e.key}@${e.lastModified.toISOString()}`);
  return out;
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-second-cluster-"));
  second = await upStack(dir, ensureTools(), (l) => process.stderr.write(`[second stack] ${l}\n`));
  kc2 = new k8s.KubeConfig();
  kc2.loadFromFile(second.kubeconfig);
  two = new KubeRestoreCluster(kc2);

  // Cluster one: the source and its backup, in the first stack's MinIO.
  const crd = widgetCrd(CRD_GROUP);
  await createCrd(one, crd);
  await createSource(kc1, SRC, CRD_GROUP);
  ({ store } = await createTestLocation(kc1, {
    name: "prod-backups",
    namespace: LOC_NS,
    bucket: "hks-it-restore",
    prefix: run,
    s3,
  }));
  const liveCrd = await one.get({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: crd.metadata.name,
  });
  objects = [
    ...(await collectNamespaces(kc1, [SRC])),
    { group: "apiextensions.k8s.io", resource: "customresourcedefinitions", object: comparable(liveCrd) },
  ];
  await writeBackupFixture({
    store,
    name: "prod-nightly",
    namespaces: [SRC],
    objects,
    storageLocation: "prod-backups",
  });

  // Cluster two: the same bucket, recorded ReadOnly; nothing of the source exists there.
  await createTestLocation(kc2, {
    name: "from-prod",
    namespace: "hks-system",
    bucket: "hks-it-restore",
    prefix: run,
    accessMode: "ReadOnly",
    s3,
  });
  keysBefore = await keys();
  const rc = await openRestoreContext(kc2, {
    storageLocation: "from-prod",
    namespace: "hks-system",
    backupName: "prod-nightly",
  });
  result = await runRestore(rc.deps, { restoreName: "dr-drill", backupName: "prod-nightly" });
}, 300_000);

afterAll(async () => {
  if (second) {
    await downStack(second.runDir, (l) => process.stderr.write(`[second stack] ${l}\n`));
    fs.rmSync(second.runDir, { recursive: true, force: true });
  }
  await deleteNamespaces(kc1, [SRC, LOC_NS]);
  await one
    .delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${CRD_GROUP}` })
    .catch(() => undefined);
});

describe("restore into a second cluster", () => {
  it("completes against the second apiserver, creating the namespace there", () => {
    expect(result.error).toBeUndefined();
    expect(result.phase).toBe("Completed");
    expect(result.targetCluster).toBe(second.apiserverUrl);
    expect(result.targetCluster).not.toBe(stack.apiserverUrl);
    expect(result.storageLocation).toBe("from-prod");
    expect(result.createdNamespaces.map((n) => n.name)).toEqual([SRC]);
  });

  it("creates the CRD, waits until it is Established, then restores its custom resources", async () => {
    const crd = await two.get({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: `widgets.${CRD_GROUP}`,
    });
    expect((crd?.status as { conditions: { type: string; status: string }[] }).conditions).toContainEqual(
      expect.objectContaining({ type: "Established", status: "True" }),
    );
    const w = await two.get({ apiVersion: `${CRD_GROUP}/v1`, kind: "Widget", name: "w1", namespace: SRC });
    expect(w?.spec).toEqual({ size: 3, nested: { deep: ["a", "b"] }, unknownToClients: true });
  });

  it("every restored object equals its source in the first cluster", async () => {
    const { compared, diffs, missing } = await compareRestored(one, two, objects, result, SRC, SRC);
    expect(missing).toEqual([]);
    expect(diffs).toEqual([]);
    expect(compared).toBe(result.counts.restored - 1); // the CRD is compared above, not here
  });

  it("wrote nothing to the ReadOnly location's bucket", async () => {
    expect(await keys()).toEqual(keysBefore);
  });
});
