/**
 * The backup orchestrator (velero `Backupper`), the one entry point the Pulumi handler, the CLI and
 * the CronJob runner share. Stages, each in its own module:
 *
 * plan pre hooks → pod pre hooks (hooks.ts) → discover (kube/discovery.ts) → collect
 * (collect.ts) → item backup (backup-items.ts) → persist (backup-upload.ts) → snapshots
 * (snapshot.ts) → post hooks, always → volumes.json → manifest.json LAST (or failure.json).
 *
 * Returns the result for every phase, Failed included (its failure.json is written); throws only for
 * a request that cannot start (e.g. the name is taken), before anything is written.
 */
import type { KubeReader } from "../kube/discovery";
import { discoverResources } from "../kube/discovery";
import type { PodExecutor } from "../kube/exec";
import { createLayout, type ObjectStore, type PutResult } from "../store";
import { isResourceIncluded, listScopes, selectBackupResources } from "./collect-filter";
import { collectResources } from "./collect";
import { backupCrds, backupNamespaces } from "./collect-cluster";
import { ItemBackupper } from "./backup-items";
import { buildFailure, buildManifest, type BackupIdentity } from "./backup-result";
import { startArchiveUpload, type ArchiveUpload } from "./backup-upload";
import type { PlanHook, PodSummary } from "./hooks-annotations";
import { listTargetPods, mergeHookResults, planHookPodFinder, runPlanHooks, runPodHooks, type HookStageResult } from "./hooks";
import type { BackupFailure, BackupManifest, BackupPhase, BackupTarget, ItemError, VolumeSnapshotRecord } from "./manifest";
import { NO_PROGRESS, type ProgressSink } from "./progress";
import { snapshotVolumes, type SnapshotApi } from "./snapshot";

/** What to back up, and how. */
export interface BackupRequest {
  /** The backup's name, already resolved (backup-name.ts `resolveBackupName`). */
  readonly name: string;
  /** Name of the storage location, recorded in the manifest. */
  readonly storageLocation: string;
  readonly target: BackupTarget;
  /** VolumeSnapshotClass for every PVC. @default chosen per PVC */
  readonly volumeSnapshotClass?: string;
  /** @default DEFAULT_SNAPSHOT_TIMEOUT_MS (10 minutes) */
  readonly snapshotTimeoutMs?: number;
  readonly plan?: string;
  readonly labels?: Record<string, string>;
  /** Plan-level hooks (in addition to pod annotation hooks). */
  readonly hooks?: { readonly pre?: readonly PlanHook[]; readonly post?: readonly PlanHook[] };
}

/** The collaborators of a backup (velero passes the same into `kubernetesBackupper`). */
export interface BackupDeps {
  readonly reader: KubeReader;
  readonly executor: PodExecutor;
  /** Needed only when `target.snapshotVolumes` is set. */
  readonly snapshots?: () => Promise<SnapshotApi>;
  /** The location's store, rooted at its prefix. */
  readonly store: ObjectStore;
  /** age recipients of the location; empty = unencrypted. */
  readonly recipients: readonly string[];
  /** API server URL of the source cluster, for the manifest. */
  readonly sourceCluster: string;
  readonly progress?: ProgressSink;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** LIST tuning (collect.ts defaults). */
  readonly pageSize?: number;
  readonly listConcurrency?: number;
}

/** The outcome of {@link runBackup}. */
export interface BackupResult {
  readonly name: string;
  readonly phase: BackupPhase;
  /** manifest.json for Completed/PartiallyFailed, failure.json for Failed: what was written. */
  readonly record: BackupManifest | BackupFailure;
  /** Objects skipped because of `hks.io/exclude-from-backup=true`. */
  readonly excludedByLabel: number;
  /** Where the backup lives, e.g. `s3://bucket/prefix/hks/v1/backups/<name>/`. */
  readonly url: string;
}

/** Thrown inside the pipeline to stop it with a reason (a fatal hook, a broken upload). */
class BackupStop extends Error {}

