/**
 * Selector-only backups on the real stack: a label selector without namespaces backs up the
 * matching objects of every namespace (and nothing else), combined with namespace and resource
 * type exclusions and the per-object opt-out label. Every archived object is compared with the live one.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackupContext, type BackupContext } from "../../provider/prepare/backup";
import { runBackup } from "../../provider/engine/backup/backup";
import type { BackupTarget } from "../../provider/format/manifest";
import { createKubeReader } from "../../provider/kube/discovery";
import {
  adminKubeConfig,
  createLocation,
  liveReader,
  locationNamespace,
  rand,
  readBackupObjects,
  readManifest,
} from "../support/backup-fixture";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const id = rand();
const [nsA, nsB] = [`sel-a-${id}`, `sel-b-${id}`];
const locNs = locationNamespace();
const tier = `critical-${id}`;
let ctx: BackupContext;
let locName: string;
let liveAsArchived: (p: string) => Promise<unknown>;

beforeAll(async () => {
  for (const ns of [nsA, nsB]) {
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "critical-cm", labels: { tier } }, data: { a: ns } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: "gold-cm", labels: { tier: `gold-${id}` } }, data: { a: ns } },
    });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "plain-cm" }, data: { a: ns } } });
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: "critical-secret", labels: { tier } }, stringData: { k: ns } },
    });
    await core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: "opted-out", labels: { tier, "hks.io/exclude-from-backup": "true" } },
        stringData: { k: ns },
      },
    });
    await core.createNamespacedService({
      namespace: ns,
      body: { metadata: { name: "critical-svc", labels: { tier } }, spec: { ports: [{ port: 80 }] } },
    });
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "critical-app", labels: { tier } },
        spec: {
          selector: { matchLabels: { app: "x" } },
          template: { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
        },
      },
    });
  }
  const loc = await createLocation(kc, { namespace: locNs });
  locName = loc.config.name;
  ctx = await openBackupContext(kc, { storageLocation: locName, namespace: locNs });
  liveAsArchived = await liveReader(createKubeReader(kc));
});

afterAll(async () => {
  for (const ns of [nsA, nsB, locNs]) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

/** Runs a backup of `target` and returns the archive's paths (checking every object against the live one). */
async function backupPaths(name: string, target: BackupTarget): Promise<string[]> {
  const res = await runBackup({ name, storageLocation: locName, target }, ctx.deps);
  expect(res.phase, JSON.stringify(res.record.errors)).toBe("Completed");
  const objects = await readBackupObjects(ctx.deps.store, await readManifest(ctx.deps.store, name));
  for (const [p, o] of objects) expect(o, p).toEqual(await liveAsArchived(p));
  return [...objects.keys()].sort();
}

describe("selector-only backups across namespaces", () => {
  it("backs up exactly the labelled objects of every namespace, plus their Namespaces", async () => {
    const paths = await backupPaths(`sel-all-${id}`, { namespaces: [], selector: `tier=${tier}` });
    const expected = [nsA, nsB]
      .flatMap((ns) => [
        `resources/configmaps/${ns}/critical-cm.yaml`,
        `resources/deployments.apps/${ns}/critical-app.yaml`,
        `resources/namespaces/_cluster/${ns}.yaml`,
        `resources/secrets/${ns}/critical-secret.yaml`,
        `resources/services/${ns}/critical-svc.yaml`,
      ])
      .sort();
    // The selector is unique to this test, so nothing else in the cluster matches.
    expect(paths).toEqual(expected);
  });

  it("combines the selector with excluded namespaces and resource types, and set-based selectors", async () => {
    const paths = await backupPaths(`sel-some-${id}`, {
      namespaces: [],
      excludeNamespaces: [nsB],
      selector: `tier in (${tier},gold-${id})`,
      excludeResources: ["secrets", "deployments.apps"],
    });
    expect(paths).toEqual([
      `resources/configmaps/${nsA}/critical-cm.yaml`,
      `resources/configmaps/${nsA}/gold-cm.yaml`,
      `resources/namespaces/_cluster/${nsA}.yaml`,
      `resources/services/${nsA}/critical-svc.yaml`,
    ]);
  });

  it("narrows a namespace backup with a selector and includeResources", async () => {
    const paths = await backupPaths(`sel-ns-${id}`, {
      namespaces: [nsB],
      selector: `tier=${tier}`,
      includeResources: ["configmaps", "services"],
    });
    expect(paths).toEqual([
      `resources/configmaps/${nsB}/critical-cm.yaml`,
      `resources/namespaces/_cluster/${nsB}.yaml`,
      `resources/services/${nsB}/critical-svc.yaml`,
    ]);
  });
});
