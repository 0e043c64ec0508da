/**
 * A BackupPlan on the local node, with nothing simulated: the plan is installed with no image
 * setting, so its CronJob names the default runner image (built from the repository's Dockerfile by
 * scripts/test-infra/images.sh and imported into the node); the real controller-manager fires it
 * on a `* * * * *` schedule; the kubelet runs the Job's Pod under the plan's ServiceAccount; the
 * runner backs up into MinIO, copies to the second location and applies each location's retention.
 * A plan whose bucket does not exist shows as a failed Job with the reason in its Pod's log.
 * The clock-driven rules (run lock, retention over many days) run the same command as a local
 * process with HKS_NOW in plan-run.integ.spec.ts.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { backupPlanHandler as handler } from "../../provider/handlers/backup-plan";
import { writeLocationConfig } from "../../provider/kube/location-config";
import { checkBackupPlan } from "../../provider/plan/plan";
import { defaultRunnerImage } from "../../provider/plan/plan-runner";
import type { ObjectStore } from "../../provider/store";
import type { BackupPlanInputs } from "../../provider/types";
import {
  adminKubeConfig,
  createLocation,
  rand,
  readBackupObjects,
  readManifest,
  stack,
  storedBackupNames,
} from "../support/backup-fixture";
import { deleteNamespacesAndWait, podLog, podS3Endpoint, waitFor } from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const id = rand();
const planNs = `hks-cron-${id}`;
const target = `cron-app-${id}`;
const ctx = { signal: new AbortController().signal, log: () => undefined, progress: () => undefined };
let main: ObjectStore;
let offsite: ObjectStore;
let offsiteIdentity: string;

async function install(planName: string, extra: Partial<BackupPlanInputs>): Promise<void> {
  const { inputs, failures } = checkBackupPlan({
    planName,
    namespace: planNs,
    target: { namespace: target, selector: { app: "pg" } },
    schedule: { cron: "* * * * *" },
    ...extra,
  } as unknown as Partial<BackupPlanInputs>);
  expect(failures).toEqual([]);
  expect(inputs.runner.image).toBe(defaultRunnerImage());
  await handler.create(inputs, ctx);
}

/** Jobs of a CronJob that have finished (Complete or Failed), oldest first. */
async function finishedJobs(cronJob: string): Promise<k8s.V1Job[]> {
  const jobs = await batch.listNamespacedJob({ namespace: planNs });
  return jobs.items
    .filter((j) => j.metadata?.ownerReferences?.some((o) => o.kind === "CronJob" && o.name === cronJob))
    .filter((j) =>
      j.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"),
    )
    .sort((a, b) => String(a.metadata?.creationTimestamp).localeCompare(String(b.metadata?.creationTimestamp)));
}

async function jobPod(job: k8s.V1Job): Promise<k8s.V1Pod> {
  const pods = await core.listNamespacedPod({ namespace: planNs, labelSelector: `job-name=${job.metadata!.name}` });
  expect(pods.items).toHaveLength(1);
  return pods.items[0]!;
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: target } } });
  await core.createNamespacedConfigMap({
    namespace: target,
    body: { metadata: { name: "settings", labels: { app: "pg" } }, data: { mode: "primary" } },
  });
  await core.createNamespacedSecret({
    namespace: target,
    body: { metadata: { name: "pg-password", labels: { app: "pg" } }, stringData: { password: "s3cret" } },
  });
  const ids = await generateIdentity();
  offsiteIdentity = ids.identity;
  // The runner runs in a Pod: it reaches MinIO at the address Pods use, not the test's loopback one.
  const endpoint = podS3Endpoint(stack);
  main = (await createLocation(kc, { namespace: planNs, name: "main", endpoint })).store;
  offsite = (await createLocation(kc, { namespace: planNs, name: "offsite", recipients: [ids.recipient], endpoint }))
    .store;
  await writeLocationConfig(
    kc,
    {
      name: "missing",
      namespace: planNs,
      provider: "aws",
      objectStorage: {
        bucket: `hks-missing-${id}`,
        region: stack.s3Region,
        endpoint,
        prefix: "",
        forcePathStyle: true,
      },
      recipients: [],
      accessMode: "ReadWrite",
      default: false,
      credentials: {
        kind: "secret",
        name: "hks-location-missing-credentials",
        namespace: planNs,
        accessKeyIdKey: "AWS_ACCESS_KEY_ID",
        secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
      },
    },
    { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey },
  );
  await install("db", {
    storageLocation: "main",
    copies: [{ storageLocation: "offsite", retention: { last: 2 } }],
    retention: { last: 1 },
    labels: { team: "db" },
  } as Partial<BackupPlanInputs>);
  await install("broken", { storageLocation: "missing", retention: { last: 1 } } as Partial<BackupPlanInputs>);
}, 120_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [target, planNs]).catch(() => undefined);
}, 180_000);

