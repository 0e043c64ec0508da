/**
 * Running backup hooks: finds the pods, runs each hook through a {@link PodExecutor} with its
 * timeout, and turns outcomes into records, errors and warnings by the hook's `onError`:
 *
 * 1. A plan-level pre hook that fails with `onError: Fail` fails the backup (nothing is collected).
 * 2. A pod pre hook that fails (any `onError`) marks the pod: its volumes are not snapshotted, since
 *    a snapshot of an unfrozen application is not the consistent copy the hook was there to give.
 *    With `Fail` the failure is an error (PartiallyFailed), with `Continue` a warning.
 * 3. Post hooks always run, also after a failure, so whatever a pre hook froze is thawed; their
 *    failures are errors (`Fail`) or warnings (`Continue`), never a reason to drop the data.
 */
import pLimit from "p-limit";
import type { KubeReader } from "../../kube/discovery";
import { ExecTimeoutError, type PodExecutor } from "../../kube/exec";
import { isNamespaceIncluded, isOptedOut, listScopes } from "../collect/filter";
import { listObjects } from "../../kube/list-objects";
import type { ListedObject } from "../../format/kube-object";
import {
  invalidHookRecord,
  planHookSpecs,
  podHookFromAnnotations,
  type HookPhase,
  type HookSpec,
  type PlanHook,
  type PodSummary,
} from "../../format/hook-annotations";
import type { BackupTarget, HookRecord, ItemError } from "../../format/manifest";

/** Hooks run at once (in different pods). */
export const HOOK_CONCURRENCY = 4;

const PODS = { group: "", version: "v1", resource: "pods" } as const;

/** What a hook stage produced. */
export interface HookStageResult {
  readonly records: HookRecord[];
  readonly errors: ItemError[];
  readonly warnings: string[];
  /** `namespace/name` of pods whose pre hook failed. */
  readonly failedPods: Set<string>;
  /** Set when a plan-level pre hook with `onError: Fail` failed: the backup must stop. */
  fatal?: string;
}

function emptyResult(): HookStageResult {
  return { records: [], errors: [], warnings: [], failedPods: new Set() };
}

