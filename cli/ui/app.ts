/**
 * The `hks ui` web app (hono): access control, then server-rendered pages over the catalog view
 * (provider/prepare/catalog-view.ts), the same data `hks plan list`, `hks backup list` and
 * `hks metrics` print.
 *
 * Access, like `kubectl proxy` with a token:
 * - every request needs the access token printed with the URL: `?token=` (then kept in an
 *   HttpOnly, SameSite=Strict cookie, and the browser is redirected to the URL without it), the
 *   cookie, or `Authorization: Bearer <token>` (e.g. Prometheus scraping `/metrics`); none is 401,
 *   a wrong one 403;
 * - the Host header must be one the server listens as (a DNS-rebinding page cannot reach it);
 * - state-changing requests (every method but GET/HEAD/OPTIONS) must come from the dashboard's own
 *   origin (hono's csrf: Origin / Sec-Fetch-Site) and carry the CSRF token of its forms (`_csrf`
 *   field or `X-CSRF-Token` header), derived from the access token, which another site cannot read.
 *
 * Actions (verify a backup, back up a plan now, restore a backup into new namespaces, delete a
 * backup) are a GET page that says what will happen and a POST that starts a job (cli/ui/jobs.ts);
 * the job's page streams its output. A restore the policy pack's `hks-protected-namespaces` rule
 * would refuse is refused; a delete `hks backup delete` would refuse (a plan's last good backup, S3
 * object lock) shows why and has no button. A finished job drops the cached catalog view, so the
 * pages show what it changed.
 */
import * as crypto from "node:crypto";
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import type { HtmlEscapedString } from "hono/utils/html";
import { catalogMetricsText, METRICS_CONTENT_TYPE } from "../../provider/engine/catalog/metrics";
import { filterBackups, parseBackupFilter, type BackupFilter } from "../../provider/engine/catalog/search";
import { InputError } from "../../provider/errors";
import { planLocations, type CatalogView } from "../../provider/prepare/catalog-view";
import { retentionTimeline } from "../../provider/engine/catalog/retention-view";
import { streamSSE } from "hono/streaming";
import { restoreProtectionProblems } from "../../policy/rules";
import { JobBoard, type JobWork } from "./jobs";
import {
  backupsPage,
  confirmPage,
  deletePage,
  drillsPage,
  jobPage,
  jobsPage,
  layout,
  locationsPage,
  planPage,
  plansPage,
  restoreFormPage,
  type BackupQuery,
} from "./pages";
import type { UiActions } from "./ui-actions";
import { backupPage, restoresPage } from "./record-pages";
import type { BackupDescription } from "../../provider/engine/catalog/catalog";
import type { RestoreResult } from "../../provider/engine/restore/types";
import type { DeletionPreview } from "../backup/delete";

/** The cookie holding the access token after the first visit. */
export const TOKEN_COOKIE = "hks_ui_token";

/** What the app serves and how it checks access. */
export interface UiAppOptions {
  /** The access token (random, printed in the URL). */
  readonly token: string;
  /** The namespace shown (where plans and locations are recorded). */
  readonly namespace: string;
  /** Reads the catalog at an instant (the real one reads the cluster and the stores). */
  readonly readView: (now: Date) => Promise<CatalogView>;
  /** Host header values accepted (`127.0.0.1:8080`, `localhost:8080`); undefined accepts any. */
  readonly allowedHosts?: readonly string[];
  /** How long one read of the catalog is reused, in ms. @default 10000 */
  readonly cacheMs?: number;
  readonly now?: () => Date;
  /** What the dashboard can do (verify, back up now, restore, delete); without it, it only shows. */
  readonly actions?: UiActions;
  /** One backup's records, for its page; undefined when the location has no such backup. */
  readonly readBackup?: (name: string, location: string) => Promise<BackupDescription | undefined>;
  /** The restores recorded in the namespace. */
  readonly readRestores?: () => Promise<RestoreResult[]>;
}

/** A new random access token (256 bits, URL-safe). */
export function newAccessToken(): string {
  return crypto.randomBytes(32).toString("base64url");
}