describe("a BackupPlan's CronJob on the node", () => {
  it("fires every minute; each Job's Pod runs the runner image as the plan's ServiceAccount; backups, copies and retention land in MinIO", async () => {
    // Two runs: the second one prunes the first from the primary (last: 1), not from the copy (last: 2).
    const jobs = await waitFor(
      "two finished runs of hks-plan-db",
      330_000,
      async () => {
        const j = await finishedJobs("hks-plan-db");
        return j.length >= 2 ? j : undefined;
      },
      2000,
    );
    for (const job of jobs.slice(0, 2)) {
      const pod = await jobPod(job);
      const log = await podLog(kc, planNs, pod.metadata!.name!);
      expect(job.status?.conditions?.find((c) => c.type === "Complete")?.status, log).toBe("True");
      expect(pod.spec?.nodeName).toBeTruthy();
      expect(pod.spec?.serviceAccountName).toBe("hks-plan-db");
      expect(pod.spec?.containers[0]!.image).toBe(defaultRunnerImage());
      expect(pod.status?.containerStatuses?.[0]?.imageID).toBeTruthy();
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
      expect(log).toMatch(/^plan db: backup db-\d{14} Completed: 3 objects \(3 types\)$/m);
      expect(log).toMatch(/result: success \(exit 0\)/);
    }
    const primary = await storedBackupNames(main);
    const copies = await storedBackupNames(offsite);
    expect(primary).toHaveLength(1);
    expect(copies.length).toBeGreaterThanOrEqual(2);
    expect(copies).toContain(primary[0]);
    const m = await readManifest(main, primary[0]!);
    expect(m).toMatchObject({ plan: "db", phase: "Completed", storageLocation: "main", labels: { team: "db" } });
    const copy = await readManifest(offsite, primary[0]!);
    expect(copy).toMatchObject({ storageLocation: "offsite", artifacts: { resources: { encrypted: true } } });
    const objects = await readBackupObjects(offsite, copy, [offsiteIdentity]);
    expect([...objects.keys()].sort()).toEqual([
      `resources/configmaps/${target}/settings.yaml`,
      `resources/namespaces/_cluster/${target}.yaml`,
      `resources/secrets/${target}/pg-password.yaml`,
    ]);
  }, 400_000);

  it("a run that fails shows as a failed Job, with the reason in its Pod's log", async () => {
    const [job] = await waitFor(
      "a finished run of hks-plan-broken",
      150_000,
      async () => {
        const j = await finishedJobs("hks-plan-broken");
        return j.length >= 1 ? j : undefined;
      },
      2000,
    );
    expect(job!.status?.conditions?.find((c) => c.type === "Failed")?.status).toBe("True");
    const pod = await jobPod(job!);
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).not.toBe(0);
    const log = await podLog(kc, planNs, pod.metadata!.name!);
    expect(log).toMatch(new RegExp(`hks-missing-${id}`));
    expect(log).toMatch(/NoSuchBucket|does not exist/);
  }, 200_000);
});
