/**
 * The cross-field rule between a plan's schedule and its retention.
 *
 * Decision (issue 5): a period rule FINER than the schedule is a check FAILURE, not a warning. GFS
 * periods without a backup do not use up a slot (retention.ts), so `hourly: 24` with a daily cron
 * keeps one backup per run: 24 backups spanning 24 days, not 24 hours. That is `last: 24` under a
 * misleading name, and the person who wrote it almost certainly expected something else; failing
 * `check` with the fix ("use last: 24, or daily") costs one edit, whereas a silent misunderstanding
 * surfaces only when a restore needs a backup that was never kept (or one that was kept too long).
 * Coarser rules (`monthly` with an hourly cron) are what GFS is for and always pass.
 */
import { minIntervalSeconds } from "../format/schedule";
import type { NormalizedRetentionPolicy, PeriodRule } from "../format/retention";
import type { Checker } from "./validate";

const HOUR = 3600;
const DAY = 86_400;

/**
 * The longest a period of each rule lasts, in seconds. A schedule whose runs can be further apart
 * than this leaves periods without backups. Local days, weeks, months and years can be an hour longer
 * across a daylight-saving change, hence the extra hour.
 */
export const PERIOD_SECONDS: Readonly<Record<PeriodRule, number>> = Object.freeze({
  hourly: HOUR,
  daily: DAY + HOUR,
  weekly: 7 * DAY + HOUR,
  monthly: 31 * DAY + HOUR,
  yearly: 366 * DAY + HOUR,
});

const PERIOD_RULES: readonly PeriodRule[] = ["hourly", "daily", "weekly", "monthly", "yearly"];

/** `86400` → `24h`, `604800` → `7d`, `5400` → `90m`. */
export function formatInterval(seconds: number): string {
  if (seconds % DAY === 0) return `${seconds / DAY}d`;
  if (seconds % HOUR === 0) return `${seconds / HOUR}h`;
  return `${Math.round(seconds / 60)}m`;
}

/**
 * Fails `<field>.<rule>` for every period rule finer than the schedule (see the module comment).
 * @param field `retention` or `copies[i].retention`.
 * @param cron a valid cron expression; `timeZone` a valid IANA zone.
 */
export function checkRetentionFitsSchedule(
  c: Checker,
  field: string,
  policy: NormalizedRetentionPolicy,
  cron: string,
  timeZone: string,
): void {
  const finer = PERIOD_RULES.filter((r) => policy[r] > 0);
  if (finer.length === 0) return;
  const interval = minIntervalSeconds(cron, timeZone);
  for (const rule of finer) {
    if (interval <= PERIOD_SECONDS[rule]) continue;
    const n = policy[rule];
    const coarser = PERIOD_RULES.find((r) => PERIOD_SECONDS[r] >= interval);
    c.fail(
      `${field}.${rule}`,
      `the schedule "${cron}" runs at most every ${interval === Infinity ? "few years" : formatInterval(interval)}, so ${rule}: ${n} would keep one backup per run, i.e. ${n} runs spanning far more than ${n} ${rule === "daily" ? "days" : rule.replace(/ly$/, "s")}; use last: ${n} to keep the ${n} newest runs${coarser ? `, or ${coarser}` : ""}, or run the schedule more often`,
    );
  }
}
