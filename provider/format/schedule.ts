/**
 * Pure validation and evaluation of a BackupPlan's `schedule` input:
 * `schedule: { cron, timeZone?, suspend?, startingDeadlineSeconds? }`.
 *
 * The cron grammar accepted here is the one Kubernetes accepts for `CronJob.spec.schedule`
 * (robfig/cron v3 `ParseStandard`): exactly 5 fields `minute hour day-of-month month day-of-week`
 * with `*`, `?`, lists `a,b`, ranges `a-b`, steps `x/n`, month names `JAN`-`DEC` and weekday names
 * `SUN`-`SAT` (case-insensitive), or one of the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
 * `@daily`, `@midnight`, `@hourly`. Everything Kubernetes would reject is rejected here with a
 * field-named {@link InputError} that says how to fix it, so `check` fails before anything is created.
 * Run times are computed with cron-parser in the schedule's IANA time zone.
 *
 * No function in this module reads the clock or the machine's time zone.
 */
import { CronExpressionParser } from "cron-parser";
import { DateTime } from "luxon";
import { InputError } from "../errors";

/** The time zone used when `schedule.timeZone` is omitted: `"UTC"`. The plan should always write it
 * into the CronJob explicitly, since Kubernetes would otherwise use kube-controller-manager's zone. */
export const DEFAULT_TIME_ZONE = "UTC";

/** Smallest accepted `schedule.startingDeadlineSeconds`, in seconds (10). The CronJob controller
 * checks schedules about every 10 seconds; Kubernetes documents that a smaller deadline can make the
 * job never start. */
export const MIN_STARTING_DEADLINE_SECONDS = 10;

/** Largest `n` accepted by {@link nextRuns} (10000). */
export const MAX_NEXT_RUNS = 10_000;

/** The macros Kubernetes accepts and their 5-field equivalents (all at minute 0, in the schedule's zone). */
export const CRON_MACROS: Readonly<Record<string, string>> = Object.freeze({
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
});

/** The `schedule` input of a BackupPlan, as the user writes it. */
export interface ScheduleSpec {
  /** Cron expression, 5 fields (`minute hour day-of-month month day-of-week`) or a macro such as `@daily`. */
  cron: string;
  /** IANA time zone name the cron fields are read in, e.g. `"Europe/Berlin"`. Default {@link DEFAULT_TIME_ZONE}. */
  timeZone?: string;
  /** Suspend the CronJob (no new runs). Default `false`. */
  suspend?: boolean;
  /** Seconds after a missed scheduled time during which the run may still start; at least
   * {@link MIN_STARTING_DEADLINE_SECONDS}. Default: unset (no deadline). */
  startingDeadlineSeconds?: number;
}

/** A validated cron expression. */
export interface CronSpec {
  /** The expression as written, trimmed. This is what goes into `CronJob.spec.schedule`. */
  source: string;
  /** The same schedule as 5 numeric fields (macros expanded, names replaced by numbers), e.g. `"0 0 * * 0"`. */
  expression: string;
}

/** A validated schedule with defaults applied. */
export interface ValidatedSchedule {
  /** The cron expression as written, trimmed (for `CronJob.spec.schedule`). */
  cron: string;
  /** The 5-field numeric form of `cron` (see {@link CronSpec.expression}). */
  expression: string;
  /** IANA time zone, as written (default {@link DEFAULT_TIME_ZONE}). */
  timeZone: string;
  /** Default `false`. */
  suspend: boolean;
  /** Seconds; `undefined` when not set. */
  startingDeadlineSeconds?: number;
}

const SCHEDULE_KEYS = ["cron", "timeZone", "suspend", "startingDeadlineSeconds"] as const;

const FIVE_FIELDS_HINT = 'use 5 fields: minute hour day-of-month month day-of-week, e.g. "0 2 * * *" (daily at 02:00)';
const MACROS_HINT = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly";

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const WEEKDAY_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELD_SPECS: readonly FieldSpec[] = [
  { label: "minute", min: 0, max: 59 },
  { label: "hour", min: 0, max: 23 },
  { label: "day-of-month", min: 1, max: 31 },
  { label: "month", min: 1, max: 12, names: MONTH_NAMES },
  { label: "day-of-week", min: 0, max: 6, names: WEEKDAY_NAMES },
];

