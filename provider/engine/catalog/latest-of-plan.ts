/**
 * Finds the backup a restore reads when it names a plan instead of a backup (`plan` + `latest`): the
 * newest backup whose manifest says it is Completed and was taken by that plan. A PartiallyFailed
 * backup is never picked implicitly (name it explicitly to restore it).
 */
import { InputError } from "../../errors";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import type { BackupManifest } from "../../format/manifest";

/** A backup as the choice of "the newest Completed one" sees it. */
export interface BackupCandidate {
  readonly name: string;
  readonly phase?: string;
  readonly completedAt?: string;
}

/**
 * True when `a` is newer than `b`: later completedAt; the name breaks ties so the choice is stable.
 * ISO-8601 UTC timestamps order as strings.
 */
export function isNewer(a: { name: string; completedAt: string }, b: { name: string; completedAt: string }): boolean {
  return a.completedAt > b.completedAt || (a.completedAt === b.completedAt && a.name > b.name);
}

/** The newest Completed candidate, or undefined. */
export function newestCompleted<T extends BackupCandidate>(candidates: Iterable<T>): T | undefined {
  let best: (T & { completedAt: string }) | undefined;
  for (const c of candidates) {
    if (c.phase !== "Completed" || typeof c.completedAt !== "string") continue;
    const dated = c as T & { completedAt: string };
    if (!best || isNewer(dated, best)) best = dated;
  }
  return best;
}

/** Every backup of `plan` in `store` that has a readable manifest (any phase). */
export async function backupsOfPlan(store: ObjectStore, plan: string): Promise<BackupCandidate[]> {
  const candidates: BackupCandidate[] = [];
  for await (const entry of store.list(STORE_LAYOUT.backupsPrefix)) {
    const parsed = STORE_LAYOUT.parseBackupKey(entry.key);
    if (!parsed || parsed.file !== "manifest.json") continue;
    const body = await store.tryGet(entry.key);
    if (!body) continue;
    let m: Partial<BackupManifest>;
    try {
      m = JSON.parse(body.toString("utf8")) as Partial<BackupManifest>;
    } catch {
      continue; // a damaged manifest is not a candidate; restoring it by name reports the damage
    }
    if (m.plan !== plan) continue;
    candidates.push({ name: parsed.backupName, phase: m.phase, completedAt: m.completedAt });
  }
  return candidates;
}

/** The InputError on `plan` when it has no Completed backup: says whether it has any at all. */
export function noCompletedBackup(store: ObjectStore, plan: string, seen: number): InputError {
  return new InputError(
    "plan",
    seen
      ? `plan "${plan}" has ${seen} backup(s) in ${store.describe()} but none Completed; name a backup ` +
          `explicitly with the backup input`
      : `plan "${plan}" has no backups in ${store.describe()}; check the plan name and the storage location`,
  );
}

/** Returns the name of the newest Completed backup of `plan` in `store`; InputError when none. */
export async function latestBackupOfPlan(store: ObjectStore, plan: string): Promise<string> {
  const candidates = await backupsOfPlan(store, plan);
  const best = newestCompleted(candidates);
  if (!best) throw noCompletedBackup(store, plan, candidates.length);
  return best.name;
}
