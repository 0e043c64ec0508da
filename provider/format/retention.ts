/**
 * GFS (grandfather-father-son) retention as a pure function: which backups of a plan to keep and
 * which to prune. This is where "the last good backup of a plan is never pruned" is enforced.
 *
 * Semantics follow restic / k8up `forget`, computed in the plan's time zone:
 *
 * - **Good backups.** `Completed` and `PartiallyFailed` backups are restorable and count as good.
 *   `Failed` backups never satisfy `last` or a period rule.
 * - **`last: N`** keeps the N newest good backups.
 * - **Period rules** `hourly`, `daily`, `weekly`, `monthly`, `yearly` (N each): periods are the local
 *   hour, calendar day, ISO 8601 week (Monday to Sunday; the week of Dec 31 can belong to the next
 *   ISO year), calendar month and calendar year of `startedAt` IN THE PLAN'S TIME ZONE (via
 *   `Intl.DateTimeFormat`, never the machine's zone). Walking from the newest backup, the N most
 *   recent periods that contain a good backup each keep one backup: the newest `Completed` backup of
 *   that period, or, if the period has none, its newest `PartiallyFailed` one. Periods without a good
 *   backup do not use up a slot (a week of failures does not push older good backups out).
 *   An hour is a real hour: during a daylight-saving fall-back, the two occurrences of the repeated
 *   local hour are two hourly periods (the period key includes the UTC offset). A calendar day is a
 *   local day, so it may last 23 or 25 hours.
 * - A backup may satisfy several rules; `reasons` lists all of them.
 * - **Always kept:** the newest `Completed` backup, or, if there is none, the newest good backup, even
 *   if the policy would prune it and even when every later run failed.
 * - **Failed backups** (`keepFailed`, default {@link DEFAULT_KEEP_FAILED}): the newest `keepFailed`
 *   failed backups that started after the newest good backup are kept (their manifests explain the
 *   outage). All other failed backups are pruned: a failure older than the newest good backup has been
 *   superseded. With no good backup at all, the newest `keepFailed` failed backups are kept.
 * - **Object lock:** a backup with `locked: true` (object-lock retention not expired) that would be
 *   pruned is kept instead, with a warning; it is never in `prune`, so a caller does not retry the
 *   deletion in a loop. It is pruned by a later run once the lock has expired.
 * - **Order:** `keep` and `prune` are sorted newest first by `startedAt`; equal times are ordered by
 *   name, greater name first (plain code-unit comparison, no locale). The result does not depend on the
 *   input order. `reasons` are ordered: always-kept, last, hourly, daily, weekly, monthly, yearly,
 *   failed, locked.
 */
import { InputError } from "../errors";
import { DateTime } from "luxon";
import { validateTimeZone } from "./schedule";

/** Phase of a backup, from its manifest. `Completed` and `PartiallyFailed` are restorable ("good"). */
export type BackupPhase = "Completed" | "PartiallyFailed" | "Failed";

/** One existing backup of a plan, as retention sees it. */
export interface RetentionCandidate {
  /** Backup name; unique within the input. */
  name: string;
  /** When the backup started (manifest start time). Periods are computed from it. */
  startedAt: Date;
  /** Outcome of the backup. */
  phase: BackupPhase;
  /** `true` while an object-lock (WORM) retention prevents deleting it. Default `false`. */
  locked?: boolean;
}

/** Retention counts, as in the seed's `retention: { daily: 7, weekly: 4, monthly: 6 }`. All counts are
 * whole numbers 0..{@link MAX_RETENTION_COUNT}; an omitted rule is 0 (except `keepFailed`). */
export interface RetentionPolicy {
  /** Keep the N newest good backups. */
  last?: number;
  /** Keep one backup for each of the N most recent local hours that have a good backup. */
  hourly?: number;
  /** Keep one backup for each of the N most recent local calendar days that have a good backup. */
  daily?: number;
  /** Keep one backup for each of the N most recent ISO weeks (Monday start) that have a good backup. */
  weekly?: number;
  /** Keep one backup for each of the N most recent calendar months that have a good backup. */
  monthly?: number;
  /** Keep one backup for each of the N most recent calendar years that have a good backup. */
  yearly?: number;
  /** Keep the N newest failed backups newer than the newest good backup. Default {@link DEFAULT_KEEP_FAILED}. */
  keepFailed?: number;
}

