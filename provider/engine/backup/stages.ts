/**
 * The stages of one backup run, over a shared {@link RunState} (backup.ts orders them). Each stage
 * throws only for a fatal error; item-level problems go into `errors`/`warnings`.
 */
import { HksError } from "../../errors";
import { discoverResources, type DiscoveryResult } from "../../kube/discovery";
import { STORE_LAYOUT, type PutResult } from "../../store";
import type { BackupDeps, BackupRequest } from "./types";
import { ItemBackupper } from "./items";
import { startArchiveUpload } from "./upload";
import { collectResources } from "../collect/collect";
import { backupCrds, backupNamespaces } from "../collect/cluster-scoped";
import { isResourceIncluded, listScopes, selectBackupResources } from "../collect/filter";
import type { PodSummary } from "../../format/hook-annotations";
import {
  listTargetPods,
  mergeHookResults,
  planHookPodFinder,
  runPlanHooks,
  runPodHooks,
  type HookStageResult,
} from "../hooks/hooks";
import type { ItemError, VolumeDataRecord, VolumeSnapshotRecord } from "../../format/manifest";
import { selectVolumeCopies } from "../volume-data/select";
import { copyVolumes } from "../volume-data/mover";
import { NO_PROGRESS, type ProgressSink } from "../progress";
import { deleteSnapshotsAfterCopy, snapshotVolumes } from "../snapshot/snapshot";

/** Everything a run accumulates; stages read and extend it. */
export interface RunState {
  readonly req: BackupRequest;
  readonly deps: BackupDeps;
  readonly log: (line: string) => void;
  readonly progress: ProgressSink;
  readonly nowMs: () => number;
  /** Pod hooks run only when pods themselves are backed up (velero does the same). */
  readonly podsIncluded: boolean;
  hooks: HookStageResult;
  readonly errors: ItemError[];
  readonly warnings: string[];
  pods: PodSummary[];
  items?: ItemBackupper;
  resources?: PutResult;
  snapshots: VolumeSnapshotRecord[];
  /** Volume data copied, when the target asks for it. */
  volumeData?: VolumeDataRecord[];
  /** Keys this run wrote (the only ones a failed run may delete). */
  readonly written: string[];
  /**
   * Discovery, started with the run: it is read-only and independent of the pre hooks, so its
   * requests overlap theirs (and the pod listing) instead of following them.
   */
  readonly discovery: Promise<DiscoveryResult>;
}

/** `p`, marked as handled until someone awaits it (a run that fails before discovery never does). */
function settledLater<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** A fresh state for `req`. */
export function newRunState(req: BackupRequest, deps: BackupDeps, now: () => Date): RunState {
  return {
    req,
    deps,
    log: deps.log ?? (() => undefined),
    progress: deps.progress ?? NO_PROGRESS,
    nowMs: () => now().getTime(),
    podsIncluded: isResourceIncluded({ group: "", resource: "pods" }, req.target),
    hooks: mergeHookResults(),
    errors: [],
    warnings: [],
    pods: [],
    snapshots: [],
    written: [],
    discovery: settledLater(discoverResources(deps.reader, deps.signal)),
  };
}

/** Plan-level, then pod pre hooks. Throws when a plan pre hook with onError Fail failed. */
export async function runPreHooks(st: RunState): Promise<void> {
  const { req, deps } = st;
  const findPods = planHookPodFinder(deps.reader, req.target, deps.signal);
  st.hooks = mergeHookResults(
    st.hooks,
    await runPlanHooks("pre", req.hooks?.pre ?? [], findPods, deps.executor, st.nowMs, deps.signal),
  );
  if (st.hooks.fatal) throw new Error(`a pre hook failed (onError: Fail): ${st.hooks.fatal}`);
  if (st.podsIncluded || req.target.snapshotVolumes)
    st.pods = await listTargetPods(deps.reader, req.target, deps.signal);
  if (st.podsIncluded)
    st.hooks = mergeHookResults(st.hooks, await runPodHooks("pre", st.pods, deps.executor, st.nowMs, deps.signal));
}

/**
 * Discover → collect → item backup → persist, into `key`. On any failure the upload is aborted
 * (the store removes its parts) before the error propagates.
 */
export async function collectAndUpload(st: RunState, key: string): Promise<void> {
  const { req, deps, progress, log } = st;
  progress({ step: "discover", done: 0 });
  const disc = await st.discovery;
  for (const g of disc.failedGroups)
    st.warnings.push(`API group ${g.group} could not be discovered, its resources are not in the backup: ${g.reason}`);
  const { selected, skipped } = selectBackupResources(disc.resources, req.target);
  for (const s of skipped) log(`skipped resource type ${s.resource}: ${s.reason}`);
  progress({
    step: "discover",
    done: selected.length,
    total: selected.length,
    message: `${selected.length} resource types to back up`,
  });

  const upload = startArchiveUpload(deps.store, key, {
    recipients: deps.recipients,
    signal: deps.signal,
    onProgress: (bytes) => progress({ step: "upload", done: items.total, bytes }),
  });
  const items = new ItemBackupper(upload, req.target, progress, log);
  st.items = items;
  try {
    await collectResources(deps.reader, selected, listScopes(req.target), items, {
      labelSelector: req.target.selector,
      pageSize: deps.pageSize,
      concurrency: deps.listConcurrency,
      signal: deps.signal,
    });
    st.warnings.push(...(await backupNamespaces(deps.reader, items, req.target, deps.signal)));
    await backupCrds(deps.reader, items, req.target, deps.signal);
    items.reportDone();
    st.resources = await upload.finish();
    st.written.push(key);
  } catch (err) {
    const uploadError = await upload.abort(err instanceof Error ? err : new Error(String(err)));
    // A failed upload tears the archive stream down, so add() may fail first with a bare stream
    // AbortError (issue 8: MinIO killed mid-upload was reported as "The operation was aborted");
    // the upload's own StorageError, naming the location, is the reason to report. A typed error
    // (a failed LIST, a bad entry) is itself the cause and is kept.
    throw err instanceof HksError || uploadError === undefined ? err : uploadError;
  }
  progress({ step: "upload", done: items.total, total: items.total, bytes: st.resources.bytes });
  st.errors.push(...items.errors);
  st.warnings.push(...items.warnings);
}

