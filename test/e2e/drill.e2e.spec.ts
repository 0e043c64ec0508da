/**
 * The RestoreDrill resource through the real Pulumi CLI (test/fixtures/programs/drill) on the local
 * node: `pulumi up` takes a Backup and drills it (restored into a throwaway namespace, healthy,
 * checked through its Service, deleted, recorded beside the backup); an unchanged program drills
 * nothing again; a failing check fails `pulumi up` with the drill's reason and is recorded too.
 * Needs dist/ (the program loads hks-backup).
 */
import * as k8s from "@kubernetes/client-node";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { listDrillRecords } from "../../provider/engine/drill/records";
import { readLocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import { rand } from "../support/backup-fixture";
import { deleteNamespacesAndWait, deploymentAvailable, httpdDeployment, httpdService } from "../support/node";
import { pulumiProject, type PulumiProject } from "../support/pulumi";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const id = rand();
const APP = `e2e-drill-app-${id}`;
const LOC_NS = `e2e-drill-loc-${id}`;
const PREFIX = `e${id}`;
let p: PulumiProject;

const homeCheck = (bodyContains: string) => ({
  checks: [{ name: "home", http: { service: "web", port: 80, path: "/index.html", expect: { bodyContains } } }],
  deadlineSeconds: 180,
});

const drillNamespacesLeft = async () =>
  (await core.listNamespace()).items.map((n) => n.metadata!.name!).filter((n) => n.startsWith(`${PREFIX}-`));

async function records() {
  const store = await openLocationStore(kc, (await readLocationConfig(kc, LOC_NS, "offsite"))!);
  return (await listDrillRecords(store, { drill: "web-drill" })).records;
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: APP } } });
  await apps.createNamespacedDeployment({ namespace: APP, body: httpdDeployment("release-ok") });
  await core.createNamespacedService({ namespace: APP, body: httpdService });
  await deploymentAvailable(kc, APP, "web");
  p = await pulumiProject(path.resolve(__dirname, "../fixtures/programs/drill"));
  const config: Record<string, string> = {
    locationName: "offsite",
    locationNamespace: LOC_NS,
    bucket: `hks-e2e-drill-${id}`,
    endpoint: stack.s3Endpoint,
    appNamespace: APP,
    prefix: PREFIX,
    drill: JSON.stringify(homeCheck("release-ok")),
  };
  for (const [k, v] of Object.entries(config)) await p.setConfig(k, v);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
}, 300_000);

afterAll(async () => {
  if (p) {
    await p.destroy().catch(() => undefined);
    await p.dispose();
  }
  await deleteNamespacesAndWait(kc, [APP, LOC_NS, ...(await drillNamespacesLeft().catch(() => []))]).catch(
    () => undefined,
  );
}, 240_000);

describe("RestoreDrill through pulumi up", () => {
  it("backs up, drills the backup (healthy, checked, cleaned up, recorded); an unchanged program drills nothing", async () => {
    const up = await p.up();
    expect(up.stdout).toMatch(/RestoreDrill web-drill created/);
    expect(up.stdout).toMatch(
      /drill web-drill: Passed: backup before-release-\d{14}, \d+ objects, RTO [\d.]+s, 1 check\(s\) passed/,
    );
    const outs = await p.outputs();
    expect(outs.drillPhase).toBe("Passed");
    expect(outs.drilledBackup).toBe(outs.backupName);
    expect(outs.rtoSeconds).toBeGreaterThan(0);
    expect(outs.objectsRestored).toBeGreaterThan(0);
    expect(outs.checkResults).toEqual([{ name: "home", passed: true, output: "release-ok\n" }]);
    expect(outs.recordUrl).toMatch(
      new RegExp(`^s3://hks-e2e-drill-${id}/e2e/hks/v1/backups/${String(outs.backupName)}/drills/web-drill/.+\\.json$`),
    );
    expect(await drillNamespacesLeft()).toEqual([]);
    expect((await records()).map((r) => r.phase)).toEqual(["Passed"]);

    const again = await p.up();
    expect(again.stdout).not.toMatch(/RestoreDrill web-drill (created|replaced)/);
    expect(await records()).toHaveLength(1);
  });

  it("a failing check fails pulumi up with the drill's reason, leaves nothing and is recorded", async () => {
    await p.setConfig("drill", JSON.stringify(homeCheck("not-there")));
    const up = await p.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    expect(up.code).not.toBe(0);
    const text = up.stdout + up.stderr;
    expect(text).toContain('check home failed: the body does not contain "not-there"');
    expect(await drillNamespacesLeft()).toEqual([]);
    expect((await records()).map((r) => r.phase)).toEqual(["Failed", "Passed"]);
  });

  it("adding a schedule installs the CronJob and runs nothing; a new cron updates it in place; destroy removes it", async () => {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const cronJob = () => batch.readNamespacedCronJob({ name: "hks-drill-web-drill", namespace: LOC_NS });
    const scheduled = (cron: string) =>
      JSON.stringify({ ...homeCheck("release-ok"), schedule: { cron, timeZone: "Europe/Berlin" }, runOnApply: false });
    await p.setConfig("drill", scheduled("0 5 * * 1"));
    const up = await p.up();
    expect(up.stdout).toMatch(/drill web-drill: scheduled "0 5 \* \* 1" \(Europe\/Berlin\)/);
    expect(up.stdout).toMatch(/RestoreDrill web-drill updated/);
    const outs = await p.outputs();
    // Still the first up's run: a schedule added to the drill (runOnApply: false) runs nothing now.
    expect(outs.drillPhase).toBe("Passed");
    expect(outs.drillCronJob).toBe("hks-drill-web-drill");
    expect((await cronJob()).spec).toMatchObject({ schedule: "0 5 * * 1", timeZone: "Europe/Berlin" });
    expect((await records()).map((r) => r.phase)).toEqual(["Failed", "Passed"]);
    await p.preview(["--expect-no-changes"]);

    await p.setConfig("drill", scheduled("0 6 * * 1"));
    const update = await p.up();
    expect(update.stdout).toMatch(/RestoreDrill web-drill updated/);
    expect(update.stdout).not.toMatch(/RestoreDrill web-drill (created|replaced)/);
    expect((await cronJob()).spec?.schedule).toBe("0 6 * * 1");

    await p.destroy();
    expect(
      await cronJob().then(
        () => "present",
        () => "gone",
      ),
    ).toBe("gone");
  });
});
