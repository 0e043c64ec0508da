/**
 * `hks backup list --selector/--plan/--phase/--since`, `hks plan list` and `hks plan status` as a
 * user runs them (the compiled CLI), on the real stack: plans installed by the BackupPlan handler
 * (ConfigMap + CronJob), backups written into two real MinIO locations (a Completed backup copied to
 * both, a Failed run in the primary, a manual backup). The clock is pinned with the hidden `--now`
 * a few days after the plans were installed, so runs are due. `hks metrics` is read from stdout,
 * from its textfile and from a real Prometheus Pushgateway (Debian's, started on a loopback port).
 * `hks ui` runs as a process and is asked over HTTP: token, Host and CSRF checks, pages, /metrics.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupListJson } from "../../cli/backup/format";
import { generateBackupName } from "../../provider/engine/backup/name";
import type { PlanStatus } from "../../provider/engine/catalog/plan-status";
import { MANIFEST_FORMAT_VERSION, type BackupFailure } from "../../provider/format/manifest";
import { previousRuns } from "../../provider/format/schedule";
import { backupPlanHandler } from "../../provider/handlers/backup-plan";
import { checkBackupPlan } from "../../provider/plan/plan";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import type { BackupPlanInputs } from "../../provider/types";
import { adminKubeConfig, archiveOf, createLocation, rand, storeBackup } from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";
import { waitFor } from "../support/wait";
import { freePort } from "../../cli/dev/stack";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const id = rand();
const ns = `hks-mon-${id}`;
const target = `mon-app-${id}`;
const DAY = 86_400_000;
/** The pinned clock: three days after the plans are installed. */
const now = new Date(Math.floor(Date.now() / 1000) * 1000 + 3 * DAY);
const NIGHTLY = { cron: "0 2 * * *", timeZone: "Europe/Berlin" };
const [lastRun, runBefore] = previousRuns(NIGHTLY, now, 2) as [Date, Date];
const at = (d: Date, seconds: number) => new Date(d.getTime() + seconds * 1000);
const good = generateBackupName("nightly", at(runBefore, 3));
const failed = generateBackupName("nightly", at(lastRun, 3));
const manual = `manual-${id}`;
let main: ObjectStore;
let offsite: ObjectStore;

const hks = (...args: string[]) => runHks(ns, args);
const withNow = (...args: string[]) => hks(...args, "--now", now.toISOString());

async function install(planName: string, schedule: Record<string, unknown>, copies: unknown[] = []): Promise<void> {
  const { inputs, failures } = checkBackupPlan({
    planName,
    namespace: ns,
    target: { namespace: target },
    storageLocation: "main",
    copies,
    schedule,
    retention: { last: 7 },
  } as unknown as Partial<BackupPlanInputs>);
  expect(failures).toEqual([]);
  await backupPlanHandler.create(inputs, {
    signal: new AbortController().signal,
    log: () => undefined,
    progress: () => undefined,
  });
}

/** A Completed backup (archive + manifest) in `store`, started at `startedAt`, taking 30 s. */
async function completed(store: ObjectStore, location: string, name: string, startedAt: Date, extra = {}) {
  const archive = await archiveOf([
    {
      group: "",
      resource: "configmaps",
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: target } },
    },
  ]);
  await storeBackup(
    {
      store,
      name,
      namespaces: [target],
      storageLocation: location,
      startedAt,
      completedAt: at(startedAt, 30),
      ...extra,
    },
    archive,
    1,
    { configmaps: 1 },
  );
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: target } } });
  main = (await createLocation(kc, { namespace: ns, name: "main" })).store;
  offsite = (await createLocation(kc, { namespace: ns, name: "offsite" })).store;
  await install("nightly", { ...NIGHTLY, suspend: true }, [{ storageLocation: "offsite", retention: { last: 3 } }]);
  await install("yearly", { cron: "0 3 1 1 *", timeZone: "UTC" });
  const labels = { env: "prod", tier: "db" };
  await completed(main, "main", good, at(runBefore, 3), { plan: "nightly", labels });
  await completed(offsite, "offsite", good, at(runBefore, 3), { plan: "nightly", labels });
  const failure: BackupFailure = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: failed,
    phase: "Failed",
    plan: "nightly",
    labels,
    storageLocation: "main",
    sourceCluster: "https://fixture.invalid",
    target: { namespaces: [target] },
    startedAt: at(lastRun, 3).toISOString(),
    failedAt: at(lastRun, 20).toISOString(),
    hooks: [],
    warnings: [],
    errors: [{ item: "backup", reason: "the apiserver went away" }],
  };
  await main.put(STORE_LAYOUT.backupFailureKey(failed), JSON.stringify(failure));
  // Taken by hand ten days before the pinned clock, under another label.
  await completed(main, "main", manual, new Date(now.getTime() - 10 * DAY), { labels: { env: "staging" } });
});

