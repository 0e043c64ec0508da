/**
 * Pure planning for BackupPlan: `check` (validation with field-named failures, defaults,
 * normalisation; tolerant of preview unknowns) and `diff`. Nothing here does I/O.
 *
 * Rules that are not obvious from the fields:
 * 1. `schedule` and `retention` are validated by the engine's own validators (schedule.ts,
 *    retention.ts), whose InputErrors become failures on their field, so check and the runner can
 *    never disagree about what is valid.
 * 2. A retention rule finer than the schedule fails (plan-retention.ts explains why).
 * 3. A copy must go to a location other than the primary and other copies (3-2-1: a second copy in
 *    the same place protects against nothing).
 * 4. All of a plan's locations are looked up in the plan's `namespace` (as `hks -n` does).
 */
import { containsUnknown, UNKNOWN } from "../kinds";
import type { BackupHookInputs, BackupPlanCopyInputs, BackupPlanInputs, BackupTargetInputs } from "../types";
import { DEFAULT_LOCATION_NAMESPACE, diffPaths } from "./location";
import { capture, isObject, rejectUnknownKeys } from "./plan-fields";
import { checkRetentionFitsSchedule } from "./plan-retention";
import { checkRunner } from "./plan-runner";
import { checkHooks, checkTarget } from "./target";
import { validateRetentionPolicy, type NormalizedRetentionPolicy } from "../format/retention";
import { DEFAULT_TIME_ZONE, validateCron, validateSchedule, validateTimeZone } from "../format/schedule";
import { Checker, checkOwnerInputs, type CheckFailure } from "./validate";

/**
 * Longest plan name: 43. The CronJob `hks-plan-<name>` may have at most 52 characters, because the
 * CronJob controller appends 11 to name each Job, and a Job name must fit a 63-character label.
 */
export const MAX_PLAN_NAME_LENGTH = 52 - "hks-plan-".length;

type Schedule = BackupPlanInputs["schedule"];

function checkPlanSchedule(c: Checker, v: unknown): { schedule: Schedule; valid: boolean } {
  if (!c.required("schedule", v, `when to run, e.g. { cron: "0 2 * * *", timeZone: "UTC" }`) || !isObject(v)) {
    if (c.present(v)) c.fail("schedule", `must be an object { cron, timeZone?, suspend?, startingDeadlineSeconds? }`);
    return { schedule: v as Schedule, valid: false };
  }
  const defaults = { ...v, timeZone: v.timeZone ?? DEFAULT_TIME_ZONE, suspend: v.suspend ?? false } as Schedule;
  if (!containsUnknown(v)) {
    const s = capture(c, () => validateSchedule(v));
    if (!s) return { schedule: defaults, valid: false };
    const out: Schedule = { cron: s.cron, timeZone: s.timeZone, suspend: s.suspend };
    if (s.startingDeadlineSeconds !== undefined) out.startingDeadlineSeconds = s.startingDeadlineSeconds;
    return { schedule: out, valid: true };
  }
  // Preview: validate the known parts one by one.
  rejectUnknownKeys(c, "schedule", v, ["cron", "timeZone", "suspend", "startingDeadlineSeconds"]);
  if (v.cron !== UNKNOWN) capture(c, () => validateCron(v.cron, "schedule.cron"));
  if (c.present(v.timeZone)) capture(c, () => validateTimeZone(v.timeZone, "schedule.timeZone"));
  c.boolean("schedule.suspend", v.suspend);
  return { schedule: defaults, valid: false };
}

function checkRetention(c: Checker, field: string, v: unknown): NormalizedRetentionPolicy | undefined {
  if (!c.present(v) || containsUnknown(v)) return undefined;
  return capture(c, () => validateRetentionPolicy(v, field));
}

function checkCopies(c: Checker, v: unknown, primary: unknown): BackupPlanCopyInputs[] | undefined {
  if (!c.present(v)) return undefined;
  if (!Array.isArray(v)) {
    c.fail("copies", `must be a list such as [{ storageLocation: "offsite" }]`);
    return undefined;
  }
  const seen = new Map<string, number>();
  v.forEach((copy, i) => {
    const f = `copies[${i}]`;
    if (copy === UNKNOWN) return;
    if (!isObject(copy)) return c.fail(f, "must be an object { storageLocation, retention? }");
    rejectUnknownKeys(c, f, copy, ["storageLocation", "retention"]);
    const loc = copy.storageLocation;
    if (!c.required(`${f}.storageLocation`, loc, "a BackupStorageLocation resource or its name")) return;
    c.dnsLabel(`${f}.storageLocation`, loc, "the location name");
    if (loc === primary)
      c.fail(
        `${f}.storageLocation`,
        `"${loc}" is the plan's storageLocation; a copy must go to a different location (3-2-1: another ` +
          `bucket, region or provider)`,
      );
    const before = seen.get(loc as string);
    if (before !== undefined)
      c.fail(`${f}.storageLocation`, `"${loc}" is already copies[${before}]; each copy needs its own location`);
    seen.set(loc as string, i);
  });
  return v as BackupPlanCopyInputs[];
}

/** A plan's target with its defaults (no namespaces, no snapshots), the form `plan.json` is built from. */
function withTargetDefaults(t: BackupTargetInputs | undefined): BackupTargetInputs {
  if (t === undefined || t === null) return {};
  if (!isObject(t)) return t; // unknown during preview, or reported as missing
  const target = t as BackupTargetInputs;
  return { ...target, namespaces: target.namespaces ?? [], snapshotVolumes: target.snapshotVolumes ?? false };
}

