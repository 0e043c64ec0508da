/**
 * What `hks plan list | status` print. Pure: every function returns text or rows from a
 * PlanStatus (provider/engine/catalog/plan-status.ts), so the output is tested exactly.
 */
import { formatAge, type PlanBackup, type PlanStatus } from "../../provider/engine/catalog/plan-status";
import { formatBytes } from "../../provider/engine/progress";
import type { PlanView } from "../../provider/prepare/catalog-view";

const when = (b: PlanBackup) => b.startedAt ?? b.completedAt ?? "-";

/** Table of `hks plan list`. */
export function planRows(statuses: readonly PlanStatus[]): { headers: string[]; rows: string[][] } {
  return {
    headers: ["NAME", "SCHEDULE", "TIME ZONE", "LAST RUN", "LAST GOOD", "NEXT RUN", "RPO"],
    rows: statuses.map((s) => [
      s.plan,
      s.schedule.cron,
      s.schedule.timeZone,
      s.lastRun ? `${s.lastRun.phase} ${when(s.lastRun)}` : "-",
      s.lastGoodAgeSeconds !== undefined ? `${formatAge(s.lastGoodAgeSeconds)} ago` : "-",
      s.suspended ? "suspended" : (s.nextRunLocal ?? "-"),
      s.rpo.state,
    ]),
  };
}

function backupLine(b: PlanBackup): string {
  const parts = [`${b.name} ${b.phase}`, `started ${b.startedAt ?? "-"}`];
  if (b.durationSeconds !== undefined) parts.push(`took ${b.durationSeconds.toFixed(1)}s`);
  if (b.items !== undefined) parts.push(`${b.items} items`);
  parts.push(formatBytes(b.bytes));
  if (b.errors) parts.push(`${b.errors} error${b.errors === 1 ? "" : "s"}`);
  if (b.warnings) parts.push(`${b.warnings} warning${b.warnings === 1 ? "" : "s"}`);
  parts.push(`in ${b.locations.join(", ")}`);
  return parts.join(", ");
}

/** `hks plan status <plan>` as text. */
export function planStatusText(view: PlanView): string {
  const s = view.status;
  const spec = view.installed.spec;
  const locations = [`${spec.storageLocation} (primary)`, ...spec.copies.map((c) => `${c.storageLocation} (copy)`)];
  const next = s.nextRunLocal && s.nextRun ? `${s.nextRunLocal} (${s.nextRun})` : s.suspended ? "- (suspended)" : "-";
  const lines = [
    `Plan:         ${s.plan} (namespace ${s.namespace})`,
    `Schedule:     ${s.schedule.cron} (${s.schedule.timeZone})${s.suspended ? ", suspended" : ""}`,
    `Locations:    ${locations.join(", ")}`,
    `Last run:     ${s.lastRun ? backupLine(s.lastRun) : "-"}`,
    `Last good:    ${s.lastGood ? `${backupLine(s.lastGood)} (${formatAge(s.lastGoodAgeSeconds ?? 0)} ago)` : "-"}`,
    `Next run:     ${next}`,
    `Interval:     ${s.intervalSeconds !== undefined ? formatAge(s.intervalSeconds) : "-"}`,
    `Backups:      ${s.backups}`,
    `RPO:          ${s.rpo.state}: ${s.rpo.reason}`,
  ];
  for (const p of view.problems) lines.push(`Problem:      ${p}`);
  return lines.join("\n") + "\n";
}

/** The JSON of one plan (`-o json`): its status and the locations that could not be read. */
export function planJson(view: PlanView): PlanStatus & { problems: string[] } {
  return { ...view.status, problems: view.problems };
}
