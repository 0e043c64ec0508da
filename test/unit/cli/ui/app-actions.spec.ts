/**
 * The dashboard's actions through hono's request API, with recorded actions in place of the
 * cluster: each is a confirmation page that changes nothing, then a POST (CSRF token required) that
 * starts a job whose page and event stream show its output; a restore into a protected namespace is
 * refused as the policy pack refuses it; a dashboard without actions has none.
 */
import { describe, expect, it } from "vitest";
import { createUiApp, csrfToken, TOKEN_COOKIE } from "../../../../cli/ui/app";
import type { UiActions, UiRestoreRequest } from "../../../../cli/ui/ui-actions";
import type { PlanSpec } from "../../../../provider/format/plan-spec";
import type { DrillRecord } from "../../../../provider/format/drill";
import { planView, type CatalogView } from "../../../../provider/prepare/catalog-view";
import { InputError } from "../../../../provider/errors";

const TOKEN = "t0ken";
const now = new Date("2026-03-10T10:00:00Z");
const spec = {
  name: "db",
  namespace: "ns",
  storageLocation: "main",
  copies: [
    {
      storageLocation: "offsite",
      retention: { last: 2, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, keepFailed: 0 },
    },
  ],
  retention: { last: 0, hourly: 0, daily: 7, weekly: 0, monthly: 0, yearly: 0, keepFailed: 1 },
  target: { namespaces: ["shop"] },
  schedule: { cron: "0 2 * * *", timeZone: "UTC" },
} as unknown as PlanSpec;
const drill = {
  drill: "orders",
  runId: "20260310t050000z-ab12cd",
  phase: "Failed",
  reason: "check orders-count failed",
  backupName: "db-20260310010000",
  storageLocation: "main",
  rtoSeconds: 12.5,
  checks: [{ name: "orders-count", passed: false }],
  startedAt: "2026-03-10T05:00:00Z",
} as unknown as DrillRecord;
const locations = [
  {
    name: "main",
    drills: [drill],
    backups: [
      {
        name: "db-20260310010000",
        phase: "Completed" as const,
        labels: {},
        bytes: 1,
        errors: 0,
        warnings: 0,
        storageLocation: "main",
        plan: "db",
        startedAt: "2026-03-10T01:00:00Z",
      },
    ],
  },
];
const view = (): CatalogView => ({
  namespace: "ns",
  locations,
  plans: [planView({ spec }, locations, now)],
  problems: [],
});

/** Actions that record their calls and finish when told. */
function recorded() {
  const calls: string[] = [];
  let finish: (ok: boolean) => void = () => undefined;
  const wait = (line: (t: string) => void, first: string) =>
    new Promise<{ ok: boolean }>((resolve) => {
      line(first);
      finish = (ok) => {
        line("done");
        resolve({ ok });
      };
    });
  const actions: UiActions = {
    verify: (backup, location, line) => (calls.push(`verify ${backup} ${location}`), wait(line, "reading archive")),
    backupNow: (plan, line) => (calls.push(`backup-now ${plan}`), wait(line, "backing up")),
    restore: (r: UiRestoreRequest, line) => (
      calls.push(`restore ${r.name} ${r.backup} ${r.location} ${r.namespaceMapping}`),
      wait(line, "restoring")
    ),
    previewDelete: async (backup, location) => {
      calls.push(`preview-delete ${backup} ${location}`);
      if (backup === "gone") throw new InputError("<name>", `backup "gone" not found in location ${location}`);
      return {
        location,
        objects: 2,
        bytes: 2048,
        snapshots: backup === "with-snaps" ? ["shop/data-db-0-snap"] : [],
        refusals: backup === "db-20260310010000" ? ["backup db-20260310010000 is the newest Completed backup"] : [],
      };
    },
    deleteBackup: (backup, location, line) => (calls.push(`delete ${backup} ${location}`), wait(line, "deleting")),
  };
  return { calls, actions, finish: (ok: boolean) => finish(ok) };
}