/** Runs one backup. See the module comment for the stages and what each phase means. */
export async function runBackup(req: BackupRequest, deps: BackupDeps): Promise<BackupResult> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => undefined);
  const progress = deps.progress ?? NO_PROGRESS;
  const layout = createLayout();
  const id: BackupIdentity = {
    name: req.name, plan: req.plan, labels: req.labels ?? {}, storageLocation: req.storageLocation,
    sourceCluster: deps.sourceCluster, target: req.target, startedAt: now(),
  };
  const nowMs = () => now().getTime();
  const errors: ItemError[] = [];
  const warnings: string[] = [];
  let hooks: HookStageResult = mergeHookResults();
  let fatal: string | undefined;
  let upload: ArchiveUpload | undefined;
  let resources: PutResult | undefined;
  let items: ItemBackupper | undefined;
  let snapshots: VolumeSnapshotRecord[] = [];
  const podsIncluded = isResourceIncluded({ group: "", resource: "pods" }, req.target);
  let pods: PodSummary[] = [];
  const encrypted = deps.recipients.length > 0;
  const resourcesKey = layout.backupResourcesKey(req.name, { encrypted });
  const findPods = planHookPodFinder(deps.reader, req.target, deps.signal);
  try {
    hooks = mergeHookResults(hooks, await runPlanHooks("pre", req.hooks?.pre ?? [], findPods, deps.executor, nowMs, deps.signal));
    if (hooks.fatal) throw new BackupStop(`a pre hook failed (onError: Fail): ${hooks.fatal}`);
    if (podsIncluded || req.target.snapshotVolumes) pods = await listTargetPods(deps.reader, req.target, deps.signal);
    if (podsIncluded) hooks = mergeHookResults(hooks, await runPodHooks("pre", pods, deps.executor, nowMs, deps.signal));

    progress({ step: "discover", done: 0 });
    const disc = await discoverResources(deps.reader, deps.signal);
    for (const g of disc.failedGroups) warnings.push(`API group ${g.group} could not be discovered, its resources are not in the backup: ${g.reason}`);
    const { selected, skipped } = selectBackupResources(disc.resources, req.target);
    for (const s of skipped) log(`skipped resource type ${s.resource}: ${s.reason}`);
    progress({ step: "discover", done: selected.length, total: selected.length, message: `${selected.length} resource types to back up` });

    upload = startArchiveUpload(deps.store, resourcesKey, {
      recipients: deps.recipients, signal: deps.signal,
      onProgress: (bytes) => progress({ step: "upload", done: items?.total ?? 0, bytes }),
    });
    items = new ItemBackupper(upload, req.target, progress, log);
    await collectResources(deps.reader, selected, listScopes(req.target), items, {
      labelSelector: req.target.selector, pageSize: deps.pageSize, concurrency: deps.listConcurrency, signal: deps.signal,
    });
    warnings.push(...(await backupNamespaces(deps.reader, items, req.target, deps.signal)));
    await backupCrds(deps.reader, items, req.target, deps.signal);
    items.reportDone();
    resources = await upload.finish();
    progress({ step: "upload", done: items.total, total: items.total, bytes: resources.bytes });
    errors.push(...items.errors);
    warnings.push(...items.warnings);

    if (req.target.snapshotVolumes) snapshots = await takeSnapshots(req, deps, items, pods, hooks.failedPods, errors, progress);
  } catch (err) {
    fatal = err instanceof Error ? err.message : String(err);
    if (upload && !resources) await upload.abort(err instanceof Error ? err : new Error(fatal));
  }
  // Post hooks run whatever happened above (no abort signal either): a pre hook may have frozen something.
  if (podsIncluded) hooks = mergeHookResults(hooks, await runPodHooks("post", pods, deps.executor, nowMs));
  hooks = mergeHookResults(hooks, await runPlanHooks("post", req.hooks?.post ?? [], planHookPodFinder(deps.reader, req.target), deps.executor, nowMs));
  errors.push(...hooks.errors);
  warnings.push(...hooks.warnings);
  const url = `${deps.store.describe()}/${layout.backupPrefix(req.name)}`;
  const excludedByLabel = items?.excludedByLabel ?? 0;
  if (fatal === undefined && resources && items) {
    try {
      const volumesKey = layout.backupVolumesKey(req.name);
      const volumes = snapshots.length
        ? { key: volumesKey, ...(await deps.store.put(volumesKey, JSON.stringify({ backup: req.name, volumeSnapshots: snapshots }, null, 2), { contentType: "application/json" })) }
        : undefined;
      const manifest = buildManifest(id, {
        completedAt: now(), counts: { total: items.total, byResource: items.byResource }, uncompressedBytes: items.uncompressedBytes,
        resources: { key: resourcesKey, bytes: resources.bytes, sha256: resources.sha256, encrypted, objects: items.total },
        volumes: volumes && { key: volumes.key, bytes: volumes.bytes, sha256: volumes.sha256 },
        recipients: deps.recipients, volumeSnapshots: snapshots, hooks: hooks.records, warnings, errors,
      });
      // The commit marker, written last: its presence is what makes the backup complete.
      await deps.store.put(layout.backupManifestKey(req.name), JSON.stringify(manifest, null, 2), { contentType: "application/json" });
      log(`backup ${req.name}: ${manifest.phase}`);
      return { name: req.name, phase: manifest.phase, record: manifest, excludedByLabel, url };
    } catch (err) {
      fatal = `writing the backup's records failed: ${(err as Error).message}`;
    }
  }
  const failure = buildFailure(id, now(), fatal ?? "the backup did not finish", { errors, hooks: hooks.records, warnings });
  await discardArtifacts(deps.store, layout, req.name, log);
  await deps.store.put(layout.backupFailureKey(req.name), JSON.stringify(failure, null, 2), { contentType: "application/json" })
    .catch((err: Error) => log(`backup ${req.name}: could not write failure.json: ${err.message}`));
  log(`backup ${req.name}: Failed: ${failure.errors[0]?.reason}`);
  return { name: req.name, phase: "Failed", record: failure, excludedByLabel, url };
}

