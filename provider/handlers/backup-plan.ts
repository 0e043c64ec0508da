/**
 * BackupPlan: installs a plan's schedule in the cluster (CronJob running `hks run-plan`, its
 * ServiceAccount, least-privilege RBAC and the plan.json ConfigMap), patches it in place on update,
 * reports drift on refresh, and removes exactly what it installed on delete (backups are kept).
 * Order inside each method: parse, plan (pure render), apply, shape outputs.
 */
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { PLAN_LABEL, PLAN_NAMESPACE_LABEL, planObjectName } from "../format/plan-spec";
import { loadKubeConfig } from "../kube/client";
import { createKubeReader } from "../kube/discovery";
import { readLocationConfig, type LocationConfig } from "../kube/location-config";
import {
  applyPlanObjects,
  deletePlanObjects,
  describeObject,
  installedOf,
  judgePlanObject,
  pruneStaleObjects,
  readObject,
  type PlanOwner,
} from "../kube/plan-install";
import { previewRefusal } from "../kube/ownership";
import { containsUnknown } from "../kinds";
import { describeOwner } from "../format/owner";
import { cronJobDrift, objectDrift, reflectCronJob } from "../kube/plan-install-drift";
import {
  renderCronJob,
  renderPlanConfigMap,
  renderPlanObjects,
  runnerServiceAccount,
  type RenderedObject,
} from "../kube/plan-install-render";
import { checkBackupPlan, diffBackupPlan } from "../plan/plan";
import { planSpecOf } from "../plan/to-plan-spec";
import { nextRuns } from "../format/schedule";
import type { BackupPlanInputs as Inputs, BackupPlanOutputs as Outputs } from "../types";
import type { HandlerContext, ResourceHandler } from "./handler";

const idOf = (i: Pick<Inputs, "namespace" | "planName">) => `${i.namespace}/${i.planName}`;
/** The plan and its owner for the ownership rule; `olds` when it existed before (update, delete). */
const planRef = (i: Inputs, olds?: Partial<Inputs>): PlanOwner => {
  const existed = !!olds && olds.planName === i.planName && olds.namespace === i.namespace;
  return {
    what: "plan",
    name: i.planName,
    namespace: i.namespace,
    labels: { [PLAN_LABEL]: i.planName, [PLAN_NAMESPACE_LABEL]: i.namespace },
    owner: i.owner,
    previous: existed ? [olds.owner] : [],
    existed,
    adopt: i.adopt === true,
  };
};

/** The primary and copy locations' records; a missing or ReadOnly one is an input error on its field. */
async function readPlanLocations(kc: k8s.KubeConfig, i: Inputs): Promise<LocationConfig[]> {
  const wanted = [
    ["storageLocation", i.storageLocation],
    ...(i.copies ?? []).map((c, n) => [`copies[${n}].storageLocation`, c.storageLocation]),
  ] as const;
  const out: LocationConfig[] = [];
  for (const [field, name] of wanted) {
    const cfg = await readLocationConfig(kc, i.namespace, name);
    if (!cfg)
      throw new InputError(
        field,
        `storage location "${name}" is not recorded in namespace ${i.namespace}: create it with a ` +
          `BackupStorageLocation in that namespace (all of a plan's locations are looked up in the plan's ` +
          `namespace)`,
      );
    if (cfg.accessMode === "ReadOnly")
      throw new InputError(
        field,
        `storage location "${name}" is ReadOnly (restore only); a plan writes backups and prunes them`,
      );
    out.push(cfg);
  }
  return out;
}

/** Target namespaces and a given ServiceAccount must exist: their Roles and the Job need them. */
async function checkPrerequisites(kc: k8s.KubeConfig, i: Inputs): Promise<void> {
  const reader = createKubeReader(kc);
  for (const [n, ns] of (i.target.namespaces ?? []).entries()) {
    if (ns === "*" || (i.target.excludeNamespaces ?? []).includes(ns)) continue;
    if (!(await readObject(reader, { kind: "Namespace", name: ns }))) {
      throw new InputError(
        `target.namespaces[${n}]`,
        `namespace "${ns}" does not exist: create it first (the runner's Role is installed there)`,
      );
    }
  }
  const sa = runnerServiceAccount(i);
  if (!sa.created && !(await readObject(reader, { kind: "ServiceAccount", namespace: i.namespace, name: sa.name }))) {
    throw new InputError(
      "runner.serviceAccountName",
      `ServiceAccount ${i.namespace}/${sa.name} does not exist: create it, or omit runner.serviceAccountName ` +
        `to let the plan create hks-plan-${i.planName}`,
    );
  }
}