/** A plan's hooks with their defaults: 30 s, onError Fail. */
function withHookDefaults(hooks: { pre?: BackupHookInputs[]; post?: BackupHookInputs[] } | undefined) {
  if (!hooks) return undefined;
  const fill = (h: BackupHookInputs): BackupHookInputs =>
    isObject(h) ? { ...h, onError: h.onError ?? "Fail", timeoutSeconds: h.timeoutSeconds ?? 30 } : h;
  return { ...(hooks.pre ? { pre: hooks.pre.map(fill) } : {}), ...(hooks.post ? { post: hooks.post.map(fill) } : {}) };
}

/**
 * Validates BackupPlan inputs and applies defaults. Failures name the input path (e.g.
 * `schedule.cron`, `retention.daily`, `copies[0].storageLocation`); unknown values are accepted.
 */
export function checkBackupPlan(news: Partial<BackupPlanInputs>): {
  inputs: BackupPlanInputs;
  failures: CheckFailure[];
} {
  const c = new Checker();
  const n = news as Record<string, unknown> & Partial<BackupPlanInputs>;
  if (c.required("name", n.planName, "the plan's name")) {
    c.dnsLabel("name", n.planName, "the plan name");
    if (typeof n.planName === "string" && n.planName.length > MAX_PLAN_NAME_LENGTH) {
      c.fail(
        "name",
        `is ${n.planName.length} characters long; the limit is ${MAX_PLAN_NAME_LENGTH} (the CronJob ` +
          `"hks-plan-<name>" may have at most 52)`,
      );
    }
  }
  const namespace = n.namespace ?? DEFAULT_LOCATION_NAMESPACE;
  c.dnsLabel("namespace", namespace, "the namespace");
  const target = withTargetDefaults(
    checkTarget(c, n.target, `what to back up, e.g. { namespace: "production", selector: { app: "postgres-db" } }`),
  );
  if (c.required("storageLocation", n.storageLocation, "a BackupStorageLocation resource or its name"))
    c.dnsLabel("storageLocation", n.storageLocation, "the location name");
  const { schedule, valid: scheduleValid } = checkPlanSchedule(c, n.schedule);
  c.required("retention", n.retention, "how long to keep backups, e.g. { daily: 7, weekly: 4, monthly: 6 }");
  const retention = checkRetention(c, "retention", n.retention);
  const copies = checkCopies(c, n.copies, n.storageLocation);
  const copyPolicies = (copies ?? []).map((cp, i) =>
    isObject(cp) ? checkRetention(c, `copies[${i}].retention`, cp.retention) : undefined,
  );
  if (scheduleValid) {
    if (retention) checkRetentionFitsSchedule(c, "retention", retention, schedule.cron, schedule.timeZone);
    copyPolicies.forEach(
      (p, i) => p && checkRetentionFitsSchedule(c, `copies[${i}].retention`, p, schedule.cron, schedule.timeZone),
    );
  }
  const hooks = withHookDefaults(checkHooks(c, n.hooks));
  c.labels("labels", n.labels);
  c.boolean("verifyAfterBackup", n.verifyAfterBackup);
  checkOwnerInputs(c, n);
  const runner = checkRunner(c, n.runner);
  if (c.present(n.kubeconfig) && typeof n.kubeconfig !== "string")
    c.fail("kubeconfig", "must be the content of a kubeconfig file");
  if (c.present(n.context) && typeof n.context !== "string") c.fail("context", "must be a context name");
  const inputs: BackupPlanInputs = {
    ...(n as BackupPlanInputs),
    resourceKind: "BackupPlan",
    namespace,
    target,
    schedule,
    runner,
  };
  if (hooks) inputs.hooks = hooks;
  else delete inputs.hooks;
  return { inputs, failures: c.failures };
}

/** Inputs that name the plan's objects: changing one replaces the plan. */
export const REPLACE_PATHS = ["planName", "namespace", "context"] as const;

/** Inputs changed in place by `update` (the CronJob, ConfigMap and RBAC are re-applied). */
export const UPDATE_PATHS = [
  "target",
  "storageLocation",
  "schedule",
  "retention",
  "hooks",
  "copies",
  "labels",
  "verifyAfterBackup",
  "runner",
  "kubeconfig",
  // Who owns the objects, and whether to take them over: re-applied in place, never a new plan.
  "owner",
  "adopt",
] as const;

/** What {@link diffBackupPlan} found. */
export interface PlanDiff {
  changes: boolean;
  replaces: string[];
  updates: string[];
  /** Same object names before and after: the old plan must go first, or its delete would remove the new objects. */
  deleteBeforeReplace: boolean;
}

/**
 * Which inputs changed and which replace. `context` replaces because it names the cluster (a rotated
 * `kubeconfig` for the same cluster does not). Drift found by a refresh is a change: `up` repairs it.
 */
export function diffBackupPlan(
  olds: Partial<BackupPlanInputs> & { drift?: string[] },
  news: Partial<BackupPlanInputs>,
): PlanDiff {
  const d = diffPaths(olds, news, REPLACE_PATHS, UPDATE_PATHS);
  const drifted = (olds.drift?.length ?? 0) > 0;
  const sameNames = !d.replaces.includes("planName") && !d.replaces.includes("namespace");
  return {
    changes: d.changes || drifted,
    replaces: d.replaces,
    updates: drifted ? [...d.updates, "drift"] : d.updates,
    deleteBeforeReplace: d.replaces.length > 0 && sameNames,
  };
}