/** Days in each month, February counted as 29 (a schedule on Feb 29 fires in leap years). */
const MAX_DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface ParsedField {
  values: number[];
  /** robfig's "star bit": the field is `*` or `?` (optionally with step 1). Decides AND/OR of the day fields. */
  star: boolean;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function parseNumberOrName(token: string, spec: FieldSpec, field: string, part: string): number {
  const named = spec.names?.[token.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(token)) {
    const names = spec.names
      ? ` or a name ${Object.keys(spec.names)
          .map((n) => n.toUpperCase())
          .join(", ")}`
      : "";
    throw new InputError(
      field,
      `${spec.label} field ${JSON.stringify(part)}: ${JSON.stringify(token)} is not a number${names}; ` +
        `${FIVE_FIELDS_HINT}`,
    );
  }
  const value = Number(token);
  if (value < spec.min || value > spec.max) {
    const sunday =
      spec.label === "day-of-week" && value === 7 ? "; use 0 (or SUN) for Sunday, Kubernetes does not accept 7" : "";
    throw new InputError(
      field,
      `${spec.label} field ${JSON.stringify(part)}: ${value} is out of range ${spec.min}-${spec.max}${sunday}`,
    );
  }
  return value;
}

function unsupportedCharacter(text: string, spec: FieldSpec, field: string): void {
  const checks: [RegExp, string][] = [
    [/L/i, '"L" (last day) is not supported by Kubernetes CronJob; list the days explicitly'],
    [/#/, '"#" (nth weekday of the month) is not supported by Kubernetes CronJob'],
    [/W/i, '"W" (nearest weekday) is not supported by Kubernetes CronJob'],
    [/H/i, '"H" (hashed value) is not supported by Kubernetes CronJob; pick a fixed value'],
  ];
  // Names contain letters (e.g. "JUL", "WED", "THU"); only look for these characters outside names.
  const withoutNames = spec.names
    ? text.replace(new RegExp(`\\b(${Object.keys(spec.names).join("|")})\\b`, "gi"), "0")
    : text;
  for (const [pattern, message] of checks) {
    if (pattern.test(withoutNames))
      throw new InputError(field, `${spec.label} field ${JSON.stringify(text)}: ${message}`);
  }
}

/** Parses one field the way robfig/cron v3 (used by Kubernetes) does. */
function parseField(text: string, spec: FieldSpec, field: string): ParsedField {
  unsupportedCharacter(text, spec, field);
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    if (part === "")
      throw new InputError(
        field,
        `${spec.label} field ${JSON.stringify(text)} has an empty list item; write lists as "1,15"`,
      );
    const rangeAndStep = part.split("/");
    if (rangeAndStep.length > 2)
      throw new InputError(
        field,
        `${spec.label} field ${JSON.stringify(part)} has more than one "/"; write a step as "*/15" or "0-30/5"`,
      );
    const [range, stepText] = rangeAndStep as [string, string | undefined];
    const lowHigh = range.split("-");
    let start: number;
    let end: number;
    let partStar = false;
    if (range === "*" || range === "?") {
      start = spec.min;
      end = spec.max;
      partStar = true;
    } else if (lowHigh.includes("*") || lowHigh.includes("?")) {
      throw new InputError(
        field,
        `${spec.label} field ${JSON.stringify(part)}: "*" cannot be part of a range; use "*" alone or a range ` +
          `such as "1-5"`,
      );
    } else if (lowHigh.length > 2) {
      throw new InputError(
        field,
        `${spec.label} field ${JSON.stringify(part)} has more than one "-"; write a range as "1-5"`,
      );
    } else {
      start = parseNumberOrName(lowHigh[0]!, spec, field, part);
      end = lowHigh.length === 2 ? parseNumberOrName(lowHigh[1]!, spec, field, part) : start;
      if (start > end) {
        throw new InputError(
          field,
          `${spec.label} field ${JSON.stringify(part)}: the range goes backwards (${start} > ${end}); ` +
            `Kubernetes does not wrap ranges, use a list such as "${start}-${spec.max},${spec.min}-${end}"`,
        );
      }
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        throw new InputError(
          field,
          `${spec.label} field ${JSON.stringify(part)}: the step must be a positive integer, e.g. "*/15"`,
        );
      }
      step = Number(stepText);
      // robfig: "N/step" means "N-max/step".
      if (lowHigh.length === 1 && !partStar) end = spec.max;
      if (step > 1) partStar = false;
    }
    if (partStar) star = true;
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b), star };
}

