/**
 * A plan's status from its spec, the backups of its locations and the clock: last run, last good
 * backup, next run (the schedule in its time zone, format/schedule.ts) and its RPO state. Pure: the
 * CLI (`hks plan list | status`), the metrics and the dashboard all call it with what they read.
 *
 * The RPO state compares the newest Completed backup with the run that should have produced one:
 * - the expected run is the last scheduled time at or before `now`, once that run has had its time
 *   (`lockTtlSeconds`, the Job's deadline) or has already ended without a Completed backup; until
 *   then it is the scheduled time before it (a run in progress is not late);
 * - `OK`: a Completed backup started at or after the expected run (or no run was due yet);
 * - `LATE`: the newest Completed backup is older than the expected run;
 * - `MISSING`: the plan has no Completed backup although a run was due;
 * - `PENDING`: no Completed backup and no run was due since the plan was installed.
 * A PartiallyFailed backup is not good (as for restores by plan: it lacks something asked for).
 */
import { nextRuns, previousRuns, zonedDateTime } from "../../format/schedule";
import type { PlanSpec } from "../../format/plan-spec";
import type { BackupSummary, CatalogPhase } from "./catalog";
import { backupTime, belongsToPlan, compareNewestFirst } from "./search";

/** See the module comment. */
export type RpoState = "OK" | "LATE" | "MISSING" | "PENDING";

export const RPO_STATES: readonly RpoState[] = ["OK", "LATE", "MISSING", "PENDING"];

/** What {@link planStatus} reads. */
export interface PlanStatusInput {
  readonly spec: Pick<PlanSpec, "name" | "namespace" | "schedule" | "lockTtlSeconds">;
  /**
   * Listings of the plan's locations; backups of other plans are ignored, and one backup found in
   * several locations (the primary and its copies) counts once.
   */
  readonly backups: readonly BackupSummary[];
  readonly now: Date;
  /** When the plan was installed (its ConfigMap's creation); runs due before do not count. */
  readonly installedAt?: Date;
  /** The CronJob is suspended: no next run. */
  readonly suspended?: boolean;
}

/** One backup of the plan, merged over the locations holding it. */
export interface PlanBackup {
  readonly name: string;
  /** The best phase any location holds it in (Completed > PartiallyFailed > Failed > Incomplete). */
  readonly phase: CatalogPhase;
  /** Locations holding it in that phase, sorted. */
  readonly locations: readonly string[];
  readonly startedAt?: string;
  readonly completedAt?: string;
  /** Seconds from start to completion (or failure), when both are recorded. */
  readonly durationSeconds?: number;
  readonly items?: number;
  /** Stored bytes of one copy (the first location's). */
  readonly bytes: number;
  readonly errors: number;
  readonly warnings: number;
}

/** The RPO verdict and why. */
export interface RpoStatus {
  readonly state: RpoState;
  /** The scheduled run whose backup is expected (ISO, UTC), when one is. */
  readonly expectedSince?: string;
  /** One sentence for people. */
  readonly reason: string;
}

/** See the module comment. */
export interface PlanStatus {
  readonly plan: string;
  readonly namespace: string;
  readonly schedule: { readonly cron: string; readonly timeZone: string };
  readonly suspended: boolean;
  /** The newest backup of the plan, whatever its phase (Incomplete: running, or its runner died). */
  readonly lastRun?: PlanBackup;
  /** The newest backup that ended (Completed, PartiallyFailed or Failed). */
  readonly lastFinishedRun?: PlanBackup;
  /** The newest Completed backup. */
  readonly lastGood?: PlanBackup;
  /** Seconds from the start of {@link lastGood} to `now`: its data is at least this old. */
  readonly lastGoodAgeSeconds?: number;
  /** The last scheduled time at or before `now` (ISO, UTC). */
  readonly previousRun?: string;
  /** The next scheduled time after `now` (ISO, UTC); absent when suspended. */
  readonly nextRun?: string;
  /** {@link nextRun} on the schedule's wall clock, `YYYY-MM-DD HH:MM ±HH:MM`. */
  readonly nextRunLocal?: string;
  /** Seconds between the last two scheduled times (the RPO the schedule promises right now). */
  readonly intervalSeconds?: number;
  readonly rpo: RpoStatus;
  /** Backups of the plan found (counted once each, over all its locations). */
  readonly backups: number;
}

const PHASE_RANK: Record<CatalogPhase, number> = { Completed: 3, PartiallyFailed: 2, Failed: 1, Incomplete: 0 };

/** The plan's backups merged by name (see {@link PlanBackup}), newest first. */
export function mergePlanBackups(plan: string, backups: readonly BackupSummary[]): PlanBackup[] {
  const byName = new Map<string, BackupSummary[]>();
  for (const b of backups) {
    if (!belongsToPlan(b, plan)) continue;
    byName.set(b.name, [...(byName.get(b.name) ?? []), b]);
  }
  const merged: PlanBackup[] = [];
  for (const [name, copies] of byName) {
    const best = Math.max(...copies.map((c) => PHASE_RANK[c.phase]));
    const holding = copies.filter((c) => PHASE_RANK[c.phase] === best);
    const first = holding[0]!;
    const start = first.startedAt ? Date.parse(first.startedAt) : NaN;
    const end = first.completedAt ? Date.parse(first.completedAt) : NaN;
    merged.push({
      name,
      phase: first.phase,
      locations: [...new Set(holding.map((c) => c.storageLocation ?? "-"))].sort(),
      ...(first.startedAt ? { startedAt: first.startedAt } : {}),
      ...(first.completedAt ? { completedAt: first.completedAt } : {}),
      ...(Number.isFinite(start) && Number.isFinite(end) ? { durationSeconds: (end - start) / 1000 } : {}),
      ...(first.items !== undefined ? { items: first.items } : {}),
      bytes: first.bytes,
      errors: first.errors,
      warnings: first.warnings,
    });
  }
  return merged.sort(compareNewestFirst);
}

