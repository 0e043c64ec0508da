/**
 * Applies a plan's GFS retention to one location: lists the plan's backups (catalog.ts), decides with
 * the pure `selectRetention` (format/retention.ts: never the newest Completed backup, failures by
 * `keepFailed`, periods in the plan's time zone) and deletes what it says to prune.
 *
 * 1. Only backups whose record names this plan are considered; backups of other plans and folders
 *    without a record (a run in progress, or one whose runner died) are never touched. Incomplete
 *    folders that look like this plan's are reported as a warning.
 * 2. Object lock: when the store can tell (`isLocked`), backups retention would prune are checked
 *    and a locked one is kept with a warning (selectRetention's `locked`), so it is pruned by a
 *    later run once the lock has expired, never retried in a loop.
 * 3. A delete that fails is reported and the backup is left for the next run; the other deletions go on.
 */
import { deleteBackup, listBackups } from "./catalog";
import type { ObjectStore } from "../../store";
import {
  selectRetention,
  type PrunedBackup,
  type RetainedBackup,
  type RetentionCandidate,
  type RetentionPolicy,
} from "../../format/retention";

/** Options of {@link applyRetention}. */
export interface PruneOptions {
  /** The plan whose backups are considered. */
  readonly plan: string;
  readonly policy: RetentionPolicy;
  /** The plan's IANA time zone: periods are local hours, days, weeks, months, years there. */
  readonly timeZone: string;
  /** Answers whether object lock still protects a backup (see prune-lock.ts); absent = nothing is locked. */
  readonly isLocked?: (backupName: string) => Promise<boolean>;
  /** Decide and report, delete nothing. */
  readonly dryRun?: boolean;
  readonly log?: (line: string) => void;
}

/** What retention did in one location. */
export interface PruneResult {
  readonly kept: RetainedBackup[];
  /** Deleted (or, with dryRun, to delete). */
  readonly pruned: PrunedBackup[];
  /** Backups retention wanted to delete but could not; kept until a later run. */
  readonly failed: { name: string; reason: string }[];
  readonly warnings: string[];
}

/** Matches the names `hks run-plan` generates for `plan`: `<plan>-YYYYMMDDHHMMSS[-n]`. */
function looksLikePlanBackup(name: string, plan: string): boolean {
  return name.startsWith(`${plan}-`) && /^\d{14}(-\d+)?$/.test(name.slice(plan.length + 1));
}

/** The plan's backups in `store` as retention candidates, plus warnings about what was skipped. */
export async function retentionCandidates(
  store: ObjectStore,
  plan: string,
): Promise<{ candidates: RetentionCandidate[]; warnings: string[] }> {
  const candidates: RetentionCandidate[] = [];
  const warnings: string[] = [];
  const incomplete: string[] = [];
  for (const b of await listBackups(store)) {
    if (b.phase === "Incomplete") {
      if (looksLikePlanBackup(b.name, plan)) incomplete.push(b.problem ? `${b.name} (${b.problem})` : b.name);
      continue;
    }
    if (b.plan !== plan) continue;
    const startedAt = b.startedAt ? new Date(b.startedAt) : undefined;
    if (!startedAt || Number.isNaN(startedAt.getTime())) {
      warnings.push(`backup ${b.name} has no valid start time in its record; retention leaves it alone`);
      continue;
    }
    candidates.push({ name: b.name, startedAt, phase: b.phase });
  }
  if (incomplete.length) {
    warnings.push(
      `${incomplete.length} incomplete backup folder(s) without manifest or failure record (a run that died?), ` +
        `left alone: ${incomplete.join(", ")}`,
    );
  }
  return { candidates, warnings };
}

/** Applies retention to the plan's backups in `store`. See the module comment for the rules. */
export async function applyRetention(store: ObjectStore, opts: PruneOptions): Promise<PruneResult> {
  const log = opts.log ?? (() => undefined);
  const { candidates, warnings } = await retentionCandidates(store, opts.plan);
  let decision = selectRetention(candidates, opts.policy, opts.timeZone);
  if (opts.isLocked && decision.prune.length > 0) {
    const locked = new Set<string>();
    for (const p of decision.prune) if (await opts.isLocked(p.name)) locked.add(p.name);
    if (locked.size > 0)
      decision = selectRetention(
        candidates.map((c) => ({ ...c, locked: locked.has(c.name) })),
        opts.policy,
        opts.timeZone,
      );
  }
  warnings.push(...decision.warnings);
  const pruned: PrunedBackup[] = [];
  const failed: { name: string; reason: string }[] = [];
  for (const p of decision.prune) {
    if (opts.dryRun) {
      pruned.push(p);
      continue;
    }
    try {
      const del = await deleteBackup(store, p.name);
      pruned.push(p);
      log(`retention: deleted ${p.name} from ${store.describe()} (${p.reason})`);
      const gc = del?.volumeData;
      if (gc?.deleted.length) log(`retention: ${gc.deleted.length} volume data pack(s) no backup needs removed`);
      warnings.push(...(gc?.warnings ?? []));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failed.push({ name: p.name, reason });
      warnings.push(`backup ${p.name} could not be deleted (${reason}); it is kept and the next run tries again`);
    }
  }
  return { kept: decision.keep, pruned, failed, warnings };
}
