/**
 * Volume snapshots: one `snapshot.storage.k8s.io/v1` VolumeSnapshot per included PVC, then a wait
 * (bounded by a deadline) until the CSI snapshot controller reports `status.readyToUse`. A snapshot
 * that is not ready by the deadline is deleted (a backup never references it, and leaving it would
 * leak storage once the driver finishes) and reported as an item error.
 *
 * `status.error` is not a failure on sight: the API documents it as the last observed error, which
 * the controller retries and clears on success, and drivers report passing conditions there (a
 * conflict on a finalizer, a busy volume, a file changing under a copying driver). It is shown as
 * progress when it appears and named in the failure if the deadline passes; readiness is the only
 * success. A claim that is not Bound has no volume to snapshot: it fails at once, with no wait.
 */
import type { PvcRef } from "../backup/items";
import type { ListedObject } from "../../format/kube-object";
import type { ItemError, VolumeSnapshotRecord } from "../../format/manifest";
import type { ProgressSink } from "../progress";
import type { SnapshotApi } from "../../kube/snapshot-api";
import { backupLabelValue, chooseSnapshotClass, snapshotName } from "./snapshot-class";

/** How long to wait for `readyToUse` unless told otherwise: 10 minutes. */
export const DEFAULT_SNAPSHOT_TIMEOUT_MS = 10 * 60_000;
/** Label on every VolumeSnapshot a backup takes (value: {@link backupLabelValue}). */
export const BACKUP_LABEL = "hks.io/backup";
/** Annotation holding the full backup name (labels are limited to 63 characters). */
export const BACKUP_NAME_ANNOTATION = "hks.io/backup-name";

/** Options of {@link snapshotVolumes}. */
export interface SnapshotOptions {
  readonly backupName: string;
  /** The class for every PVC. @default chosen per PVC (snapshot-class.ts) */
  readonly volumeSnapshotClass?: string;
  /** @default DEFAULT_SNAPSHOT_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Time between status checks. @default 1000 */
  readonly pollMs?: number;
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

interface Pending {
  pvc: PvcRef;
  record: VolumeSnapshotRecord;
  /** The last `status.error` seen, shown once per new message and named if the deadline passes. */
  lastError?: string;
}

/**
 * Snapshots `pvcs` and waits for them. Returns a record per PVC (ready or with its error) and an
 * item error per PVC that could not be snapshotted.
 */
export async function snapshotVolumes(
  api: SnapshotApi,
  pvcs: readonly PvcRef[],
  opts: SnapshotOptions,
): Promise<{ records: VolumeSnapshotRecord[]; errors: ItemError[] }> {
  const records: VolumeSnapshotRecord[] = [];
  const errors: ItemError[] = [];
  if (pvcs.length === 0) return { records, errors };
  const now = opts.now ?? Date.now;
  const fail = (r: VolumeSnapshotRecord, reason: string) => {
    r.error = reason;
    errors.push({ item: `snapshot/${r.namespace}/${r.persistentVolumeClaim}`, reason });
  };
  const [storageClasses, classes] = await Promise.all([api.storageClasses(), api.snapshotClasses()]);
  const pending: Pending[] = [];
  for (const pvc of pvcs) {
    const choice = chooseSnapshotClass(pvc, storageClasses, classes, opts.volumeSnapshotClass);
    const record: VolumeSnapshotRecord = {
      namespace: pvc.namespace,
      persistentVolumeClaim: pvc.name,
      volumeSnapshot: snapshotName(opts.backupName, pvc.name),
      storageClass: choice.storageClass,
      readyToUse: false,
    };
    records.push(record);
    if ("error" in choice) {
      fail(record, choice.error);
      continue;
    }
    if (pvc.phase !== undefined && pvc.phase !== "Bound") {
      fail(record, `the claim is ${pvc.phase}, not Bound: it has no volume to snapshot yet`);
      continue;
    }
    record.volumeSnapshotClass = choice.className;
    record.driver = choice.driver;
    try {
      await api.create(pvc.namespace, snapshotBody(opts.backupName, record));
      pending.push({ pvc, record });
    } catch (err) {
      fail(record, (err as Error).message);
    }
  }
  await waitForSnapshots(api, pending, opts, now, fail, records.length);
  return { records, errors };
}

function snapshotBody(backupName: string, r: VolumeSnapshotRecord): ListedObject {
  return {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshot",
    metadata: {
      name: r.volumeSnapshot,
      namespace: r.namespace,
      labels: { [BACKUP_LABEL]: backupLabelValue(backupName), "app.kubernetes.io/managed-by": "hks-backup" },
      annotations: { [BACKUP_NAME_ANNOTATION]: backupName },
    },
    spec: {
      volumeSnapshotClassName: r.volumeSnapshotClass,
      source: { persistentVolumeClaimName: r.persistentVolumeClaim },
    },
  };
}

interface SnapshotStatus {
  readyToUse?: boolean;
  boundVolumeSnapshotContentName?: string;
  restoreSize?: string;
  error?: { message?: string };
}

async function waitForSnapshots(
  api: SnapshotApi,
  pending: Pending[],
  opts: SnapshotOptions,
  now: () => number,
  fail: (r: VolumeSnapshotRecord, reason: string) => void,
  total: number,
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SNAPSHOT_TIMEOUT_MS;
  const deadline = now() + timeoutMs;
  let done = total - pending.length;
  opts.progress?.({ step: "snapshot", done, total });
  while (pending.length > 0) {
    for (const p of [...pending]) {
      const vs = await api.get(p.record.namespace, p.record.volumeSnapshot);
      const st = (vs?.status ?? {}) as SnapshotStatus;
      const where = `${p.record.namespace}/${p.record.volumeSnapshot}`;
      if (vs && st.readyToUse !== true) {
        const message = st.error?.message;
        if (message && message !== p.lastError)
          opts.progress?.({
            step: "snapshot",
            done,
            total,
            message: `${where}: the snapshot controller reported: ${message} (it retries; waiting until the deadline)`,
          });
        p.lastError = message ?? p.lastError;
        continue;
      }
      pending.splice(pending.indexOf(p), 1);
      done++;
      if (!vs) fail(p.record, "the VolumeSnapshot disappeared while waiting for it");
      else await markReady(api, p.record, st);
      opts.progress?.({ step: "snapshot", done, total, message: `${where} ${vs ? "ready" : "failed"}` });
    }
    if (pending.length === 0) break;
    if (now() >= deadline) {
      for (const p of pending) {
        fail(
          p.record,
          `not readyToUse within ${Math.round(timeoutMs / 1000)}s (snapshotTimeoutSeconds)` +
            (p.lastError ? `; the snapshot controller last reported: ${p.lastError}` : "") +
            "; the VolumeSnapshot was deleted",
        );
        await api.delete(p.record.namespace, p.record.volumeSnapshot).catch(() => undefined);
      }
      return;
    }
    opts.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 1000, Math.max(0, deadline - now()))));
  }
}