function formatField(parsed: ParsedField, spec: FieldSpec): string {
  if (parsed.star) return "*";
  // A list equal to the whole range is written as a range (not "*"): the day fields' AND/OR rule
  // depends on the star, as in Kubernetes.
  if (parsed.values.length === spec.max - spec.min + 1) return `${spec.min}-${spec.max}`;
  return parsed.values.join(",");
}

/**
 * Validates a cron expression as Kubernetes `CronJob.spec.schedule` accepts it (see the module doc)
 * and returns it with its 5-field numeric form.
 *
 * Rejected, each with the fix in the message: a 6-field expression with seconds, `CRON_TZ=`/`TZ=`
 * prefixes (use `schedule.timeZone`), `@every`/`@reboot` and unknown macros, Quartz characters
 * `L`, `#`, `W`, `H`, out-of-range values (day-of-week 7 included), backwards ranges, zero steps, and
 * expressions that can never fire (e.g. `"0 0 30 2 *"`).
 *
 * @param cron the expression; surrounding whitespace is ignored.
 * @param field the input path used in errors. Default `"schedule.cron"`.
 * @throws InputError on `field`.
 */
export function validateCron(cron: unknown, field = "schedule.cron"): CronSpec {
  if (typeof cron !== "string" || cron.trim() === "") {
    throw new InputError(
      field,
      `required: a cron expression (got ${describe(cron)}); ${FIVE_FIELDS_HINT}, or a macro ${MACROS_HINT}`,
    );
  }
  const source = cron.trim();
  const tzPrefix = /^(CRON_TZ|TZ)=(\S*)/.exec(source);
  if (tzPrefix) {
    const zone = tzPrefix[2] ? `"${tzPrefix[2]}"` : '"Europe/Berlin"';
    throw new InputError(
      field,
      `Kubernetes does not accept a ${tzPrefix[1]}= prefix in the schedule; remove it and set ` +
        `schedule.timeZone: ${zone}`,
    );
  }
  if (source.includes("TZ")) {
    throw new InputError(
      field,
      'Kubernetes rejects a schedule containing "TZ"; set the time zone in schedule.timeZone instead',
    );
  }
  if (source.startsWith("@")) {
    const macro = CRON_MACROS[source];
    if (macro !== undefined) return { source, expression: macro };
    if (CRON_MACROS[source.toLowerCase()] !== undefined) {
      throw new InputError(field, `macros are case-sensitive; write ${JSON.stringify(source.toLowerCase())}`);
    }
    if (source.startsWith("@every")) {
      throw new InputError(
        field,
        `"@every" is not supported (it counts from when the controller started, not from the clock); use a ` +
          `step such as "*/15 * * * *" (every 15 minutes) or "0 */6 * * *" (every 6 hours)`,
      );
    }
    throw new InputError(field, `unknown macro ${JSON.stringify(source)}; use ${MACROS_HINT}, or ${FIVE_FIELDS_HINT}`);
  }
  const parts = source.split(/\s+/);
  if (parts.length === 6) {
    throw new InputError(
      field,
      `6 fields given, but Kubernetes CronJob has no seconds field; ${FIVE_FIELDS_HINT} (without the leading ` +
        `seconds this would be ${JSON.stringify(parts.slice(1).join(" "))})`,
    );
  }
  if (parts.length !== 5) {
    throw new InputError(
      field,
      `expected 5 fields, got ${parts.length} in ${JSON.stringify(source)}; ${FIVE_FIELDS_HINT}`,
    );
  }
  const parsed = parts.map((text, i) => parseField(text, FIELD_SPECS[i]!, field));
  const [, , dom, month, dow] = parsed as [ParsedField, ParsedField, ParsedField, ParsedField, ParsedField];
  // Day-of-month and day-of-week combine with AND when either is "*", else with OR (as in Kubernetes):
  // with AND and a restricted day of month, some selected day must exist in some selected month.
  if (!dom.star && dow.star) {
    const longest = Math.max(...month.values.map((m) => MAX_DAYS_IN_MONTH[m - 1]!));
    if (dom.values[0]! > longest) {
      throw new InputError(
        field,
        `${JSON.stringify(source)} never runs: day ${dom.values[0]} does not exist in the selected month(s); ` +
          `choose a day that exists, e.g. "28"`,
      );
    }
  }
  return { source, expression: parsed.map((p, i) => formatField(p, FIELD_SPECS[i]!)).join(" ") };
}

