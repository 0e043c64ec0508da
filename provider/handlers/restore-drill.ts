/**
 * RestoreDrill: a restore drill run during `pulumi up` (create) and/or on a schedule. A run restores
 * the backup into throwaway namespaces, checks and tears them down (engine/drill) and records the
 * result beside the backup; a failed run fails `pulumi up` with its reason (and is recorded too).
 * With `schedule`, create also installs the drill's CronJob, ConfigMap, ServiceAccount, RBAC and
 * admission policy (kube/drill-install-render.ts), after the run on apply passed, so a drill that
 * cannot pass is never scheduled. A change of the schedule or the runner updates those in place;
 * any other input change (or of `triggers`) replaces the drill, running it again when `runOnApply`.
 * Delete removes what the schedule installed; records live and die with their backups.
 */
import { InputError } from "../errors";
import { parseIdentityFile } from "../format/age-keys";
import { describeDrill } from "../engine/drill/report";
import { runDrill } from "../engine/drill/drill";
import { loadKubeConfig } from "../kube/client";
import { checkDrill } from "../plan/drill";
import { prepareDrill } from "../prepare/drill";
import { containsUnknown } from "../kinds";
import { checkDrillSchedule, type DrillScheduleSpec } from "../plan/drill-schedule";
import { drillObjectName, type DrillSpec } from "../format/drill";
import { resolveLocationConfig } from "../kube/location-config";
import { drillLabels, renderDrillObjects } from "../kube/drill-install-render";
import { applyPlanObjects, deletePlanObjects, pruneStaleObjects, type PlanOwner } from "../kube/plan-install";
import type * as k8s from "@kubernetes/client-node";
import type { RestoreDrillInputs as Inputs, RestoreDrillOutputs as Outputs } from "../types";
import type { HandlerContext, ResourceHandler } from "./handler";
import { DEFAULT_LOCATION_NAMESPACE } from "../plan/location";

/** Each input that is a drill field (plan/drill.ts `checkDrill`), and that field's name. */
const DRILL_FIELD_OF: Readonly<Partial<Record<keyof Inputs, string>>> = {
  drillName: "name",
  plan: "plan",
  backupName: "backup",
  pick: "pick",
  windowDays: "windowDays",
  storageLocation: "storageLocation",
  namespacePrefix: "namespacePrefix",
  includeNamespaces: "includeNamespaces",
  restoreVolumes: "restoreVolumes",
  volumeSource: "volumeSource",
  checks: "checks",
  deadlineSeconds: "deadlineSeconds",
  keepOnFailure: "keepOnFailure",
};

/** The drill fields of the inputs, as plan/drill.ts `checkDrill` reads them (absent ones left out). */
function drillFields(i: Partial<Inputs>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [input, field] of Object.entries(DRILL_FIELD_OF))
    if (i[input as keyof Inputs] !== undefined) fields[field] = i[input as keyof Inputs];
  return fields;
}

/** The resource's input path for a drill field path (the SDK's `name` is the drill's name). */
const fieldOf = (p: string) => (p === "name" ? "drillName" : p);

/** Inputs of the schedule: a change updates the installed objects in place and runs nothing. */
const SCHEDULE_KEYS: readonly (keyof Inputs)[] = ["schedule", "runner", "runOnApply", "adopt"];

/** Inputs whose change replaces the drill (and runs it again when it runs on apply). */
const REPLACE_KEYS: readonly (keyof Inputs)[] = [
  ...(Object.keys(DRILL_FIELD_OF) as (keyof Inputs)[]),
  "locationNamespace",
  "triggers",
  "identity",
  "kubeconfig",
  "context",
];

/** The drill and its owner, for the ownership rule of a scheduled drill's objects. */
const drillRef = (i: Inputs, olds?: Partial<Inputs>): PlanOwner => {
  const existed = !!olds && olds.drillName === i.drillName && olds.locationNamespace === i.locationNamespace;
  return {
    what: "drill",
    name: i.drillName,
    namespace: i.locationNamespace,
    labels: drillLabels(i.drillName),
    owner: i.owner,
    previous: existed ? [olds.owner] : [],
    existed,
    adopt: i.adopt === true,
  };
};

