/**
 * The adopt path the README documents ("Adopting an existing location or plan"): a location and a
 * plan that exist in the cluster, but in no stack's state (here: written by one stack, then dropped
 * from its state with `pulumi state delete`), are taken into another stack by declaring them with
 * the same names. `pulumi up` takes them over in place (the CronJob is the same object, the bucket's
 * backups stay), and the next preview shows no changes. Through the real Pulumi CLI
 * (test/fixtures/programs/plan). Needs `npx tsc -p .` first.
 */
import * as crypto from "node:crypto";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { pulumiProject, type PulumiProject } from "../support/pulumi";
import { deleteNamespaces } from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const id = crypto.randomBytes(3).toString("hex");
const ns = `hks-e2e-adopt-${id}`;
const target = `adopt-e2e-app-${id}`;
const PROGRAM = path.resolve(__dirname, "../fixtures/programs/plan");
let first: PulumiProject;
let second: PulumiProject;

const location = (bucket: string) => ({
  name: bucket,
  namespace: ns,
  objectStorage: { bucket, endpoint: stack.s3Endpoint },
});

async function configure(p: PulumiProject): Promise<void> {
  await p.setConfig("primary", JSON.stringify(location(`hks-e2e-adopt-${id}`)));
  await p.setConfig("offsite", JSON.stringify(location(`hks-e2e-adopt-copy-${id}`)));
  await p.setConfig(
    "plan",
    JSON.stringify({
      name: "nightly",
      target: { namespace: target },
      schedule: { cron: "0 2 * * *", suspend: true },
      retention: { daily: 7 },
    }),
  );
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
}

const cronJobUid = async () =>
  (await batch.readNamespacedCronJob({ name: "hks-plan-nightly", namespace: ns })).metadata?.uid;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: target } } });
  first = await pulumiProject(PROGRAM);
  second = await pulumiProject(PROGRAM);
  await configure(first);
  await configure(second);
}, 300_000);

afterAll(async () => {
  await second?.destroy().catch(() => undefined);
  await first?.dispose();
  await second?.dispose();
  await deleteNamespaces(kc, [ns, target]);
});

describe("adopting a location and a plan that no stack manages", () => {
  it("pulumi state delete leaves them in the cluster; declaring them in another stack takes them over in place", async () => {
    await first.up();
    const uid = await cronJobUid();
    const urns = (await first.exportState()).deployment.resources
      .filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/hks:"))
      .map((r) => r.urn);
    expect(urns).toHaveLength(3);
    // Dependents first: the plan, then the locations it names.
    const plans = urns.filter((u) => u.includes("hks:BackupPlan::"));
    for (const urn of [...plans, ...urns.filter((u) => !plans.includes(u))])
      await first.run(["state", "delete", urn, "--yes"]);
    expect(await cronJobUid()).toBe(uid);

    const preview = await second.preview();
    expect(preview.stdout).toMatch(/\+ \d+ to create/);
    expect(preview.stdout).not.toMatch(/to replace|to delete/);
    await second.up();
    expect(await cronJobUid()).toBe(uid);
    const record = await core.readNamespacedConfigMap({ name: `hks-location-hks-e2e-adopt-${id}`, namespace: ns });
    expect(record.metadata?.name).toBeDefined();
    const again = await second.preview();
    expect(again.stdout).not.toMatch(/to create|to update|to replace|to delete/);
  });
});
