/**
 * The Backup resource through the real Pulumi CLI (test/fixtures/programs/backup) against the real
 * kube-apiserver and MinIO: preview runs nothing, `pulumi up` takes the backup, an unchanged
 * program takes no new one, a changed input replaces it (a new backup; the old one is retained),
 * refresh notices a backup deleted from storage, bad inputs fail at check, a Failed backup fails
 * `pulumi up`, a PartiallyFailed one succeeds with its errors printed, and destroy honours
 * deletionPolicy. And design.md's `new hks.Backup("pre-migration", { plan })`: a backup of a
 * BackupPlan resource takes the plan's target, location and labels, records the plan and is named
 * after it. Needs `npx tsc -p .` first (the program loads dist/ via hks-backup).
 */
import * as k8s from "@kubernetes/client-node";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { deleteBackup, listBackups } from "../../provider/engine/catalog/catalog";
import { readLocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import type { ObjectStore } from "../../provider/store";
import { pulumiProject, type PulumiProject } from "../support/pulumi";
import { rand, readBackupObjects, readManifest } from "../support/backup-fixture";
import { busyboxContainer, podReady } from "../support/node";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const id = rand();
const NS = `e2e-bk-${id}`;
const LOC_NS = `e2e-bk-loc-${id}`;
const LOC = "offsite";
let p: PulumiProject;
let fromPlan: PulumiProject | undefined;
let store: ObjectStore;

const setBackup = (args: object) => p.setConfig("backup", JSON.stringify(args));
const names = async () => (await listBackups(store)).map((b) => b.name);

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedConfigMap({
    namespace: NS,
    body: { metadata: { name: "app-config", labels: { app: "web" } }, data: { port: "8080" } },
  });
  await core.createNamespacedSecret({
    namespace: NS,
    body: { metadata: { name: "db-password" }, stringData: { password: "s3cr3t" } },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: NS,
    body: {
      metadata: { name: "data" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        storageClassName: `none-${id}`,
      },
    },
  });
  // Runs on the local node; the image has no psql, so the hook below really fails in the container.
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name: "db", labels: { app: "db" } },
      spec: { terminationGracePeriodSeconds: 1, containers: [busyboxContainer("postgres")] },
    },
  });
  await podReady(kc, NS, "db");
  p = await pulumiProject(path.resolve(__dirname, "../fixtures/programs/backup"));
  const config: Record<string, string> = {
    locationName: LOC,
    locationNamespace: LOC_NS,
    bucket: `hks-e2e-backup-${id}`,
    endpoint: stack.s3Endpoint,
  };
  for (const [k, v] of Object.entries(config)) await p.setConfig(k, v);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
}, 300_000);

afterAll(async () => {
  for (const project of [p, fromPlan]) {
    if (!project) continue;
    await project.destroy().catch(() => undefined);
    await project.dispose();
  }
  for (const name of [NS, LOC_NS, `${LOC_NS}-plan`]) await core.deleteNamespace({ name }).catch(() => undefined);
});

