/**
 * BackupPlan through the real Pulumi CLI on the real stack: `pulumi up` installs a plan with a
 * one-minute schedule, kube-controller-manager turns its CronJob into a Job, and the local node's
 * kubelet runs the Job's Pod (the runner image, as the runner's ServiceAccount): the backup lands in
 * the location and its copy. Retention over days needs a controlled clock, so for that the same
 * container (command, args and env taken from the Job object) runs as a local process with HKS_NOW.
 * Then: RBAC by SubjectAccessReview, update in place, drift (refresh + up) and destroy.
 */
import * as k8s from "@kubernetes/client-node";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { readLocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import type { ObjectStore } from "../../provider/store";
import { readBackupObjects, readManifest, storedBackupNames } from "../support/backup-fixture";
import {
  can,
  containerProcess,
  runProcess,
  serviceAccountKubeconfig,
  waitFor,
  type ProcessSpec,
} from "../integration/plan-support";
import { ENGINE_NODE_FLAGS } from "../../provider/node-flags";
import { podLog, podS3Endpoint } from "../support/node";
import { pulumiProject, type PulumiProject } from "../support/pulumi";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const id = crypto.randomBytes(3).toString("hex");
const ns = `hks-e2e-plan-${id}`;
const target = `plan-e2e-app-${id}`;
const other = `plan-e2e-other-${id}`;
const PROGRAM = path.resolve(__dirname, "../fixtures/programs/plan");

let p: PulumiProject;
let offsiteIdentity: string;
let primaryStore: ObjectStore;
let offsiteStore: ObjectStore;
let proc: ProcessSpec;
let saKubeconfig: string;
let firstBackup: string;

// The runner's Pod reaches MinIO at the node's address (its 127.0.0.1 is the Pod itself).
const location = (bucket: string, extra: object = {}) => ({
  name: bucket,
  namespace: ns,
  objectStorage: { bucket, endpoint: podS3Endpoint(stack) },
  ...extra,
});
const planArgs = (over: object = {}) => ({
  name: "nightly",
  target: { namespace: target, selector: { app: "pg" } },
  schedule: { cron: "* * * * *" },
  retention: { daily: 3 },
  labels: { suite: "e2e" },
  ...over,
});
const cronJob = () => batch.readNamespacedCronJob({ name: "hks-plan-nightly", namespace: ns }).catch(() => undefined);

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: target } } });
  await core.createNamespace({ body: { metadata: { name: other } } });
  await core.createNamespacedConfigMap({
    namespace: target,
    body: { metadata: { name: "pg-config", labels: { app: "pg" } }, data: { max_connections: "100" } },
  });
  await core.createNamespacedSecret({
    namespace: target,
    body: { metadata: { name: "pg-password", labels: { app: "pg" } }, stringData: { password: "hunter2" } },
  });
  await core.createNamespacedSecret({
    namespace: other,
    body: { metadata: { name: "other-secret" }, stringData: { k: "v" } },
  });
  const ids = await generateIdentity();
  offsiteIdentity = ids.identity;
  p = await pulumiProject(PROGRAM);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
  await p.setConfig("primary", JSON.stringify(location(`e2e-plan-a-${id}`)));
  await p.setConfig(
    "offsite",
    JSON.stringify(location(`e2e-plan-b-${id}`, { encryption: { recipients: [ids.recipient] } })),
  );
  await p.setConfig("plan", JSON.stringify(planArgs()));
  await p.setConfig("copyRetention", JSON.stringify({ last: 2 }));
});

afterAll(async () => {
  await p?.dispose();
  for (const n of [target, other, ns]) await core.deleteNamespace({ name: n }).catch(() => undefined);
});