function client(actions?: UiActions) {
  const app = createUiApp({ token: TOKEN, namespace: "ns", readView: async () => view(), now: () => now, actions });
  const headers = { host: "127.0.0.1:8080", cookie: `${TOKEN_COOKIE}=${TOKEN}` };
  return {
    get: (path: string) => app.request(`http://127.0.0.1:8080${path}`, { headers }),
    post: (path: string, fields: Record<string, string>, csrf = csrfToken(TOKEN)) =>
      app.request(`http://127.0.0.1:8080${path}`, {
        method: "POST",
        headers: { ...headers, origin: "http://127.0.0.1:8080", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
      }),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe("dashboard actions", () => {
  it("verify: the confirmation says what happens and does nothing; the POST starts a job whose page shows it", async () => {
    const r = recorded();
    const c = client(r.actions);
    const confirm = await c.get("/actions/verify?backup=db-20260310010000&location=main");
    expect(confirm.status).toBe(200);
    const text = await confirm.text();
    expect(text).toContain("Verify backup db-20260310010000 in location main.");
    expect(text).toContain("changes nothing");
    expect(text).toContain(`name="_csrf" value="${csrfToken(TOKEN)}"`);
    expect(r.calls).toEqual([]);

    expect((await c.post("/actions/verify", { backup: "db-20260310010000", location: "main" }, "wrong")).status).toBe(
      403,
    );
    expect(r.calls).toEqual([]);
    const started = await c.post("/actions/verify", { backup: "db-20260310010000", location: "main" });
    expect(started.status).toBe(303);
    const jobUrl = started.headers.get("location")!;
    expect(jobUrl).toMatch(/^\/jobs\/[\w-]+$/);
    expect(r.calls).toEqual(["verify db-20260310010000 main"]);
    const running = await (await c.get(jobUrl)).text();
    expect(running).toContain("Running");
    expect(running).toContain("reading archive");
    expect(running).toContain("EventSource");

    r.finish(true);
    await settle();
    const done = await (await c.get(jobUrl)).text();
    expect(done).toContain("Succeeded");
    expect(done).not.toContain("EventSource");
    expect(await (await c.get("/jobs")).text()).toContain("verify backup db-20260310010000 (location main)");
  });

  it("a running job's event stream sends the lines after those the page showed, then its end", async () => {
    const r = recorded();
    const c = client(r.actions);
    const jobUrl = (await c.post("/actions/backup-now", { plan: "db" })).headers.get("location")!;
    const events = await c.get(`${jobUrl}/events?from=1`);
    expect(events.headers.get("content-type")).toMatch(/text\/event-stream/);
    r.finish(false);
    const body = await events.text();
    expect(body).not.toContain("backing up");
    expect(body).toMatch(/event: line\ndata: done/);
    expect(body).toMatch(/event: end\ndata: Failed/);
  });

  it("back up now names the plan's target, locations and retention before it runs", async () => {
    const c = client(recorded().actions);
    const text = await (await c.get("/actions/backup-now?plan=db")).text();
    expect(text).toContain("Run plan db once now");
    expect(text).toContain("backs up namespaces shop into main");
    expect(text).toContain("copies the backup to offsite");
    expect((await c.get("/actions/backup-now?plan=nope")).status).toBe(404);
  });

  it("restore: a mapping into a protected namespace is refused with the policy pack's words; another runs", async () => {
    const r = recorded();
    const c = client(r.actions);
    const form = await (await c.get("/actions/restore?backup=db-20260310010000&location=main")).text();
    expect(form).toContain('name="namespaceMapping"');
    const fields = { backup: "db-20260310010000", location: "main", name: "clone-1" };
    const refused = await c.post("/actions/restore", { ...fields, namespaceMapping: "shop:production" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("writes into protected namespace &quot;production&quot;");
    expect(r.calls).toEqual([]);
    const ok = await c.post("/actions/restore", { ...fields, namespaceMapping: "shop:shop-clone" });
    expect(ok.status).toBe(303);
    expect(r.calls).toEqual(["restore clone-1 db-20260310010000 main shop:shop-clone"]);
  });

  it("delete: a refused backup shows why and has no button; another names what goes; the POST starts a job", async () => {
    const r = recorded();
    const c = client(r.actions);
    const refused = await (await c.get("/actions/delete?backup=db-20260310010000&location=main")).text();
    expect(refused).toContain("Backup db-20260310010000 in location main cannot be deleted:");
    expect(refused).toContain("is the newest Completed backup");
    expect(refused).not.toContain('action="/actions/delete"');
    const ok = await (await c.get("/actions/delete?backup=with-snaps&location=main")).text();
    expect(ok).toContain("Delete backup with-snaps from location main.");
    expect(ok).toContain("deletes 2 objects (2.0 KiB), the manifest first");
    expect(ok).toContain("deletes the VolumeSnapshots it took first: shop/data-db-0-snap");
    expect(ok).toContain('<form method="post" action="/actions/delete">');
    expect((await c.get("/actions/delete?backup=gone&location=main")).status).toBe(404);
    expect(r.calls).toEqual([
      "preview-delete db-20260310010000 main",
      "preview-delete with-snaps main",
      "preview-delete gone main",
    ]);
    const started = await c.post("/actions/delete", { backup: "with-snaps", location: "main" });
    expect(started.status).toBe(303);
    expect(r.calls.at(-1)).toBe("delete with-snaps main");
    r.finish(true);
    await settle();
    expect(await (await c.get(started.headers.get("location")!)).text()).toContain("Succeeded");
  });

  it("a finished job drops the cached catalog: the next page reads again", async () => {
    let reads = 0;
    const r = recorded();
    const app = createUiApp({
      token: TOKEN,
      namespace: "ns",
      readView: async () => (reads++, view()),
      now: () => now,
      actions: r.actions,
      cacheMs: 60_000,
    });
    const headers = { host: "127.0.0.1:8080", cookie: `${TOKEN_COOKIE}=${TOKEN}` };
    const get = (path: string) => app.request(`http://127.0.0.1:8080${path}`, { headers });
    await get("/backups");
    await get("/backups");
    expect(reads).toBe(1);
    await app.request("http://127.0.0.1:8080/actions/delete", {
      method: "POST",
      headers: { ...headers, origin: "http://127.0.0.1:8080", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ backup: "b", location: "main", _csrf: csrfToken(TOKEN) }).toString(),
    });
    await get("/backups");
    expect(reads).toBe(1);
    r.finish(true);
    await settle();
    await get("/backups");
    expect(reads).toBe(2);
  });

  it("without actions, the dashboard only shows: no action page, no action link target", async () => {
    const c = client();
    expect((await c.get("/actions/verify?backup=b&location=main")).status).toBe(404);
    expect((await c.post("/actions/verify", { backup: "b", location: "main" })).status).toBe(404);
  });

  it("backups link their actions; plans link back up now; drills are listed with their result", async () => {
    const c = client(recorded().actions);
    const backups = await (await c.get("/backups")).text();
    expect(backups).toContain('href="/actions/verify?backup=db-20260310010000&amp;location=main"');
    expect(backups).toContain('href="/actions/restore?backup=db-20260310010000&amp;location=main"');
    expect(backups).toContain('href="/actions/delete?backup=db-20260310010000&amp;location=main"');
    const plan = await (await c.get("/plans/db")).text();
    expect(plan).toContain('href="/actions/backup-now?plan=db"');
    // Retention per location: the primary's backup kept (daily), the copy location not read here.
    expect(plan).toContain("Retention in main: daily 7, keepFailed 1");
    expect(plan).toMatch(/<title>db-20260310010000 \(Completed\): kept: [^<]*daily 2026-03-10/);
    const drills = await (await c.get("/drills")).text();
    expect(drills).toContain("orders");
    expect(drills).toContain("check orders-count failed");
    expect(drills).toContain("12.5 s");
    expect(drills).toContain("0/1");
  });
});
