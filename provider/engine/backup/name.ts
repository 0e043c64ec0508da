/**
 * Backup names: unique in a location, sortable by time, readable. A generated name is
 * `<base>-YYYYMMDDHHMMSS` (UTC), so `ls` order is time order within a base; a given name is used as
 * is. A name that already holds anything (complete, failed or incomplete) is never reused: objects
 * are write-once, and a second backup under one name would mix two backups' files.
 */
import { ConflictError } from "../../errors";
import { assertValidName, STORE_LAYOUT, MAX_NAME_LENGTH, type ObjectStore } from "../../store";

/** Length of the timestamp suffix, `-YYYYMMDDHHMMSS`. */
const STAMP_LENGTH = 15;

/** `YYYYMMDDHHMMSS` of `date` in UTC. */
export function formatStamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/**
 * Turns any string (a Pulumi resource name, a plan name) into a valid base: lowercase, runs of
 * characters other than `[a-z0-9.-]` become `-`, trimmed to leave room for the timestamp.
 * An empty result becomes `backup`.
 */
export function nameBase(raw: string): string {
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-.]+|[-.]+$/g, "");
  const cut = cleaned.slice(0, MAX_NAME_LENGTH - STAMP_LENGTH - 3).replace(/[-.]+$/, "");
  return cut || "backup";
}

/** `<base>-YYYYMMDDHHMMSS`, from a raw base (see {@link nameBase}) and a time. */
export function generateBackupName(base: string, now: Date): string {
  return `${nameBase(base)}-${formatStamp(now)}`;
}

/** True when anything is stored under the backup's folder. */
export async function backupExists(store: ObjectStore, name: string): Promise<boolean> {
  const prefix = STORE_LAYOUT.backupPrefix(name);
  for await (const _ of store.list(prefix)) return true;
  return false;
}

/**
 * The name to use for a new backup: `given` when set (ConflictError if it is taken), else a
 * generated name; a generated name that is taken (two backups in one second) gets `-2`, `-3`, ...
 * which still sorts after the first.
 * @param field the input path reported for an invalid or taken given name.
 */
export async function resolveBackupName(
  store: ObjectStore,
  opts: { given?: string; base: string; now: Date; field?: string },
): Promise<string> {
  const field = opts.field ?? "name";
  if (opts.given) {
    assertValidName(opts.given, field);
    if (await backupExists(store, opts.given)) {
      throw new ConflictError(
        `${field}: a backup named "${opts.given}" already exists in ${store.describe()}; backups are never ` +
          `overwritten: choose another name, or delete the old one (hks backup delete ${opts.given})`,
      );
    }
    return opts.given;
  }
  const first = generateBackupName(opts.base, opts.now);
  for (let i = 1; i < 100; i++) {
    const candidate = i === 1 ? first : `${first}-${i}`;
    if (!(await backupExists(store, candidate))) return candidate;
  }
  throw new ConflictError(`could not find a free backup name for "${first}" in ${store.describe()}`);
}
