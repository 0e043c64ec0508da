/**
 * What `hks drill` prints. Pure: every function returns text, so the output is tested exactly.
 */
import type { DrillRecord } from "../../provider/format/drill";
import { formatBytes } from "../../provider/engine/progress";

/** Exit code of `hks drill run`: 0 only when the drill passed. */
export const DRILL_EXIT_CODE = { Passed: 0, Failed: 1 } as const;

const rto = (r: DrillRecord) => (r.rtoSeconds !== undefined ? `${r.rtoSeconds}s` : "-");
const checks = (r: DrillRecord) =>
  r.checks.length ? `${r.checks.filter((c) => c.passed).length}/${r.checks.length}` : "-";

/** Table rows of `hks drill list`: run, drill, backup, result, RTO, checks. */
export function drillRows(records: readonly DrillRecord[]): string[][] {
  return records.map((r) => [r.startedAt.replace(/\.\d+Z$/, "Z"), r.drill, r.backupName, r.phase, rto(r), checks(r)]);
}

/** The header of {@link drillRows}. */
export const DRILL_HEADERS = ["STARTED", "DRILL", "BACKUP", "RESULT", "RTO", "CHECKS"];

/** A drill run's full story (`hks drill run` and `hks drill describe`). */
export function describeDrill(r: DrillRecord): string[] {
  const lines = [
    `drill ${r.drill} run ${r.runId}: ${r.phase}${r.reason ? ` (${r.reason})` : ""}`,
    `  backup:     ${r.backupName}${r.plan ? ` of plan ${r.plan}` : ""} in ${r.storageLocation}`,
    `  restored:   ${r.restored.objects} objects (${r.restored.skipped} skipped, ${r.restored.failed} failed) from ` +
      `${formatBytes(r.restored.archiveBytes)}; ${r.restored.volumes} volume(s)` +
      (r.restored.volumeBytes ? ` of ${formatBytes(r.restored.volumeBytes)}` : ""),
    `  namespaces: ${
      Object.entries(r.namespaces)
        .map(([s, d]) => `${s} -> ${d}`)
        .join(", ") || "-"
    }`,
    `  RTO:        ${r.rtoSeconds !== undefined ? `${r.rtoSeconds}s (restore start to all healthy)` : "not reached"}`,
  ];
  for (const u of r.unhealthy.slice(0, 5)) lines.push(`  unhealthy:  ${u}`);
  if (r.unhealthy.length > 5) lines.push(`  unhealthy:  ... ${r.unhealthy.length - 5} more`);
  for (const c of r.checks) {
    lines.push(`  check ${c.name}: ${c.passed ? "passed" : `FAILED: ${c.reason}`} (${c.seconds}s) ${c.target}`);
    const out = c.output.trim();
    if (out)
      lines.push(
        ...out
          .split("\n")
          .slice(-3)
          .map((l) => `    | ${l}`),
      );
  }
  const { deleted, kept, error } = r.cleanup;
  lines.push(
    `  clean-up:   ` +
      (error
        ? `FAILED: ${error}`
        : kept.length
          ? `kept ${kept.join(", ")} for inspection (keepOnFailure); delete them with kubectl delete ns when done`
          : `${deleted.length} namespace(s) deleted`),
  );
  lines.push(`  took:       ${Math.round((Date.parse(r.completedAt) - Date.parse(r.startedAt)) / 100) / 10}s`);
  return lines;
}