/** Snapshots the included PVCs, except those of pods whose pre hook failed. */
async function takeSnapshots(
  req: BackupRequest, deps: BackupDeps, items: ItemBackupper, pods: readonly PodSummary[],
  failedPods: ReadonlySet<string>, errors: ItemError[], progress: ProgressSink,
): Promise<VolumeSnapshotRecord[]> {
  const blocked = new Map<string, string>();
  for (const p of pods) {
    if (!failedPods.has(`${p.namespace}/${p.name}`)) continue;
    for (const c of p.pvcs) blocked.set(`${p.namespace}/${c}`, p.name);
  }
  const pvcs = items.pvcs.filter((p) => {
    const pod = blocked.get(`${p.namespace}/${p.name}`);
    if (pod) errors.push({ item: `snapshot/${p.namespace}/${p.name}`, reason: `not snapshotted: the pre hook of pod ${p.namespace}/${pod}, which uses it, failed` });
    return !pod;
  });
  if (pvcs.length === 0) return [];
  if (!deps.snapshots) throw new BackupStop("snapshotVolumes is set but no snapshot API was provided");
  const api = await deps.snapshots();
  const res = await snapshotVolumes(api, pvcs, {
    backupName: req.name, volumeSnapshotClass: req.volumeSnapshotClass, timeoutMs: req.snapshotTimeoutMs, progress, signal: deps.signal,
  });
  errors.push(...res.errors);
  return res.records;
}

/** Compensation for a Failed backup: removes what was written (and any incomplete upload). */
async function discardArtifacts(store: ObjectStore, layout: ReturnType<typeof createLayout>, name: string, log: (l: string) => void): Promise<void> {
  try {
    const keys: string[] = [];
    for await (const e of store.list(layout.backupPrefix(name))) keys.push(e.key);
    await store.deleteMany(keys);
  } catch (err) {
    log(`backup ${name}: cleanup failed: ${(err as Error).message}`);
  }
  await store.abortIncompleteUploads(layout.backupPrefix(name)).catch(() => undefined);
}
