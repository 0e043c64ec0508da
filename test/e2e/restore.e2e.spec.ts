/**
 * The clone through the real Pulumi CLI (test/fixtures/programs/restore): `pulumi up` backs up a
 * namespace (encrypted) and restores it into a new one; every object is compared with its source;
 * changing the target replaces the Restore (old clone removed first); `pulumi destroy` removes the
 * clone and only the clone. Needs `npx tsc -p .` first (the program loads dist/ via hks-backup).
 */
import * as k8s from "@kubernetes/client-node";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { KubeRestoreCluster } from "../../provider/kube/restore-cluster";
import type { RestoreResult } from "../../provider/engine/restore/types";
import { openLocationStore } from "../../provider/prepare/location-store";
import { readLocationConfig } from "../../provider/kube/location-config";
import { archiveItems, collectNamespaces, itemOf, uniq } from "../support/backup-fixture";
import { pulumiProject, type PulumiProject } from "../support/pulumi";
import {
  compareRestored,
  createCrd,
  createSource,
  deleteNamespaces,
  releaseDeletedClaims,
  widgetCrd,
} from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const cluster = new KubeRestoreCluster(kc);
const core = kc.makeApiClient(k8s.CoreV1Api);
const run = uniq("e2e-rst");
const SRC = `${run}-production`;
const DST = `${run}-staging`;
const DST2 = `${run}-qa`;
const LOC_NS = `${run}-hks`;
const CRD_GROUP = `${run}.hks-test.example.com`;
let p: PulumiProject;
let identity: string;

const nsExists = (name: string) =>
  core.readNamespace({ name }).then(
    () => true,
    () => false,
  );

async function untilGone(name: string): Promise<void> {
  for (let i = 0; i < 240 && (await nsExists(name)); i++) await new Promise((r) => setTimeout(r, 500));
}

beforeAll(async () => {
  await createCrd(cluster, widgetCrd(CRD_GROUP));
  await createSource(kc, SRC, CRD_GROUP);
  const keys = await generateIdentity();
  identity = keys.identity;
  p = await pulumiProject(path.resolve(__dirname, "../fixtures/programs/restore"));
  const config: Record<string, string> = {
    source: SRC,
    target: DST,
    locationName: "offsite",
    locationNamespace: LOC_NS,
    bucket: "hks-e2e-restore",
    endpoint: stack.s3Endpoint,
    prefix: run,
    recipient: keys.recipient,
  };
  for (const [k, v] of Object.entries(config)) await p.setConfig(k, v);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
  await p.setConfig("identity", `# created by age-keygen\n${identity}`, true);
}, 300_000);

afterAll(async () => {
  if (p) {
    await p.destroy().catch(() => undefined);
    await p.dispose();
  }
  await deleteNamespaces(kc, [SRC, DST, DST2, LOC_NS]);
  await cluster
    .delete({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${CRD_GROUP}` })
    .catch(() => undefined);
});

describe("Restore through pulumi up / destroy", () => {
  it("pulumi preview rejects a bad input with the field's name, before anything runs", async () => {
    await p.setConfig("existingResourcePolicy", "overwrite");
    const preview = await p.run(["preview"], { allowFailure: true });
    await p.run(["config", "rm", "existingResourcePolicy"]);
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toContain(
      `Restore resource 'staging-clone': property existingResourcePolicy value {overwrite} has a problem: must ` +
        `be one of "none", "update", got "overwrite"`,
    );
    expect(await nsExists(DST)).toBe(false);
  });

  it("pulumi up backs up the source and clones it into a new namespace; every object equals its source", async () => {
    const up = await p.up();
    expect(up.stdout).toMatch(/\+ {2}pulumi-nodejs:dynamic\/hks:Restore staging-clone created/);
    expect(up.stdout).toMatch(/Completed: \d+ restored \(\d+ created\), \d+ skipped, 0 failed/);
    const outs = await p.outputs();
    expect(outs.phase).toBe("Completed");
    expect(outs.restoredBackup).toBe(outs.backupName);
    expect((outs.createdNamespaces as { name: string }[]).map((n) => n.name)).toEqual([DST]);

    const store = await openLocationStore(kc, (await readLocationConfig(kc, LOC_NS, "offsite"))!);
    const inArchive = await archiveItems(store, outs.backupName as string, [identity]);
    const objects = (await collectNamespaces(kc, [SRC])).filter((f) => inArchive.has(itemOf(f)));
    const record = JSON.parse(
      (await core.readNamespacedConfigMap({ name: outs.resultConfigMap as string, namespace: LOC_NS })).data![
        "result.json"
      ],
    ) as RestoreResult;
    const { compared, diffs, missing } = await compareRestored(cluster, cluster, objects, record, SRC, DST);
    expect(missing).toEqual([]);
    // The one intended difference: the clone's patch (Deployment web runs 1 replica, not 2).
    expect(diffs).toEqual([`deployments.apps/${SRC}/web: .spec.replicas: 2 → 1`]);
    expect(compared).toBe((outs.counts as { restored: number }).restored);
  });

  it("keeps the identity out of state in plain text, and types the resource hks:Restore", async () => {
    const state = await p.exportState();
    const text = JSON.stringify(state);
    expect(text).not.toContain(identity);
    const restore = state.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/hks:Restore");
    expect(restore).toBeDefined();
    expect(restore!.outputs!.identity).toMatchObject({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    });
    expect(restore!.outputs!.resourceKind).toBe("Restore");
  });

  it(
    "a new target replaces the Restore: the old clone is removed first, the new one created",
    { timeout: 300_000 },
    async () => {
      await p.setConfig("target", DST2);
      // The clone holds a PVC: stand in for the pvc-protection controller the local stack lacks.
      const releaser = releaseDeletedClaims(kc, () => [DST]);
      const up = await p.up().finally(() => releaser.stop());
      expect(up.stdout).toMatch(/staging-clone replaced/);
      await untilGone(DST);
      expect(await nsExists(DST)).toBe(false);
      expect(await nsExists(DST2)).toBe(true);
      expect((await core.readNamespacedConfigMap({ name: "settings", namespace: DST2 })).data).toEqual({
        a: "1",
        "config.yaml": "x: 1\n",
      });
    },
  );

  it("pulumi destroy removes the clone and only the clone", { timeout: 300_000 }, async () => {
    const before = await collectNamespaces(kc, [SRC]);
    const releaser = releaseDeletedClaims(kc, () => [DST2]);
    await p.destroy().finally(() => releaser.stop());
    await untilGone(DST2);
    expect(await nsExists(DST2)).toBe(false);
    // The source namespace and every object in it are untouched.
    expect(await nsExists(SRC)).toBe(true);
    const after = await collectNamespaces(kc, [SRC]);
    expect(after.map(itemOf).sort()).toEqual(before.map(itemOf).sort());
    // The Backup (deletionPolicy Retain) stays in the bucket; the CRD stays in the cluster.
    expect(
      await cluster.get({
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        name: `widgets.${CRD_GROUP}`,
      }),
    ).toBeDefined();
  });
});