/** `YYYY-MM-DD HH:MM ±HH:MM` of `ms` on the wall clock of `timeZone`. */
export function localTime(ms: number, timeZone: string): string {
  const z = zonedDateTime(ms, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  const off = Math.abs(z.offsetMinutes);
  const offset = `${z.offsetMinutes < 0 ? "-" : "+"}${p(Math.floor(off / 60))}:${p(off % 60)}`;
  return `${z.year}-${p(z.month)}-${p(z.day)} ${p(z.hour)}:${p(z.minute)} ${offset}`;
}

/** `3d 4h`, `2h 5m`, `42s`: an age for people. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${d}d ${h}h` : `${d}d`;
  if (h) return m ? `${h}h ${m}m` : `${h}h`;
  if (m) return `${m}m`;
  return `${s}s`;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The plan's status (see the module comment). */
export function planStatus(input: PlanStatusInput): PlanStatus {
  const { spec, now } = input;
  const schedule = { cron: spec.schedule.cron, timeZone: spec.schedule.timeZone };
  const nowMs = now.getTime();
  const suspended = input.suspended ?? false;
  const backups = mergePlanBackups(spec.name, input.backups);
  const lastRun = backups[0];
  const lastFinishedRun = backups.find((b) => b.phase !== "Incomplete");
  const lastGood = backups.find((b) => b.phase === "Completed");
  const goodAt = lastGood ? backupTime(lastGood) : undefined;

  const [t1, t0] = previousRuns(schedule, now, 2).map((d) => d.getTime());
  const next = suspended ? undefined : nextRuns(schedule, now, 1)[0]?.getTime();
  // The last scheduled run counts once it has had its time, or once it ended without a good backup.
  const endedBadSince = (t: number) =>
    backups.some((b) => b.phase !== "Incomplete" && b.phase !== "Completed" && (backupTime(b) ?? -Infinity) >= t);
  let expected: number | undefined =
    t1 !== undefined && (nowMs - t1 >= spec.lockTtlSeconds * 1000 || endedBadSince(t1)) ? t1 : t0;
  if (expected !== undefined && input.installedAt && expected < input.installedAt.getTime()) expected = undefined;

  const lastRunNote =
    lastFinishedRun && lastFinishedRun.phase !== "Completed"
      ? `; the last run, ${lastFinishedRun.name}, ended ${lastFinishedRun.phase}`
      : "";
  const at = (ms: number) => `${iso(ms)} (${localTime(ms, schedule.timeZone)})`;
  let rpo: RpoStatus;
  if (!lastGood || goodAt === undefined) {
    rpo =
      expected === undefined
        ? {
            state: "PENDING",
            reason:
              `no Completed backup yet and no run was due since the plan was installed` +
              `${next !== undefined ? `; the first run is at ${at(next)}` : ""}`,
          }
        : {
            state: "MISSING",
            expectedSince: iso(expected),
            reason: `no Completed backup although the run of ${at(expected)} was due${lastRunNote}`,
          };
  } else if (expected === undefined || goodAt >= expected) {
    rpo = {
      state: "OK",
      ...(expected !== undefined ? { expectedSince: iso(expected) } : {}),
      reason:
        `the newest Completed backup, ${lastGood.name}, started ${formatAge((nowMs - goodAt) / 1000)} ago` +
        (expected !== undefined ? `, at or after the run of ${at(expected)}` : ", and no run was due since"),
    };
  } else {
    rpo = {
      state: "LATE",
      expectedSince: iso(expected),
      reason:
        `the newest Completed backup, ${lastGood.name}, started ${formatAge((nowMs - goodAt) / 1000)} ago, ` +
        `before the run of ${at(expected)}, which has no Completed backup${lastRunNote}`,
    };
  }
  return {
    plan: spec.name,
    namespace: spec.namespace,
    schedule,
    suspended,
    ...(lastRun ? { lastRun } : {}),
    ...(lastFinishedRun ? { lastFinishedRun } : {}),
    ...(lastGood ? { lastGood } : {}),
    ...(goodAt !== undefined ? { lastGoodAgeSeconds: Math.max(0, (nowMs - goodAt) / 1000) } : {}),
    ...(t1 !== undefined ? { previousRun: iso(t1) } : {}),
    ...(next !== undefined ? { nextRun: iso(next), nextRunLocal: localTime(next, schedule.timeZone) } : {}),
    ...(t1 !== undefined && t0 !== undefined ? { intervalSeconds: (t1 - t0) / 1000 } : {}),
    rpo,
    backups: backups.length,
  };
}