/** Snapshots the included PVCs, except those used by a pod whose pre hook failed. */
export async function takeSnapshots(st: RunState): Promise<void> {
  const { req, deps } = st;
  const blocked = new Map<string, string>();
  for (const p of st.pods) {
    if (!st.hooks.failedPods.has(`${p.namespace}/${p.name}`)) continue;
    for (const c of p.pvcs) blocked.set(`${p.namespace}/${c}`, p.name);
  }
  const pvcs = (st.items?.pvcs ?? []).filter((p) => {
    const pod = blocked.get(`${p.namespace}/${p.name}`);
    if (pod)
      st.errors.push({
        item: `snapshot/${p.namespace}/${p.name}`,
        reason: `not snapshotted: the pre hook of pod ${p.namespace}/${pod}, which uses it, failed`,
      });
    return !pod;
  });
  if (pvcs.length === 0) return;
  if (!deps.snapshots) throw new Error("snapshotVolumes is set but no snapshot API was provided");
  const res = await snapshotVolumes(await deps.snapshots(), pvcs, {
    backupName: req.name,
    volumeSnapshotClass: req.volumeSnapshotClass,
    timeoutMs: req.snapshotTimeoutMs,
    progress: st.progress,
    signal: deps.signal,
  });
  st.errors.push(...res.errors);
  st.snapshots = res.records;
}

/**
 * Copies the files of the selected snapshotted PVCs into the location (after the post hooks: the
 * copy reads the snapshots, so the application need not stay frozen for it). A copy that cannot be
 * made is an item error, never a fatal one: the resources and the snapshots are still good.
 */
export async function copyVolumeData(st: RunState): Promise<void> {
  const { req, deps } = st;
  if (!req.target.volumeData) return;
  const selection = selectVolumeCopies(req.target.volumeData, st.items?.pvcs ?? [], st.snapshots);
  for (const s of selection.skipped) st.log(`volume data not copied: ${s}`);
  st.errors.push(...selection.errors);
  st.volumeData = [];
  if (selection.copy.length === 0) return;
  if (!deps.mover) throw new Error("target.volumeData is set but no mover was provided");
  let mover;
  try {
    mover = await deps.mover();
  } catch (err) {
    const reason = `not copied: ${(err as Error).message}`;
    for (const j of selection.copy) st.errors.push({ item: `volume-data/${j.pvc.namespace}/${j.pvc.name}`, reason });
    return;
  }
  const res = await copyVolumes(mover.cluster, selection.copy, {
    backup: req.name,
    location: mover.location,
    image: mover.image,
    timeoutMs: req.volumeDataTimeoutMs,
    progress: st.progress,
    log: st.log,
    signal: deps.signal,
  });
  st.volumeData = res.records;
  st.errors.push(...res.errors);
  if (req.target.volumeData.keepSnapshots === false) await removeCopiedSnapshots(st, res.records);
  // A run that fails after this point removes what it wrote: the copies' records are part of it.
  for (const r of res.records.filter((x) => x.indexKey)) {
    st.written.push(r.indexKey!);
    st.written.push(STORE_LAYOUT.backupVolumeRecordKey(req.name, r.namespace, r.persistentVolumeClaim, "blobs"));
  }
}

/**
 * `keepSnapshots: false`: the snapshots whose data was copied are marked `deletedAfterCopy` and
 * deleted (unless the caller defers it: a plan's copy locations still read them). A failed copy keeps
 * its snapshot: it is then the PVC's only backup.
 */
async function removeCopiedSnapshots(st: RunState, copies: readonly VolumeDataRecord[]): Promise<void> {
  const copied = new Set(copies.filter((r) => !r.error).map((r) => `${r.namespace}/${r.persistentVolumeClaim}`));
  const done = st.snapshots.filter((s) => s.readyToUse && copied.has(`${s.namespace}/${s.persistentVolumeClaim}`));
  for (const s of done) s.deletedAfterCopy = true;
  if (st.req.deferSnapshotRemoval || !st.deps.snapshots) return;
  await deleteSnapshotsAfterCopy(st.deps.snapshots, done, { warn: (w) => st.warnings.push(w), log: st.log });
}

/**
 * Pod, then plan-level post hooks, whatever happened before (and without the abort signal): a pre
 * hook may have frozen something. Their errors and warnings join the run's.
 */
export async function runPostHooks(st: RunState): Promise<void> {
  const { req, deps } = st;
  if (st.podsIncluded)
    st.hooks = mergeHookResults(st.hooks, await runPodHooks("post", st.pods, deps.executor, st.nowMs));
  st.hooks = mergeHookResults(
    st.hooks,
    await runPlanHooks(
      "post",
      req.hooks?.post ?? [],
      planHookPodFinder(deps.reader, req.target),
      deps.executor,
      st.nowMs,
    ),
  );
  st.errors.push(...st.hooks.errors);
  st.warnings.push(...st.hooks.warnings);
}
