/**
 * `hks ui` in a real browser: headless Chromium from Debian (no browser download), driven by
 * playwright-core, against `hks ui` running as a process on the local environment. The pages show
 * the real plan and backups; a backup is verified and restored from the dashboard (confirmation,
 * then the job's page following its output live until it ends), the restored objects are in the
 * cluster; a request without the token is refused. Screenshots of the main pages are written to
 * `.hks/screenshots/` (the README's come from there).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupPlanHandler } from "../../provider/handlers/backup-plan";
import { checkBackupPlan } from "../../provider/plan/plan";
import type { BackupPlanInputs } from "../../provider/types";
import { adminKubeConfig, createLocation, rand, stack } from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";
import { deleteNamespacesAndWait } from "../support/node";
import { stackEnv } from "../../cli/dev/stack";

/** Debian's chromium package (scripts/setup.sh installs it). */
const CHROMIUM = process.env.HKS_CHROMIUM ?? "/usr/bin/chromium";
const ROOT = path.resolve(__dirname, "../..");
const SHOTS = path.join(ROOT, ".hks", "screenshots");
const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const id = rand();
const ns = `hks-ui-${id}`;
const app = `ui-shop-${id}`;
const clone = `ui-clone-${id}`;
const backupName = `shop-${id}`;
let ui: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let url = "";

async function shot(name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the job page (live, through its event stream) says the job ended; returns its text. */
async function jobEnded(): Promise<{ phase: string; output: string }> {
  await page.waitForFunction('document.getElementById("phase")?.textContent !== "Running"', undefined, {
    timeout: 150_000,
  });
  return { phase: (await page.textContent("#phase"))!.trim(), output: (await page.textContent("#out")) ?? "" };
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: app } } });
  await core.createNamespacedConfigMap({
    namespace: app,
    body: { metadata: { name: "shop-settings", labels: { app: "shop" } }, data: { currency: "EUR" } },
  });
  await createLocation(kc, { namespace: ns, name: "main", isDefault: true });
  const { inputs, failures } = checkBackupPlan({
    planName: "shop-nightly",
    namespace: ns,
    target: { namespace: app },
    storageLocation: "main",
    schedule: { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
    retention: { daily: 7 },
  } as unknown as Partial<BackupPlanInputs>);
  expect(failures).toEqual([]);
  await backupPlanHandler.create(inputs, {
    signal: new AbortController().signal,
    log: () => undefined,
    progress: () => undefined,
  });
  const b = await runHks(ns, ["backup", "create", backupName, "--include-namespaces", app, "--plan", "shop-nightly"]);
  expect(b.code, b.stderr).toBe(0);

  ui = spawn(process.execPath, [path.join(ROOT, "bin", "hks.js"), "-n", ns, "ui", "--refresh", "0"], {
    env: { ...process.env, ...stackEnv(stack) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    ui!.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    ui!.once("exit", (code) => reject(new Error(`hks ui exited with ${code} before printing its URL`)));
  });
  // Root in a container: Chromium's sandbox needs user namespaces it may not get.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (ui && ui.exitCode === null) {
    const exited = new Promise((r) => ui!.once("exit", r));
    ui.kill("SIGTERM");
    await exited;
  }
  await deleteNamespacesAndWait(kc, [app, clone, ns]).catch(() => undefined);
}, 180_000);

