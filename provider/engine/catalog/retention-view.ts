/**
 * What a plan's retention keeps in one location, and why: the same selection `hks run-plan` prunes
 * with (format/retention.ts `selectRetention`), applied to the backups the location holds now. Pure;
 * the dashboard draws it as a timeline.
 */
import type { PlanSpec } from "../../format/plan-spec";
import { RETENTION_RULES, selectRetention, type RetentionCandidate } from "../../format/retention";
import type { BackupSummary } from "./catalog";

/** One backup on the timeline. */
export interface RetentionPoint {
  readonly name: string;
  readonly startedAt: Date;
  readonly phase: RetentionCandidate["phase"];
  /** Kept by the next run's retention, or pruned by it. */
  readonly kept: boolean;
  /** Every rule that keeps it, or why it goes. */
  readonly why: string[];
}

/** The plan's retention in `location` (its primary, or one of its copies). */
export interface RetentionTimeline {
  readonly location: string;
  /** The rules, e.g. `daily 7, weekly 4`. */
  readonly policy: string;
  /** Newest first. */
  readonly points: RetentionPoint[];
  readonly warnings: string[];
}

/**
 * The timeline of `plan` in `location` over `backups` (that location's listing; others' are
 * ignored). Backups without a start time or still Incomplete are not retention's to judge.
 */
export function retentionTimeline(
  plan: PlanSpec,
  location: string,
  backups: readonly BackupSummary[],
): RetentionTimeline {
  const policy =
    location === plan.storageLocation
      ? plan.retention
      : plan.copies.find((c) => c.storageLocation === location)?.retention;
  if (!policy) throw new Error(`location ${location} is not one of plan ${plan.name}'s`);
  const candidates: RetentionCandidate[] = backups
    .filter((b) => b.plan === plan.name && b.startedAt && b.phase !== "Incomplete")
    .map((b) => ({ name: b.name, startedAt: new Date(b.startedAt!), phase: b.phase as RetentionCandidate["phase"] }));
  const r = selectRetention(candidates, policy, plan.schedule.timeZone);
  const kept = new Map(r.keep.map((k) => [k.name, k.reasons]));
  const pruned = new Map(r.prune.map((p) => [p.name, p.reason]));
  const points = candidates
    .map((c) => ({
      name: c.name,
      startedAt: c.startedAt,
      phase: c.phase,
      kept: kept.has(c.name),
      why: kept.get(c.name) ?? [pruned.get(c.name) ?? ""],
    }))
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const rules = [...RETENTION_RULES, "keepFailed" as const]
    .filter((k) => policy[k] > 0)
    .map((k) => `${k} ${policy[k]}`);
  return { location, policy: rules.join(", "), points, warnings: r.warnings };
}
