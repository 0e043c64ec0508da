/**
 * The dashboard's pages, rendered on the server as plain HTML with hono's `html` template tag, which
 * escapes every interpolated value (names, labels and reasons come from the cluster and the stores).
 * No script and no build step: each page is one response, the filters are a GET form.
 */
import { html } from "hono/html";
import type { BackupSummary } from "../../provider/engine/catalog/catalog";
import { formatAge, type PlanBackup } from "../../provider/engine/catalog/plan-status";
import { CATALOG_PHASES } from "../../provider/engine/catalog/search";
import { formatBytes } from "../../provider/engine/progress";
import type { CatalogView, LocationBackups, PlanView } from "../../provider/prepare/catalog-view";

type Html = ReturnType<typeof html>;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24}
header{background:#1b1f24;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:baseline}
header a{color:#cfd6de;text-decoration:none}header a.on{color:#fff;font-weight:600}
main{padding:1em 1.2em}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#f5f6f8}.state{font-weight:600;padding:0 .4em;border-radius:3px}
.OK,.Completed{background:#d8f3dc}.LATE,.PartiallyFailed,.PENDING,.Incomplete{background:#fff1c2}
.MISSING,.Failed,.down{background:#ffd6d6}.problem{color:#a40000}
form.filters{display:flex;gap:.6em;flex-wrap:wrap;margin-bottom:1em}
form.filters label{display:flex;flex-direction:column}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}dt{font-weight:600}
`;

const NAV: [string, string][] = [
  ["/", "Plans"],
  ["/locations", "Locations"],
  ["/backups", "Backups"],
];

/** The page frame: navigation, title, content. */
export function layout(title: string, path: string, namespace: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · hks</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <header>
          <strong>hks</strong>
          ${NAV.map(([href, label]) => html`<a href="${href}" class="${href === path ? "on" : ""}">${label}</a>`)}
          <span>namespace ${namespace}</span>
        </header>
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`;
}

/** A table with a header row. */
const table = (headers: readonly string[], rows: readonly Html[]) =>
  html`<table>
    <thead>
      <tr>
        ${headers.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;

const state = (s: string) => html`<span class="state ${s}">${s}</span>`;
const problems = (list: readonly string[]) => list.map((p) => html`<p class="problem">${p}</p>`);
const when = (b: PlanBackup | undefined) => (b ? html`${state(b.phase)} ${b.startedAt ?? b.completedAt ?? ""}` : "-");

/** `/`: every plan with its status. */
export function plansPage(view: CatalogView): Html {
  const rows = view.plans.map(({ status: s, problems: p }) => {
    const good = s.lastGoodAgeSeconds === undefined ? "-" : `${formatAge(s.lastGoodAgeSeconds)} ago`;
    return html`<tr>
      <td><a href="/plans/${encodeURIComponent(s.plan)}">${s.plan}</a></td>
      <td>${s.schedule.cron} <small>${s.schedule.timeZone}</small></td>
      <td>${when(s.lastRun)}</td>
      <td>${good}</td>
      <td>${s.suspended ? "suspended" : (s.nextRunLocal ?? "-")}</td>
      <td>${state(s.rpo.state)} <small>${s.rpo.reason}</small>${problems(p)}</td>
    </tr>`;
  });
  return html`${problems(view.problems)}
  ${
    view.plans.length === 0
      ? html`<p>No plans are installed in namespace ${view.namespace}.</p>`
      : table(["Plan", "Schedule", "Last run", "Last good", "Next run", "RPO"], rows)
  }`;
}

/** `/plans/:name`: one plan's status in full. */
export function planPage(p: PlanView): Html {
  const s = p.status;
  const spec = p.installed.spec;
  const backup = (b: PlanBackup | undefined) =>
    b
      ? html`${b.name} ${state(b.phase)} started ${b.startedAt ?? "-"}, ${b.items ?? "-"} items,
        ${formatBytes(b.bytes)}, in ${b.locations.join(", ")}`
      : "-";
  return html`<dl>
      <dt>Schedule</dt>
      <dd>${s.schedule.cron} (${s.schedule.timeZone})${s.suspended ? ", suspended" : ""}</dd>
      <dt>Target</dt>
      <dd>
        namespaces
        ${spec.target.namespaces.join(", ") || "*"}${spec.target.selector ? `, selector ${spec.target.selector}` : ""}
      </dd>
      <dt>Locations</dt>
      <dd>${spec.storageLocation} (primary)${spec.copies.map((c) => `, ${c.storageLocation} (copy)`)}</dd>
      <dt>Last run</dt>
      <dd>${backup(s.lastRun)}</dd>
      <dt>Last good</dt>
      <dd>${backup(s.lastGood)}</dd>
      <dt>Next run</dt>
      <dd>${s.nextRunLocal ? `${s.nextRunLocal} (${s.nextRun})` : "-"}</dd>
      <dt>RPO</dt>
      <dd>${state(s.rpo.state)} ${s.rpo.reason}</dd>
    </dl>
    ${problems(p.problems)}
    <p><a href="/backups?plan=${encodeURIComponent(s.plan)}">Backups of this plan</a></p>`;
}

function locationTarget(l: LocationBackups): string {
  const c = l.config;
  if (!c) return "-";
  if (c.nfs) return `nfs ${c.nfs.server}:${c.nfs.path}`;
  const os = c.objectStorage;
  return os ? `s3://${os.bucket}/${os.prefix}${os.endpoint ? ` (${os.endpoint})` : ""}` : "-";
}

/** `/locations`: every recorded location, its settings and what it holds. */
export function locationsPage(view: CatalogView): Html {
  const rows = view.locations.map((l) => {
    const c = l.config;
    const enc = c
      ? [c.recipients.length ? `age (${c.recipients.length} recipients)` : "", c.serverSideEncryption?.type ?? ""]
      : [];
    const bytes = l.backups.reduce((n, b) => n + b.bytes, 0);
    const ok = state("OK");
    return html`<tr>
      <td>${l.name}${c?.default ? " (default)" : ""}</td>
      <td>${locationTarget(l)}</td>
      <td>${c?.accessMode ?? "-"}</td>
      <td>${enc.filter(Boolean).join(", ") || "none"}</td>
      <td>
        ${l.error ? html`<span class="state down">unreadable</span> <small class="problem">${l.error}</small>` : ok}
      </td>
      <td><a href="/backups?location=${encodeURIComponent(l.name)}">${l.backups.length}</a></td>
      <td>${formatBytes(bytes)}</td>
    </tr>`;
  });
  return view.locations.length === 0
    ? html`<p>No storage locations are recorded in namespace ${view.namespace}.</p>`
    : table(["Location", "Where", "Access", "Encryption", "Status", "Backups", "Stored"], rows);
}

/** The filter form's values, as given in the query. */
export interface BackupQuery {
  readonly selector?: string;
  readonly plan?: string;
  readonly phase?: string;
  readonly location?: string;
  readonly since?: string;
}

/** `/backups`: the filter form and the matching backups, newest first. */
export function backupsPage(q: BackupQuery, list: readonly BackupSummary[], error?: string): Html {
  const field = (name: keyof BackupQuery, label: string, placeholder: string) =>
    html`<label>${label}<input name="${name}" value="${q[name] ?? ""}" placeholder="${placeholder}" /></label>`;
  const rows = list.map(
    (b) =>
      html`<tr>
        <td>${b.name}</td>
        <td>${state(b.phase)}</td>
        <td>${b.storageLocation ?? "-"}</td>
        <td>${b.plan ?? "-"}</td>
        <td>${Object.entries(b.labels).map(([k, v]) => html`<code>${k}=${v}</code> `)}</td>
        <td>${b.items ?? "-"}</td>
        <td>${formatBytes(b.bytes)}</td>
        <td>${b.startedAt ?? "-"}</td>
      </tr>`,
  );
  return html`<form class="filters" method="get" action="/backups">
      ${field("selector", "Labels", "env=prod,tier in (db)")} ${field("plan", "Plan", "nightly")}
      <label
        >Phase<select name="phase">
          <option value="">any</option>
          ${CATALOG_PHASES.map((p) => html`<option value="${p}" ${q.phase === p ? "selected" : ""}>${p}</option>`)}
        </select></label
      >
      ${field("location", "Location", "main")} ${field("since", "Since", "7d")}
      <button type="submit">Filter</button>
    </form>
    ${error ? html`<p class="problem">${error}</p>` : ""}
    <p>${list.length} backup${list.length === 1 ? "" : "s"}</p>
    ${table(["Name", "Phase", "Location", "Plan", "Labels", "Items", "Size", "Started"], rows)}`;
}
