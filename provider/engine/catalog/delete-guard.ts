/**
 * Whether a backup may be deleted by hand (`hks backup delete`, the dashboard's delete): the rules
 * retention prunes by (prune.ts) hold for people too, so a delete never takes what retention would
 * keep at any cost:
 *
 * 1. The newest Completed backup of a plan in a location is its last good backup: retention never
 *    deletes it, and a delete by hand is refused too unless the caller says so explicitly
 *    (`allowLastGood`, the CLI's `--allow-last-good`; the dashboard never does).
 * 2. A backup S3 object lock still protects (retention date in the future, or a legal hold) is
 *    refused: on a versioned bucket the delete would only add delete markers, hide the backup and
 *    free nothing.
 *
 * The pure rule is {@link lastGoodRefusal}; {@link deletionRefusals} gathers what it needs.
 */
import type { ObjectStore } from "../../store";
import { listBackups, type BackupSummary } from "./catalog";

/** Options of {@link deletionRefusals}. */
export interface DeletionCheckOptions {
  /** Object lock checker of the store (prune-lock.ts); absent = nothing is locked. */
  readonly isLocked?: (backupName: string) => Promise<boolean>;
  /** Delete a plan's last good backup anyway (the CLI's `--allow-last-good`). */
  readonly allowLastGood?: boolean;
}

/**
 * Why deleting `target` would take its plan's last good backup in `location`, or undefined when
 * it would not: `target` is Completed, belongs to a plan, and no other Completed backup of that plan
 * in the same listing started later (on a tie, any other Completed backup is as good).
 * @param listing every backup of the location `target` is in.
 */
export function lastGoodRefusal(
  target: BackupSummary,
  listing: readonly BackupSummary[],
  location: string,
): string | undefined {
  if (target.phase !== "Completed" || !target.plan) return undefined;
  const started = (b: BackupSummary) => (b.startedAt ? Date.parse(b.startedAt) : Number.NaN);
  const mine = started(target);
  const newer = listing.some(
    (b) =>
      b.name !== target.name &&
      b.plan === target.plan &&
      b.phase === "Completed" &&
      // A start time that cannot be read cannot be newer; a target without one is outranked by any.
      (Number.isNaN(mine) ? true : started(b) >= mine),
  );
  if (newer) return undefined;
  return (
    `backup ${target.name} is the newest Completed backup of plan ${target.plan} in location ${location}, its last ` +
    `good backup, which retention never deletes: take a newer backup of the plan first (hks run-plan ` +
    `${target.plan}, or "Back up now" in the dashboard), or pass --allow-last-good to delete it anyway`
  );
}

/**
 * Every reason `target` must not be deleted from `store` (empty: it may be). Reads the location's
 * listing (rule 1) and asks the lock checker (rule 2).
 */
export async function deletionRefusals(
  store: ObjectStore,
  target: BackupSummary,
  location: string,
  opts: DeletionCheckOptions = {},
): Promise<string[]> {
  const refusals: string[] = [];
  if (!opts.allowLastGood && target.phase === "Completed" && target.plan) {
    const why = lastGoodRefusal(target, await listBackups(store, location), location);
    if (why) refusals.push(why);
  }
  if (opts.isLocked && (await opts.isLocked(target.name)))
    refusals.push(
      `backup ${target.name} is protected by S3 object lock in location ${location} (a retention date in the ` +
        `future or a legal hold): deleting would only hide it behind delete markers; wait until the lock expires ` +
        `or lift the legal hold`,
    );
  return refusals;
}
