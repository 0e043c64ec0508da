/**
 * What `hks backup` prints. Pure: every function returns text, so the output is tested exactly.
 * Results go to stdout, short and exact (counts and sizes); progress goes to stderr elsewhere.
 */
import type { BackupResult } from "../../provider/engine/backup/types";
import type { BackupDescription, BackupSummary } from "../../provider/engine/catalog/catalog";
import type { BackupFailure, BackupManifest } from "../../provider/format/manifest";
import { formatBytes } from "../../provider/engine/progress";
import { volumeDataTotals } from "../../provider/engine/backup/result";

/** Exit code per phase: 0 only when everything asked for is in the backup. */
export const EXIT_CODE = { Completed: 0, Failed: 1, PartiallyFailed: 2 } as const;

/** The JSON shape of one listed backup (`hks backup list -o json`). */
export interface BackupListJson {
  name: string;
  phase: string;
  storageLocation: string | null;
  startedAt: string | null;
  completedAt: string | null;
  items: number | null;
  bytes: number;
  plan: string | null;
  labels: Record<string, string>;
  errors: number;
  warnings: number;
}

/** One summary as list JSON (explicit nulls, so every key is always present). */
export function summaryJson(s: BackupSummary): BackupListJson {
  return {
    name: s.name,
    phase: s.phase,
    storageLocation: s.storageLocation ?? null,
    startedAt: s.startedAt ?? null,
    completedAt: s.completedAt ?? null,
    items: s.items ?? null,
    bytes: s.bytes,
    plan: s.plan ?? null,
    labels: s.labels,
    errors: s.errors,
    warnings: s.warnings,
  };
}

/** Table rows of `hks backup list`. */
export function summaryRows(list: readonly BackupSummary[]): { headers: string[]; rows: string[][] } {
  return {
    headers: ["NAME", "PHASE", "LOCATION", "ITEMS", "SIZE", "STARTED", "COMPLETED", "PLAN"],
    rows: list.map((s) => [
      s.name,
      s.phase,
      s.storageLocation ?? "-",
      s.items === undefined ? "-" : String(s.items),
      formatBytes(s.bytes),
      s.startedAt ?? "-",
      s.completedAt ?? "-",
      s.plan ?? "-",
    ]),
  };
}

function seconds(from: string, to: string): string {
  return `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)}s`;
}

/** The result of `hks backup create`, a few lines. */
export function createdText(res: BackupResult, location: string): string {
  const lines: string[] = [];
  if (res.phase === "Failed") {
    const f = res.record as BackupFailure;
    lines.push(`Backup "${res.name}" Failed after ${seconds(f.startedAt, f.failedAt)} (location ${location}):`);
    for (const e of f.errors) lines.push(`  error: ${e.item}: ${e.reason}`);
  } else {
    const m = res.record as BackupManifest;
    const types = Object.keys(m.counts.byResource).length;
    lines.push(
      `Backup "${res.name}" ${m.phase}: ${m.counts.total} objects (${types} types), ` +
        `${formatBytes(m.artifacts.resources.bytes)} stored (${formatBytes(m.uncompressedBytes)} ` +
        `YAML${m.encryption ? ", encrypted" : ""}) in ${seconds(m.startedAt, m.completedAt)}`,
    );
    lines.push(`  location: ${location} ${res.url}`);
    if (res.excludedByLabel) lines.push(`  excluded by label hks.io/exclude-from-backup: ${res.excludedByLabel}`);
    if (m.volumeSnapshots.length) {
      const ready = m.volumeSnapshots.filter((s) => s.readyToUse);
      const dropped = ready.filter((s) => s.deletedAfterCopy).length;
      lines.push(
        `  snapshots: ${ready.length}/${m.volumeSnapshots.length} ` +
          `ready${ready.length ? ` (${ready.map((s) => `${s.namespace}/${s.volumeSnapshot}`).join(", ")})` : ""}` +
          (dropped ? `, ${dropped} deleted after its data was copied` : ""),
      );
    }
    if (m.volumeData?.length) {
      const done = volumeDataTotals(m.volumeData).copied;
      const each = done.map(
        (v) =>
          `${v.namespace}/${v.persistentVolumeClaim}: ${v.files ?? 0} files, ${formatBytes(v.bytes ?? 0)} read, ` +
          `${formatBytes(v.uploadedBytes ?? 0)} uploaded, ${formatBytes(v.reusedBytes ?? 0)} already stored`,
      );
      lines.push(
        `  volume data: ${done.length}/${m.volumeData.length} copied${each.length ? ` (${each.join("; ")})` : ""}`,
      );
    }
    for (const h of m.hooks)
      if (h.outcome !== "Succeeded")
        lines.push(
          `  hook: ${h.phase} ${h.namespace}/${h.pod} ${h.container}: ${h.outcome}${h.error ? ` (${h.error})` : ""}`,
        );
    for (const w of m.warnings) lines.push(`  warning: ${w}`);
    for (const e of m.errors) lines.push(`  error: ${e.item}: ${e.reason}`);
  }
  return lines.join("\n") + "\n";
}

/** `hks backup describe` as text. */
export function describeText(d: BackupDescription): string {
  const s = d.summary;
  const lines = [
    `Name:         ${s.name}`,
    `Phase:        ${s.phase}${s.problem ? ` (${s.problem})` : ""}`,
    `Location:     ${s.storageLocation ?? "-"}`,
    `Plan:         ${s.plan ?? "-"}`,
    `Labels:       ${
      Object.entries(s.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(",") || "-"
    }`,
    `Started:      ${s.startedAt ?? "-"}`,
    `Completed:    ${s.completedAt ?? "-"}`,
    `Stored:       ${formatBytes(s.bytes)} in ${d.objects.length} objects`,
  ];
  const m = d.manifest;
  if (m) {
    lines.push(`Source:       ${m.sourceCluster}`);
    const selector = m.target.selector ? ` selector=${m.target.selector}` : "";
    lines.push(`Target:       namespaces=${m.target.namespaces.join(",") || "*"}${selector}`);
    lines.push(`Items:        ${m.counts.total} (${formatBytes(m.uncompressedBytes)} YAML)`);
    for (const [k, n] of Object.entries(m.counts.byResource)) lines.push(`  ${k}: ${n}`);
    const age = m.encryption ? ` (age, recipients ${m.encryption.recipientFingerprints.join(",")})` : "";
    lines.push(`Archive:      ${m.artifacts.resources.key} sha256:${m.artifacts.resources.sha256}${age}`);
    for (const v of m.volumeSnapshots)
      lines.push(
        `Snapshot:     ${v.namespace}/${v.persistentVolumeClaim} -> ${v.volumeSnapshot} ` +
          `${v.readyToUse ? "ready" : `failed: ${v.error}`}`,
      );
    for (const h of m.hooks)
      lines.push(
        `Hook:         ${h.phase} ${h.scope} ${h.namespace}/${h.pod} ${h.container}: ${h.outcome} ` +
          `(${h.durationMs}ms)${h.error ? ` ${h.error}` : ""}`,
      );
  }
  const issues = m ?? d.failure;
  for (const w of issues?.warnings ?? []) lines.push(`Warning:      ${w}`);
  for (const e of issues?.errors ?? []) lines.push(`Error:        ${e.item}: ${e.reason}`);
  return lines.join("\n") + "\n";
}