describe("Backup through pulumi up", () => {
  it("previews without backing up, then takes the backup during up; an unchanged program takes no new one", async () => {
    await setBackup({ target: { namespace: NS }, labels: { reason: "pre-migration" } });
    const preview = await p.preview();
    expect(preview.stdout).toMatch(/\+ pulumi-nodejs:dynamic\/hks:Backup: \(create\)\s+\[urn=[^\]]*::pre-migration\]/);
    // check folded `namespace` into `namespaces`; the name is not generated at preview time.
    expect(preview.stdout).toMatch(/target\s+: \{\s+namespaces: \[\s+\[0\]: "e2e-bk-/);
    expect(preview.stdout).not.toMatch(/pre-migration-\d{14}/);
    expect(await readLocationConfig(kc, LOC_NS, LOC)).toBeUndefined(); // preview changed nothing

    const up = await p.up();
    expect(up.stdout).toMatch(/Backup pre-migration created/);
    expect(up.stdout).toMatch(/backup pre-migration-\d{14}: Completed: 7 objects, [\d.]+ (B|KiB) stored/);
    store = await openLocationStore(kc, (await readLocationConfig(kc, LOC_NS, LOC))!);
    const outs = await p.outputs();
    expect(outs.name).toMatch(/^pre-migration-\d{14}$/);
    expect(outs).toMatchObject({
      phase: "Completed",
      storageLocationName: LOC,
      itemsBackedUp: 7,
      errors: [],
      warnings: [],
      snapshots: [],
      itemsByResource: {
        configmaps: 2, // app-config + kube-root-ca.crt (the controller-manager puts one in every namespace)
        namespaces: 1,
        persistentvolumeclaims: 1,
        pods: 1,
        secrets: 1,
        serviceaccounts: 1,
      },
      url: `s3://hks-e2e-backup-${id}/e2e/hks/v1/backups/${outs.name}/`,
    });
    expect(outs.bytes).toBeGreaterThan(0);
    const m = await readManifest(store, outs.name as string);
    expect(m).toMatchObject({
      phase: "Completed",
      labels: { reason: "pre-migration" },
      storageLocation: LOC,
      target: { namespaces: [NS] },
    });
    expect([...(await readBackupObjects(store, m)).keys()]).toContain(`resources/secrets/${NS}/db-password.yaml`);
    const state = await p.exportState();
    const res = state.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/hks:Backup");
    expect(res?.outputs).toMatchObject({ resourceKind: "Backup", name: outs.name, target: { namespaces: [NS] } });

    const again = await p.up();
    expect(again.stdout).not.toMatch(/Backup pre-migration (created|replaced)/);
    expect(await names()).toEqual([outs.name]);
  });

  it("replaces the backup when an input changes (a new backup; the old one is retained)", async () => {
    const before = (await p.outputs()).name as string;
    await new Promise((r) => setTimeout(r, 1100)); // generated names have one-second resolution
    await setBackup({ target: { namespace: NS, includeResources: ["configmaps"] }, deletionPolicy: "Delete" });
    const preview = await p.preview();
    expect(preview.stdout).toMatch(
      /\+-pulumi-nodejs:dynamic\/hks:Backup: \(replace\)\s+\[id=offsite\/pre-migration-\d{14}\]\s+\[urn=[^\]]*::pre-migration\]/,
    );
    const up = await p.up();
    expect(up.stdout).toMatch(/Backup pre-migration replaced/);
    expect(up.stdout).toContain(`backup ${before}: kept in`);
    const outs = await p.outputs();
    expect(outs.name).not.toBe(before);
    expect(outs.itemsByResource).toEqual({ configmaps: 2, namespaces: 1 });
    expect(await names()).toEqual([before, outs.name].sort());
  });

  it("refresh drops a backup that was deleted from storage", async () => {
    const current = (await p.outputs()).name as string;
    await deleteBackup(store, current);
    const r = await p.refresh();
    expect(r.stdout).toMatch(/pre-migration\s+deleted/);
    const state = await p.exportState();
    expect(state.deployment.resources.some((x) => x.type === "pulumi-nodejs:dynamic/hks:Backup")).toBe(false);
  });

  it("refuses bad inputs at check, naming the field, before anything runs", async () => {
    await setBackup({
      target: { selector: "app in (web", includeResources: ["Deployments"] },
      snapshotTimeoutSeconds: 0,
    });
    const r = await p.run(["preview"], { allowFailure: true });
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain("target.selector");
    expect(out).toContain("target.includeResources[0]");
    expect(out).toContain("snapshotTimeoutSeconds");
  });

  it("fails pulumi up with the reasons when the backup Failed (a pre hook with onError Fail)", async () => {
    await setBackup({
      target: { namespace: NS },
      hooks: {
        pre: [
          { name: "checkpoint", selector: { app: "db" }, container: "postgres", command: ["psql", "-c", "CHECKPOINT"] },
        ],
      },
    });
    const r = await p.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/Backup "pre-migration-\d{14}" Failed/);
    expect(out).toMatch(/checkpoint failed in .*\/db: .*psql.*(not found|no such file)/i);
    expect((await listBackups(store)).filter((b) => b.phase === "Failed")).toHaveLength(1);
  });

  it("succeeds with a PartiallyFailed backup and prints what is missing; destroy deletes it (deletionPolicy Delete)", async () => {
    await setBackup({ target: { namespace: NS, snapshotVolumes: true }, deletionPolicy: "Delete" });
    const up = await p.up();
    expect(up.stdout).toMatch(/backup pre-migration-\d{14}: PartiallyFailed: 7 objects/);
    // The claim's class has no provisioner, so it never binds: no volume to snapshot, said at once.
    const reason = `snapshot/${NS}/data: the claim is Pending, not Bound: it has no volume to snapshot yet`;
    expect(up.stdout).toContain(`error: ${reason}`);
    const outs = await p.outputs();
    expect(outs.phase).toBe("PartiallyFailed");
    expect(outs.errors).toEqual([reason]);
    expect(await names()).toContain(outs.name);
    const d = await p.destroy();
    expect(d.stdout).toMatch(new RegExp(`backup ${outs.name}: deleted 3 objects`)); // archive, volumes.json, manifest
    expect(await names()).not.toContain(outs.name);
  });
});

