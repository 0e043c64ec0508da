/**
 * A scheduled restore drill on the local node, nothing simulated: the RestoreDrill handler installs
 * the drill with a schedule of every minute and no image setting, the real controller-manager fires
 * its CronJob, and the Job's Pod runs `hks drill run <name>` in the runner image as the drill's own
 * ServiceAccount. A passing drill records its result beside the backup and leaves no namespace; a
 * failing one is a failed Job with the reason in its log. The ServiceAccount can write only in
 * namespaces with the drill's prefix (RBAC + ValidatingAdmissionPolicy), read no other Secret, and
 * bind no other role. Delete removes everything the schedule installed.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../provider/format/drill";
import { restoreDrillHandler } from "../../provider/handlers/restore-drill";
import { defaultRunnerImage } from "../../provider/plan/plan-runner";
import type { RestoreDrillInputs, RestoreDrillOutputs } from "../../provider/types";
import { adminKubeConfig, createLocation, locationNamespace, rand, stack } from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";
import { serviceAccountKubeconfig } from "./plan-support";
import {
  deleteNamespacesAndWait,
  deploymentAvailable,
  httpdDeployment,
  httpdService,
  podLog,
  podS3Endpoint,
  waitFor,
} from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const id = rand();
const APP = `sched-web-${id}`;
const locNs = locationNamespace();
const PREFIX = `s${id}`;
const ctx = { signal: new AbortController().signal, log: () => undefined, progress: () => undefined };
const installed: RestoreDrillOutputs[] = [];

/** Installs a drill of the app's backup that fires every minute, through the resource's handler. */
async function schedule(name: string, bodyContains: string): Promise<RestoreDrillOutputs> {
  const news = {
    resourceKind: "RestoreDrill",
    drillName: name,
    backupName: `web-${id}`,
    storageLocation: "pods",
    locationNamespace: locNs,
    namespacePrefix: PREFIX,
    restoreVolumes: false,
    deadlineSeconds: 120,
    checks: [{ name: "home-page", http: { service: "web", port: "http", expect: { bodyContains } } }],
    schedule: { cron: "* * * * *" },
    owner: `urn:pulumi:test::drills::hks:index:RestoreDrill::${name}`,
  } as Partial<RestoreDrillInputs>;
  const { inputs, failures } = await restoreDrillHandler.check({}, news);
  expect(failures).toEqual([]);
  const { outs } = await restoreDrillHandler.create(inputs as RestoreDrillInputs, ctx);
  installed.push(outs!);
  return outs!;
}

/** The first finished Job of CronJob `cronJob`, and its Pod's log. */
async function firstRun(cronJob: string): Promise<{ job: k8s.V1Job; pod: k8s.V1Pod; log: string }> {
  const job = await waitFor(
    `a finished run of ${cronJob}`,
    300_000,
    async () => {
      const jobs = await batch.listNamespacedJob({ namespace: locNs });
      return jobs.items.find(
        (j) =>
          j.metadata?.ownerReferences?.some((o) => o.name === cronJob) &&
          j.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"),
      );
    },
    2000,
  );
  const pods = await core.listNamespacedPod({ namespace: locNs, labelSelector: `job-name=${job.metadata!.name}` });
  const pod = pods.items[0]!;
  return { job, pod, log: await podLog(kc, locNs, pod.metadata!.name!) };
}

/** A client acting as `serviceAccount` of the location namespace (a TokenRequest token, as a Pod gets). */
async function actingAs(serviceAccount: string): Promise<k8s.KubeConfig> {
  const sa = new k8s.KubeConfig();
  sa.loadFromFile(await serviceAccountKubeconfig(kc, locNs, serviceAccount));
  return sa;
}

/** The HTTP status and message of a refused call, or "allowed". */
async function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => "allowed",
    (e: { code?: number; body?: unknown }) =>
      `${e.code} ${typeof e.body === "string" ? e.body : JSON.stringify(e.body)}`,
  );
}

async function prefixedNamespacesLeft(): Promise<string[]> {
  return (await core.listNamespace()).items.map((n) => n.metadata!.name!).filter((n) => n.startsWith(`${PREFIX}-`));
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: APP } } });
  await apps.createNamespacedDeployment({ namespace: APP, body: httpdDeployment("orders-ok") });
  await core.createNamespacedService({ namespace: APP, body: httpdService });
  // The runner runs in a Pod: it reaches MinIO at the address Pods use.
  await createLocation(kc, { namespace: locNs, name: "pods", endpoint: podS3Endpoint(stack) });
  await deploymentAvailable(kc, APP, "web");
  const r = await runHks(locNs, [
    "backup",
    "create",
    `web-${id}`,
    "--include-namespaces",
    APP,
    "--storage-location",
    "pods",
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  for (const outs of installed)
    await restoreDrillHandler.delete!(`${outs.drillName}`, outs, ctx).catch(() => undefined);
  const left = await prefixedNamespacesLeft().catch(() => []);
  await deleteNamespacesAndWait(kc, [APP, locNs, ...left], 180_000).catch(() => undefined);
}, 240_000);