afterAll(async () => {
  for (const n of [target, ns]) await core.deleteNamespace({ name: n }).catch(() => undefined);
  gateway?.kill("SIGTERM");
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

let gateway: ChildProcess | undefined;
let tmp: string | undefined;

const listed = async (...args: string[]): Promise<string[]> => {
  const r = await withNow("backup", "list", "-o", "json", ...args);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as BackupListJson[]).map((b) => `${b.name}@${b.storageLocation}`);
};

describe("hks backup list: filters, newest first", () => {
  it("lists every location's backups, newest first", async () => {
    expect(await listed()).toEqual([`${failed}@main`, `${good}@main`, `${good}@offsite`, `${manual}@main`]);
  });

  it("filters by label selector, plan, phase, age and location, alone and together", async () => {
    expect(await listed("--selector", "env=prod,tier=db")).toEqual([
      `${failed}@main`,
      `${good}@main`,
      `${good}@offsite`,
    ]);
    expect(await listed("--selector", "env!=prod")).toEqual([`${manual}@main`]);
    expect(await listed("--plan", "nightly", "--phase", "Completed")).toEqual([`${good}@main`, `${good}@offsite`]);
    expect(await listed("--phase", "failed")).toEqual([`${failed}@main`]);
    expect(await listed("--since", "7d", "--storage-location", "main")).toEqual([`${failed}@main`, `${good}@main`]);
    expect(await listed("--plan", "weekly")).toEqual([]);
  });

  it("prints the table newest first, and refuses bad filters naming the flag", async () => {
    const t = await withNow("backup", "list", "--plan", "nightly");
    expect(t.code, t.stderr).toBe(0);
    expect(
      t.stdout
        .split("\n")
        .slice(1, 4)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual([failed, good, good]);
    const badPhase = await hks("backup", "list", "--phase", "Done");
    expect(badPhase.code).toBe(1);
    expect(badPhase.stderr).toMatch(/--phase: "Done" is not a backup phase/);
    const badSince = await hks("backup", "list", "--since", "last week");
    expect(badSince.code).toBe(1);
    expect(badSince.stderr).toMatch(/--since: "last week" is neither an age/);
    const badSelector = await hks("backup", "list", "--selector", "env=,=x");
    expect(badSelector.code).toBe(1);
    expect(badSelector.stderr).toMatch(/--selector: .* is not a label selector/);
  });
});

describe("hks plan list | status", () => {
  it("lists both installed plans with their RPO state", async () => {
    const r = await withNow("plan", "list", "-o", "json");
    expect(r.code, r.stderr).toBe(0);
    const plans = JSON.parse(r.stdout) as PlanStatus[];
    expect(plans.map((p) => [p.plan, p.rpo.state, p.suspended])).toEqual([
      ["nightly", "LATE", true],
      ["yearly", "PENDING", false],
    ]);
    const t = await withNow("plan", "list");
    expect(t.stdout.split("\n")[0]).toMatch(/^NAME\s+SCHEDULE\s+TIME ZONE\s+LAST RUN\s+LAST GOOD\s+NEXT RUN\s+RPO$/);
    expect(t.stdout).toMatch(
      /^nightly\s+0 2 \* \* \*\s+Europe\/Berlin\s+Failed .*\s+\d+[dh]( \d+[hm])? ago\s+suspended\s+LATE$/m,
    );
    expect(t.stdout).toMatch(/^yearly\s+0 3 1 1 \*\s+UTC\s+-\s+-\s+\d{4}-01-01 03:00 \+00:00\s+PENDING$/m);
  });

  it("status: last run Failed, last good in both locations, RPO LATE against the last run due", async () => {
    const r = await withNow("plan", "status", "nightly", "-o", "json");
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as PlanStatus & { problems: string[] };
    expect(s).toMatchObject({
      plan: "nightly",
      namespace: ns,
      schedule: NIGHTLY,
      suspended: true,
      backups: 2,
      lastRun: { name: failed, phase: "Failed", locations: ["main"] },
      lastGood: { name: good, phase: "Completed", locations: ["main", "offsite"], items: 1, durationSeconds: 30 },
      previousRun: lastRun.toISOString(),
      intervalSeconds: (lastRun.getTime() - runBefore.getTime()) / 1000,
      rpo: { state: "LATE", expectedSince: lastRun.toISOString() },
      problems: [],
    });
    expect(s.nextRun).toBeUndefined();
    const text = await withNow("plan", "status", "nightly");
    expect(text.stdout).toContain(`Locations:    main (primary), offsite (copy)`);
    expect(text.stdout).toMatch(
      new RegExp(`^RPO: +LATE: the newest Completed backup, ${good}, started .* ended Failed$`, "m"),
    );
  });

  it("status of a plan installed after its last scheduled time: PENDING with the next run in its zone", async () => {
    const r = await withNow("plan", "status", "yearly");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Next run: +\d{4}-01-01 03:00 \+00:00 \(\d{4}-01-01T03:00:00.000Z\)$/m);
    expect(r.stdout).toMatch(/^RPO: +PENDING: no Completed backup yet and no run was due/m);
  });

  it("refuses a plan that is not installed, naming the way to find one", async () => {
    const r = await hks("plan", "status", "weekly");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/<plan>: plan "weekly" is not installed in namespace .* see 'hks plan list'/);
  });
});