describe("hks ui in Chromium", () => {
  it("refuses a request without the token", async () => {
    const bare = new URL(url);
    bare.search = "";
    const r = await page.goto(bare.toString());
    expect(r?.status()).toBe(401);
    expect(await page.textContent("body")).toContain("open the URL that `hks ui` printed");
  });

  it("the URL opens the plans page: the real plan, its schedule and RPO state", async () => {
    await page.goto(url);
    expect(new URL(page.url()).search).toBe("");
    const text = (await page.textContent("main"))!;
    expect(text).toContain("shop-nightly");
    expect(text).toContain("0 2 * * *");
    await shot("plans");
    await page.click("text=shop-nightly");
    expect(await page.textContent("main")).toContain("Back up now");
    await page.click("header >> text=Locations");
    expect(await page.textContent("main")).toContain("main (default)");
    await shot("locations");
  });

  it("a backup found by its plan is verified from the dashboard, its output followed live", async () => {
    await page.click("header >> text=Backups");
    await page.fill("input[name=plan]", "shop-nightly");
    await page.click("button:has-text('Filter')");
    const row = page.locator("tr", { hasText: backupName });
    expect(await row.textContent()).toContain("Completed");
    await shot("backups");
    await row.locator("text=verify").click();
    expect(await page.textContent("main")).toContain(`Verify backup ${backupName} in location main.`);
    await page.click("button:has-text('Verify')");
    const { phase, output } = await jobEnded();
    expect(phase, output).toBe("Succeeded");
    expect(output).toContain(`Backup "${backupName}" verified (location main)`);

    await page.click("header >> text=Backups");
    await page.click(`a:has-text("${backupName}")`);
    const detail = (await page.textContent("main"))!;
    expect(detail).toContain(`Backup ${backupName}`);
    expect(detail).toMatch(/Plan\s*shop-nightly/);
    // shop-settings and the kube-root-ca.crt every namespace gets.
    expect(await page.locator("tr", { hasText: "configmaps" }).textContent()).toMatch(/configmaps\s*2/);
    expect(detail).toContain("None: this backup holds no volume data.");
  });

  it("a restore into a protected namespace is refused; into a new one it completes and the objects are there", async () => {
    await page.click("header >> text=Backups");
    await page.locator("tr", { hasText: backupName }).locator("text=restore…").click();
    await page.fill("input[name=namespaceMapping]", `${app}:production`);
    await page.click("button:has-text('Restore into these namespaces')");
    expect(await page.textContent("main")).toContain('writes into protected namespace "production"');
    await page.fill("input[name=name]", `clone-${id}`);
    await page.fill("input[name=namespaceMapping]", `${app}:${clone}`);
    await shot("restore");
    await page.click("button:has-text('Restore into these namespaces')");
    const { phase, output } = await jobEnded();
    expect(phase, output).toBe("Succeeded");
    expect(output).toMatch(/Completed/);
    await shot("restore-done");
    const cm = await core.readNamespacedConfigMap({ name: "shop-settings", namespace: clone });
    expect(cm.data).toEqual({ currency: "EUR" });
    const described = await runHks(ns, ["restore", "describe", `clone-${id}`]);
    expect(described.stdout).toContain("Completed");
    await page.click("header >> text=Restores");
    const row = (await page.locator("tr", { hasText: `clone-${id}` }).textContent())!;
    expect(row).toContain("Completed");
    expect(row).toContain(`${app}→${clone}`);
    const listed = await runHks(ns, ["restore", "list"]);
    expect(listed.stdout).toMatch(new RegExp(`^clone-${id}\\s+Completed\\s+${backupName}\\s+main\\s`, "m"));
  });

  it("delete: the plan's last good backup is refused with the reason; after a newer one it goes", async () => {
    await page.click("header >> text=Backups");
    await page.locator("tr", { hasText: backupName }).locator("text=delete…").click();
    const refused = (await page.textContent("main"))!;
    expect(refused).toContain(`Backup ${backupName} in location main cannot be deleted:`);
    expect(refused).toContain(`is the newest Completed backup of plan shop-nightly in location main`);
    expect(await page.locator("button:has-text('Delete')").count()).toBe(0);

    const newer = `shop-newer-${id}`;
    const b = await runHks(ns, ["backup", "create", newer, "--include-namespaces", app, "--plan", "shop-nightly"]);
    expect(b.code, b.stderr).toBe(0);
    await page.click("header >> text=Backups");
    await page.locator("tr", { hasText: backupName }).locator("text=delete…").click();
    expect(await page.textContent("main")).toContain(`Delete backup ${backupName} from location main.`);
    await page.click("button:has-text('Delete')");
    const { phase, output } = await jobEnded();
    expect(phase, output).toBe("Succeeded");
    expect(output).toContain(`Deleted backup "${backupName}" from main: 2 objects`);
    const listed = await runHks(ns, ["backup", "list", "-o", "json"]);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((x) => x.name)).toEqual([newer]);
  });
});