/**
 * Validates an IANA time zone name as Kubernetes `CronJob.spec.timeZone` accepts it: a name such as
 * `"Europe/Berlin"` or `"UTC"`, exact case, not `"Local"`, not a UTC offset like `"+01:00"`.
 * Aliases known to the runtime's time zone data (e.g. `"US/Eastern"`) are accepted.
 *
 * @param timeZone the name.
 * @param field the input path used in errors. Default `"schedule.timeZone"`.
 * @returns the name as given.
 * @throws InputError on `field`.
 */
export function validateTimeZone(timeZone: unknown, field = "schedule.timeZone"): string {
  const example = 'an IANA time zone name such as "UTC", "Europe/Berlin" or "America/New_York"';
  if (typeof timeZone !== "string" || timeZone === "") {
    throw new InputError(field, `must be ${example} (got ${describe(timeZone)})`);
  }
  if (timeZone.toLowerCase() === "local") {
    throw new InputError(field, `"Local" is not allowed (it depends on the controller's machine); use ${example}`);
  }
  if (/^[+\-\u2212\d]/.test(timeZone) || /^(UTC|GMT)[+\-\u2212]/i.test(timeZone)) {
    throw new InputError(
      field,
      `${JSON.stringify(timeZone)} is an offset, not a time zone name; use ${example}, or "Etc/GMT-1" for a ` +
        `fixed UTC+1 (the sign is inverted in Etc names)`,
    );
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new InputError(
      field,
      `unknown time zone ${JSON.stringify(timeZone)}; use ${example} (see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)`,
    );
  }
  // Kubernetes loads zones by file name, which is case-sensitive; IANA names start every segment with
  // an upper-case letter or a digit.
  const caseMismatch = resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase();
  if (caseMismatch || timeZone.split("/").some((segment) => /^[a-z]/.test(segment))) {
    throw new InputError(field, `time zone names are case-sensitive; did you mean ${JSON.stringify(resolved)}?`);
  }
  return timeZone;
}

/**
 * Validates a whole `schedule` input and applies defaults (`timeZone` {@link DEFAULT_TIME_ZONE},
 * `suspend` false). Unknown keys are rejected (a misspelt `timezone` would otherwise be ignored).
 * `null` is treated like an absent optional field.
 *
 * @throws InputError naming `schedule`, `schedule.cron`, `schedule.timeZone`, `schedule.suspend`,
 *   `schedule.startingDeadlineSeconds` or `schedule.<unknown key>`.
 */
