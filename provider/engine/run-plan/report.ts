/**
 * How a plan run is reported: the short summary `hks run-plan` prints (the CronJob's log) and its
 * exit code, which decides whether Kubernetes marks the Job failed. Pure.
 */
import type { RunPlanResult } from "./run-plan";

/**
 * Exit codes of `hks run-plan`. Only a fully successful run exits 0, so a failed Job (and the
 * alerting on it) means something needs attention.
 */
export const RUN_EXIT = {
  /** Backup Completed, published to every location, retention applied everywhere. */
  ok: 0,
  /** The backup Failed, or a location could not be written or pruned, or the plan could not be read. */
  failed: 1,
  /** The backup is PartiallyFailed (restorable, with listed errors); everything else succeeded. */
  partiallyFailed: 3,
  /** Another run holds the plan's lock; nothing was done. */
  locked: 4,
} as const;

/** The exit code of a finished run (see {@link RUN_EXIT}). */
export function runExitCode(r: RunPlanResult): number {
  const locationErrors = r.locations.some((l) => l.errors.length > 0);
  if (r.errors.length > 0 || locationErrors || r.phase === undefined || r.phase === "Failed") return RUN_EXIT.failed;
  return r.phase === "PartiallyFailed" ? RUN_EXIT.partiallyFailed : RUN_EXIT.ok;
}

/** The summary lines: the backup, each location (published, retention), warnings and errors. */
export function formatRunSummary(r: RunPlanResult): string[] {
  // The backup is taken into a local spill first: "Completed" there is not a stored backup until
  // the primary holds it (issue 8: MinIO killed mid-publish printed "Completed" for nothing stored).
  const primary = r.locations.find((l) => l.role === "primary");
  const unstored = r.phase !== undefined && r.phase !== "Failed" && !primary?.published?.manifest;
  const state = unstored
    ? `NOT STORED (taken ${r.phase}, but publishing it to ${primary?.location ?? "the primary location"} failed)`
    : (r.phase ?? "not taken");
  const lines = [
    `plan ${r.plan}: backup ${r.backupName ?? "(none)"} ${state}${r.backupSummary ? `: ${r.backupSummary}` : ""}`,
  ];
  for (const l of r.locations) {
    const parts: string[] = [];
    if (l.published)
      parts.push(l.published.manifest ? `stored at ${l.published.url}` : `failure recorded at ${l.published.url}`);
    if (l.verified)
      parts.push(
        l.verified.contentsChecked
          ? `verified (${l.verified.objects} objects read back)`
          : "verified (size and SHA-256; encrypted, contents not read)",
      );
    if (l.retention) {
      const pruned = l.retention.pruned.map((p) => p.name);
      parts.push(
        `retention kept ${l.retention.kept.length}, pruned ` +
          `${pruned.length}${pruned.length ? ` (${pruned.join(", ")})` : ""}`,
      );
    }
    lines.push(`  ${l.role} ${l.location}: ${parts.join("; ") || "nothing done"}`);
    for (const e of l.errors) lines.push(`    error: ${e}`);
    for (const w of l.retention?.warnings ?? []) lines.push(`    warning: ${w}`);
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const e of r.errors) lines.push(`  error: ${e}`);
  const code = runExitCode(r);
  lines.push(
    `result: ` +
      `${code === RUN_EXIT.ok ? "success" : code === RUN_EXIT.partiallyFailed ? "partially failed" : "failed"} ` +
      `(exit ${code})`,
  );
  return lines;
}
