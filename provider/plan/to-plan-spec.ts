/**
 * Turns checked BackupPlan inputs into the `plan.json` the runner reads (engine/format/plan-spec.ts).
 * Pure. Only non-secret values go in: no kubeconfig, no credentials.
 */
import type { PlanHook } from "../format/hook-annotations";
import type { BackupTarget } from "../format/manifest";
import { PLAN_SPEC_FORMAT_VERSION, type PlanSpec } from "../format/plan-spec";
import type { BackupHookInputs, BackupPlanInputs, BackupTargetInputs } from "../types";
import { validateRetentionPolicy } from "../format/retention";

/** The engine's BackupTarget of a checked plan target (the selector is already canonical text). */
export function backupTargetOf(t: BackupTargetInputs): BackupTarget {
  const out: BackupTarget = { namespaces: t.namespaces ?? (t.namespace ? [t.namespace] : []) };
  if (t.excludeNamespaces?.length) out.excludeNamespaces = t.excludeNamespaces;
  if (typeof t.selector === "string" && t.selector !== "") out.selector = t.selector;
  if (t.includeResources?.length) out.includeResources = t.includeResources;
  if (t.excludeResources?.length) out.excludeResources = t.excludeResources;
  out.snapshotVolumes = t.snapshotVolumes ?? false;
  if (t.volumeData) out.volumeData = t.volumeData;
  return out;
}

function planHookOf(h: BackupHookInputs, i: number, phase: string): PlanHook {
  return {
    name: h.name ?? `${phase} hook ${i}`,
    ...(h.namespace ? { namespace: h.namespace } : {}),
    selector: h.selector as string,
    container: h.container,
    command: h.command,
    timeoutSeconds: h.timeoutSeconds ?? 30,
    onError: h.onError ?? "Fail",
  };
}

/** The runner's view of a checked plan. Copies without their own retention use the plan's. */
export function planSpecOf(i: BackupPlanInputs): PlanSpec {
  const retention = validateRetentionPolicy(i.retention);
  return {
    formatVersion: PLAN_SPEC_FORMAT_VERSION,
    name: i.planName,
    namespace: i.namespace,
    storageLocation: i.storageLocation,
    copies: (i.copies ?? []).map((c, n) => ({
      storageLocation: c.storageLocation,
      retention: c.retention ? validateRetentionPolicy(c.retention, `copies[${n}].retention`) : retention,
    })),
    target: backupTargetOf(i.target),
    ...(i.target.volumeSnapshotClass ? { volumeSnapshotClass: i.target.volumeSnapshotClass } : {}),
    retention,
    schedule: { cron: i.schedule.cron, timeZone: i.schedule.timeZone },
    hooks: {
      pre: (i.hooks?.pre ?? []).map((h, n) => planHookOf(h, n, "pre")),
      post: (i.hooks?.post ?? []).map((h, n) => planHookOf(h, n, "post")),
    },
    labels: i.labels ?? {},
    lockTtlSeconds: i.runner.timeoutSeconds,
    ...(i.verifyAfterBackup ? { verifyAfterBackup: true } : {}),
  };
}