export function validateSchedule(schedule: unknown): ValidatedSchedule {
  if (typeof schedule !== "object" || schedule === null || Array.isArray(schedule)) {
    throw new InputError(
      "schedule",
      `required: an object { cron, timeZone?, suspend?, startingDeadlineSeconds? }, e.g. { cron: "0 2 * * *", ` +
        `timeZone: "UTC" } (got ${describe(schedule)})`,
    );
  }
  const input = schedule as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if ((SCHEDULE_KEYS as readonly string[]).includes(key)) continue;
    const similar = SCHEDULE_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new InputError(
      `schedule.${key}`,
      `unknown field${similar ? `; did you mean ${similar}?` : ""}; known fields are ${SCHEDULE_KEYS.join(", ")}`,
    );
  }
  const cron = validateCron(input.cron, "schedule.cron");
  const timeZone =
    input.timeZone === undefined || input.timeZone === null
      ? DEFAULT_TIME_ZONE
      : validateTimeZone(input.timeZone, "schedule.timeZone");
  let suspend = false;
  if (input.suspend !== undefined && input.suspend !== null) {
    if (typeof input.suspend !== "boolean")
      throw new InputError("schedule.suspend", `must be true or false (got ${describe(input.suspend)})`);
    suspend = input.suspend;
  }
  const deadline = input.startingDeadlineSeconds;
  const result: ValidatedSchedule = { cron: cron.source, expression: cron.expression, timeZone, suspend };
  if (deadline !== undefined && deadline !== null) {
    if (typeof deadline !== "number" || !Number.isSafeInteger(deadline) || deadline <= 0) {
      throw new InputError(
        "schedule.startingDeadlineSeconds",
        `must be a positive whole number of seconds, e.g. 300 (got ${describe(deadline)}); omit it for no deadline`,
      );
    }
    if (deadline < MIN_STARTING_DEADLINE_SECONDS) {
      throw new InputError(
        "schedule.startingDeadlineSeconds",
        `${deadline} is less than ${MIN_STARTING_DEADLINE_SECONDS}: the CronJob controller checks about every ` +
          `10 seconds, so the job might never start; use at least ${MIN_STARTING_DEADLINE_SECONDS}, e.g. 300`,
      );
    }
    result.startingDeadlineSeconds = deadline;
  }
  return result;
}

function cronIterator(expression: string, timeZone: string, from: number) {
  return CronExpressionParser.parse(expression, { tz: timeZone, currentDate: new Date(from) });
}

/**
 * Run times (ms) strictly after `from`, ascending. cron-parser can fail with "loop limit exceeded"
 * near a daylight-saving change that is not a whole hour (e.g. Australia/Lord_Howe). Then the next run
 * is found by checking every minute of the following 3 days against the local wall clock (a local time
 * that does not exist never matches; one that occurs twice matches twice), and cron-parser resumes
 * after it.
 */
function* runsAfter(expression: string, timeZone: string, from: number): Generator<number> {
  let iterator = cronIterator(expression, timeZone, from);
  let last = from;
  let fallbacks = 0;
  for (;;) {
    let t: number | undefined;
    try {
      t = iterator.next().getTime();
    } catch (error) {
      if (++fallbacks > 1000) throw error;
      t = scanMinutes(expression, timeZone, last, last + 3 * DAY_MS);
      iterator = cronIterator(expression, timeZone, t ?? last + 3 * DAY_MS);
      if (t === undefined) {
        last += 3 * DAY_MS;
        continue;
      }
    }
    last = t;
    yield t;
  }
}

/** First minute in (after, until] whose wall clock in `timeZone` matches `expression`, or undefined. */
function scanMinutes(expression: string, timeZone: string, after: number, until: number): number | undefined {
  const [minute, hour, dom, month, dow] = expression
    .split(" ")
    .map((text, i) => parseField(text, FIELD_SPECS[i]!, "schedule.cron")) as [
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
    ParsedField,
  ];
  const sets = [minute, hour, dom, month, dow].map((f) => new Set(f.values)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  for (let t = Math.floor(after / 60_000) * 60_000 + 60_000; t <= until; t += 60_000) {
    const z = DateTime.fromMillis(t, { zone: timeZone });
    if (!sets[0].has(z.minute) || !sets[1].has(z.hour) || !sets[3].has(z.month)) continue;
    const domMatch = sets[2].has(z.day);
    const dowMatch = sets[4].has(z.weekday % 7); // luxon: Monday 1 .. Sunday 7; cron: Sunday 0
    if (dom.star || dow.star ? domMatch && dowMatch : domMatch || dowMatch) return t;
  }
  return undefined;
}

function requireDate(value: Date, name: string): number {
  const t = value instanceof Date ? value.getTime() : NaN;
  if (!Number.isFinite(t)) throw new RangeError(`${name} must be a valid Date`);
  return t;
}

/**
 * The next `n` run times of a schedule strictly after `from`, in ascending order, computed with
 * cron-parser in the schedule's time zone. `suspend` is ignored (these are the times the cron
 * expression names). Daylight-saving behaviour is cron-parser's: a time in a skipped local hour runs
 * one hour later (02:30 becomes 03:30 on the spring-forward day); a time in a repeated hour runs once,
 * except that schedules firing every hour also fire in the repeated hour. The Kubernetes controller
 * may differ inside those hours.
 *
 * @param schedule validated (and defaulted) with {@link validateSchedule}.
 * @param from the instant to start after.
 * @param n how many runs, 0..{@link MAX_NEXT_RUNS}.
 * @throws InputError for an invalid schedule; RangeError for a bad `from` or `n`.
 */
export function nextRuns(schedule: ScheduleSpec, from: Date, n: number): Date[] {
  const validated = validateSchedule(schedule);
  const start = requireDate(from, "from");
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_NEXT_RUNS)
    throw new RangeError(`n must be an integer 0..${MAX_NEXT_RUNS}, got ${n}`);
  const runs: Date[] = [];
  if (n === 0) return runs;
  for (const t of runsAfter(validated.expression, validated.timeZone, start)) {
    runs.push(new Date(t));
    if (runs.length === n) break;
  }
  return runs;
}

