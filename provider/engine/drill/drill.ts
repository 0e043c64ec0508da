/**
 * One run of a restore drill: restore a backup into throwaway namespaces, wait until the application
 * is healthy, run the drill's checks, tear the namespaces down and record the result beside the
 * backup. Stages, in order (each failure is the drill's reason, and later stages are skipped):
 *
 * 1. Choose the backup (named, or the plan's newest / a random Completed one) and read its manifest.
 * 2. Name the drill namespaces (`<prefix>-<random>-<source>`); refuse any that exists already.
 * 3. Restore with the engine's restore, namespaced objects only (nothing outside the drill's own
 *    namespaces changes), claims from their snapshots when asked.
 * 4. Wait for health (health.ts) until the deadline; the time from the restore's start until healthy
 *    is the measured RTO.
 * 5. Run the checks (judge.ts), each within its timeout and the deadline.
 * 6. Delete what the restore created (unless the drill failed and keepOnFailure), then write the
 *    record. The record is written even when an earlier stage failed, so a failed drill is on file.
 */
import { InputError } from "../../errors";
import {
  DRILL_RECORD_FORMAT,
  drillNamespace,
  drillRunId,
  runIdRandom,
  type DrillCheck,
  type DrillCheckResult,
  type DrillRecord,
  type DrillSpec,
} from "../../format/drill";
import type { BackupManifest } from "../../format/manifest";
import { matchesSelector, parseLabelSelector } from "../../format/label-selector";
import { quantityToUnits } from "../../format/quantity";
import type { KubeObject } from "../../format/kube-object";
import type { DrillCluster } from "../../kube/drill-cluster";
import type { PodExecutor } from "../../kube/exec";
import type { RestoreCluster } from "../../kube/target-cluster";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import { backupsOfPlan, noCompletedBackup } from "../catalog/latest-of-plan";
import { readBackupManifest } from "../catalog/read-verified";
import type { ProgressSink } from "../progress";
import { cleanupRestore } from "../restore/cleanup";
import { runRestore, type RestoreDeps } from "../restore/restore";
import type { CreatedNamespace, RestoreResult } from "../restore/types";
import { assessHealth, type HealthVerdict } from "./health";
import { clip, execFailure, httpFailure } from "./judge";
import { chooseDrillBackup } from "./pick";

/** What a drill reads from and acts on. */
export interface DrillDeps {
  readonly store: ObjectStore;
  /** The location's name, for the record. */
  readonly storageLocation: string;
  /** Restores and deletes (the restore engine's port). */
  readonly cluster: RestoreCluster;
  /** Fills claims from the location's volume data (volumeSource `volume-data` or `auto`); none: snapshots only. */
  readonly filler?: RestoreDeps["filler"];
  /** Reads workload status, sends HTTP checks. */
  readonly workloads: DrillCluster;
  /** Runs exec checks. */
  readonly executor: PodExecutor;
  /** A line for the person watching (stages, waits). */
  readonly log?: (line: string) => void;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default Math.random */
  readonly random?: () => number;
  /** Pause between health polls, in ms. @default 2000 */
  readonly pollMs?: number;
}

/** Per-run options. */
export interface DrillRunOptions {
  /** age identities for an encrypted backup. Never logged or recorded. */
  readonly identities?: readonly string[];
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
}

/** The record, and where it was written (or why it could not be). */
export interface DrillOutcome {
  readonly record: DrillRecord;
  readonly recordKey?: string;
  readonly recordError?: string;
}

/** Picks the backup to drill; InputError (nothing touched, nothing recorded) when there is none. */
export async function drillBackup(
  store: ObjectStore,
  spec: DrillSpec,
  now: Date,
  random: number,
): Promise<{ name: string; plan?: string }> {
  if (spec.backupName) return { name: spec.backupName, plan: spec.plan };
  const candidates = await backupsOfPlan(store, spec.plan!);
  const chosen = chooseDrillBackup(candidates, spec.pick, { windowDays: spec.windowDays, now, random });
  if (chosen) return { name: chosen.name, plan: spec.plan };
  if (spec.pick === "random" && candidates.some((c) => c.phase === "Completed"))
    throw new InputError(
      "windowDays",
      `plan "${spec.plan}" has no Completed backup from the last ${spec.windowDays} day(s) in ${store.describe()}; ` +
        `widen windowDays or use pick: newest`,
    );
  throw noCompletedBackup(store, spec.plan!, candidates.length);
}