/** A policy after validation: every count present. */
export type NormalizedRetentionPolicy = Required<RetentionPolicy>;

/** A backup to keep, with every reason (see the module doc for their order and wording). */
export interface RetainedBackup {
  name: string;
  /** e.g. `["newest completed backup (always kept)", "last 1/3", "daily 2025-12-31"]`. */
  reasons: string[];
}

/** A backup to delete, with the reason. */
export interface PrunedBackup {
  name: string;
  reason: string;
}

/** Output of {@link selectRetention}. Every input backup is in exactly one of `keep` and `prune`. */
export interface RetentionResult {
  /** Newest first. */
  keep: RetainedBackup[];
  /** Newest first. Never contains a locked backup. */
  prune: PrunedBackup[];
  /** Things an operator should know (no good backup, failures since the last good backup, locked
   * backups kept past their policy). Deterministic order. */
  warnings: string[];
}

/** The rules that keep good backups, in the order reasons are listed. */
export const RETENTION_RULES = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;

/** The period rules (all of {@link RETENTION_RULES} except `last`). */
export type PeriodRule = Exclude<(typeof RETENTION_RULES)[number], "last">;

/** Largest accepted count for any rule (10000). */
export const MAX_RETENTION_COUNT = 10_000;

/** `keepFailed` when omitted: 1. */
export const DEFAULT_KEEP_FAILED = 1;

const POLICY_KEYS = [...RETENTION_RULES, "keepFailed"] as const;
const PERIOD_RULES: readonly PeriodRule[] = ["hourly", "daily", "weekly", "monthly", "yearly"];

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : String(value);
}

/**
 * Validates a retention policy and fills in defaults (rules 0, `keepFailed` {@link DEFAULT_KEEP_FAILED}).
 * Each count must be a whole number 0..{@link MAX_RETENTION_COUNT}; `null` counts as omitted; unknown
 * keys are rejected; at least one of `last`, `hourly`, `daily`, `weekly`, `monthly`, `yearly` must be
 * greater than 0.
 *
 * @param field the input path used in errors. Default `"retention"`, so errors name `retention.daily` etc.
 * @throws InputError on `<field>` or `<field>.<key>`.
 */
export function validateRetentionPolicy(policy: unknown, field = "retention"): NormalizedRetentionPolicy {
  const example = "e.g. { daily: 7, weekly: 4, monthly: 6 }";
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
    throw new InputError(field, `required: an object with counts, ${example} (got ${describe(policy)})`);
  }
  const input = policy as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if ((POLICY_KEYS as readonly string[]).includes(key)) continue;
    const similar = POLICY_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new InputError(
      `${field}.${key}`,
      `unknown rule${similar ? `; did you mean ${similar}?` : ""}; known rules are ${POLICY_KEYS.join(", ")}`,
    );
  }
  const result = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, keepFailed: DEFAULT_KEEP_FAILED };
  for (const key of POLICY_KEYS) {
    const value = input[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_RETENTION_COUNT) {
      throw new InputError(
        `${field}.${key}`,
        `must be a whole number from 0 to ${MAX_RETENTION_COUNT} (got ${describe(value)})`,
      );
    }
    result[key] = value;
  }
  if (RETENTION_RULES.every((rule) => result[rule] === 0)) {
    throw new InputError(field, `at least one of ${RETENTION_RULES.join(", ")} must be greater than 0, ${example}`);
  }
  return result;
}

/**
 * The period of `startedAt` for each period rule, in `timeZone`:
 * `hourly` `"2025-10-26T02+01:00"` (local hour and UTC offset), `daily` `"2025-10-26"`,
 * `weekly` `"2026-W01"` (ISO week-numbering year and week), `monthly` `"2025-10"`, `yearly` `"2025"`.
 *
 * @param timeZone a valid IANA time zone (see `validateTimeZone`).
 */