/**
 * The last `n` run times of a schedule at or before `at`, newest first (fewer when the schedule fired
 * less often in the 16 years before `at`). Same daylight-saving behaviour as {@link nextRuns}: the
 * runs are found by walking forward from a look-back window that doubles (1 hour, 2 hours, ...)
 * until it holds `n` runs, so an hourly schedule costs a few steps and a yearly one about 15.
 *
 * @param schedule validated (and defaulted) with {@link validateSchedule}.
 * @param at the instant to look back from (a run exactly at `at` counts).
 * @param n how many runs, 0..{@link MAX_NEXT_RUNS}.
 * @throws InputError for an invalid schedule; RangeError for a bad `at` or `n`.
 */
export function previousRuns(schedule: ScheduleSpec, at: Date, n: number): Date[] {
  const validated = validateSchedule(schedule);
  const end = requireDate(at, "at");
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_NEXT_RUNS)
    throw new RangeError(`n must be an integer 0..${MAX_NEXT_RUNS}, got ${n}`);
  if (n === 0) return [];
  let runs: number[] = [];
  for (let window = HOUR_MS; window <= MAX_LOOK_BACK_MS * 2; window *= 2) {
    runs = [];
    for (const t of runsAfter(validated.expression, validated.timeZone, end - Math.min(window, MAX_LOOK_BACK_MS) - 1)) {
      if (t > end) break;
      runs.push(t);
    }
    if (runs.length >= n || window >= MAX_LOOK_BACK_MS) break;
  }
  return runs
    .slice(-n)
    .reverse()
    .map((t) => new Date(t));
}

/** How far {@link previousRuns} looks back at most: 16 years (a Feb 29 schedule fires every 4 to 8). */
const MAX_LOOK_BACK_MS = 16 * 366 * 86_400_000;

/** Options of {@link minIntervalSeconds}. */
export interface MinIntervalOptions {
  /** Start of the sample window. Default 2025-01-01T00:00:00Z (fixed, so the result is deterministic). */
  from?: Date;
  /** Length of the sample window in days. Default 366 (every month, both DST changes, a year boundary). */
  windowDays?: number;
}

/** Fixed start of {@link minIntervalSeconds}' default sample window, in ms since the epoch (2025-01-01T00:00:00Z). */
export const MIN_INTERVAL_REFERENCE_MS = Date.UTC(2025, 0, 1);

