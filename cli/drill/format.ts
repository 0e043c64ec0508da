/**
 * What `hks drill` prints. Pure: every function returns text, so the output is tested exactly.
 */
import type { DrillRecord } from "../../provider/format/drill";

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