/** The source namespaces to drill: as asked, else the backup's; a reason when there are none. */
function sourceNamespaces(spec: DrillSpec, manifest: BackupManifest): string[] | string {
  const held = manifest.target?.namespaces ?? [];
  if (spec.includeNamespaces) {
    const missing = held.length ? spec.includeNamespaces.filter((n) => !held.includes(n)) : [];
    return missing.length
      ? `backup ${manifest.name} holds no namespace ${missing.join(", ")} (it holds: ${held.join(", ")})`
      : [...spec.includeNamespaces];
  }
  return held.length
    ? [...held]
    : `backup ${manifest.name} was taken across every namespace (a selector without namespaces): name the ` +
        `namespaces to drill with includeNamespaces`;
}

/** Bytes of the snapshots a drill restores claims from (their restoreSize). */
function volumeBytes(manifest: BackupManifest, namespaces: readonly string[]): number {
  return (manifest.volumeSnapshots ?? [])
    .filter((v) => namespaces.includes(v.namespace) && v.restoreSize)
    .reduce((n, v) => n + Number(quantityToUnits(v.restoreSize!) ?? 0n), 0);
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Runs one drill; see the module comment. Throws only when no backup can be chosen. */
export async function runDrill(deps: DrillDeps, spec: DrillSpec, opts: DrillRunOptions = {}): Promise<DrillOutcome> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => undefined);
  const started = now();
  const runId = drillRunId(
    started,
    Math.floor((deps.random ?? Math.random)() * 36 ** 6)
      .toString(36)
      .padStart(6, "0"),
  );
  const backup = await drillBackup(deps.store, spec, started, (deps.random ?? Math.random)());
  const deadline = started.getTime() + spec.deadlineSeconds * 1000;
  const state: RunState = { checks: [], unhealthy: [], created: [], snapshotContents: [], mapping: {} };
  let manifest: BackupManifest | undefined;
  try {
    manifest = await readBackupManifest(deps.store, backup.name);
    log(`drill ${spec.name}: restoring backup ${backup.name} (run ${runId})`);
    await restoreStage(deps, spec, manifest, runId, state, opts);
    if (!state.reason) await healthStage(deps, state, started.getTime(), deadline, now, log);
    if (!state.reason) await checkStage(deps, spec, state, deadline, now, log);
  } catch (err) {
    state.reason ??= (err as Error).message;
  }
  const cleanup = await cleanupStage(deps, spec, state, opts.signal);
  const record: DrillRecord = {
    format: DRILL_RECORD_FORMAT,
    drill: spec.name,
    runId,
    backupName: backup.name,
    ...(backup.plan ? { plan: backup.plan } : {}),
    storageLocation: deps.storageLocation,
    phase: state.reason || cleanup.error ? "Failed" : "Passed",
    ...(state.reason || cleanup.error ? { reason: state.reason ?? `clean-up: ${cleanup.error}` } : {}),
    startedAt: started.toISOString(),
    completedAt: now().toISOString(),
    ...(state.rtoMs !== undefined ? { rtoSeconds: seconds(state.rtoMs) } : {}),
    namespaces: state.mapping,
    restored: {
      objects: state.restore?.counts.restored ?? 0,
      skipped: state.restore?.counts.skipped ?? 0,
      failed: state.restore?.counts.failed ?? 0,
      archiveBytes: manifest?.artifacts?.resources?.bytes ?? 0,
      volumes: state.restore?.volumes.length ?? 0,
      volumeBytes: manifest && spec.restoreVolumes ? volumeBytes(manifest, Object.keys(state.mapping)) : 0,
      ...(state.restore?.volumes.length
        ? { claims: state.restore.volumes.map((v) => ({ claim: v.claim, source: v.source })) }
        : {}),
    },
    unhealthy: state.unhealthy,
    checks: state.checks,
    cleanup,
  };
  const recordKey = STORE_LAYOUT.drillRecordKey(backup.name, spec.name, runId);
  try {
    await deps.store.put(recordKey, JSON.stringify(record, null, 2), { contentType: "application/json" });
    return { record, recordKey };
  } catch (err) {
    return { record, recordError: (err as Error).message };
  }
}