const MAX_SAMPLE_RUNS = 20_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The smallest gap, in seconds, between two consecutive runs of `cron` in `timeZone`, over a sample
 * window (for the policy pack's "not more frequent than" rule). Gaps are elapsed time, so daylight
 * saving changes count: e.g. `"0 3 * * *"` in `Europe/Berlin` gives 82800 (the 23-hour spring-forward
 * day), in `UTC` 86400. The window is scanned from its start (stopping early once the smallest gap
 * the minute field allows is seen) and around every UTC-offset change in the window; a schedule that
 * fires less than twice in the window is followed for up to 10 years (e.g. Feb 29 only). Returns
 * `Infinity` if fewer than two runs were found.
 *
 * @param cron a cron expression (validated with {@link validateCron}).
 * @param timeZone IANA time zone, default {@link DEFAULT_TIME_ZONE}.
 * @throws InputError on `schedule.cron` or `schedule.timeZone`.
 */
export function minIntervalSeconds(
  cron: string,
  timeZone: string = DEFAULT_TIME_ZONE,
  options: MinIntervalOptions = {},
): number {
  const { expression } = validateCron(cron);
  validateTimeZone(timeZone);
  const from = options.from === undefined ? MIN_INTERVAL_REFERENCE_MS : requireDate(options.from, "options.from");
  const windowDays = options.windowDays ?? 366;
  if (!(windowDays > 0 && windowDays <= 3660))
    throw new RangeError(`options.windowDays must be in (0, 3660], got ${windowDays}`);
  const windowEnd = from + windowDays * DAY_MS;
  const hardEnd = from + Math.max(windowDays, 3660) * DAY_MS;

  // No two runs can be closer than the smallest circular gap of the minute field (unless the UTC
  // offset changes by other than whole hours, which the scans around offset changes cover).
  const minutes = expression.split(" ")[0]!;
  const minuteValues = parseField(minutes, FIELD_SPECS[0]!, "schedule.cron").values;
  let lowerBound = 60;
  for (let i = 0; i < minuteValues.length; i++) {
    const next = i + 1 < minuteValues.length ? minuteValues[i + 1]! : minuteValues[0]! + 60;
    lowerBound = Math.min(lowerBound, next - minuteValues[i]!);
  }
  const lowerBoundSeconds = lowerBound * 60;

  let min = Infinity;
  let previous: number | undefined;
  let count = 0;
  for (const t of runsAfter(expression, timeZone, from)) {
    if (previous !== undefined) min = Math.min(min, (t - previous) / 1000);
    previous = t;
    count++;
    if (min <= lowerBoundSeconds || count >= MAX_SAMPLE_RUNS) break;
    if ((t > windowEnd && count >= 2) || t > hardEnd) break;
  }

  for (const transition of offsetChanges(timeZone, from, windowEnd)) {
    const start = transition - 3 * HOUR_MS;
    let last: number | undefined;
    try {
      last = cronIterator(expression, timeZone, start).prev().getTime();
    } catch {
      last = undefined;
    }
    let steps = 0;
    for (const t of runsAfter(expression, timeZone, last ?? start)) {
      if (last !== undefined) min = Math.min(min, (t - last) / 1000);
      last = t;
      if (t > transition + 3 * HOUR_MS || ++steps >= 1000) break;
    }
  }
  return min;
}

/** Instants (ms) in [from, to] at which the UTC offset of `timeZone` changes, to the minute. */
function offsetChanges(timeZone: string, from: number, to: number): number[] {
  const changes: number[] = [];
  let t = from;
  const offsetAt = (at: number) => DateTime.fromMillis(at, { zone: timeZone }).offset;
  let offset = offsetAt(t);
  while (t < to) {
    const next = Math.min(t + DAY_MS, to);
    const nextOffset = offsetAt(next);
    if (nextOffset !== offset) {
      let lo = t;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (offsetAt(mid) === offset) lo = mid;
        else hi = mid;
      }
      changes.push(hi);
    }
    t = next;
    offset = nextOffset;
  }
  return changes;
}

/** Wall-clock date and time of an instant in a time zone (Gregorian calendar). */
export interface ZonedDateTime {
  /** Calendar year, e.g. 2025. */
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  /** 0..23 */
  hour: number;
  /** 0..59 */
  minute: number;
  /** 0..59 */
  second: number;
  /** UTC offset in minutes at that instant, e.g. 120 for CEST, -300 for EST. */
  offsetMinutes: number;
}

/**
 * The wall-clock date and time of `instant` in `timeZone` (luxon; never the machine's zone).
 * `timeZone` must be valid (see {@link validateTimeZone}).
 *
 * @param instant a Date or milliseconds since the epoch.
 */
export function zonedDateTime(instant: Date | number, timeZone: string): ZonedDateTime {
  const d = DateTime.fromMillis(typeof instant === "number" ? instant : instant.getTime(), { zone: timeZone });
  return {
    year: d.year,
    month: d.month,
    day: d.day,
    hour: d.hour,
    minute: d.minute,
    second: d.second,
    offsetMinutes: d.offset,
  };
}