async function install(
  i: Inputs,
  ctx: HandlerContext,
  olds?: Partial<Inputs>,
): Promise<{ outs: Outputs; kc: k8s.KubeConfig; objects: RenderedObject[] }> {
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  const locations = await readPlanLocations(kc, i);
  const objects = renderPlanObjects(i, planSpecOf(i), locations);
  await checkPrerequisites(kc, i);
  const installed = await applyPlanObjects(kc, objects, planRef(i, olds), ctx.log);
  const runs = nextRuns({ cron: i.schedule.cron, timeZone: i.schedule.timeZone }, new Date(), 3).map((d) =>
    d.toISOString(),
  );
  ctx.log(
    `plan ${idOf(i)}: CronJob ${planObjectName(i.planName)} "${i.schedule.cron}" ` +
      `(${i.schedule.timeZone})${i.schedule.suspend ? " suspended" : `, next runs ${runs.join(", ")}`}`,
  );
  const outs: Outputs = {
    ...i,
    cronJobName: planObjectName(i.planName),
    configMapName: planObjectName(i.planName),
    serviceAccountName: runnerServiceAccount(i).name,
    installed,
    drift: [],
  };
  return { outs, kc, objects };
}

/** Objects the plan should have, for drift; without locations (unreadable) the RBAC is not compared. */
async function expectedObjects(kc: k8s.KubeConfig, p: Outputs): Promise<RenderedObject[]> {
  const spec = planSpecOf(p);
  try {
    return renderPlanObjects(p, spec, await readPlanLocations(kc, p));
  } catch {
    return [renderPlanConfigMap(p, spec), renderCronJob(p)];
  }
}

const OUTPUT_ONLY: readonly string[] = ["cronJobName", "configMapName", "serviceAccountName", "installed", "drift"];

function inputsOf(o: Outputs): Inputs {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !OUTPUT_ONLY.includes(k))) as unknown as Inputs;
}

/** The BackupPlan lifecycle (registered in provider/index.ts); see the module comment. */
export const backupPlanHandler: ResourceHandler<Inputs, Outputs> = {
  applyDeadlineMs: 5 * 60_000,

  async check(olds, news) {
    const { inputs, failures } = checkBackupPlan(news);
    if (failures.length || containsUnknown([inputs.planName, inputs.namespace, inputs.kubeconfig, inputs.context]))
      return { inputs, failures };
    // At preview too (best effort, its ConfigMap only; create judges every object before applying).
    const ref = planRef(inputs, olds);
    const refusal = await previewRefusal(
      { kubeconfig: inputs.kubeconfig, context: inputs.context },
      [{ kind: "ConfigMap", namespace: inputs.namespace, name: planObjectName(inputs.planName) }],
      {
        self: ref.owner,
        previous: ref.previous,
        unownedIsOurs: ref.existed,
        adopt: ref.adopt === true,
        nameInput: "`name` (the plan's name in the cluster)",
      },
    );
    return { inputs, failures: refusal ? [{ property: "planName", reason: refusal }] : [] };
  },

  async diff(_id, olds, news) {
    const d = diffBackupPlan(olds, news);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  },

  async create(inputs, ctx) {
    const { outs } = await install(inputs, ctx).catch(async (err: unknown) => {
      // All or nothing: remove whatever this attempt applied before it failed.
      await compensate(inputs, ctx).catch((e: unknown) =>
        ctx.log(`cleanup after a failed create: ${(e as Error).message}`),
      );
      throw err;
    });
    return { id: idOf(inputs), outs };
  },

  async read(id, props, _ctx) {
    const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
    const reader = createKubeReader(kc);
    const expected = await expectedObjects(kc, props);
    const live = await Promise.all(
      expected.map((o) => readObject(reader, { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })),
    );
    if (live.every((l) => l === undefined)) return {}; // everything is gone: the plan no longer exists
    const drift: string[] = [];
    let reflected: Outputs = props;
    expected.forEach((o, n) => {
      const ref = { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
      const owned = live[n] && judgePlanObject(ref, live[n], planRef(props, props), false);
      if (owned && owned.verdict === "foreign")
        drift.push(`${describeObject(ref)} is now owned by ${describeOwner(owned.owner)}`);
      if (o.kind !== "CronJob" || live[n] === undefined) return void drift.push(...objectDrift(o, live[n]));
      const d = cronJobDrift(o, live[n]);
      drift.push(...d.messages);
      reflected = reflectCronJob(reflected, d);
    });
    return { id, props: { ...reflected, drift }, inputs: inputsOf(reflected) };
  },

  async update(_id, olds, news, ctx) {
    const { outs, kc } = await install(news, ctx, olds);
    await pruneStaleObjects(kc, olds.installed ?? [], outs.installed, planRef(news, olds), ctx.log);
    return { outs };
  },

  async delete(_id, props, ctx) {
    const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
    await deletePlanObjects(kc, props.installed ?? [], planRef(props, props), ctx.log);
    ctx.log(`plan ${idOf(props)}: uninstalled; every backup stays in its storage location`);
  },
};

/** Removes what a failed create may have applied (only objects labelled as this plan's). */
async function compensate(i: Inputs, ctx: HandlerContext): Promise<void> {
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  let objects: RenderedObject[];
  try {
    objects = renderPlanObjects(i, planSpecOf(i), await readPlanLocations(kc, i));
  } catch {
    return; // nothing was applied: the failure came before apply
  }
  await deletePlanObjects(kc, installedOf(objects), planRef(i), ctx.log);
}