/** What the stages learn as they go. */
interface RunState {
  mapping: Record<string, string>;
  restore?: RestoreResult;
  created: CreatedNamespace[];
  snapshotContents: string[];
  rtoMs?: number;
  unhealthy: string[];
  checks: DrillCheckResult[];
  /** Set by the first stage that fails. */
  reason?: string;
}

async function restoreStage(
  deps: DrillDeps,
  spec: DrillSpec,
  manifest: BackupManifest,
  runId: string,
  state: RunState,
  opts: DrillRunOptions,
): Promise<void> {
  const sources = sourceNamespaces(spec, manifest);
  if (typeof sources === "string") {
    state.reason = sources;
    return;
  }
  const random = runIdRandom(runId);
  for (const src of sources) state.mapping[src] = drillNamespace(spec.namespacePrefix, random, src);
  for (const ns of Object.values(state.mapping)) {
    if (await deps.cluster.get({ apiVersion: "v1", kind: "Namespace", name: ns })) {
      state.reason = `namespace ${ns} exists already; a drill restores only into namespaces it creates`;
      return;
    }
  }
  const result = await runRestore(
    { store: deps.store, storageLocation: deps.storageLocation, cluster: deps.cluster, filler: deps.filler },
    {
      restoreName: `${spec.name}-${random}`,
      backupName: manifest.name,
      namespaceMapping: state.mapping,
      includeNamespaces: sources,
      restoreVolumes: spec.restoreVolumes,
      volumeSource: spec.volumeSource,
      namespacedOnly: true,
      existingResourcePolicy: "none",
      identities: opts.identities,
      progress: opts.progress,
      signal: opts.signal,
    },
  );
  state.restore = result;
  state.created = result.createdNamespaces;
  state.snapshotContents = result.createdSnapshotContents;
  if (result.phase === "Failed") state.reason = `the restore failed: ${result.error ?? "see its errors"}`;
  else if (result.phase === "PartiallyFailed") {
    const first = result.failed[0];
    state.reason =
      `the restore failed for ${result.counts.failed} object(s)` +
      (first ? `: ${first.items[0] ?? ""} ${first.reason}`.trimEnd() : "");
  }
}

async function healthStage(
  deps: DrillDeps,
  state: RunState,
  startMs: number,
  deadline: number,
  now: () => Date,
  log: (line: string) => void,
): Promise<void> {
  let verdict: HealthVerdict;
  let lastLog = 0;
  for (;;) {
    const objects = (
      await Promise.all(Object.values(state.mapping).map((ns) => deps.workloads.listWorkloads(ns)))
    ).flat();
    verdict = assessHealth(objects);
    const t = now().getTime();
    if (verdict.healthy) {
      state.rtoMs = t - startMs;
      log(`healthy after ${seconds(state.rtoMs)}s`);
      return;
    }
    if (t >= deadline) break;
    if (t - lastLog >= 30_000) {
      log(`waiting for ${verdict.waiting.length} workload(s): ${verdict.waiting[0]}`);
      lastLog = t;
    }
    await new Promise((r) => setTimeout(r, Math.min(deps.pollMs ?? 2000, Math.max(0, deadline - t))));
  }
  state.unhealthy = [...verdict.waiting, ...verdict.stuck];
  const why = verdict.stuck.length ? `; ${verdict.stuck.slice(0, 2).join("; ")}` : "";
  state.reason = `not healthy within the deadline: ${verdict.waiting.slice(0, 3).join("; ")}${why}`;
}

/** The drill namespace a check targets: its source namespace mapped, or the only one. */
function checkNamespace(state: RunState, source: string | undefined): string {
  const sources = Object.keys(state.mapping);
  if (source === undefined) {
    if (sources.length !== 1)
      throw new Error(`the backup has ${sources.length} namespaces: say which with the check's namespace`);
    return state.mapping[sources[0]!]!;
  }
  const ns = state.mapping[source];
  if (!ns) throw new Error(`namespace ${source} is not one the drill restored (${sources.join(", ")})`);
  return ns;
}