describe("hks metrics", () => {
  const db = `namespace="${ns}",plan="nightly"`;
  const expectNightly = (text: string) => {
    expect(text).toContain(`hks_backup_last_success_timestamp_seconds{${db}} ${at(runBefore, 33).getTime() / 1000}`);
    expect(text).toContain(`hks_backup_last_run_phase{${db},phase="Failed"} 1`);
    expect(text).toContain(`hks_backup_last_run_duration_seconds{${db}} 17`);
    expect(text).toContain(`hks_plan_rpo_state{${db},state="LATE"} 1`);
    expect(text).toContain(`hks_plan_rpo_state{namespace="${ns}",plan="yearly",state="PENDING"} 1`);
    expect(text).toContain(`hks_location_backups{namespace="${ns}",location="main",phase="Completed"} 2`);
    expect(text).toContain(`hks_location_up{namespace="${ns}",location="offsite"} 1`);
  };

  it("prints the Prometheus text format", async () => {
    const r = await withNow("metrics");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^# HELP hks_backup_last_success_timestamp_seconds /);
    expectNightly(r.stdout);
  });

  it("writes the textfile collector's file, the same text", async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-test-metrics-"));
    const file = path.join(tmp, "hks.prom");
    const r = await withNow("metrics", "--textfile", file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(fs.readFileSync(file, "utf8")).toBe((await withNow("metrics")).stdout);
  });

  it("pushes to a real Pushgateway, which serves the series under job and namespace", async () => {
    const port = await freePort();
    gateway = spawn("prometheus-pushgateway", [`--web.listen-address=127.0.0.1:${port}`], { stdio: "ignore" });
    const url = `http://127.0.0.1:${port}`;
    await waitFor("the Pushgateway to be ready", 30_000, async () =>
      (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined,
    );
    const r = await withNow("metrics", "--pushgateway", url, "--job", "hks-it");
    expect(r.code, r.stderr).toBe(0);
    const served = await (await fetch(`${url}/metrics`)).text();
    expect(served).toContain(
      `hks_plan_rpo_state{instance="",job="hks-it",namespace="${ns}",plan="nightly",state="LATE"} 1`,
    );
    expect(served).toContain(`hks_location_up{instance="",job="hks-it",location="main",namespace="${ns}"} 1`);
    const down = await hks("metrics", "--pushgateway", "http://127.0.0.1:1");
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/pushing to http:\/\/127.0.0.1:1 failed/);
  });
});