export function periodKeys(startedAt: Date, timeZone: string): Record<PeriodRule, string> {
  const z = DateTime.fromJSDate(startedAt, { zone: timeZone });
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const year = pad(z.year, 4);
  const date = `${year}-${pad(z.month)}-${pad(z.day)}`;
  const offset = Math.abs(z.offset);
  const sign = z.offset < 0 ? "-" : "+";
  return {
    hourly: `${date}T${pad(z.hour)}${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`,
    daily: date,
    weekly: `${pad(z.weekYear, 4)}-W${pad(z.weekNumber)}`,
    monthly: `${year}-${pad(z.month)}`,
    yearly: year,
  };
}

interface Entry {
  name: string;
  time: number;
  phase: BackupPhase;
  locked: boolean;
  reasons: string[];
}

/** Newest first; equal times: greater name first. */
function compareNewestFirst(a: Entry, b: Entry): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

function validateBackups(backups: readonly RetentionCandidate[]): Entry[] {
  if (!Array.isArray(backups))
    throw new InputError("backups", "must be an array of { name, startedAt, phase, locked? }");
  const seen = new Set<string>();
  return backups.map((b, i) => {
    const at = `backups[${i}]`;
    if (typeof b !== "object" || b === null)
      throw new InputError(at, "must be an object { name, startedAt, phase, locked? }");
    if (typeof b.name !== "string" || b.name === "") throw new InputError(`${at}.name`, "must be a non-empty string");
    if (seen.has(b.name))
      throw new InputError(`${at}.name`, `duplicate backup name ${JSON.stringify(b.name)}; names must be unique`);
    seen.add(b.name);
    const time = b.startedAt instanceof Date ? b.startedAt.getTime() : NaN;
    if (!Number.isFinite(time))
      throw new InputError(`${at}.startedAt`, `backup ${JSON.stringify(b.name)}: must be a valid Date`);
    if (b.phase !== "Completed" && b.phase !== "PartiallyFailed" && b.phase !== "Failed") {
      throw new InputError(
        `${at}.phase`,
        `backup ${JSON.stringify(b.name)}: must be Completed, PartiallyFailed or Failed (got ${describe(b.phase)})`,
      );
    }
    if (b.locked !== undefined && typeof b.locked !== "boolean")
      throw new InputError(`${at}.locked`, `backup ${JSON.stringify(b.name)}: must be true or false`);
    return { name: b.name, time, phase: b.phase, locked: b.locked === true, reasons: [] };
  });
}

/**
 * Decides which backups of a plan to keep and which to prune under a GFS policy. Pure and
 * deterministic; see the module documentation for the exact semantics.
 *
 * @param backups every backup of the plan (any order; names unique).
 * @param policy retention counts, validated with {@link validateRetentionPolicy}.
 * @param timeZone the plan's IANA time zone (`schedule.timeZone`), in which hours, days, weeks, months
 *   and years are computed.
 * @throws InputError on `retention.<key>` / `retention` for a bad policy, `schedule.timeZone` for an
 *   unknown time zone, `backups[i].<field>` for a malformed backup or duplicate name.
 */
export function selectRetention(
  backups: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  timeZone: string,
): RetentionResult {
  const counts = validateRetentionPolicy(policy);
  validateTimeZone(timeZone, "schedule.timeZone");
  const entries = validateBackups(backups).sort(compareNewestFirst);
  const good = entries.filter((e) => e.phase !== "Failed");
  const failed = entries.filter((e) => e.phase === "Failed");
  const warnings: string[] = [];
  markAnchor(entries, good, warnings);
  for (const [rank, e] of good.slice(0, counts.last).entries()) e.reasons.push(`last ${rank + 1}/${counts.last}`);
  markPeriods(good, counts, timeZone);
  markRecentFailures(good, failed, counts.keepFailed, warnings);
  return partition(entries, good[0], counts, warnings);
}