describe('Backup of a BackupPlan: new hks.Backup("pre-migration", { plan })', () => {
  it("backs up the plan's target to the plan's location, records the plan and is named after it; up again changes nothing", async () => {
    const locNs = `${LOC_NS}-plan`;
    fromPlan = await pulumiProject(path.resolve(__dirname, "../fixtures/programs/backup"));
    const config: Record<string, string> = {
      locationName: "plan-offsite",
      locationNamespace: locNs,
      bucket: `hks-e2e-backup-plan-${id}`,
      endpoint: stack.s3Endpoint,
      // Suspended: only the on-demand Backup runs in this test, never the CronJob.
      plan: JSON.stringify({
        target: { namespace: NS, selector: { app: "web" } },
        schedule: { cron: "0 2 * * *", suspend: true },
        retention: { daily: 7 },
        labels: { tier: "web" },
      }),
      backup: JSON.stringify({ labels: { reason: "pre-migration" } }),
    };
    for (const [k, v] of Object.entries(config)) await fromPlan.setConfig(k, v);
    await fromPlan.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
    await fromPlan.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);

    const preview = await fromPlan.preview();
    expect(preview.stdout).toMatch(/\+ pulumi-nodejs:dynamic\/hks:Backup: \(create\)/);
    const up = await fromPlan.up();
    expect(up.stdout).toMatch(/backup of plan nightly: its target, storage location, hooks and labels/);
    const outs = await fromPlan.outputs();
    expect(outs.name).toMatch(/^nightly-\d{14}$/);
    expect(outs).toMatchObject({
      phase: "Completed",
      storageLocationName: "plan-offsite",
      itemsByResource: { configmaps: 1, namespaces: 1 },
    });

    const planStore = await openLocationStore(kc, (await readLocationConfig(kc, locNs, "plan-offsite"))!);
    const m = await readManifest(planStore, outs.name as string);
    expect(m).toMatchObject({
      plan: "nightly",
      storageLocation: "plan-offsite",
      labels: { tier: "web", reason: "pre-migration" },
      target: { namespaces: [NS], selector: "app=web" },
    });
    expect([...(await readBackupObjects(planStore, m)).keys()].sort()).toEqual([
      `resources/configmaps/${NS}/app-config.yaml`,
      `resources/namespaces/_cluster/${NS}.yaml`,
    ]);
    // The Backup's inputs are what the program gave: no diff, so no new backup on the next up.
    await fromPlan.preview(["--expect-no-changes"]);
    await fromPlan.destroy();
    expect((await listBackups(planStore)).map((b) => b.name)).toEqual([outs.name]); // deletionPolicy Retain
  });
});