/** One HTTP request with exactly these headers (no redirect following). */
function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

describe("hks ui over HTTP", () => {
  let ui: ChildProcess | undefined;
  let base = "";
  let token = "";
  let cookie = "";

  afterAll(async () => {
    if (ui && ui.exitCode === null) {
      const exited = new Promise((r) => ui!.once("exit", r));
      ui.kill("SIGTERM");
      await exited;
    }
  });

  it("starts on loopback and prints a URL with a fresh token", async () => {
    ui = spawn(
      process.execPath,
      [path.join(__dirname, "..", "..", "bin", "hks.js"), "-n", ns, "ui", "--now", now.toISOString()],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = "";
      ui!.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      ui!.once("exit", (code) => reject(new Error(`hks ui exited with ${code} before printing its URL`)));
    });
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43})$/.exec(line);
    expect(m, line).not.toBeNull();
    base = `http://127.0.0.1:${m![1]}`;
    token = m![2]!;
  });

  it("refuses requests without the token (401), with a wrong one or a foreign Host (403)", async () => {
    expect((await request(`${base}/`)).status).toBe(401);
    expect((await request(`${base}/metrics`)).status).toBe(401);
    expect((await request(`${base}/?token=${"x".repeat(43)}`)).status).toBe(403);
    const rebound = await request(`${base}/?token=${token}`, {
      headers: { host: `evil.example:${new URL(base).port}` },
    });
    expect(rebound.status).toBe(403);
  });

  it("turns the URL's token into a cookie and shows the plans with their RPO state", async () => {
    const first = await request(`${base}/?token=${token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/");
    cookie = first.headers["set-cookie"]![0]!.split(";")[0]!;
    const plans = await request(`${base}/`, { headers: { cookie } });
    expect(plans.status).toBe(200);
    expect(plans.body).toMatch(/<a href="\/plans\/nightly">nightly<\/a>[\s\S]*<span class="state LATE">LATE<\/span>/);
    expect(plans.body).toMatch(
      /<a href="\/plans\/yearly">yearly<\/a>[\s\S]*<span class="state PENDING">PENDING<\/span>/,
    );
    const one = await request(`${base}/plans/nightly`, { headers: { cookie } });
    expect(one.body).toContain("main (primary), offsite (copy)");
  });

  it("lists locations and filters backups by label, plan and phase", async () => {
    const locs = await request(`${base}/locations`, { headers: { cookie } });
    expect(locs.body).toContain('<a href="/backups?location=main">3</a>');
    expect(locs.body).toContain('<a href="/backups?location=offsite">1</a>');
    const prod = await request(`${base}/backups?selector=env%3Dprod&phase=Completed`, { headers: { cookie } });
    expect(prod.status).toBe(200);
    expect(prod.body).toContain("2 backups");
    expect(prod.body).toContain(good);
    expect(prod.body).not.toContain(manual);
    const failedOnly = await request(`${base}/backups?plan=nightly&phase=Failed`, { headers: { cookie } });
    expect(failedOnly.body).toContain("1 backup<");
    expect(failedOnly.body).toContain(failed);
  });

  it("serves /metrics to a bearer token, and refuses a cross-site POST", async () => {
    const metrics = await request(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0.0.4/);
    expect(metrics.body).toContain(`hks_plan_rpo_state{namespace="${ns}",plan="nightly",state="LATE"} 1`);
    const forged = await request(`${base}/logout`, {
      method: "POST",
      headers: { cookie, origin: "http://evil.example", "content-type": "application/x-www-form-urlencoded" },
      body: "x=1",
    });
    expect(forged.status).toBe(403);
  });
});
