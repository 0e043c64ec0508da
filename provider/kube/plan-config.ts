/**
 * Reads an installed plan's `plan.json` from its ConfigMap `hks-plan-<name>`: what `hks run-plan`
 * runs, and what a Backup given only a `plan` backs up. One reader, so both see the same plan.
 * Also lists the plans of a namespace with their install time and CronJob suspension, for
 * `hks plan list | status`, the metrics and the dashboard.
 */
import * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { parsePlanSpec, PLAN_LABEL, PLAN_SPEC_KEY, planObjectName, type PlanSpec } from "../format/plan-spec";
import { isNotFound, kubeError } from "./client";

/**
 * Reads and parses the plan's ConfigMap in `namespace`. A missing plan is an InputError on `field`
 * whose reason ends with `fix` (what the caller's user should do).
 * @param fix e.g. "check the name and --namespace".
 */
export async function readPlanSpec(
  kc: k8s.KubeConfig,
  namespace: string,
  plan: string,
  opts: { field?: string; fix?: string } = {},
): Promise<PlanSpec> {
  return specOf(await readPlanConfigMap(kc, namespace, plan, opts), opts.field ?? "plan");
}

/** The plan's ConfigMap; InputError on `opts.field` when it is missing. */
async function readPlanConfigMap(
  kc: k8s.KubeConfig,
  namespace: string,
  plan: string,
  opts: { field?: string; fix?: string },
): Promise<k8s.V1ConfigMap> {
  const field = opts.field ?? "plan";
  const name = planObjectName(plan);
  try {
    return await kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name, namespace });
  } catch (err) {
    if (isNotFound(err))
      throw new InputError(
        field,
        `plan "${plan}" is not installed in namespace ${namespace} (no ConfigMap ${name}): ` +
          `${opts.fix ?? "check the name and --namespace"}`,
      );
    throw kubeError(`reading ConfigMap ${namespace}/${name}`, err);
  }
}

/** The plan.json of a plan's ConfigMap, parsed; InputError on `field` when it has none. */
function specOf(cm: k8s.V1ConfigMap, field: string): PlanSpec {
  const where = `ConfigMap ${cm.metadata?.namespace}/${cm.metadata?.name}`;
  const text = cm.data?.[PLAN_SPEC_KEY];
  if (!text) throw new InputError(field, `${where} has no ${PLAN_SPEC_KEY}: re-apply the plan with 'pulumi up'`);
  return parsePlanSpec(text, where);
}

/** An installed plan: its spec, and what the cluster says about it. */
export interface InstalledPlan {
  readonly spec: PlanSpec;
  /** Creation of its ConfigMap (kept across updates). */
  readonly installedAt?: Date;
  /** Its CronJob's `spec.suspend`; undefined when the CronJob could not be read. */
  readonly suspended?: boolean;
}

const asDate = (t: unknown): Date | undefined => {
  const d = t instanceof Date ? t : typeof t === "string" ? new Date(t) : undefined;
  return d && Number.isFinite(d.getTime()) ? d : undefined;
};

/**
 * Every plan installed in `namespace` (ConfigMaps labelled `hks.io/plan`), sorted by name, with
 * their CronJobs' suspension. A ConfigMap whose plan.json cannot be read is reported in `problems`.
 */
export async function listInstalledPlans(
  kc: k8s.KubeConfig,
  namespace: string,
): Promise<{ plans: InstalledPlan[]; problems: string[] }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let cms: k8s.V1ConfigMap[];
  try {
    cms = (await core.listNamespacedConfigMap({ namespace, labelSelector: PLAN_LABEL })).items;
  } catch (err) {
    if (isNotFound(err)) return { plans: [], problems: [] };
    throw kubeError(`listing the plans in ${namespace}`, err);
  }
  const suspended = await cronJobSuspension(kc, namespace);
  const plans: InstalledPlan[] = [];
  const problems: string[] = [];
  for (const cm of cms.filter((c) => c.data?.[PLAN_SPEC_KEY] !== undefined)) {
    try {
      const spec = specOf(cm, "plan");
      plans.push(installed(spec, cm, suspended.get(planObjectName(spec.name))));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { plans: plans.sort((a, b) => a.spec.name.localeCompare(b.spec.name)), problems };
}

/** One installed plan (see {@link readPlanSpec} for the errors). */
export async function readInstalledPlan(
  kc: k8s.KubeConfig,
  namespace: string,
  plan: string,
  opts: { field?: string; fix?: string } = {},
): Promise<InstalledPlan> {
  const cm = await readPlanConfigMap(kc, namespace, plan, opts);
  const spec = specOf(cm, opts.field ?? "plan");
  return installed(spec, cm, (await cronJobSuspension(kc, namespace)).get(planObjectName(plan)));
}

function installed(spec: PlanSpec, cm: k8s.V1ConfigMap, suspended: boolean | undefined): InstalledPlan {
  const installedAt = asDate(cm.metadata?.creationTimestamp);
  return { spec, ...(installedAt ? { installedAt } : {}), ...(suspended !== undefined ? { suspended } : {}) };
}

/** `spec.suspend` of the plans' CronJobs in `namespace`, by name; empty when they cannot be listed. */
async function cronJobSuspension(kc: k8s.KubeConfig, namespace: string): Promise<Map<string, boolean>> {
  try {
    const list = await kc.makeApiClient(k8s.BatchV1Api).listNamespacedCronJob({ namespace, labelSelector: PLAN_LABEL });
    return new Map(list.items.map((c) => [c.metadata?.name ?? "", c.spec?.suspend === true]));
  } catch {
    return new Map(); // status without suspension beats no status: a reader may lack RBAC on CronJobs
  }
}
