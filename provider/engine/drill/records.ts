/**
 * Drill records in a storage location: each run's result, beside the backup it restored
 * (`backups/<backup>/drills/<drill>/<run-id>.json`), so it is deleted with that backup.
 */
import { StorageError } from "../../errors";
import { DRILL_RECORD_FORMAT, type DrillRecord } from "../../format/drill";
import { STORE_LAYOUT, type ObjectStore } from "../../store";

/** Which records to list; every field narrows. */
export interface DrillRecordFilter {
  readonly drill?: string;
  readonly backupName?: string;
  readonly plan?: string;
}

/** Parses a record, refusing a format newer than this code reads. */
export function parseDrillRecord(body: Buffer, key: string): DrillRecord {
  let r: Partial<DrillRecord>;
  try {
    r = JSON.parse(body.toString("utf8")) as Partial<DrillRecord>;
  } catch (e) {
    throw new StorageError(`drill record ${key} is not JSON: ${(e as Error).message}`);
  }
  if (typeof r.format !== "number" || r.format > DRILL_RECORD_FORMAT)
    throw new StorageError(
      `drill record ${key} has format ${String(r.format)}; this hks reads ${DRILL_RECORD_FORMAT}: upgrade hks-backup`,
    );
  return r as DrillRecord;
}

/** Reads the drill records at `keys` that pass `filter`, newest first; unreadable ones are in `problems`. */
export async function readDrillRecords(
  store: ObjectStore,
  keys: readonly string[],
  filter: DrillRecordFilter = {},
): Promise<{ records: DrillRecord[]; problems: string[] }> {
  const records: DrillRecord[] = [];
  const problems: string[] = [];
  for (const key of keys) {
    const parsed = STORE_LAYOUT.parseDrillKey(key);
    if (!parsed || (filter.drill && parsed.drill !== filter.drill)) continue;
    if (filter.backupName && parsed.backupName !== filter.backupName) continue;
    const body = await store.tryGet(key);
    if (!body) continue;
    try {
      const r = parseDrillRecord(body, key);
      if (!filter.plan || r.plan === filter.plan) records.push(r);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  // Run ids start with the UTC start time, so they order runs in time.
  records.sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  return { records, problems };
}

/** The drill records in `store` that pass `filter`, newest first. Unreadable records are reported in `problems`. */
export async function listDrillRecords(
  store: ObjectStore,
  filter: DrillRecordFilter = {},
): Promise<{ records: DrillRecord[]; problems: string[] }> {
  const prefix = filter.backupName ? STORE_LAYOUT.backupPrefix(filter.backupName) : STORE_LAYOUT.backupsPrefix;
  const keys: string[] = [];
  for await (const e of store.list(prefix)) if (STORE_LAYOUT.parseDrillKey(e.key)) keys.push(e.key);
  return readDrillRecords(store, keys, filter);
}
