/**
 * The backup orchestrator (velero `Backupper`), the one entry point the Pulumi handler, the CLI and
 * the CronJob runner share. Stages, each in its own module:
 *
 * plan pre hooks → pod pre hooks (hooks/hooks.ts) → discover (kube/discovery.ts) → collect
 * (collect/collect.ts) → item backup (items.ts) → persist (upload.ts) → snapshots
 * (snapshot/snapshot.ts) → post hooks, always → volume data copies (volume-data/mover.ts) →
 * volumes.json → manifest.json LAST (or failure.json).
 *
 * Returns the result for every phase, Failed included (its failure.json is written); throws only for
 * a request that cannot start (an invalid or taken name: InputError, ConflictError), before anything
 * is written.
 */
import { ConflictError } from "../../errors";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import { backupExists } from "./name";
import { buildFailure, buildManifest, type BackupIdentity } from "./result";
import type { BackupDeps, BackupRequest, BackupResult } from "./types";
import {
  collectAndUpload,
  copyVolumeData,
  newRunState,
  runPostHooks,
  runPreHooks,
  takeSnapshots,
  type RunState,
} from "./stages";
import { deleteSnapshots } from "../snapshot/snapshot";

/** Runs one backup. See the module comment for the stages and what each phase means. */
export async function runBackup(req: BackupRequest, deps: BackupDeps): Promise<BackupResult> {
  const now = deps.now ?? (() => new Date());
  const id: BackupIdentity = {
    name: req.name,
    plan: req.plan,
    labels: req.labels ?? {},
    storageLocation: req.storageLocation,
    sourceCluster: deps.sourceCluster,
    target: req.target,
    startedAt: now(),
  };
  // Guard here too, not only in resolveBackupName: the failure path deletes the folder's objects,
  // which must never be another backup's.
  if (await backupExists(deps.store, req.name)) {
    throw new ConflictError(
      `a backup named "${req.name}" already exists in ${deps.store.describe()}; backups are never overwritten`,
    );
  }
  const st = newRunState(req, deps, now);
  const resourcesKey = STORE_LAYOUT.backupResourcesKey(req.name, { encrypted: deps.recipients.length > 0 });
  let fatal: { message: string; error: unknown } | undefined;
  try {
    await runPreHooks(st);
    await collectAndUpload(st, resourcesKey);
    if (req.target.snapshotVolumes) await takeSnapshots(st);
  } catch (err) {
    fatal = { message: err instanceof Error ? err.message : String(err), error: err };
  }
  await runPostHooks(st);
  if (fatal === undefined) {
    try {
      await copyVolumeData(st);
    } catch (err) {
      fatal = { message: (err as Error).message, error: err };
    }
  }
  if (fatal === undefined) {
    try {
      return await commit(st, id, resourcesKey, now);
    } catch (err) {
      fatal = { message: `writing the backup's records failed: ${(err as Error).message}`, error: err };
    }
  }
  return recordFailure(st, id, fatal, now);
}

/** Where a backup's folder is, for messages and outputs. */
function urlOf(store: ObjectStore, name: string): string {
  return `${store.describe()}/${STORE_LAYOUT.backupPrefix(name)}`;
}

/** Writes volumes.json (if any snapshots) and then the manifest, the commit marker, LAST. */
async function commit(st: RunState, id: BackupIdentity, resourcesKey: string, now: () => Date): Promise<BackupResult> {
  const { req, deps, items, resources } = st;
  if (!items || !resources) throw new Error("the archive was not written");
  const json = { contentType: "application/json" };
  const volumesKey = STORE_LAYOUT.backupVolumesKey(req.name);
  let volumes: { key: string; bytes: number; sha256: string } | undefined;
  if (st.snapshots.length) {
    volumes = {
      key: volumesKey,
      ...(await deps.store.put(
        volumesKey,
        JSON.stringify({ backup: req.name, volumeSnapshots: st.snapshots }, null, 2),
        json,
      )),
    };
    st.written.push(volumesKey);
  }
  const manifest = buildManifest(id, {
    completedAt: now(),
    counts: { total: items.total, byResource: items.byResource },
    uncompressedBytes: items.uncompressedBytes,
    resources: {
      key: resourcesKey,
      bytes: resources.bytes,
      sha256: resources.sha256,
      encrypted: deps.recipients.length > 0,
      objects: items.total,
    },
    volumes: volumes && { key: volumes.key, bytes: volumes.bytes, sha256: volumes.sha256 },
    recipients: deps.recipients,
    volumeSnapshots: st.snapshots,
    volumeData: st.volumeData,
    hooks: st.hooks.records,
    warnings: st.warnings,
    errors: st.errors,
  });
  await deps.store.put(STORE_LAYOUT.backupManifestKey(req.name), JSON.stringify(manifest, null, 2), json);
  st.log(`backup ${req.name}: ${manifest.phase}`);
  return {
    name: req.name,
    phase: manifest.phase,
    record: manifest,
    excludedByLabel: items.excludedByLabel,
    url: urlOf(deps.store, req.name),
  };
}

/**
 * Compensation for a Failed backup (velero `PutBackup`): removes what this run wrote, then records
 * why in failure.json, so the folder never looks complete and a listing still shows the failure.
 * When the cause is a write conflict the folder belongs to another run: nothing is touched there.
 */
async function recordFailure(
  st: RunState,
  id: BackupIdentity,
  fatal: { message: string; error: unknown },
  now: () => Date,
): Promise<BackupResult> {
  const { req, deps, log } = st;
  const failure = buildFailure(id, now(), fatal.message, {
    errors: st.errors,
    hooks: st.hooks.records,
    warnings: st.warnings,
  });
  const result: BackupResult = {
    name: req.name,
    phase: "Failed",
    record: failure,
    excludedByLabel: st.items?.excludedByLabel ?? 0,
    url: urlOf(deps.store, req.name),
  };
  log(`backup ${req.name}: Failed: ${fatal.message}`);
  if (fatal.error instanceof ConflictError) return result;
  await deps.store
    .deleteMany(st.written)
    .catch((err: Error) => log(`backup ${req.name}: cleanup failed: ${err.message}`));
  if (st.snapshots.some((r) => r.readyToUse) && deps.snapshots) {
    // Snapshots of a failed backup are referenced by nothing: leaving them would leak storage.
    const res = await deleteSnapshots(await deps.snapshots(), st.snapshots).catch((err: Error) => ({
      errors: [err.message],
    }));
    for (const e of res.errors) log(`backup ${req.name}: deleting its VolumeSnapshots failed: ${e}`);
  }
  await deps.store
    .put(STORE_LAYOUT.backupFailureKey(req.name), JSON.stringify(failure, null, 2), { contentType: "application/json" })
    .catch((err: Error) => log(`backup ${req.name}: could not write failure.json: ${err.message}`));
  return result;
}
