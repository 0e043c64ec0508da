/**
 * The BackupPlan handler against the real kube-apiserver: what create installs, the runner's RBAC as
 * the API server enforces it (SubjectAccessReview), drift seen by read and repaired by update, an
 * update that moves the target, delete, and the refusals (foreign objects, missing inputs).
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupPlanHandler as handler } from "../../provider/handlers/backup-plan";
import type { HandlerContext } from "../../provider/handlers/handler";
import { checkBackupPlan } from "../../provider/plan/plan";
import type { BackupPlanInputs, BackupPlanOutputs } from "../../provider/types";
import { adminKubeConfig, createLocation, rand } from "../support/backup-fixture";
import { can } from "./plan-support";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const id = rand();
const planNs = `hks-plan-it-${id}`;
const target = `plan-it-app-${id}`;
const target2 = `plan-it-app2-${id}`;
const other = `plan-it-other-${id}`;
const logs: string[] = [];
const ctx: HandlerContext = {
  signal: new AbortController().signal,
  log: (l) => logs.push(l),
  progress: () => undefined,
};

function inputs(over: Record<string, unknown> = {}): BackupPlanInputs {
  const { inputs: i, failures } = checkBackupPlan({
    planName: "nightly",
    namespace: planNs,
    target: { namespace: target, selector: { app: "pg" } },
    storageLocation: "main",
    copies: [{ storageLocation: "offsite", retention: { last: 2 } }],
    schedule: { cron: "0 2 * * *", suspend: true },
    retention: { daily: 7 },
    ...over,
  } as unknown as Partial<BackupPlanInputs>);
  expect(failures).toEqual([]);
  return i;
}

const cronJob = () =>
  batch.readNamespacedCronJob({ name: "hks-plan-nightly", namespace: planNs }).catch(() => undefined);
const sa = { namespace: planNs, name: "hks-plan-nightly" };

beforeAll(async () => {
  for (const ns of [target, target2, other]) await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespacedSecret({
    namespace: other,
    body: { metadata: { name: "not-yours" }, stringData: { k: "v" } },
  });
  await createLocation(kc, { namespace: planNs, name: "main" });
  await createLocation(kc, { namespace: planNs, name: "offsite" });
});

afterAll(async () => {
  for (const ns of [target, target2, other, planNs]) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe("BackupPlan handler on the real API server", () => {
  let outs: BackupPlanOutputs;

  it("create installs the ServiceAccount, ConfigMap, RBAC and CronJob, and records exactly those", async () => {
    const res = await handler.create(inputs(), ctx);
    outs = res.outs!;
    expect(res.id).toBe(`${planNs}/nightly`);
    expect(outs.installed.map((o) => `${o.kind} ${o.namespace ?? ""}/${o.name}`)).toEqual([
      `ServiceAccount ${planNs}/hks-plan-nightly`,
      `ConfigMap ${planNs}/hks-plan-nightly`,
      `Role ${planNs}/hks-plan-nightly`,
      `RoleBinding ${planNs}/hks-plan-nightly`,
      `Role ${target}/hks-plan.${planNs}.nightly`,
      `RoleBinding ${target}/hks-plan.${planNs}.nightly`,
      `ClusterRole /hks-plan.${planNs}.nightly`,
      `ClusterRoleBinding /hks-plan.${planNs}.nightly`,
      `CronJob ${planNs}/hks-plan-nightly`,
    ]);
    const cj = (await cronJob())!;
    expect(cj.spec).toMatchObject({
      schedule: "0 2 * * *",
      timeZone: "UTC",
      suspend: true,
      concurrencyPolicy: "Forbid",
    });
    expect(cj.spec!.jobTemplate.spec!.template.spec!.containers[0]!.args).toEqual([
      "run-plan",
      "nightly",
      "--namespace",
      planNs,
    ]);
    const cm = await core.readNamespacedConfigMap({ name: "hks-plan-nightly", namespace: planNs });
    expect(JSON.parse(cm.data!["plan.json"]!)).toMatchObject({
      name: "nightly",
      storageLocation: "main",
      copies: [{ storageLocation: "offsite" }],
    });
    expect(cj.metadata!.managedFields!.map((f) => f.manager)).toContain("hks-backup");
  });

  it("RBAC: the runner can back up its target and read its own records, nothing more", async () => {
    const rows: [string, Parameters<typeof can>[2], boolean][] = [
      ["list Secrets in the target", { verb: "list", resource: "secrets", namespace: target }, true],
      [
        "list Deployments in the target",
        { verb: "list", resource: "deployments", group: "apps", namespace: target },
        true,
      ],
      [
        "exec into target pods (hooks)",
        { verb: "create", resource: "pods", subresource: "exec", namespace: target },
        true,
      ],
      [
        "get its plan ConfigMap",
        { verb: "get", resource: "configmaps", namespace: planNs, name: "hks-plan-nightly" },
        true,
      ],
      [
        "get a location record",
        { verb: "get", resource: "configmaps", namespace: planNs, name: "hks-location-offsite" },
        true,
      ],
      [
        "get a location's credentials",
        { verb: "get", resource: "secrets", namespace: planNs, name: "hks-location-main-credentials" },
        true,
      ],
      ["get the target Namespace", { verb: "get", resource: "namespaces", name: target }, true],
      [
        "get another namespace's Secret",
        { verb: "get", resource: "secrets", namespace: other, name: "not-yours" },
        false,
      ],
      ["list another namespace's Secrets", { verb: "list", resource: "secrets", namespace: other }, false],
      ["list Secrets cluster-wide", { verb: "list", resource: "secrets" }, false],
      ["list Secrets in the plan namespace", { verb: "list", resource: "secrets", namespace: planNs }, false],
      [
        "get another ConfigMap in the plan namespace",
        { verb: "get", resource: "configmaps", namespace: planNs, name: "kube-root-ca.crt" },
        false,
      ],
      ["change anything in the target", { verb: "delete", resource: "configmaps", namespace: target }, false],
      [
        "edit its own CronJob",
        { verb: "update", resource: "cronjobs", group: "batch", namespace: planNs, name: "hks-plan-nightly" },
        false,
      ],
      ["get another Namespace", { verb: "get", resource: "namespaces", name: other }, false],
    ];
    const got = await Promise.all(rows.map(async ([what, attrs]) => [what, await can(kc, sa, attrs)] as const));
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(rows.map(([what, , allowed]) => [what, allowed])));
  });

  it("read reports no drift for an untouched plan", async () => {
    const r = await handler.read(`${planNs}/nightly`, outs, ctx);
    expect(r.props!.drift).toEqual([]);
    expect(r.inputs!.schedule).toEqual(outs.schedule);
  });

  it("read reflects an out-of-band edit of schedule and suspend; update takes the fields back", async () => {
    await batch.patchNamespacedCronJob(
      { name: "hks-plan-nightly", namespace: planNs, body: { spec: { schedule: "*/5 * * * *", suspend: false } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const r = await handler.read(`${planNs}/nightly`, outs, ctx);
    expect(r.inputs!.schedule).toMatchObject({ cron: "*/5 * * * *", suspend: false });
    expect(r.props!.drift).toEqual(
      expect.arrayContaining([expect.stringMatching(/schedule is "\*\/5 \* \* \* \*", the plan says "0 2 \* \* \*"/)]),
    );
    const d = await handler.diff(`${planNs}/nightly`, r.props!, inputs());
    expect(d.changes).toBe(true);
    outs = (await handler.update(`${planNs}/nightly`, r.props!, inputs(), ctx)).outs!;
    expect((await cronJob())!.spec).toMatchObject({ schedule: "0 2 * * *", suspend: true });
    expect((await handler.read(`${planNs}/nightly`, outs, ctx)).props!.drift).toEqual([]);
  });

  it("a deleted CronJob is drift; update recreates it", async () => {
    await batch.deleteNamespacedCronJob({ name: "hks-plan-nightly", namespace: planNs });
    const r = await handler.read(`${planNs}/nightly`, outs, ctx);
    expect(r.props!.drift).toEqual([`CronJob ${planNs}/hks-plan-nightly is missing`]);
    expect((await handler.diff(`${planNs}/nightly`, r.props!, inputs())).changes).toBe(true);
    outs = (await handler.update(`${planNs}/nightly`, r.props!, inputs(), ctx)).outs!;
    expect(await cronJob()).toBeDefined();
  });

  it(
    "update moves the target: the new namespace gets a Role, the old one loses it; schedule and image change in " +
      "place",
    async () => {
      const before = (await cronJob())!.metadata!.uid;
      const news = inputs({
        target: { namespace: target2 },
        schedule: { cron: "15 3 * * *", timeZone: "Europe/Berlin", suspend: true },
        runner: { image: "registry.local/hks-runner:dev" },
      });
      outs = (await handler.update(`${planNs}/nightly`, outs, news, ctx)).outs!;
      const cj = (await cronJob())!;
      expect(cj.metadata!.uid).toBe(before);
      expect(cj.spec).toMatchObject({ schedule: "15 3 * * *", timeZone: "Europe/Berlin" });
      expect(cj.spec!.jobTemplate.spec!.template.spec!.containers[0]!.image).toBe("registry.local/hks-runner:dev");
      expect(await rbac.readNamespacedRole({ name: `hks-plan.${planNs}.nightly`, namespace: target2 })).toBeDefined();
      await expect(
        rbac.readNamespacedRole({ name: `hks-plan.${planNs}.nightly`, namespace: target }),
      ).rejects.toMatchObject({ code: 404 });
      expect(await can(kc, sa, { verb: "list", resource: "secrets", namespace: target })).toBe(false);
      expect(await can(kc, sa, { verb: "list", resource: "secrets", namespace: target2 })).toBe(true);
      const cr = await rbac.readClusterRole({ name: `hks-plan.${planNs}.nightly` });
      expect(cr.rules![0]).toMatchObject({ resources: ["namespaces"], resourceNames: [target2] });
    },
  );

  it("delete removes exactly what was installed and is idempotent", async () => {
    await core.createNamespacedConfigMap({ namespace: planNs, body: { metadata: { name: "unrelated" } } });
    await handler.delete(`${planNs}/nightly`, outs, ctx);
    expect(await cronJob()).toBeUndefined();
    await expect(
      core.readNamespacedServiceAccount({ name: "hks-plan-nightly", namespace: planNs }),
    ).rejects.toMatchObject({ code: 404 });
    await expect(core.readNamespacedConfigMap({ name: "hks-plan-nightly", namespace: planNs })).rejects.toMatchObject({
      code: 404,
    });
    await expect(rbac.readClusterRole({ name: `hks-plan.${planNs}.nightly` })).rejects.toMatchObject({ code: 404 });
    await expect(
      rbac.readNamespacedRoleBinding({ name: `hks-plan.${planNs}.nightly`, namespace: target2 }),
    ).rejects.toMatchObject({ code: 404 });
    expect(await core.readNamespacedConfigMap({ name: "unrelated", namespace: planNs })).toBeDefined();
    expect(await core.readNamespacedConfigMap({ name: "hks-location-main", namespace: planNs })).toBeDefined();
    await handler.delete(`${planNs}/nightly`, outs, ctx);
    expect(await handler.read(`${planNs}/nightly`, outs, ctx)).toEqual({});
  });

  it("refuses to take over an object it did not install, and leaves nothing behind", async () => {
    await batch.createNamespacedCronJob({
      namespace: planNs,
      body: {
        metadata: { name: "hks-plan-taken" },
        spec: {
          schedule: "0 0 * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "x" }] } } },
          },
        },
      },
    });
    const err = await handler.create(inputs({ planName: "taken" }), ctx).catch((e) => e);
    expect(err.message).toMatch(
      /CronJob .*hks-plan-taken is owned by no recorded owner .*give this resource a different `name` .*adopt: true/,
    );
    await expect(core.readNamespacedConfigMap({ name: "hks-plan-taken", namespace: planNs })).rejects.toMatchObject({
      code: 404,
    });
    expect((await batch.readNamespacedCronJob({ name: "hks-plan-taken", namespace: planNs })).spec!.schedule).toBe(
      "0 0 * * *",
    );
  });

  it("names the field of a missing location, ServiceAccount or target namespace", async () => {
    await expect(handler.create(inputs({ planName: "a", storageLocation: "nowhere" }), ctx)).rejects.toMatchObject({
      field: "storageLocation",
    });
    await expect(
      handler.create(inputs({ planName: "b", copies: [{ storageLocation: "nowhere" }] }), ctx),
    ).rejects.toMatchObject({ field: "copies[0].storageLocation" });
    await expect(
      handler.create(inputs({ planName: "c", target: { namespace: `missing-${id}` } }), ctx),
    ).rejects.toMatchObject({ field: "target.namespaces[0]" });
    await expect(
      handler.create(inputs({ planName: "d", runner: { serviceAccountName: "nobody" } }), ctx),
    ).rejects.toMatchObject({ field: "runner.serviceAccountName" });
    for (const p of ["a", "b", "c", "d"])
      await expect(core.readNamespacedConfigMap({ name: `hks-plan-${p}`, namespace: planNs })).rejects.toMatchObject({
        code: 404,
      });
  });
});