/** The summary of a pod object: containers, annotations, PVCs. */
export function podSummary(pod: ListedObject): PodSummary {
  const spec = (pod.spec ?? {}) as {
    containers?: { name: string }[];
    volumes?: { persistentVolumeClaim?: { claimName?: string } }[];
  };
  return {
    namespace: String(pod.metadata?.namespace ?? ""),
    name: String(pod.metadata?.name ?? ""),
    containers: (spec.containers ?? []).map((c) => c.name),
    annotations: (pod.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {},
    pvcs: (spec.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => !!n),
  };
}

/**
 * The target's pods that matter to hooks or snapshots (a hook annotation, or a PVC volume), as
 * summaries. Same inclusion rules as the backup: namespaces, selector, opt-out label.
 */
export async function listTargetPods(
  reader: KubeReader,
  target: BackupTarget,
  signal?: AbortSignal,
): Promise<PodSummary[]> {
  const out: PodSummary[] = [];
  for (const ns of listScopes(target)) {
    for await (const pod of listObjects(reader, PODS, { namespace: ns, labelSelector: target.selector, signal })) {
      const s = podSummary(pod);
      if (!isNamespaceIncluded(s.namespace, target) || isOptedOut(pod)) continue;
      const hooked = Object.keys(s.annotations).some((k) => k.includes(".hook.backup.hks.io/"));
      if (hooked || s.pvcs.length > 0) out.push(s);
    }
  }
  return out;
}

/** Runs one hook and records how it ended. Never throws: every failure is an outcome. */
export async function runHook(
  executor: PodExecutor,
  spec: HookSpec,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<HookRecord> {
  const start = now();
  const base = {
    phase: spec.phase,
    scope: spec.scope,
    namespace: spec.namespace,
    pod: spec.pod,
    container: spec.container,
    command: [...spec.command],
    onError: spec.onError,
  };
  try {
    const res = await executor.exec({
      namespace: spec.namespace,
      pod: spec.pod,
      container: spec.container,
      command: spec.command,
      timeoutMs: spec.timeoutMs,
      signal,
    });
    const durationMs = now() - start;
    if (res.exitCode === 0) return { ...base, outcome: "Succeeded", exitCode: 0, durationMs };
    const tail = (res.stderr || res.stdout).trim().split("\n").slice(-3).join(" | ");
    return {
      ...base,
      outcome: "Failed",
      exitCode: res.exitCode,
      durationMs,
      error: `exit code ${res.exitCode}${tail ? `: ${tail}` : ""}`,
    };
  } catch (err) {
    const timedOut = err instanceof ExecTimeoutError;
    return {
      ...base,
      outcome: timedOut ? "TimedOut" : "Failed",
      durationMs: now() - start,
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

/** The issue a failed record raises: an error (`Fail`) or a warning (`Continue`). */
function recordIssue(r: HookRecord, result: HookStageResult): void {
  if (r.outcome === "Succeeded" || r.outcome === "Skipped") return;
  const what =
    `${r.phase} hook${r.scope === "plan" ? " (plan)" : ""} in ${r.namespace}/${r.pod} container ` +
    `${r.container || "?"}`;
  const reason = `${r.outcome === "TimedOut" ? "timed out" : "failed"}: ${r.error ?? "unknown error"}`;
  if (r.onError === "Continue") result.warnings.push(`${what} ${reason} (onError: Continue)`);
  else result.errors.push({ item: `hook/${r.phase}/${r.namespace}/${r.pod}`, reason: `${what} ${reason}` });
}

async function runSpecs(
  executor: PodExecutor,
  specs: readonly HookSpec[],
  now: () => number,
  signal?: AbortSignal,
): Promise<HookRecord[]> {
  const limit = pLimit(HOOK_CONCURRENCY);
  return Promise.all(specs.map((s) => limit(() => runHook(executor, s, now, signal))));
}

/** Runs the annotation hooks of `phase` in `pods` (see the module comment for what failures mean). */
export async function runPodHooks(
  phase: HookPhase,
  pods: readonly PodSummary[],
  executor: PodExecutor,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<HookStageResult> {
  const result = emptyResult();
  const specs: HookSpec[] = [];
  for (const pod of pods) {
    const { hook, error } = podHookFromAnnotations(pod, phase);
    if (error) result.records.push(invalidHookRecord(pod, phase, error));
    if (hook) specs.push(hook);
  }
  result.records.push(...(await runSpecs(executor, specs, now, signal)));
  for (const r of result.records) {
    recordIssue(r, result);
    if (phase === "pre" && r.outcome !== "Succeeded") result.failedPods.add(`${r.namespace}/${r.pod}`);
  }
  return result;
}

/**
 * Runs plan-level hooks of `phase`, each in every pod its selector matches (`findPods`). A hook
 * that matches no pod is a warning. A failed pre hook with `onError: Fail` sets `fatal`.
 */
export async function runPlanHooks(
  phase: HookPhase,
  hooks: readonly PlanHook[],
  findPods: (hook: PlanHook) => Promise<PodSummary[]>,
  executor: PodExecutor,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<HookStageResult> {
  const result = emptyResult();
  for (const [i, hook] of hooks.entries()) {
    const label = hook.name ?? `${phase} hook ${i}`;
    let pods: PodSummary[];
    try {
      pods = await findPods(hook);
    } catch (err) {
      const reason = `${label}: finding its pods (selector "${hook.selector}") failed: ${(err as Error).message}`;
      if ((hook.onError ?? "Fail") === "Continue") result.warnings.push(reason);
      else result.errors.push({ item: `hook/${phase}/${label}`, reason });
      if (phase === "pre" && (hook.onError ?? "Fail") === "Fail") result.fatal ??= reason;
      continue;
    }
    if (pods.length === 0)
      result.warnings.push(
        `${label}: no pod matches selector "${hook.selector}"${hook.namespace ? ` in ${hook.namespace}` : ""}; ` +
          `nothing ran`,
      );
    const records = await runSpecs(executor, planHookSpecs(hook, phase, pods), now, signal);
    for (const r of records) {
      result.records.push(r);
      recordIssue(r, result);
      if (phase === "pre" && r.outcome !== "Succeeded" && r.onError === "Fail")
        result.fatal ??= `${label} failed in ${r.namespace}/${r.pod}: ${r.error}`;
    }
  }
  return result;
}

/** Pods for a plan hook: its namespace, else the target's namespaces (all when it names none). */
export function planHookPodFinder(
  reader: KubeReader,
  target: BackupTarget,
  signal?: AbortSignal,
): (hook: PlanHook) => Promise<PodSummary[]> {
  return async (hook) => {
    const scopes = hook.namespace ? [hook.namespace] : listScopes(target);
    const out: PodSummary[] = [];
    for (const ns of scopes) {
      for await (const pod of listObjects(reader, PODS, { namespace: ns, labelSelector: hook.selector, signal })) {
        const s = podSummary(pod);
        if (hook.namespace || isNamespaceIncluded(s.namespace, target)) out.push(s);
      }
    }
    return out;
  };
}

/** Merges stage results in order. */
export function mergeHookResults(...parts: HookStageResult[]): HookStageResult {
  const out = emptyResult();
  for (const p of parts) {
    out.records.push(...p.records);
    out.errors.push(...p.errors);
    out.warnings.push(...p.warnings);
    for (const f of p.failedPods) out.failedPods.add(f);
    out.fatal ??= p.fatal;
  }
  return out;
}
