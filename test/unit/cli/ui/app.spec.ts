/**
 * The dashboard app through hono's request API (no socket): the access token (401 without, 403
 * wrong, cookie after the first visit), the Host check, CSRF on state-changing requests, the pages
 * (escaped), the backup filters and /metrics.
 */
import { describe, expect, it } from "vitest";
import { createUiApp, csrfToken, TOKEN_COOKIE } from "../../../../cli/ui/app";
import { loopbackHosts } from "../../../../cli/ui/actions";
import type { BackupSummary } from "../../../../provider/engine/catalog/catalog";
import type { PlanSpec } from "../../../../provider/format/plan-spec";
import { planView, type CatalogView } from "../../../../provider/prepare/catalog-view";

const TOKEN = "t0ken-for-tests";
const now = new Date("2026-03-10T10:00:00Z");
const spec = {
  name: "db",
  namespace: "ns",
  storageLocation: "main",
  copies: [],
  target: { namespaces: ["prod"] },
  schedule: { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
  lockTtlSeconds: 3600,
  retention: { last: 0, hourly: 0, daily: 7, weekly: 0, monthly: 0, yearly: 0, keepFailed: 1 },
} as unknown as PlanSpec;
const b = (name: string, over: Partial<BackupSummary>): BackupSummary => ({
  name,
  phase: "Completed",
  labels: {},
  bytes: 10,
  errors: 0,
  warnings: 0,
  storageLocation: "main",
  ...over,
});
const backups = [
  b("db-20260310010000", { plan: "db", startedAt: "2026-03-10T01:00:00Z", labels: { env: "prod" } }),
  b("adhoc-<script>", { startedAt: "2026-03-01T00:00:00Z", labels: { env: "staging" } }),
  b("db-20260309010000", { plan: "db", phase: "Failed", startedAt: "2026-03-09T01:00:00Z" }),
];
const locations = [
  { name: "main", backups },
  { name: "gone", backups: [], error: "NoSuchBucket: <b>" },
];
let reads = 0;
const view = (): CatalogView => ({
  namespace: "ns",
  locations,
  plans: [planView({ spec }, locations, now)],
  problems: [],
});
const app = createUiApp({
  token: TOKEN,
  namespace: "ns",
  readView: async () => {
    reads++;
    return view();
  },
  allowedHosts: ["127.0.0.1:8080", "localhost:8080"],
  now: () => now,
});

const get = (path: string, headers: Record<string, string> = {}) =>
  app.request(`http://127.0.0.1:8080${path}`, { headers: { host: "127.0.0.1:8080", ...headers } });
const authed = (path: string) => get(path, { cookie: `${TOKEN_COOKIE}=${TOKEN}` });

describe("access", () => {
  it("refuses a request without the token (401) or with a wrong one (403)", async () => {
    const none = await get("/");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await none.text()).toMatch(/open the URL that `hks ui` printed/);
    expect((await get("/?token=nope")).status).toBe(403);
    expect((await get("/", { cookie: `${TOKEN_COOKIE}=nope` })).status).toBe(403);
    expect((await get("/metrics", { authorization: "Bearer nope" })).status).toBe(403);
  });

  it("takes the token from the URL once: an HttpOnly SameSite=Strict cookie, then the URL without it", async () => {
    const r = await get(`/backups?plan=db&token=${TOKEN}`);
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/backups?plan=db");
    expect(r.headers.get("set-cookie")).toMatch(
      new RegExp(`^${TOKEN_COOKIE}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`),
    );
    expect((await authed("/backups?plan=db")).status).toBe(200);
    expect((await get("/metrics", { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it("answers only to the hosts it listens as (no DNS rebinding)", async () => {
    const r = await get("/", { host: "evil.example:8080", cookie: `${TOKEN_COOKIE}=${TOKEN}` });
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/host "evil.example:8080" is not where hks ui listens/);
    expect(loopbackHosts("127.0.0.1", 8080)).toEqual(["127.0.0.1:8080", "localhost:8080", "[::1]:8080"]);
  });

  it("refuses state-changing requests from another origin or without the CSRF token", async () => {
    const post = (headers: Record<string, string>, body: string) =>
      app.request("http://127.0.0.1:8080/logout", {
        method: "POST",
        body,
        headers: {
          host: "127.0.0.1:8080",
          cookie: `${TOKEN_COOKIE}=${TOKEN}`,
          "content-type": "application/x-www-form-urlencoded",
          ...headers,
        },
      });
    const csrf = `_csrf=${csrfToken(TOKEN)}`;
    expect((await post({ origin: "http://evil.example" }, csrf)).status).toBe(403);
    expect((await post({ origin: "http://127.0.0.1:8080" }, "_csrf=wrong")).status).toBe(403);
    expect((await post({ origin: "http://127.0.0.1:8080" }, "")).status).toBe(403);
    const ok = await post({ origin: "http://127.0.0.1:8080" }, csrf);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("set-cookie")).toMatch(new RegExp(`^${TOKEN_COOKIE}=; Max-Age=0`));
  });
});

describe("pages", () => {
  it("plans: status, schedule in its zone, RPO", async () => {
    const text = await (await authed("/")).text();
    expect(text).toMatch(/^<!doctype html>/);
    expect(text).toContain('<a href="/plans/db">db</a>');
    expect(text).toContain("0 2 * * * <small>Europe/Berlin</small>");
    expect(text).toContain("2026-03-11 02:00 +01:00");
    expect(text).toContain('<span class="state OK">OK</span>');
  });

  it("one plan, and 404 for another", async () => {
    const r = await authed("/plans/db");
    expect(await r.text()).toMatch(/namespaces\s+prod/);
    expect((await authed("/plans/nope")).status).toBe(404);
  });

  it("locations: status, escaped errors, counts and bytes", async () => {
    const text = await (await authed("/locations")).text();
    expect(text).toContain('<a href="/backups?location=main">3</a>');
    expect(text).toContain("NoSuchBucket: &lt;b&gt;");
    expect(text).not.toContain("<b>");
  });

  it("backups: filtered, newest first, escaped; a bad filter is a 400 naming it", async () => {
    const all = await (await authed("/backups")).text();
    expect(all).toContain("3 backups");
    expect(all).toContain("adhoc-&lt;script&gt;");
    expect(all).not.toContain("<script>");
    const names = (t: string) =>
      [...t.matchAll(/<td><a href="\/backups\/[^"]+">([a-z][^<]*?-[0-9]{14}|adhoc-[^<]*)<\/a><\/td>/g)].map(
        (m) => m[1],
      );
    expect(names(all)).toEqual(["db-20260310010000", "db-20260309010000", "adhoc-&lt;script&gt;"]);
    const prod = await (await authed("/backups?selector=env%3Dprod&phase=Completed&since=7d")).text();
    expect(names(prod)).toEqual(["db-20260310010000"]);
    const bad = await authed("/backups?selector=%3D%3D");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/labels: .* is not a label selector/);
  });

  it("/metrics: the Prometheus text, and the catalog is read once per refresh period", async () => {
    const before = reads;
    const r = await authed("/metrics");
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    expect(await r.text()).toContain('hks_location_up{namespace="ns",location="gone"} 0');
    await authed("/");
    expect(reads - before).toBeLessThanOrEqual(1);
  });
});