/** The CSRF token of the dashboard's forms, derived from the access token. */
export function csrfToken(token: string): string {
  return crypto.createHmac("sha256", token).update("hks-ui-csrf").digest("base64url");
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

const bearer = (h: string | undefined) => (h?.startsWith("Bearer ") ? h.slice(7).trim() : undefined);

/** One read of the catalog at a time, reused for `ms` or until `forget()`. */
function cachedReader(read: (now: Date) => Promise<CatalogView>, ms: number, now: () => Date) {
  let cached: { at: number; view: Promise<CatalogView> } | undefined;
  const get = (): Promise<CatalogView> => {
    const t = now().getTime();
    if (!cached || t - cached.at >= ms) {
      const view = read(now());
      cached = { at: t, view };
      view.catch(() => {
        if (cached?.view === view) cached = undefined; // a failed read is not kept
      });
    }
    return cached.view;
  };
  return Object.assign(get, { forget: () => void (cached = undefined) });
}

/** The app; serve it with @hono/node-server (cli/ui/command.ts) or call `app.request` in tests. */
export function createUiApp(opts: UiAppOptions): Hono {
  const now = opts.now ?? (() => new Date());
  const view = cachedReader(opts.readView, opts.cacheMs ?? 10_000, now);
  const formToken = csrfToken(opts.token);
  const app = new Hono();

  app.use("*", async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (opts.allowedHosts && !opts.allowedHosts.includes(host))
      return c.text(`403 Forbidden: host "${host}" is not where hks ui listens\n`, 403);
    const fromQuery = c.req.query("token");
    const given = fromQuery ?? bearer(c.req.header("authorization")) ?? getCookie(c, TOKEN_COOKIE);
    if (given === undefined)
      return c.text("401 Unauthorized: open the URL that `hks ui` printed; it carries the access token\n", 401, {
        "WWW-Authenticate": 'Bearer realm="hks ui"',
      });
    if (!sameSecret(given, opts.token))
      return c.text("403 Forbidden: wrong access token; open the URL that `hks ui` printed\n", 403);
    if (fromQuery !== undefined && c.req.method === "GET") {
      setCookie(c, TOKEN_COOKIE, opts.token, { httpOnly: true, sameSite: "Strict", path: "/" });
      const url = new URL(c.req.url);
      url.searchParams.delete("token");
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    await next();
  });
  app.use("*", csrf());
  app.use("*", async (c, next) => {
    if (!/^(GET|HEAD|OPTIONS)$/.test(c.req.method)) {
      const form = /form/.test(c.req.header("content-type") ?? "") ? await c.req.parseBody() : {};
      const given = c.req.header("x-csrf-token") ?? (typeof form._csrf === "string" ? form._csrf : undefined);
      if (given === undefined || !sameSecret(given, formToken))
        return c.text("403 Forbidden: missing or wrong CSRF token; use the dashboard's own forms\n", 403);
    }
    await next();
  });

  const page = async (c: Context, title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) =>
    c.html(layout(title, c.req.path, opts.namespace, await body));

  app.get("/", async (c) => page(c, "Plans", plansPage(await view())));
  app.get("/plans/:name", async (c) => {
    const v = await view();
    const p = v.plans.find((x) => x.status.plan === c.req.param("name"));
    if (!p) return c.text(`404 Not found: no plan "${c.req.param("name")}" in namespace ${opts.namespace}\n`, 404);
    const spec = p.installed.spec;
    const retention = planLocations(p.installed).flatMap((name) => {
      const l = v.locations.find((x) => x.name === name);
      return l && !l.error ? [retentionTimeline(spec, name, l.backups)] : [];
    });
    return page(c, `Plan ${p.status.plan}`, planPage(p, retention));
  });
  app.get("/locations", async (c) => page(c, "Locations", locationsPage(await view())));
  app.get("/backups", async (c) => {
    const q: BackupQuery = {
      selector: c.req.query("selector") || undefined,
      plan: c.req.query("plan") || undefined,
      phase: c.req.query("phase") || undefined,
      location: c.req.query("location") || undefined,
      since: c.req.query("since") || undefined,
    };
    let filter: BackupFilter;
    try {
      filter = parseBackupFilter({ ...q, storageLocation: q.location }, now(), {
        selector: "labels",
        phase: "phase",
        since: "since",
      });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return c.html(layout("Backups", c.req.path, opts.namespace, await backupsPage(q, [], err.message)), 400);
    }
    const all = (await view()).locations.flatMap((l) => l.backups);
    return page(c, "Backups", backupsPage(q, filterBackups(all, filter)));
  });
  app.get("/drills", async (c) => page(c, "Restore drills", drillsPage(await view())));
  app.get("/restores", async (c) => page(c, "Restores", restoresPage((await opts.readRestores?.()) ?? [])));
  app.get("/backups/:location/:name", async (c) => {
    const { location, name } = c.req.param();
    const d = await opts.readBackup?.(name, location).catch((err: unknown) => {
      if (err instanceof InputError) return undefined; // no such location
      throw err;
    });
    if (!d) return c.text(`404 Not found: no backup "${name}" in location ${location}\n`, 404);
    const drills = (await view()).locations
      .flatMap((l) => l.drills ?? [])
      .filter((r) => r.backupName === name && r.storageLocation === location)
      .sort((a, b) => (a.runId < b.runId ? 1 : -1));
    return page(c, `Backup ${name}`, backupPage(d, location, drills));
  });

  const jobs = new JobBoard(now);
  // What a job changed (a backup taken, deleted) shows on the next page, not after the cache expires.
  const startJob = (title: string, work: JobWork) =>
    jobs.start(title, (line) => work(line).finally(() => view.forget()));
  const actions = opts.actions;
  const form = async (c: Context) => (await c.req.parseBody()) as Record<string, string | undefined>;
  const started = (c: Context, id: string) => c.redirect(`/jobs/${id}`, 303);
  const need = (c: Context, ...names: string[]) => {
    const missing = names.filter((n) => !c.req.query(n));
    if (missing.length) throw new HTTPException(400, { message: `missing query parameter(s): ${missing.join(", ")}` });
    return names.map((n) => c.req.query(n)!);
  };
  const bodyOf = async (c: Context, ...names: string[]) => {
    const f = await form(c);
    const missing = names.filter((n) => !f[n]);
    if (missing.length) throw new HTTPException(400, { message: `missing form field(s): ${missing.join(", ")}` });
    return names.map((n) => f[n]!);
  };
  app.use("/actions/*", async (c, next) => {
    if (!actions) return c.text("404 Not found: this dashboard only shows (it was started without actions)\n", 404);
    await next();
  });
  app.get("/actions/verify", async (c) => {
    const [backup, location] = need(c, "backup", "location");
    return page(
      c,
      `Verify ${backup}`,
      confirmPage({
        action: "/actions/verify",
        what: `Verify backup ${backup} in location ${location}.`,
        details: [
          "reads the archive and checks its SHA-256 against the manifest",
          "reads every object back and checks the counts (an encrypted backup: checksums only, no identity here)",
          "changes nothing, in the cluster or in the location",
        ],
        fields: { backup, location },
        button: "Verify",
        csrf: formToken,
      }),
    );
  });
  app.post("/actions/verify", async (c) => {
    const [backup, location] = await bodyOf(c, "backup", "location");
    const job = startJob(`verify backup ${backup} (location ${location})`, (line) =>
      actions!.verify(backup!, location!, line),
    );
    return started(c, job.id);
  });
  app.get("/actions/backup-now", async (c) => {
    const [plan] = need(c, "plan");
    const p = (await view()).plans.find((x) => x.status.plan === plan);
    if (!p) return c.text(`404 Not found: no plan "${plan}" in namespace ${opts.namespace}\n`, 404);
    const spec = p.installed.spec;
    return page(
      c,
      `Back up ${plan} now`,
      confirmPage({
        action: "/actions/backup-now",
        what: `Run plan ${plan} once now, as its CronJob would.`,
        details: [
          `backs up namespaces ${spec.target.namespaces.join(", ") || "*"} into ${spec.storageLocation}`,
          ...spec.copies.map((x) => `copies the backup to ${x.storageLocation}`),
          "then applies each location's retention (the newest Completed backup is never deleted)",
          "refused while another run of the plan holds its lock",
        ],
        fields: { plan },
        button: "Back up now",
        csrf: formToken,
      }),
    );
  });
  app.post("/actions/backup-now", async (c) => {
    const [plan] = await bodyOf(c, "plan");
    const job = startJob(`back up now: plan ${plan}`, (line) => actions!.backupNow(plan!, line));
    return started(c, job.id);
  });
  app.get("/actions/restore", async (c) => {
    const [backup, location] = need(c, "backup", "location");
    return page(
      c,
      `Restore ${backup}`,
      restoreFormPage({
        backup,
        location,
        name: `${backup}-restore`.slice(0, 63),
        namespaceMapping: "",
        csrf: formToken,
      }),
    );
  });
  app.post("/actions/restore", async (c) => {
    const [backup, location, name, namespaceMapping] = await bodyOf(
      c,
      "backup",
      "location",
      "name",
      "namespaceMapping",
    );
    const mapping = Object.fromEntries(
      namespaceMapping!.split(",").map((pair) => pair.split(":").map((s) => s.trim()) as [string, string]),
    );
    const refused = restoreProtectionProblems(name!, { namespaceMapping: mapping });
    if (refused.length)
      return c.html(
        layout(
          `Restore ${backup}`,
          c.req.path,
          opts.namespace,
          restoreFormPage({
            backup: backup!,
            location: location!,
            name: name!,
            namespaceMapping: namespaceMapping!,
            csrf: formToken,
            problems: refused,
          }),
        ),
        400,
      );
    const job = startJob(`restore ${name}: backup ${backup} (location ${location}), ${namespaceMapping}`, (line) =>
      actions!.restore(
        { name: name!, backup: backup!, location: location!, namespaceMapping: namespaceMapping! },
        line,
      ),
    );
    return started(c, job.id);
  });
  app.get("/actions/delete", async (c) => {
    const [backup, location] = need(c, "backup", "location");
    let preview: DeletionPreview;
    try {
      preview = await actions!.previewDelete(backup!, location!);
    } catch (err) {
      if (err instanceof InputError) return c.text(`404 Not found: ${err.reason}\n`, 404);
      throw err;
    }
    return page(c, `Delete ${backup}`, deletePage({ backup: backup!, preview, csrf: formToken }));
  });
  app.post("/actions/delete", async (c) => {
    const [backup, location] = await bodyOf(c, "backup", "location");
    const job = startJob(`delete backup ${backup} (location ${location})`, (line) =>
      actions!.deleteBackup(backup!, location!, line),
    );
    return started(c, job.id);
  });
  app.get("/jobs", (c) => page(c, "Actions", jobsPage(jobs.list())));
  app.get("/jobs/:id", (c) => {
    const job = jobs.get(c.req.param("id"));
    if (!job) return c.text(`404 Not found: no action ${c.req.param("id")} (actions live as long as hks ui)\n`, 404);
    return page(c, "Action", jobPage(job));
  });
  app.get("/jobs/:id/events", (c) => {
    const job = jobs.get(c.req.param("id"));
    if (!job) return c.text("404 Not found\n", 404);
    // The page showed the first `from` lines: send the rest, then each new one as it comes.
    const from = Math.max(0, Number(c.req.query("from") ?? 0) || 0);
    return streamSSE(c, async (stream) => {
      await new Promise<void>((resolve) => {
        // Writes queue in order; the stream closes once the last one (the end) is written.
        const send = (event: string, data: string) => stream.writeSSE({ event, data });
        const end = (phase: string) =>
          void send("end", phase).then(
            () => resolve(),
            () => resolve(),
          );
        for (const l of job.lines.slice(from)) send("line", l);
        if (job.phase !== "Running") return end(job.phase);
        const off = jobs.subscribe(job.id, (e) => {
          if (e.type === "line") return void send("line", e.text);
          off();
          end(e.phase);
        });
        stream.onAbort(() => {
          off();
          resolve();
        });
      });
    });
  });

  app.get("/metrics", async (c) =>
    c.body(await catalogMetricsText(await view(), now()), 200, { "Content-Type": METRICS_CONTENT_TYPE }),
  );
  app.post("/logout", (c) => {
    deleteCookie(c, TOKEN_COOKIE, { path: "/" });
    return c.text("Signed out: open the URL that `hks ui` printed to come back\n");
  });
  app.onError((err, c) => (err instanceof HTTPException ? err.getResponse() : c.text(`500 ${err.message}\n`, 500)));
  return app;
}