describe("BackupPlan end to end", () => {
  it("pulumi up installs the plan: CronJob, ServiceAccount, RBAC, ConfigMap", async () => {
    const up = await p.up();
    expect(up.stdout).toMatch(/BackupPlan plan created/);
    const outs = await p.outputs();
    expect(outs).toMatchObject({
      planName: "nightly",
      namespace: ns,
      cronJobName: "hks-plan-nightly",
      serviceAccountName: "hks-plan-nightly",
      drift: [],
    });
    expect((outs.installed as unknown[]).length).toBe(9);
    const cj = (await cronJob())!;
    expect(cj.spec).toMatchObject({
      schedule: "* * * * *",
      timeZone: "UTC",
      suspend: false,
      concurrencyPolicy: "Forbid",
    });
    const state = await p.exportState();
    const res = state.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/hks:BackupPlan")!;
    expect(String(res.inputs!.__provider)).toContain('require("hks-backup/provider")');
    expect(JSON.stringify(state)).not.toContain(stack.s3SecretAccessKey);
    const loc = (n: string) => readLocationConfig(kc, ns, n).then((c) => openLocationStore(kc, c!));
    primaryStore = await loc(`e2e-plan-a-${id}`);
    offsiteStore = await loc(`e2e-plan-b-${id}`);
  });

  it("the controller-manager creates a Job; the kubelet runs its Pod (the runner image) and it backs up into the location and its copy", async () => {
    const uid = (await cronJob())!.metadata!.uid;
    const job = await waitFor(
      "a finished Job of the plan's CronJob",
      180_000,
      async () =>
        (await batch.listNamespacedJob({ namespace: ns })).items.find(
          (j) =>
            j.metadata?.ownerReferences?.some((o) => o.uid === uid) &&
            j.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"),
        ),
      2000,
    );
    const pod = (await core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${job.metadata!.name}` }))
      .items[0]!;
    const log = await podLog(kc, ns, pod.metadata!.name!);
    expect(job.status?.conditions?.find((c) => c.type === "Complete")?.status, log).toBe("True");
    expect(pod.spec?.serviceAccountName).toBe("hks-plan-nightly");
    expect(pod.spec?.nodeName).toBeTruthy();
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    firstBackup = /backup (nightly-\d{14}) Completed/.exec(log)![1]!;
    const m = await readManifest(primaryStore, firstBackup);
    expect(m).toMatchObject({
      plan: "nightly",
      phase: "Completed",
      labels: { suite: "e2e" },
      artifacts: { resources: { encrypted: false } },
    });
    const copy = await readManifest(offsiteStore, firstBackup);
    expect(copy).toMatchObject({
      plan: "nightly",
      storageLocation: `e2e-plan-b-${id}`,
      artifacts: { resources: { encrypted: true } },
    });
    const objects = await readBackupObjects(offsiteStore, copy, [offsiteIdentity]);
    expect([...objects.keys()].sort()).toEqual([
      `resources/configmaps/${target}/pg-config.yaml`,
      `resources/namespaces/_cluster/${target}.yaml`,
      `resources/secrets/${target}/pg-password.yaml`,
    ]);
    // Suspend the schedule (as a user would, with pulumi up) so no real run races the clock-driven ones below.
    await p.setConfig("plan", JSON.stringify(planArgs({ schedule: { cron: "* * * * *", suspend: true } })));
    await p.up();
    await waitFor(
      "no running Job of the plan",
      120_000,
      async () =>
        (await batch.listNamespacedJob({ namespace: ns })).items.every((j) => !j.status?.active) ? true : undefined,
      1000,
    );
    proc = await containerProcess(kc, job, pod);
    // node, the engine's heap flags (as the container command has them), the CLI, the args
    expect(proc.argv.slice(1, -5)).toEqual([...ENGINE_NODE_FLAGS]);
    expect(proc.argv.slice(-4)).toEqual(["run-plan", "nightly", "--namespace", ns]);
    expect(proc.env).toEqual({
      HKS_POD_NAME: pod.metadata!.name,
      HKS_NAMESPACE: ns,
      // The image volume data movers run: the runner's own.
      HKS_RUNNER_IMAGE: pod.spec!.containers[0]!.image,
    });
    saKubeconfig = await serviceAccountKubeconfig(kc, ns, pod.spec!.serviceAccountName!);
  }, 300_000);

  it("retention after a series of runs with a controlled clock removes exactly what it should", async () => {
    // The real runs so far (one or more, all today) are newer than the clock-driven ones.
    const real = await storedBackupNames(primaryStore);
    const realCopies = await storedBackupNames(offsiteStore);
    expect(real.at(-1)! >= firstBackup).toBe(true);
    for (const day of ["01", "02", "03", "04"]) {
      const r = await runProcess(proc, { KUBECONFIG: saKubeconfig, HKS_NOW: `2025-01-${day}T02:00:00Z` });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    // Primary: daily 3 → today's newest, Jan 4, Jan 3. Copy: last 2 → the two newest runs.
    const all = [
      ...realCopies,
      "nightly-20250101020000",
      "nightly-20250102020000",
      "nightly-20250103020000",
      "nightly-20250104020000",
    ].sort();
    expect(await storedBackupNames(primaryStore)).toEqual([
      "nightly-20250103020000",
      "nightly-20250104020000",
      real.at(-1)!,
    ]);
    expect(await storedBackupNames(offsiteStore)).toEqual(all.slice(-2));
  }, 120_000);

  it("RBAC: the runner's ServiceAccount reads its target, not other namespaces' Secrets", async () => {
    const sa = { namespace: ns, name: "hks-plan-nightly" };
    expect(await can(kc, sa, { verb: "list", resource: "secrets", namespace: target })).toBe(true);
    expect(await can(kc, sa, { verb: "get", resource: "secrets", namespace: other, name: "other-secret" })).toBe(false);
    expect(await can(kc, sa, { verb: "list", resource: "secrets", namespace: other })).toBe(false);
    expect(await can(kc, sa, { verb: "list", resource: "secrets" })).toBe(false);
  });

  it("update patches the CronJob in place (schedule, time zone, suspend)", async () => {
    const uid = (await cronJob())!.metadata!.uid;
    await p.setConfig(
      "plan",
      JSON.stringify(planArgs({ schedule: { cron: "0 3 * * *", timeZone: "Europe/Berlin", suspend: true } })),
    );
    const up = await p.up();
    expect(up.stdout).toMatch(/BackupPlan plan updated/);
    expect(up.stdout).not.toMatch(/replaced/);
    const cj = (await cronJob())!;
    expect(cj.metadata!.uid).toBe(uid);
    expect(cj.spec).toMatchObject({ schedule: "0 3 * * *", timeZone: "Europe/Berlin", suspend: true });
    await p.preview(["--expect-no-changes"]);
  });

  it("refresh shows an out-of-band edit and a deleted CronJob; the next up repairs both", async () => {
    await batch.patchNamespacedCronJob(
      { name: "hks-plan-nightly", namespace: ns, body: { spec: { schedule: "*/7 * * * *", suspend: false } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await p.refresh();
    const drifted = (await p.exportState()).deployment.resources.find((r) => r.type.endsWith(":BackupPlan"))!;
    expect(drifted.inputs!.schedule).toMatchObject({ cron: "*/7 * * * *", suspend: false });
    expect(drifted.outputs!.drift).toEqual(
      expect.arrayContaining([expect.stringMatching(/schedule is "\*\/7 \* \* \* \*"/)]),
    );
    expect(await p.preview(["--expect-no-changes"]).catch((e: Error) => e)).toBeInstanceOf(Error);
    await p.up();
    expect((await cronJob())!.spec).toMatchObject({ schedule: "0 3 * * *", suspend: true });
    await p.preview(["--expect-no-changes"]);

    await batch.deleteNamespacedCronJob({ name: "hks-plan-nightly", namespace: ns });
    await p.refresh();
    // Stack outputs are computed by the program (on up); the resource's own outputs show the refresh.
    const missing = (await p.exportState()).deployment.resources.find((r) => r.type.endsWith(":BackupPlan"))!;
    expect(missing.outputs!.drift).toEqual([`CronJob ${ns}/hks-plan-nightly is missing`]);
    await p.up();
    expect((await cronJob())?.spec).toMatchObject({ schedule: "0 3 * * *", timeZone: "Europe/Berlin" });
    expect((await p.outputs()).drift).toEqual([]);
  });

  it("destroy removes what the plan installed (and its Jobs), keeps every backup", async () => {
    const d = await p.destroy();
    expect(d.stdout).toMatch(/every backup stays in its storage location/);
    expect(await cronJob()).toBeUndefined();
    await expect(core.readNamespacedServiceAccount({ name: "hks-plan-nightly", namespace: ns })).rejects.toMatchObject({
      code: 404,
    });
    await expect(core.readNamespacedConfigMap({ name: "hks-plan-nightly", namespace: ns })).rejects.toMatchObject({
      code: 404,
    });
    await expect(rbac.readNamespacedRole({ name: `hks-plan.${ns}.nightly`, namespace: target })).rejects.toMatchObject({
      code: 404,
    });
    await expect(rbac.readClusterRoleBinding({ name: `hks-plan.${ns}.nightly` })).rejects.toMatchObject({ code: 404 });
    await waitFor("the garbage collector to remove the plan's Jobs", 60_000, async () =>
      (await batch.listNamespacedJob({ namespace: ns })).items.length === 0 ? true : undefined,
    );
    expect(await storedBackupNames(primaryStore)).toHaveLength(3);
    expect(await storedBackupNames(offsiteStore)).toHaveLength(2);
  });
});