/** The validated drill and schedule; the first failure as an InputError naming the resource's field. */
function specsOf(i: Inputs): { spec: DrillSpec; schedule: DrillScheduleSpec } {
  const { spec, failures } = checkDrill(drillFields(i));
  if (!spec) throw new InputError(fieldOf(failures[0]!.property), failures[0]!.reason);
  const sched = checkDrillSchedule(i);
  if (!sched.spec) throw new InputError(sched.failures[0]!.property, sched.failures[0]!.reason);
  return { spec, schedule: sched.spec };
}

/** Installs (or updates) a scheduled drill's objects; nothing without a schedule. */
async function install(
  kc: k8s.KubeConfig,
  i: Inputs,
  spec: DrillSpec,
  schedule: DrillScheduleSpec,
  ctx: HandlerContext,
  olds?: Partial<Inputs>,
): Promise<Pick<Outputs, "installed" | "cronJobName">> {
  if (!schedule.schedule || !schedule.runner) return { installed: [] };
  // The runner reads the location by name: the default location is resolved now, once.
  const location = await resolveLocationConfig(kc, i.locationNamespace, spec.storageLocation, "storageLocation");
  const objects = renderDrillObjects({
    spec: { ...spec, storageLocation: location.name },
    namespace: i.locationNamespace,
    schedule: schedule.schedule,
    runner: schedule.runner,
    location,
    identity: i.identity,
    owner: i.owner,
  });
  const installed = await applyPlanObjects(kc, objects, drillRef(i, olds), ctx.log);
  const s = schedule.schedule;
  ctx.log(
    `drill ${spec.name}: scheduled "${s.cron}" (${s.timeZone})${s.suspend ? ", suspended" : ""} as CronJob ` +
      `${i.locationNamespace}/${drillObjectName(spec.name)}; it may write only in namespaces ` +
      `${spec.namespacePrefix}-...`,
  );
  return { installed, cronJobName: drillObjectName(spec.name) };
}

/** The outputs of the last run during `pulumi up`. */
type RunOutputs = Omit<Outputs, keyof Inputs | "phase" | "installed" | "cronJobName">;

/** Outputs of a drill that did not run during `pulumi up`. */
const NOT_RUN: RunOutputs = {
  runId: "",
  drilledBackup: "",
  storageLocationName: "",
  rtoSeconds: 0,
  objectsRestored: 0,
  checkResults: [],
  recordUrl: "",
  startedAt: "",
  completedAt: "",
};

/** Runs the drill once; a failed drill throws its report. */
async function runOnce(kc: k8s.KubeConfig, i: Inputs, spec: DrillSpec, ctx: HandlerContext): Promise<RunOutputs> {
  const identities = i.identity ? parseIdentityFile(i.identity, "identity") : [];
  const deps = await prepareDrill(kc, spec, i.locationNamespace, { log: ctx.log });
  const { record, recordKey, recordError } = await runDrill(deps, spec, {
    identities,
    progress: ctx.progress,
    signal: ctx.signal,
  });
  if (record.phase !== "Passed") throw new Error(describeDrill(record).join("\n"));
  ctx.log(
    `drill ${record.drill}: Passed: backup ${record.backupName}, ${record.restored.objects} objects, RTO ` +
      `${record.rtoSeconds}s, ${record.checks.length} check(s) passed`,
  );
  if (recordError) ctx.log(`drill ${record.drill}: warning: the result was not recorded: ${recordError}`);
  return {
    runId: record.runId,
    drilledBackup: record.backupName,
    storageLocationName: record.storageLocation,
    rtoSeconds: record.rtoSeconds ?? 0,
    objectsRestored: record.restored.objects,
    checkResults: record.checks.map((c) => ({ name: c.name, passed: c.passed, output: c.output })),
    recordUrl: recordKey ? `${deps.store.describe()}/${recordKey}` : "",
    startedAt: record.startedAt,
    completedAt: record.completedAt,
  };
}

