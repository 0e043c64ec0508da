/**
 * The dashboard's record pages: one backup in detail (what `hks backup describe` prints, plus the
 * restore drills run from it) and the restores recorded in the namespace (what `hks restore list`
 * prints). Server-rendered like the other pages (pages.ts), every value escaped by hono's `html`.
 */
import { html } from "hono/html";
import type { BackupDescription } from "../../provider/engine/catalog/catalog";
import { formatBytes } from "../../provider/engine/progress";
import type { RestoreResult } from "../../provider/engine/restore/types";
import type { DrillRecord } from "../../provider/format/drill";
import { backupHref, backupLinks, state, table, type Html } from "./pages";

/** Seconds between two ISO instants, `-` when either is missing or unreadable. */
export function duration(from?: string, to?: string): string {
  const ms = from && to ? Date.parse(to) - Date.parse(from) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0) return "-";
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const labelsOf = (labels: Record<string, string>) =>
  Object.entries(labels).length ? Object.entries(labels).map(([k, v]) => html`<code>${k}=${v}</code> `) : "-";

/** `/backups/:location/:name`: the records of one backup and the drills run from it. */
export function backupPage(d: BackupDescription, location: string, drills: readonly DrillRecord[]): Html {
  const s = d.summary;
  const m = d.manifest;
  const issues = m ?? d.failure;
  const byResource = Object.entries(m?.counts.byResource ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const facts: [string, Html | string][] = [
    ["Phase", html`${state(s.phase)} ${s.problem ?? ""}`],
    ["Location", location],
    ["Plan", s.plan ?? "-"],
    ["Labels", html`${labelsOf(s.labels)}`],
    ["Started", s.startedAt ?? "-"],
    ["Ended", s.completedAt ?? "-"],
    ["Duration", duration(s.startedAt, s.completedAt)],
    ["Stored", `${formatBytes(s.bytes)} in ${d.objects.length} object${d.objects.length === 1 ? "" : "s"}`],
  ];
  if (m) {
    const selector = m.target.selector ? ` selector ${m.target.selector}` : "";
    facts.push(
      ["Source cluster", m.sourceCluster],
      ["Target", `namespaces ${m.target.namespaces.join(", ") || "*"}${selector}`],
      ["Items", `${m.counts.total} (${formatBytes(m.uncompressedBytes)} as YAML)`],
      [
        "Archive",
        html`<code>${m.artifacts.resources.key}</code> SHA-256
          <code>${m.artifacts.resources.sha256}</code> (${formatBytes(m.artifacts.resources.bytes)})`,
      ],
      [
        "Encryption",
        m.encryption ? `age, recipients ${m.encryption.recipientFingerprints.join(", ")}` : "none (plain archive)",
      ],
    );
  }
  return html`<dl>
      ${facts.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>${v}</dd>`,
      )}
    </dl>
    <p>${backupLinks(s, location)}</p>
    ${
      byResource.length
        ? html`<h2>Items by type</h2>
            ${table(
              ["Type", "Count"],
              byResource.map(
                ([k, n]) =>
                  html`<tr>
                    <td>${k}</td>
                    <td>${n}</td>
                  </tr>`,
              ),
            )}`
        : ""
    }
    <h2>Volume snapshots</h2>
    ${
      m?.volumeSnapshots.length
        ? table(
            ["Claim", "VolumeSnapshot", "Class", "Size", "State"],
            m.volumeSnapshots.map(
              (v) =>
                html`<tr>
                  <td>${v.namespace}/${v.persistentVolumeClaim}</td>
                  <td>${v.volumeSnapshot}</td>
                  <td>${v.volumeSnapshotClass ?? "-"}</td>
                  <td>${v.restoreSize ?? "-"}</td>
                  <td>${v.readyToUse ? state("Completed") : html`${state("Failed")} ${v.error ?? ""}`}</td>
                </tr>`,
            ),
          )
        : html`<p>None: this backup holds no volume data.</p>`
    }
    <h2>Hooks</h2>
    ${
      issues?.hooks.length
        ? table(
            ["When", "Pod", "Container", "Outcome", "Time", "Error"],
            issues.hooks.map(
              (h) =>
                html`<tr>
                  <td>${h.phase} (${h.scope})</td>
                  <td>${h.namespace}/${h.pod}</td>
                  <td>${h.container}</td>
                  <td>${h.outcome}</td>
                  <td>${h.durationMs} ms</td>
                  <td>${h.error ?? ""}</td>
                </tr>`,
            ),
          )
        : html`<p>None ran.</p>`
    }
    <h2>Warnings and errors</h2>
    ${
      (issues?.warnings.length ?? 0) + (issues?.errors.length ?? 0) === 0
        ? html`<p>None.</p>`
        : html`<ul>
            ${issues!.errors.map((e) => html`<li class="problem">${e.item}: ${e.reason}</li>`)}
            ${issues!.warnings.map((w) => html`<li>${w}</li>`)}
          </ul>`
    }
    <h2>Restore drills from this backup</h2>
    ${
      drills.length
        ? table(
            ["Drill", "Run", "Result", "RTO", "Checks", "Reason"],
            drills.map(
              (r) =>
                html`<tr>
                  <td>${r.drill}</td>
                  <td>${r.runId}</td>
                  <td>${state(r.phase === "Passed" ? "Completed" : "Failed")} ${r.phase}</td>
                  <td>${r.rtoSeconds !== undefined ? `${r.rtoSeconds} s` : "-"}</td>
                  <td>${r.checks.filter((c) => c.passed).length}/${r.checks.length}</td>
                  <td>${r.reason ?? ""}</td>
                </tr>`,
            ),
          )
        : html`<p>None yet (docs/drills.md).</p>`
    }`;
}

/** `/restores`: every restore recorded in the namespace, newest first. */
export function restoresPage(list: readonly RestoreResult[]): Html {
  if (list.length === 0) return html`<p>No restore is recorded in this namespace.</p>`;
  const sorted = [...list].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  return table(
    ["Name", "Result", "Backup", "Namespaces", "Objects", "Failed", "Skipped", "Started", "Duration", "Reason"],
    sorted.map(
      (r) =>
        html`<tr>
          <td>${r.restoreName}</td>
          <td>${state(r.phase)}</td>
          <td>${backupHref(r.backupName, r.storageLocation)} (${r.storageLocation})</td>
          <td>
            ${
              Object.entries(r.namespaceMapping).length
                ? Object.entries(r.namespaceMapping).map(([a, b]) => html`<code>${a}→${b}</code> `)
                : "as in the backup"
            }
          </td>
          <td>${r.counts.restored}/${r.counts.total}</td>
          <td>${r.counts.failed}</td>
          <td>${r.counts.skipped}</td>
          <td>${r.startedAt}</td>
          <td>${duration(r.startedAt, r.completedAt)}</td>
          <td>${r.error ?? r.failed.map((f) => `${f.reason} (${f.count})`).join("; ")}</td>
        </tr>`,
    ),
  );
}
