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
import type { CatalogView } from "../../provider/prepare/catalog-view";
import { backupsPage, layout, locationsPage, planPage, plansPage, type BackupQuery } from "./pages";

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

/** One read of the catalog at a time, reused for `ms`. */
function cachedReader(read: (now: Date) => Promise<CatalogView>, ms: number, now: () => Date) {
  let cached: { at: number; view: Promise<CatalogView> } | undefined;
  return (): Promise<CatalogView> => {
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
    const p = (await view()).plans.find((x) => x.status.plan === c.req.param("name"));
    if (!p) return c.text(`404 Not found: no plan "${c.req.param("name")}" in namespace ${opts.namespace}\n`, 404);
    return page(c, `Plan ${p.status.plan}`, planPage(p));
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