describe("a RestoreDrill with a schedule, on the node", () => {
  it("its CronJob fires; the Job runs the drill in the runner image as its own ServiceAccount, records it, leaves nothing", async () => {
    const outs = await schedule(`web-${id}`, "orders-ok");
    expect(outs.phase).toBe("Scheduled");
    expect(outs.cronJobName).toBe(`hks-drill-web-${id}`);
    const cm = await core.readNamespacedConfigMap({ name: `hks-drill-web-${id}`, namespace: locNs });
    expect(JSON.stringify(cm.data)).not.toMatch(/secretAccessKey|AGE-SECRET-KEY/);

    const { job, pod, log } = await firstRun(`hks-drill-web-${id}`);
    expect(job.status?.conditions?.find((c) => c.type === "Complete")?.status, log).toBe("True");
    expect(pod.spec?.serviceAccountName).toBe(`hks-drill-web-${id}`);
    expect(pod.spec?.containers[0]!.image).toBe(defaultRunnerImage());
    expect(pod.spec?.containers[0]!.args).toEqual(["drill", "run", `web-${id}`, "--namespace", locNs, "--scheduled"]);
    expect(log).toMatch(/Passed/);
    expect(log).toMatch(/home-page/);

    const list = await runHks(locNs, ["drill", "list", `web-${id}`, "--storage-location", "pods", "-o", "json"]);
    const records = JSON.parse(list.stdout) as DrillRecord[];
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records[0]).toMatchObject({ drill: `web-${id}`, phase: "Passed", backupName: `web-${id}` });
    expect(records[0]!.checks[0]).toMatchObject({ name: "home-page", passed: true });
    expect(Object.values(records[0]!.namespaces)[0]).toMatch(new RegExp(`^${PREFIX}-`));
    // Torn down after the run (and the next run, a minute later, may have started: wait for quiet).
    await restoreDrillHandler.delete!(`web-${id}`, outs, ctx);
    installed.splice(installed.indexOf(outs), 1);
    await waitFor(
      "the drill namespaces gone",
      120_000,
      async () => ((await prefixedNamespacesLeft()).length ? undefined : true),
      2000,
    );
    // Delete removed everything the schedule installed.
    const gone = (p: Promise<unknown>) =>
      p.then(
        () => false,
        () => true,
      );
    expect(await gone(batch.readNamespacedCronJob({ name: `hks-drill-web-${id}`, namespace: locNs }))).toBe(true);
    expect(await gone(rbac.readClusterRole({ name: `hks-drill.${locNs}.web-${id}` }))).toBe(true);
    expect(await gone(core.readNamespacedServiceAccount({ name: `hks-drill-web-${id}`, namespace: locNs }))).toBe(true);
  }, 420_000);

  it("a failing scheduled drill is a failed Job, with the reason in its log, and leaves nothing behind", async () => {
    await schedule(`bad-${id}`, "no-such-text");
    const { job, log } = await firstRun(`hks-drill-bad-${id}`);
    expect(job.status?.conditions?.find((c) => c.type === "Failed")?.status, log).toBe("True");
    expect(log).toMatch(/Failed/);
    expect(log).toMatch(/home-page/);
    expect(log).toMatch(/no-such-text/);
  }, 420_000);

  it("its ServiceAccount writes only in namespaces with the drill's prefix, reads no other Secret, binds no other role", async () => {
    const sa = await actingAs(`hks-drill-bad-${id}`);
    const saCore = sa.makeApiClient(k8s.CoreV1Api);
    const saRbac = sa.makeApiClient(k8s.RbacAuthorizationV1Api);
    // A namespace outside the prefix: refused by the admission policy, naming the rule.
    const outside = await outcome(saCore.createNamespace({ body: { metadata: { name: `other-${id}` } } }));
    expect(outside).toMatch(/^(403|422) /);
    expect(outside).toContain(`may write only in namespaces named ${PREFIX}-`);
    // Writes into an existing application namespace: refused.
    expect(
      await outcome(saCore.createNamespacedConfigMap({ namespace: APP, body: { metadata: { name: "x" }, data: {} } })),
    ).toMatch(/^403 /);
    // Secrets other than its own records: refused by RBAC.
    expect(await outcome(saCore.listNamespacedSecret({ namespace: locNs }))).toMatch(/^403 /);
    expect(
      await outcome(saCore.readNamespacedSecret({ name: "hks-location-pods-credentials", namespace: locNs })),
    ).toBe("allowed");
    // A drill namespace: allowed; inside it, binding any role but the inside one is refused.
    const probe = `${PREFIX}-probe`;
    expect(await outcome(saCore.createNamespace({ body: { metadata: { name: probe } } }))).toBe("allowed");
    const bindAdmin = await outcome(
      saRbac.createNamespacedRoleBinding({
        namespace: probe,
        body: {
          metadata: { name: "grab" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
          subjects: [{ kind: "ServiceAccount", name: `hks-drill-bad-${id}`, namespace: locNs }],
        },
      }),
    );
    expect(bindAdmin).toMatch(/^(403|422) /);
    expect(await outcome(saCore.deleteNamespace({ name: probe }))).toBe("allowed");
    expect(await outcome(saCore.deleteNamespace({ name: APP }))).toMatch(/^(403|422) /);
  }, 120_000);
});