/** Always kept: the newest Completed backup, else the newest good one. */
function markAnchor(entries: readonly Entry[], good: readonly Entry[], warnings: string[]): void {
  const anchor = good.find((e) => e.phase === "Completed") ?? good[0];
  if (anchor) {
    anchor.reasons.push(
      anchor.phase === "Completed"
        ? "newest completed backup (always kept)"
        : "newest good backup (always kept: no Completed backup exists)",
    );
    if (anchor.phase !== "Completed") {
      warnings.push(
        `no Completed backup; the newest restorable backup ${JSON.stringify(anchor.name)} is PartiallyFailed`,
      );
    }
  } else if (entries.length > 0) {
    warnings.push(`no restorable backup: all ${entries.length} backup(s) failed`);
  }
}

/** Per period rule, the newest `n` periods keep one backup each (a Completed one where there is one). */
function markPeriods(good: readonly Entry[], counts: NormalizedRetentionPolicy, timeZone: string): void {
  const keysByName = new Map<string, Record<PeriodRule, string>>();
  const keysOf = (e: Entry) => {
    let keys = keysByName.get(e.name);
    if (!keys) keysByName.set(e.name, (keys = periodKeys(new Date(e.time), timeZone)));
    return keys;
  };
  for (const rule of PERIOD_RULES) {
    const n = counts[rule];
    if (n === 0) continue;
    const periods = new Map<string, Entry[]>(); // insertion order: newest period first
    for (const e of good) {
      const key = keysOf(e)[rule];
      const members = periods.get(key);
      if (members) members.push(e);
      else if (periods.size < n) periods.set(key, [e]);
    }
    for (const [key, members] of periods) {
      const chosen = members.find((e) => e.phase === "Completed") ?? members[0]!;
      chosen.reasons.push(`${rule} ${key}`);
    }
  }
}

/** The newest `keepFailed` failures since the newest good backup are kept, for their diagnosis. */
function markRecentFailures(
  good: readonly Entry[],
  failed: readonly Entry[],
  keepFailed: number,
  warnings: string[],
): void {
  const newestGood = good[0];
  const recentFailures = newestGood ? failed.filter((e) => e.time > newestGood.time) : failed;
  if (newestGood && recentFailures.length > 0) {
    warnings.push(
      `${recentFailures.length} run(s) failed since the newest good backup ${JSON.stringify(newestGood.name)}`,
    );
  }
  for (const [rank, e] of recentFailures.slice(0, keepFailed).entries()) {
    e.reasons.push(`failed ${rank + 1}/${keepFailed} since the newest good backup`);
  }
}

/** Kept (with their reasons) and pruned (with why); a locked backup is kept with a warning. */
function partition(
  entries: readonly Entry[],
  newestGood: Entry | undefined,
  counts: NormalizedRetentionPolicy,
  warnings: string[],
): RetentionResult {
  const activeRules = RETENTION_RULES.filter((r) => counts[r] > 0)
    .map((r) => `${r}=${counts[r]}`)
    .join(", ");
  const keep: RetainedBackup[] = [];
  const prune: PrunedBackup[] = [];
  for (const e of entries) {
    if (e.reasons.length > 0) {
      keep.push({ name: e.name, reasons: e.reasons });
      continue;
    }
    let reason: string;
    if (e.phase !== "Failed") reason = `not selected by any retention rule (${activeRules})`;
    else if (newestGood && e.time <= newestGood.time)
      reason = `failed, and not newer than the newest good backup ${JSON.stringify(newestGood.name)}`;
    else reason = `failed, beyond keepFailed=${counts.keepFailed}`;
    if (e.locked) {
      keep.push({ name: e.name, reasons: ["locked: object lock has not expired (would otherwise be pruned)"] });
      warnings.push(
        `backup ${JSON.stringify(e.name)} would be pruned (${reason}) but its object lock has not expired; it ` +
          `is kept and will be pruned by a later run`,
      );
      continue;
    }
    prune.push({ name: e.name, reason });
  }
  return { keep, prune, warnings };
}