const isReady = (p: KubeObject) =>
  ((p as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? []).some(
    (c) => c.type === "Ready" && c.status === "True",
  );

/** The pod (and container) an exec check runs in. */
async function execTarget(
  deps: DrillDeps,
  ns: string,
  exec: NonNullable<DrillCheck["exec"]>,
): Promise<{ pod: string; container: string }> {
  const pods = (await deps.workloads.listWorkloads(ns)).filter((o) => o.kind === "Pod");
  const requirements = exec.selector ? parseLabelSelector(exec.selector) : undefined;
  const pod = exec.pod
    ? pods.find((p) => p.metadata.name === exec.pod)
    : pods
        .filter((p) => matchesSelector(requirements!, p.metadata.labels))
        .sort((a, b) => Number(isReady(b)) - Number(isReady(a)) || a.metadata.name.localeCompare(b.metadata.name))[0];
  if (!pod) throw new Error(`no pod ${exec.pod ?? `matching ${exec.selector}`} in ${ns}`);
  const containers = ((pod as { spec?: { containers?: { name: string }[] } }).spec?.containers ?? []).map(
    (c) => c.name,
  );
  return { pod: pod.metadata.name, container: exec.container ?? containers[0] ?? "" };
}

async function runCheck(
  deps: DrillDeps,
  state: RunState,
  check: DrillCheck,
  timeoutMs: number,
): Promise<DrillCheckResult> {
  const t0 = Date.now();
  let target = check.name;
  const done = (output: string, reason?: string): DrillCheckResult => ({
    name: check.name,
    passed: reason === undefined,
    target,
    output: clip(output),
    ...(reason !== undefined ? { reason } : {}),
    seconds: seconds(Date.now() - t0),
  });
  try {
    if (check.exec) {
      const ns = checkNamespace(state, check.exec.namespace);
      const { pod, container } = await execTarget(deps, ns, check.exec);
      target = `exec ${ns}/${pod} (${container}): ${check.exec.command.join(" ")}`;
      const r = await deps.executor.exec({ namespace: ns, pod, container, command: check.exec.command, timeoutMs });
      return done(r.stdout + (r.stderr ? `\n${r.stderr}` : ""), execFailure(check.exec, r));
    }
    const http = check.http!;
    const ns = checkNamespace(state, http.namespace);
    target = `GET ${ns}/${http.service}:${http.port}${http.path}`;
    const r = await deps.workloads.httpGet(
      { namespace: ns, service: http.service, port: http.port, path: http.path },
      timeoutMs,
    );
    return done(r.body, httpFailure(http, r));
  } catch (err) {
    return done("", (err as Error).message);
  }
}

async function checkStage(
  deps: DrillDeps,
  spec: DrillSpec,
  state: RunState,
  deadline: number,
  now: () => Date,
  log: (line: string) => void,
): Promise<void> {
  for (const check of spec.checks) {
    const left = deadline - now().getTime();
    if (left <= 0) {
      state.checks.push({
        name: check.name,
        passed: false,
        target: check.name,
        output: "",
        reason: "not run: the deadline passed",
        seconds: 0,
      });
      continue;
    }
    const r = await runCheck(deps, state, check, Math.min(check.timeoutSeconds * 1000, left));
    log(`check ${r.name}: ${r.passed ? "passed" : `FAILED, ${r.reason}`}`);
    state.checks.push(r);
  }
  const failed = state.checks.filter((c) => !c.passed);
  if (failed.length) state.reason = `check ${failed[0]!.name} failed: ${failed[0]!.reason}`;
}

async function cleanupStage(
  deps: DrillDeps,
  spec: DrillSpec,
  state: RunState,
  signal?: AbortSignal,
): Promise<DrillRecord["cleanup"]> {
  const names = state.created.map((n) => n.name);
  if (state.reason && spec.keepOnFailure) return { deleted: [], kept: names };
  try {
    const deleted = await cleanupRestore(
      deps.cluster,
      { namespaces: state.created, snapshotContents: state.snapshotContents },
      undefined,
      signal,
    );
    return { deleted, kept: [] };
  } catch (err) {
    return { deleted: [], kept: names, error: (err as Error).message };
  }
}
