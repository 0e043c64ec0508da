/**
 * The backups held by a store: list, describe, delete. Used by the CLI, `Backup.read`/`delete` and
 * (later) retention. The phase comes from the folder's records: `manifest.json` (Completed or
 * PartiallyFailed), `failure.json` (Failed), or neither: `Incomplete` (still running, or its runner
 * died). Missing records are answers, not errors (velero `tryGet`).
 */
import pLimit from "p-limit";
import type { RecordCache } from "./record-cache";
import type { BackupSummary } from "./summary";
import { IntegrityError } from "../../errors";
import { STORE_LAYOUT, type ObjectEntry, type ObjectStore } from "../../store";
import { collectVolumeGarbage, pvcsOfBackupKeys, type VolumeGcResult } from "../volume-data/gc";
import { MANIFEST_FORMAT_VERSION, type BackupFailure, type BackupManifest } from "../../format/manifest";

export type { BackupSummary, CatalogPhase } from "./summary";

/** Everything known about one backup. */
export interface BackupDescription {
  readonly summary: BackupSummary;
  readonly manifest?: BackupManifest;
  readonly failure?: BackupFailure;
  /** The stored objects of the backup. */
  readonly objects: ObjectEntry[];
}

/**
 * Parses a manifest.json or failure.json, refusing a format newer than this code understands.
 * @param what the key, for messages.
 */
export function parseBackupRecord<T extends BackupManifest | BackupFailure>(body: Buffer, what: string): T {
  let rec: T;
  try {
    rec = JSON.parse(body.toString("utf8")) as T;
  } catch (err) {
    throw new IntegrityError(
      `${what} is not valid JSON (${(err as Error).message}); the backup's records are damaged`,
      { cause: err },
    );
  }
  if (typeof rec?.formatVersion !== "number" || rec.formatVersion > MANIFEST_FORMAT_VERSION) {
    throw new IntegrityError(
      `${what} has format version ${JSON.stringify(rec?.formatVersion)}; this hks-backup reads up to ` +
        `${MANIFEST_FORMAT_VERSION}: upgrade hks-backup`,
    );
  }
  return rec;
}

async function describeGroup(
  store: ObjectStore,
  name: string,
  objects: ObjectEntry[],
  location?: string,
): Promise<BackupDescription> {
  const has = (key: string) => objects.some((o) => o.key === key);
  const bytes = objects.reduce((n, o) => n + o.size, 0);
  const base = { name, labels: {}, bytes, errors: 0, warnings: 0, storageLocation: location };
  try {
    const mKey = STORE_LAYOUT.backupManifestKey(name);
    if (has(mKey)) {
      const buf = await store.tryGet(mKey);
      if (buf) {
        const m = parseBackupRecord<BackupManifest>(buf, mKey);
        return {
          manifest: m,
          objects,
          summary: {
            ...base,
            phase: m.phase,
            storageLocation: m.storageLocation ?? location,
            plan: m.plan,
            labels: m.labels ?? {},
            startedAt: m.startedAt,
            completedAt: m.completedAt,
            items: m.counts?.total,
            errors: m.errors?.length ?? 0,
            warnings: m.warnings?.length ?? 0,
          },
        };
      }
    }
    const fKey = STORE_LAYOUT.backupFailureKey(name);
    if (has(fKey)) {
      const buf = await store.tryGet(fKey);
      if (buf) {
        const f = parseBackupRecord<BackupFailure>(buf, fKey);
        return {
          failure: f,
          objects,
          summary: {
            ...base,
            phase: "Failed",
            storageLocation: f.storageLocation ?? location,
            plan: f.plan,
            labels: f.labels ?? {},
            startedAt: f.startedAt,
            completedAt: f.failedAt,
            errors: f.errors?.length ?? 0,
            warnings: f.warnings?.length ?? 0,
          },
        };
      }
    }
  } catch (err) {
    return { objects, summary: { ...base, phase: "Incomplete", problem: (err as Error).message } };
  }
  return { objects, summary: { ...base, phase: "Incomplete" } };
}

/** What one listing of a location's backups folder finds. */
export interface LocationScan {
  /** Every backup, sorted by name. */
  readonly backups: BackupSummary[];
  /** The keys of the restore drill records beside them (engine/drill/records.ts reads them). */
  readonly drillKeys: string[];
}

/** The object a backup's summary is read from: its manifest, else its failure record. */
function recordEntry(name: string, objects: readonly ObjectEntry[]): ObjectEntry | undefined {
  const manifest = STORE_LAYOUT.backupManifestKey(name);
  const failure = STORE_LAYOUT.backupFailureKey(name);
  return objects.find((o) => o.key === manifest) ?? objects.find((o) => o.key === failure);
}

/** Records read at once while a location is listed: each backup needs one GET of its manifest. */
const RECORD_READS = 16;

/**
 * Lists `store`'s backups folder once: every backup's summary and the drill records' keys, so a
 * view that shows both (metrics, the dashboard) does not list the folder twice. The records are
 * read while the listing goes on, {@link RECORD_READS} at a time (a thousand backups are a thousand
 * GETs: one after another they took seconds), and not at all when `cache` (record-cache.ts) has
 * what the unchanged record said.
 * @param location the location's name, reported when a folder has no record naming it.
 */
