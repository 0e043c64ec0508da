/**
 * The dashboard's pages, rendered on the server as plain HTML with hono's `html` template tag, which
 * escapes every interpolated value (names, labels and reasons come from the cluster and the stores).
 * No build step: each page is one response, the filters are a GET form, actions are a confirmation
 * page and a POST form; the only script streams a running action's output into its page.
 */
import { html, raw } from "hono/html";
import type { BackupSummary } from "../../provider/engine/catalog/catalog";
import { formatAge, type PlanBackup } from "../../provider/engine/catalog/plan-status";
import { CATALOG_PHASES } from "../../provider/engine/catalog/search";
import type { DeletionPreview } from "../backup/delete";
import { formatBytes } from "../../provider/engine/progress";
import type { CatalogView, LocationBackups, PlanView } from "../../provider/prepare/catalog-view";
import type { Job } from "./jobs";
import type { RetentionTimeline } from "../../provider/engine/catalog/retention-view";

export type Html = ReturnType<typeof html>;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24}
header{background:#1b1f24;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:baseline}
header a{color:#cfd6de;text-decoration:none}header a.on{color:#fff;font-weight:600}
main{padding:1em 1.2em}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #e3e6ea;vertical-align:top}
th{background:#f5f6f8}.state{font-weight:600;padding:0 .4em;border-radius:3px}
.OK,.Completed,.Succeeded{background:#d8f3dc}.Running{background:#e7f0ff}
.LATE,.PartiallyFailed,.PENDING,.Incomplete{background:#fff1c2}
.MISSING,.Failed,.down{background:#ffd6d6}.problem{color:#a40000}
form.filters{display:flex;gap:.6em;flex-wrap:wrap;margin-bottom:1em}
form.filters label{display:flex;flex-direction:column}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em}dt{font-weight:600}
`;

const NAV: [string, string][] = [
  ["/", "Plans"],
  ["/locations", "Locations"],
  ["/backups", "Backups"],
  ["/restores", "Restores"],
  ["/drills", "Drills"],
  ["/jobs", "Actions"],
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
export const table = (headers: readonly string[], rows: readonly Html[]) =>
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

export const state = (s: string) => html`<span class="state ${s}">${s}</span>`;
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

/** `/plans/:name`: one plan's status in full, and its retention per location. */
export function planPage(p: PlanView, retention: readonly RetentionTimeline[] = []): Html {
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
    <p>
      <a href="/backups?plan=${encodeURIComponent(s.plan)}">Backups of this plan</a> ·
      <a href="/actions/backup-now?plan=${encodeURIComponent(s.plan)}">Back up now…</a>
    </p>
    ${retention.map(retentionSection)}`;
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

/** A backup that can be verified and restored: it was written whole. */
const restorable = (b: BackupSummary) => b.phase === "Completed" || b.phase === "PartiallyFailed";

/** A backup's name, linking its detail page. */
export const backupHref = (name: string, location: string) =>
  html`<a href="/backups/${encodeURIComponent(location)}/${encodeURIComponent(name)}">${name}</a>`;

/** The actions on one stored backup: verify and restore when it was written whole; delete always. */
export function backupLinks(b: BackupSummary, location: string): Html {
  const q = `backup=${encodeURIComponent(b.name)}&location=${encodeURIComponent(location)}`;
  const remove = html`<a href="/actions/delete?${q}">delete…</a>`;
  if (!restorable(b)) return remove;
  return html`<a href="/actions/verify?${q}">verify</a> <a href="/actions/restore?${q}">restore…</a> ${remove}`;
}

/** `/backups`: the filter form and the matching backups, newest first. */
export function backupsPage(q: BackupQuery, list: readonly BackupSummary[], error?: string): Html {
  const field = (name: keyof BackupQuery, label: string, placeholder: string) =>
    html`<label>${label}<input name="${name}" value="${q[name] ?? ""}" placeholder="${placeholder}" /></label>`;
  const rows = list.map(
    (b) =>
      html`<tr>
        <td>${b.storageLocation ? backupHref(b.name, b.storageLocation) : b.name}</td>
        <td>${state(b.phase)}</td>
        <td>${b.storageLocation ?? "-"}</td>
        <td>${b.plan ?? "-"}</td>
        <td>${Object.entries(b.labels).map(([k, v]) => html`<code>${k}=${v}</code> `)}</td>
        <td>${b.items ?? "-"}</td>
        <td>${formatBytes(b.bytes)}</td>
        <td>${b.startedAt ?? "-"}</td>
        <td>${b.storageLocation ? backupLinks(b, b.storageLocation) : ""}</td>
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
    ${table(["Name", "Phase", "Location", "Plan", "Labels", "Items", "Size", "Started", ""], rows)}`;
}

/** A hidden field carrying the form's CSRF token. */
const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;

/**
 * A confirmation: what will happen, said plainly, and one button that does it (POST with the CSRF
 * token). Nothing happens on GET.
 */
export function confirmPage(p: {
  action: string;
  what: string;
  details: readonly string[];
  fields: Record<string, string>;
  button: string;
  csrf: string;
}): Html {
  return html`<p>${p.what}</p>
    <ul>
      ${p.details.map((d) => html`<li>${d}</li>`)}
    </ul>
    <form method="post" action="${p.action}">
      ${csrfField(p.csrf)}
      ${Object.entries(p.fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`)}
      <button type="submit">${p.button}</button> <a href="/backups">Cancel</a>
    </form>`;
}

/**
 * Deleting a backup: what goes (objects, bytes, VolumeSnapshots) and a button, or, when the rules
 * of provider/engine/catalog/delete-guard.ts refuse it, why, and no button.
 */
export function deletePage(p: { backup: string; preview: DeletionPreview; csrf: string }): Html {
  const { preview } = p;
  if (preview.refusals.length)
    return html`<p>Backup ${p.backup} in location ${preview.location} cannot be deleted:</p>
      <ul class="problem">
        ${preview.refusals.map((r) => html`<li>${r}</li>`)}
      </ul>
      <p><a href="/backups">Back to the backups</a></p>`;
  const n = preview.objects;
  return confirmPage({
    action: "/actions/delete",
    what: `Delete backup ${p.backup} from location ${preview.location}.`,
    details: [
      `deletes ${n} object${n === 1 ? "" : "s"} (${formatBytes(preview.bytes)}), the manifest first, so a half-done ` +
        `delete never leaves a backup that looks complete`,
      preview.snapshots.length
        ? `deletes the VolumeSnapshots it took first: ${preview.snapshots.join(", ")}`
        : "it took no VolumeSnapshots",
      "cannot be undone",
    ],
    fields: { backup: p.backup, location: preview.location },
    button: "Delete",
    csrf: p.csrf,
  });
}

/** The restore form: into new namespaces, named by a mapping; refusals (protected namespaces) shown. */
export function restoreFormPage(p: {
  backup: string;
  location: string;
  name: string;
  namespaceMapping: string;
  csrf: string;
  problems?: readonly string[];
}): Html {
  return html`<p>
      Restore backup <strong>${p.backup}</strong> from location <strong>${p.location}</strong> into the namespaces the
      mapping names. Objects that exist there already are skipped (never replaced); nothing else in the cluster changes.
      The result is recorded as <code>hks-restore-${p.name}</code> (<code>hks restore describe</code>).
    </p>
    ${problems(p.problems ?? [])}
    <form method="post" action="/actions/restore">
      ${csrfField(p.csrf)}
      <input type="hidden" name="backup" value="${p.backup}" />
      <input type="hidden" name="location" value="${p.location}" />
      <label>Restore name <input name="name" value="${p.name}" required /></label>
      <label
        >Namespace mapping (source:target, comma-separated)
        <input name="namespaceMapping" value="${p.namespaceMapping}" placeholder="production:staging" required
      /></label>
      <button type="submit">Restore into these namespaces</button> <a href="/backups">Cancel</a>
    </form>`;
}

const JOB_SCRIPT = `
const out=document.getElementById("out"),st=document.getElementById("phase");
const es=new EventSource(location.pathname+"/events?from="+out.dataset.lines);
es.addEventListener("line",e=>{out.textContent+=e.data+"\\n";});
es.addEventListener("end",e=>{st.textContent=e.data;st.className="state "+e.data;es.close();});
`;

/** One job: its output so far, streamed live while it runs (server-sent events). */
export function jobPage(job: Job): Html {
  return html`<p>${job.title}</p>
    <p>
      <span id="phase" class="state ${job.phase}">${job.phase}</span> started ${job.startedAt.toISOString()}
      ${job.endedAt ? `, ended ${job.endedAt.toISOString()}` : ""}
    </p>
    <pre id="out" data-lines="${job.lines.length}">${job.lines.map((l) => `${l}\n`).join("")}</pre>
    ${
      job.phase === "Running"
        ? html`<script>
            ${raw(JOB_SCRIPT)};
          </script>`
        : ""
    }
    <p><a href="/jobs">All actions</a></p>`;
}

/** `/jobs`: the actions started from this dashboard, newest first. */
export function jobsPage(jobs: readonly Job[]): Html {
  const rows = jobs.map(
    (j) =>
      html`<tr>
        <td><a href="/jobs/${j.id}">${j.title}</a></td>
        <td>${state(j.phase)}</td>
        <td>${j.startedAt.toISOString()}</td>
      </tr>`,
  );
  return jobs.length === 0
    ? html`<p>No action was started from this dashboard yet.</p>`
    : table(["Action", "Phase", "Started"], rows);
}

/** `/drills`: every recorded restore drill run, newest first. */
export function drillsPage(view: CatalogView): Html {
  const runs = view.locations
    .flatMap((l) => l.drills ?? [])
    .sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  const rows = runs.map(
    (r) =>
      html`<tr>
        <td>${r.drill}</td>
        <td>${state(r.phase === "Passed" ? "Completed" : "Failed")} ${r.phase}</td>
        <td>${backupHref(r.backupName, r.storageLocation)}</td>
        <td>${r.storageLocation}</td>
        <td>${r.rtoSeconds !== undefined ? `${r.rtoSeconds} s` : "-"}</td>
        <td>${r.checks.filter((c) => c.passed).length}/${r.checks.length}</td>
        <td>${r.reason ?? ""}</td>
        <td>${r.startedAt}</td>
      </tr>`,
  );
  return runs.length === 0
    ? html`<p>No restore drill is recorded in the namespace's locations (docs/drills.md).</p>`
    : table(["Drill", "Result", "Backup", "Location", "RTO", "Checks", "Reason", "Started"], rows);
}

/**
 * A plan's retention in one location, drawn on a time line (SVG, no script): each backup a dot at
 * its start time, kept ones filled, those the next run prunes hollow; hovering names the rules. The
 * table below says the same in words.
 */
export function retentionSection(t: RetentionTimeline): Html {
  const W = 880;
  const H = 56;
  const pad = 16;
  const times = t.points.map((p) => p.startedAt.getTime());
  const [lo, hi] = times.length ? [Math.min(...times), Math.max(...times)] : [0, 1];
  const span = Math.max(hi - lo, 3_600_000);
  const x = (ms: number) => (pad + ((ms - lo) / span) * (W - 2 * pad)).toFixed(1);
  const dots = t.points.map(
    (p) =>
      html`<circle
        cx="${x(p.startedAt.getTime())}"
        cy="28"
        r="${p.kept ? 6 : 5}"
        fill="${p.kept ? (p.phase === "Failed" ? "#c92a2a" : "#2b8a3e") : "#fff"}"
        stroke="${p.phase === "Failed" ? "#c92a2a" : p.kept ? "#2b8a3e" : "#868e96"}"
        stroke-width="2"
        ><title>${p.name} (${p.phase}): ${p.kept ? "kept" : "pruned"}: ${p.why.join("; ")}</title></circle
      >`,
  );
  const rows = t.points.map(
    (p) =>
      html`<tr>
        <td>${p.name}</td>
        <td>${state(p.phase)}</td>
        <td>${p.kept ? "kept" : "pruned next run"}</td>
        <td>${p.why.join("; ")}</td>
      </tr>`,
  );
  return html`<h2>Retention in ${t.location}: ${t.policy || "none"}</h2>
    ${
      t.points.length === 0
        ? html`<p>No backup of this plan in ${t.location} yet.</p>`
        : html`<svg
              class="timeline"
              width="${W}"
              height="${H}"
              viewBox="0 0 ${W} ${H}"
              role="img"
              aria-label="backups of the plan in ${t.location} over time"
            >
              <line x1="${pad}" y1="28" x2="${W - pad}" y2="28" stroke="#ced4da" />
              ${dots}
              <text x="${pad}" y="54" font-size="11">${new Date(lo).toISOString().slice(0, 16)}</text>
              <text x="${W - pad}" y="54" font-size="11" text-anchor="end">
                ${new Date(hi).toISOString().slice(0, 16)}
              </text>
            </svg>
            ${problems(t.warnings)} ${table(["Backup", "Phase", "Next run", "Why"], rows)}`
    }`;
}
