/**
 * The human-readable report of a restore result, shared by `pulumi up` output, `hks restore create`
 * and `hks restore describe`: short, exact, with counts, one line per reason group.
 */
import { summarizeRestoreCounts } from "./result";
import type { ReasonGroup, RestoreResult } from "./types";

/** Items named per reason in a report line; the count always says how many there were. */
export const ITEMS_PER_LINE = 3;

function groupLine(g: ReasonGroup): string {
  const shown = g.items.slice(0, ITEMS_PER_LINE).join(", ");
  const more = g.count > ITEMS_PER_LINE ? `, ... (+${g.count - Math.min(ITEMS_PER_LINE, g.items.length)})` : "";
  return `    ${g.count} × ${g.reason}: ${shown}${more}`;
}

/** Report lines for `r` (no trailing newline); `verbose` adds timing and volume details. */
export function formatRestoreResult(r: RestoreResult, verbose = false): string[] {
  const mapping = Object.entries(r.namespaceMapping)
    .map(([a, b]) => `${a}→${b}`)
    .join(", ");
  const lines = [
    `restore ${r.restoreName} of backup ${r.backupName} (location ` +
      `${r.storageLocation}${mapping ? `, ${mapping}` : ""}) into ${r.targetCluster}`,
    `  ${summarizeRestoreCounts(r.phase, r.counts)}`,
  ];
  if (r.error) lines.push(`  error: ${r.error}`);
  if (r.createdNamespaces.length)
    lines.push(`  created namespaces: ${r.createdNamespaces.map((n) => n.name).join(", ")}`);
  if (r.failed.length) lines.push("  failed:", ...r.failed.map(groupLine));
  if (r.skipped.length) lines.push("  skipped:", ...r.skipped.map(groupLine));
  if (r.warnings.length) lines.push("  warnings:", ...r.warnings.map((w) => `    ${w}`));
  // Where each claim's data came from: a line per claim, what a person checks first after a restore.
  if (r.volumes.length) lines.push("  volumes:", ...r.volumes.map((v) => `    ${v.claim}: ${v.source}`));
  if (verbose) {
    if (r.createdSnapshotContents.length)
      lines.push(`  created VolumeSnapshotContents: ${r.createdSnapshotContents.join(", ")}`);
    lines.push(`  started ${r.startedAt}, completed ${r.completedAt} (${r.objectsPerSecond} objects/s)`);
  }
  return lines;
}