export async function scanLocation(
  store: ObjectStore,
  location?: string,
  opts: { readonly cache?: RecordCache } = {},
): Promise<LocationScan> {
  const limit = pLimit(RECORD_READS);
  const reads: Promise<BackupSummary>[] = [];
  const drillKeys: string[] = [];
  let current: { name: string; objects: ObjectEntry[] } | undefined;
  const flush = () => {
    if (!current) return;
    const group = current;
    const record = recordEntry(group.name, group.objects);
    const bytes = group.objects.reduce((n, o) => n + o.size, 0);
    const hit = record && opts.cache?.get(record);
    if (hit) {
      reads.push(Promise.resolve({ ...hit, bytes, storageLocation: hit.storageLocation ?? location }));
      return;
    }
    reads.push(
      limit(async () => {
        const { summary } = await describeGroup(store, group.name, group.objects, location);
        if (record && summary.phase !== "Incomplete" && !summary.problem) {
          const { bytes: _bytes, ...cached } = summary;
          opts.cache?.set(record, cached);
        }
        return summary;
      }),
    );
  };
  // Keys come sorted, so each backup's objects are consecutive.
  for await (const e of store.list(STORE_LAYOUT.backupsPrefix)) {
    const parsed = STORE_LAYOUT.parseBackupKey(e.key);
    if (!parsed) {
      if (STORE_LAYOUT.parseDrillKey(e.key)) drillKeys.push(e.key);
      continue;
    }
    if (current?.name !== parsed.backupName) {
      flush();
      current = { name: parsed.backupName, objects: [] };
    }
    current.objects.push(e);
  }
  flush();
  const out = await Promise.all(reads);
  return { backups: out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), drillKeys };
}

/**
 * Every backup in `store`, sorted by name (generated names sort by time within a base).
 * @param location the location's name, reported when a folder has no record naming it.
 */
export async function listBackups(store: ObjectStore, location?: string): Promise<BackupSummary[]> {
  return (await scanLocation(store, location)).backups;
}

/** One backup's records and objects; `undefined` when the store holds nothing under its name. */
export async function describeBackup(
  store: ObjectStore,
  name: string,
  location?: string,
): Promise<BackupDescription | undefined> {
  const objects: ObjectEntry[] = [];
  for await (const e of store.list(STORE_LAYOUT.backupPrefix(name))) objects.push(e);
  if (objects.length === 0) return undefined;
  return describeGroup(store, name, objects, location);
}

/**
 * Aborts the incomplete uploads of backup `name` (its archive is its only multipart object) and
 * returns how many. The archive keys are also asked for one by one: MinIO, once restarted, lists
 * the uploads of before the restart only by exact key, and a run cut short by an outage leaves
 * exactly such an upload.
 */
export function abortBackupUploads(store: ObjectStore, name: string): Promise<number> {
  const keys = [STORE_LAYOUT.backupResourcesKey(name), STORE_LAYOUT.backupResourcesKey(name, { encrypted: true })];
  return store.abortIncompleteUploads(STORE_LAYOUT.backupPrefix(name), { keys });
}

/** What {@link deleteBackup} removed. */
export interface DeletedBackup {
  readonly name: string;
  readonly keys: string[];
  readonly bytes: number;
  /** Incomplete multipart uploads (or temp files) removed. */
  readonly abortedUploads: number;
  /**
   * The packs of the backup's PVCs no remaining backup needs, collected after the folder was deleted
   * (volume-data/gc.ts); absent when the backup held no volume data. A collection that failed is a
   * warning here, not a failed delete: the folder is gone, and the next delete of a backup of that PVC
   * collects what is left.
   */
  readonly volumeData?: VolumeGcResult;
}

/**
 * Removes every object of a backup, the manifest FIRST so that a half-done delete never leaves a
 * backup that looks complete but lacks its archive, then the packs of its PVCs that no remaining
 * backup needs (one implementation for `hks backup delete` and retention). `undefined` when there was
 * nothing to delete.
 * Refusing to delete a plan's last good backup is retention's rule, not this function's.
 */
export async function deleteBackup(store: ObjectStore, name: string): Promise<DeletedBackup | undefined> {
  const objects: ObjectEntry[] = [];
  for await (const e of store.list(STORE_LAYOUT.backupPrefix(name))) objects.push(e);
  const abortedUploads = await abortBackupUploads(store, name);
  if (objects.length === 0 && abortedUploads === 0) return undefined;
  const manifestKey = STORE_LAYOUT.backupManifestKey(name);
  if (objects.some((o) => o.key === manifestKey)) await store.delete(manifestKey);
  const rest = objects.map((o) => o.key).filter((k) => k !== manifestKey);
  await store.deleteMany(rest);
  const deleted = { name, keys: objects.map((o) => o.key), bytes: objects.reduce((n, o) => n + o.size, 0) };
  const pvcs = pvcsOfBackupKeys(deleted.keys);
  if (pvcs.length === 0) return { ...deleted, abortedUploads };
  const volumeData = await collectVolumeGarbage(store, pvcs).catch((err: unknown): VolumeGcResult => ({
    deleted: [],
    bytes: 0,
    young: 0,
    warnings: [`volume data not collected: ${err instanceof Error ? err.message : String(err)}`],
  }));
  return { ...deleted, abortedUploads, volumeData };
}