async function markReady(api: SnapshotApi, r: VolumeSnapshotRecord, st: SnapshotStatus): Promise<void> {
  r.readyToUse = true;
  r.restoreSize = st.restoreSize;
  r.volumeSnapshotContent = st.boundVolumeSnapshotContentName;
  if (!r.volumeSnapshotContent) return;
  // The content holds the driver's handle, which a restore into another cluster needs.
  const content = await api.getContent(r.volumeSnapshotContent).catch(() => undefined);
  const cs = (content?.status ?? {}) as { snapshotHandle?: string };
  const spec = (content?.spec ?? {}) as { driver?: string };
  r.snapshotHandle = cs.snapshotHandle;
  r.driver = spec.driver ?? r.driver;
}

/**
 * Deletes the snapshots marked `deletedAfterCopy` (`volumeData.keepSnapshots: false`), once their data
 * is copied everywhere it goes: by the backup itself, or by a plan after its copy locations. A failure
 * is a warning (the copy is safe; the snapshot only costs storage). Never throws.
 */
export async function deleteSnapshotsAfterCopy(
  api: () => Promise<Pick<SnapshotApi, "delete">>,
  records: readonly VolumeSnapshotRecord[],
  out: { warn: (line: string) => void; log: (line: string) => void },
): Promise<void> {
  const done = records.filter((s) => s.deletedAfterCopy);
  if (done.length === 0) return;
  const res = await deleteSnapshots(await api(), done).catch((err: unknown) => ({
    deleted: [] as string[],
    errors: [err instanceof Error ? err.message : String(err)],
  }));
  for (const e of res.errors) out.warn(`deleting a VolumeSnapshot after its data was copied failed: ${e}`);
  if (res.deleted.length)
    out.log(`deleted ${res.deleted.length} VolumeSnapshot(s) after their data was copied (keepSnapshots: false)`);
}

/**
 * Deletes the VolumeSnapshots a backup recorded (when the backup itself is deleted). Absent ones
 * are fine; returns `namespace/name` of each one asked for, and the errors of those that failed.
 */
export async function deleteSnapshots(
  api: Pick<SnapshotApi, "delete">,
  records: readonly VolumeSnapshotRecord[],
): Promise<{ deleted: string[]; errors: string[] }> {
  const deleted: string[] = [];
  const errors: string[] = [];
  for (const r of records.filter((x) => x.readyToUse)) {
    try {
      await api.delete(r.namespace, r.volumeSnapshot);
      deleted.push(`${r.namespace}/${r.volumeSnapshot}`);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { deleted, errors };
}
