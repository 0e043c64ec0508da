/**
 * A drill run's story in a few exact lines: what `hks drill run|describe` print and what a failed
 * RestoreDrill resource reports. Pure.
 */
import type { DrillRecord } from "../../format/drill";
import { formatBytes } from "../progress";

/** A drill run's full story (`hks drill run` and `hks drill describe`). */
export function describeDrill(r: DrillRecord): string[] {
  const lines = [
    `drill ${r.drill} run ${r.runId}: ${r.phase}${r.reason ? ` (${r.reason})` : ""}`,
    `  backup:     ${r.backupName}${r.plan ? ` of plan ${r.plan}` : ""} in ${r.storageLocation}`,
    `  restored:   ${r.restored.objects} objects (${r.restored.skipped} skipped, ${r.restored.failed} failed) from ` +
      `${formatBytes(r.restored.archiveBytes)}; ${r.restored.volumes} volume(s)` +
      (r.restored.volumeBytes ? ` of ${formatBytes(r.restored.volumeBytes)}` : ""),
    ...(r.restored.claims ?? []).map((c) => `  volume:     ${c.claim} from ${c.source}`),
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
