/**
 * Restores a backup taken by the real backup engine (runBackup, the same one the Backup resource and
 * `hks backup create` use), encrypted, into a new namespace, and compares every object with its
 * source: the two halves agree on the durable format (manifest, layout, archive paths, YAML, age).
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runBackup } from "../../provider/engine/backup/backup";
import { openBackupContext } from "../../provider/prepare/backup";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { runRestore } from "../../provider/engine/restore/restore";
import { openRestoreContext } from "../../provider/prepare/restore";
import { KubeRestoreCluster } from "../../provider/kube/restore-cluster";
import type { RestoreResult } from "../../provider/engine/restore/types";
import {
  archiveItems,
  collectNamespaces,
  createTestLocation,
  itemOf,
  uniq,
  type FixtureObject,
} from "../support/backup-fixture";
import { compareRestored, createCrd, createSource, deleteNamespaces, widgetCrd } from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const cluster = new KubeRestoreCluster(kc);
const run = uniq("eng");
const SRC = `${run}-prod`;
const DST = `${run}-staging`;
const LOC_NS = `${run}-hks`;
const CRD_GROUP = `${run}.hks-test.example.com`;
const namespaces = [SRC, DST, LOC_NS];
let objects: FixtureObject[];
let result: RestoreResult;

beforeAll(async () => {
  await createCrd(cluster, widgetCrd(CRD_GROUP));
  await createSource(kc, SRC, CRD_GROUP);
  const { identity, recipient } = await generateIdentity();
  await createTestLocation(kc, {
    name: "main",
    namespace: LOC_NS,
    bucket: "hks-it-restore",
    prefix: run,
    recipients: [recipient],
    s3: {
      endpoint: stack.s3Endpoint,
      region: stack.s3Region,
      accessKeyId: stack.s3AccessKeyId,
      secretAccessKey: stack.s3SecretAccessKey,
    },
  });
  const ctx = await openBackupContext(kc, { storageLocation: "main", namespace: LOC_NS });
  const backup = await runBackup(
    { name: "engine-backup", storageLocation: "main", target: { namespaces: [SRC] } },
    ctx.deps,
  );
  expect(backup.phase).toBe("Completed");
  const inArchive = await archiveItems(ctx.deps.store, "engine-backup", [identity]);
  objects = (await collectNamespaces(kc, [SRC])).filter((f) => inArchive.has(itemOf(f)));
  expect(objects.length).toBeGreaterThanOrEqual(21);
  const rc = await openRestoreContext(kc, { storageLocation: "main", namespace: LOC_NS, backupName: "engine-backup" });
  result = await runRestore(rc.deps, {
    restoreName: "from-engine",
    backupName: "engine-backup",
    namespaceMapping: { [SRC]: DST },
    identities: [identity],
  });
});

afterAll(async () => {
  await deleteNamespaces(kc, namespaces);
  await cluster
    .delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${CRD_GROUP}` })
    .catch(() => undefined);
});

describe("restore of a backup taken by the backup engine", () => {
  it("completes into a new namespace", () => {
    expect(result.error).toBeUndefined();
    expect(result.phase).toBe("Completed");
    expect(result.createdNamespaces.map((n) => n.name)).toEqual([DST]);
    expect(result.counts.failed).toBe(0);
  });

  it("every restored object equals its source after sanitizing", async () => {
    const { compared, diffs, missing } = await compareRestored(cluster, cluster, objects, result, SRC, DST);
    expect(missing).toEqual([]);
    expect(diffs).toEqual([]);
    expect(compared).toBe(result.counts.restored);
    expect(compared).toBeGreaterThanOrEqual(21);
  });
});
