/**
 * A restore of a few thousand objects on the local stack: every object arrives, and the apply rate
 * is measured and printed (velero's anchor is ~10 objects/s for manifests, issue #6845).
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runRestore } from "../../provider/engine/restore/restore";
import { openRestoreContext } from "../../provider/prepare/restore";
import type { RestoreResult } from "../../provider/engine/restore/types";
import { createTestLocation, uniq, writeBackupFixture, type FixtureObject } from "../support/backup-fixture";
import { deleteNamespaces } from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const run = uniq("scale");
const SRC = `${run}-src`;
const DST = `${run}-dst`;
const LOC_NS = `${run}-hks`;
/** Objects in the backup: ConfigMaps and Secrets of ~1 KiB each, plus a Namespace. */
const COUNT = 3000;
let result: RestoreResult;
let wallMs = 0;

beforeAll(async () => {
  const { store } = await createTestLocation(kc, {
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
  });
  const objects: FixtureObject[] = [
    { group: "", resource: "namespaces", object: { apiVersion: "v1", kind: "Namespace", metadata: { name: SRC } } },
  ];
  for (let i = 0; i < COUNT; i++) {
    const name = `item-${String(i).padStart(5, "0")}`;
    objects.push(
      i % 3 === 0
        ? {
            group: "",
            resource: "secrets",
            object: {
              apiVersion: "v1",
              kind: "Secret",
              metadata: { name, namespace: SRC, labels: { i: String(i) } },
              type: "Opaque",
              data: { v: Buffer.from("x".repeat(700)).toString("base64") },
            },
          }
        : {
            group: "",
            resource: "configmaps",
            object: {
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name, namespace: SRC, labels: { i: String(i) } },
              data: { v: "y".repeat(1000) },
            },
          },
    );
  }
  await writeBackupFixture({ store, name: "big", namespaces: [SRC], objects });
  const t0 = Date.now();
  const rc = await openRestoreContext(kc, { storageLocation: "main", namespace: LOC_NS, backupName: "big" });
  result = await runRestore(rc.deps, { restoreName: "scale", backupName: "big", namespaceMapping: { [SRC]: DST } });
  wallMs = Date.now() - t0;
}, 600_000);

afterAll(async () => {
  await deleteNamespaces(kc, [DST, LOC_NS], 120_000);
});

describe(`restore of ${COUNT} objects`, () => {
  it("restores every object and reports the rate", async () => {
    expect(result.error).toBeUndefined();
    expect(result.phase).toBe("Completed");
    expect(result.counts.created).toBe(COUNT + 1);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const cms = await core.listNamespacedConfigMap({ namespace: DST, labelSelector: "i" });
    const secrets = await core.listNamespacedSecret({ namespace: DST, labelSelector: "i" });
    expect(cms.items.length + secrets.items.length).toBe(COUNT);
    const overall = Math.round((COUNT / wallMs) * 1000);
    process.stderr.write(
      `[restore-scale] ${COUNT + 1} objects: apply ${result.objectsPerSecond} objects/s; end to end (download, ` +
        `verify, spill, apply) ${(wallMs / 1000).toFixed(1)}s = ${overall} objects/s\n`,
    );
    expect(result.objectsPerSecond).toBeGreaterThan(10);
  });
});
