/**
 * Which backup a drill restores (pure): the plan's newest Completed backup, or, to prove older
 * backups restore too, a random Completed one from the last `windowDays`. PartiallyFailed and
 * Failed backups are never drilled implicitly.
 */
import { newestCompleted, type BackupCandidate } from "../catalog/latest-of-plan";

const DAY_MS = 24 * 3600_000;

/**
 * The backup to drill among the plan's `candidates`, or undefined when none is Completed (or, for
 * `random`, none completed within the window).
 * @param random a number in [0, 1) (Math.random in production, fixed in tests).
 */
export function chooseDrillBackup<T extends BackupCandidate>(
  candidates: readonly T[],
  pick: "newest" | "random",
  opts: { windowDays: number; now: Date; random: number },
): T | undefined {
  if (pick === "newest") return newestCompleted(candidates);
  const since = opts.now.getTime() - opts.windowDays * DAY_MS;
  const eligible = candidates
    .filter((c) => c.phase === "Completed" && c.completedAt !== undefined && Date.parse(c.completedAt) >= since)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (eligible.length === 0) return undefined;
  return eligible[Math.min(eligible.length - 1, Math.floor(opts.random * eligible.length))];
}
