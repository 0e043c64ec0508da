/**
 * Finding backups in listings: by label selector (the project's one parser,
 * format/label-selector.ts), plan, phase and age, newest first. Pure: the listings come from
 * catalog.ts (`listBackups`), the clock from the caller. What `hks backup list` filters with, and
 * what plan status and metrics group by.
 */
import { InputError } from "../../errors";
import { parseDuration } from "../../format/hook-annotations";
import { matchesSelector, parseLabelSelector, type LabelRequirement } from "../../format/label-selector";
import { nameBase } from "../backup/name";
import type { BackupSummary, CatalogPhase } from "./catalog";

/** Every phase a listed backup can have. */
export const CATALOG_PHASES: readonly CatalogPhase[] = ["Completed", "PartiallyFailed", "Failed", "Incomplete"];

/** What to keep of a listing; every given criterion must hold. */
export interface BackupFilter {
  /** Requirements on the backup's recorded labels (parsed with `parseLabelSelector`). */
  readonly selector?: readonly LabelRequirement[];
  /** Only this plan's backups (see {@link belongsToPlan}). */
  readonly plan?: string;
  /** Only these phases. */
  readonly phases?: readonly CatalogPhase[];
  /** Only backups taken at or after this instant ({@link backupTime}); a backup without a time is left out. */
  readonly since?: Date;
  /** Only backups stored in this location. */
  readonly storageLocation?: string;
}

const STAMP = /-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:-\d+)?$/;

/**
 * When a backup was taken, in ms since the epoch: its start, else its end, else the UTC stamp of a
 * generated name (`<base>-YYYYMMDDHHMMSS`, the only clue an Incomplete backup without records
 * carries); undefined when none of those exists.
 */
export function backupTime(s: TimedBackup): number | undefined {
  for (const t of [s.startedAt, s.completedAt]) {
    const ms = t === undefined ? NaN : Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  const m = STAMP.exec(s.name);
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, se);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * True when `s` was taken by `plan`: its records say so, or, for an Incomplete backup without
 * records, its name is the plan's generated name (`<plan>-YYYYMMDDHHMMSS[-n]`).
 */
export function belongsToPlan(s: Pick<BackupSummary, "name" | "plan" | "phase">, plan: string): boolean {
  if (s.plan !== undefined) return s.plan === plan;
  if (s.phase !== "Incomplete") return false;
  const base = nameBase(plan);
  return s.name.startsWith(`${base}-`) && STAMP.test(s.name) && s.name.replace(STAMP, "") === base;
}

/** What ordering by time reads of a backup. */
export type TimedBackup = Pick<BackupSummary, "name" | "startedAt" | "completedAt">;

/** Newest first by {@link backupTime} (backups without a time last), then by name, descending. */
export function compareNewestFirst(a: TimedBackup, b: TimedBackup): number {
  const ta = backupTime(a) ?? -Infinity;
  const tb = backupTime(b) ?? -Infinity;
  if (ta !== tb) return tb - ta;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/** The backups of `list` that match `filter`, newest first. */
export function filterBackups(list: readonly BackupSummary[], filter: BackupFilter = {}): BackupSummary[] {
  const since = filter.since?.getTime();
  return list
    .filter((s) => {
      if (filter.selector && !matchesSelector(filter.selector, s.labels)) return false;
      if (filter.plan !== undefined && !belongsToPlan(s, filter.plan)) return false;
      if (filter.phases && !filter.phases.includes(s.phase)) return false;
      if (filter.storageLocation !== undefined && s.storageLocation !== filter.storageLocation) return false;
      if (since !== undefined) {
        const t = backupTime(s);
        if (t === undefined || t < since) return false;
      }
      return true;
    })
    .sort(compareNewestFirst);
}

/** Parses phases given as text (`Completed,PartiallyFailed`, any case); InputError on `field`. */
export function parsePhases(text: string, field = "--phase"): CatalogPhase[] {
  const out: CatalogPhase[] = [];
  for (const part of text.split(",").map((p) => p.trim())) {
    const phase = CATALOG_PHASES.find((p) => p.toLowerCase() === part.toLowerCase());
    if (!phase)
      throw new InputError(field, `"${part}" is not a backup phase: use ${CATALOG_PHASES.join(", ")} (or a list)`);
    if (!out.includes(phase)) out.push(phase);
  }
  return out;
}

const LONG_UNITS: Record<string, number> = { d: 86_400_000, w: 7 * 86_400_000 };

/**
 * The instant `--since` names: an age before `now` (`7d`, `2w`, `12h`, `30m`, `1h30m`, `90s`; days
 * and weeks are 24 h and 7 × 24 h) or an ISO 8601 time (`2026-01-31`, `2026-01-31T02:00:00Z`).
 * InputError on `field` for anything else.
 */
export function parseSince(text: string, now: Date, field = "--since"): Date {
  const t = text.trim();
  const long = /^(\d+(?:\.\d+)?)([dw])$/.exec(t);
  const ms = long
    ? Number(long[1]) * LONG_UNITS[long[2]!]!
    : /^\d/.test(t) && !t.includes("-")
      ? parseDuration(t)
      : undefined;
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const at = /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN;
  if (Number.isFinite(at)) return new Date(at);
  throw new InputError(
    field,
    `"${text}" is neither an age (e.g. 7d, 2w, 12h, 30m) nor an ISO 8601 time (e.g. 2026-01-31T02:00:00Z)`,
  );
}

/** A filter as people type it (CLI flags, the dashboard's form); empty strings count as absent. */
export interface BackupFilterText {
  readonly selector?: string;
  readonly plan?: string;
  readonly phase?: string;
  readonly since?: string;
  readonly storageLocation?: string;
}

/**
 * Parses a typed filter (the selector with the project's one label-selector parser); InputError
 * naming the field as `fields` spells it (`--selector` on the CLI, `selector` in the dashboard).
 */
export function parseBackupFilter(
  t: BackupFilterText,
  now: Date,
  fields: { selector: string; phase: string; since: string } = {
    selector: "--selector",
    phase: "--phase",
    since: "--since",
  },
): BackupFilter {
  return {
    ...(t.selector ? { selector: parseLabelSelector(t.selector, fields.selector) } : {}),
    ...(t.plan ? { plan: t.plan } : {}),
    ...(t.phase ? { phases: parsePhases(t.phase, fields.phase) } : {}),
    ...(t.since ? { since: parseSince(t.since, now, fields.since) } : {}),
    ...(t.storageLocation ? { storageLocation: t.storageLocation } : {}),
  };
}