async function create(i: Inputs, ctx: HandlerContext): Promise<Outputs> {
  const { spec, schedule } = specsOf(i);
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  const ran = schedule.runOnApply ? await runOnce(kc, i, spec, ctx) : NOT_RUN;
  const installed = await install(kc, i, spec, schedule, ctx);
  return { ...i, ...ran, ...installed, phase: schedule.runOnApply ? "Passed" : "Scheduled" };
}

/** The run outputs of `o` (kept by an update, which runs nothing). */
function runOutputsOf(o: Partial<Outputs>): RunOutputs {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(NOT_RUN) as (keyof RunOutputs)[]) out[k] = o[k] ?? NOT_RUN[k];
  return out as RunOutputs;
}

export const restoreDrillHandler: ResourceHandler<Inputs, Outputs> = {
  // Restore, health and checks are bounded by deadlineSeconds (at most a day); clean-up adds minutes.
  applyDeadlineMs: 25 * 60 * 60_000,

  async check(_olds, news) {
    const inputs = { ...news, locationNamespace: news.locationNamespace ?? DEFAULT_LOCATION_NAMESPACE } as Inputs;
    // Values unknown during preview (a Backup resource's name) are checked at create, when known.
    const fields = drillFields(inputs);
    for (const [k, v] of Object.entries(fields)) if (containsUnknown(v)) delete fields[k];
    if (containsUnknown(inputs.drillName)) fields.name = "preview";
    if (containsUnknown(inputs.plan) || containsUnknown(inputs.backupName)) {
      delete fields.backup;
      fields.plan = "preview";
    }
    const { failures } = checkDrill(fields);
    const scheduleFailures =
      containsUnknown(inputs.schedule) || containsUnknown(inputs.runner) ? [] : checkDrillSchedule(inputs).failures;
    return {
      inputs,
      failures: [...failures.map((f) => ({ property: fieldOf(f.property), reason: f.reason })), ...scheduleFailures],
    };
  },

  async diff(_id, olds, news) {
    const differs = (k: keyof Inputs) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]);
    const replaces = REPLACE_KEYS.filter(differs);
    const updates = SCHEDULE_KEYS.filter(differs);
    // A replacement installs objects of the same names: the old ones must go first.
    const scheduled = (olds.installed ?? []).length > 0 || news.schedule !== undefined;
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: scheduled && replaces.length > 0,
    };
  },

  async create(inputs, ctx) {
    const outs = await create(inputs, ctx);
    return { id: `${outs.drillName}/${outs.runId}`, outs };
  },

  async read(id, props) {
    return { id, props };
  },

  async update(_id, olds, news, ctx) {
    // Only the schedule, the runner, runOnApply or adopt changed (diff): reinstall, run nothing.
    const { spec, schedule } = specsOf(news);
    const kc = loadKubeConfig({ kubeconfig: news.kubeconfig, context: news.context });
    const installed = await install(kc, news, spec, schedule, ctx, olds);
    await pruneStaleObjects(kc, olds.installed ?? [], installed.installed ?? [], drillRef(news, olds), ctx.log);
    const phase = olds.phase === "Passed" ? "Passed" : "Scheduled";
    return { outs: { ...news, ...runOutputsOf(olds), ...installed, phase } };
  },

  async delete(_id, props, ctx) {
    const installed = props.installed ?? [];
    if (installed.length === 0) {
      ctx.log(`drill ${props.drillName}: nothing to delete (its record stays with backup ${props.drilledBackup})`);
      return;
    }
    const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
    await deletePlanObjects(kc, installed, drillRef(props, props), ctx.log);
    ctx.log(`drill ${props.drillName}: schedule removed; its records stay with their backups`);
  },
};
