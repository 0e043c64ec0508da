/**
 * What one `pulumi up` tells the person (issue 15), through the real Pulumi CLI and its event log
 * (test/fixtures/programs/diagnostics: location, plan, backup, restore):
 * - every hks message sits under its resource, a few lines each, and nothing under the Stack;
 * - progress counters (`collect: 12/40`, `read: 1`, `verify: 2255/2255`) reach the person while the
 *   work runs, as ephemeral status on the resource's row, and never stay in the diagnostics;
 * - the restore's skips name the target's objects;
 * - `pulumi preview` refuses a Restore of that encrypted backup without `identity`, before anything runs.
 * Needs `npx tsc -p .` first (the program loads dist/ via hks-backup).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { uniq } from "../support/backup-fixture";
import { pulumiProject, type PulumiProject } from "../support/pulumi";
import { deleteNamespaces } from "../support/restore-source";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const run = uniq("e2e-diag");
const SRC = `${run}-production`;
const DST = `${run}-staging`;
const DST2 = `${run}-unlocked`;
const LOC_NS = `${run}-hks`;
const eventsDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-test-diag-"));
let p: PulumiProject;

/** The engine events `pulumi ... --event-log` wrote that carry a diagnostic. */
interface Diagnostic {
  readonly urn: string;
  readonly message: string;
  readonly severity: string;
  readonly ephemeral: boolean;
}

/** The diagnostics a person sees: debug messages (e.g. the SDK's RPC traces) show only with --debug. */
function diagnostics(file: string): Diagnostic[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { diagnosticEvent?: Partial<Diagnostic> })
    .flatMap((e) =>
      e.diagnosticEvent
        ? [
            {
              urn: e.diagnosticEvent.urn ?? "",
              message: (e.diagnosticEvent.message ?? "").replace(/\n$/, ""),
              severity: e.diagnosticEvent.severity ?? "",
              ephemeral: e.diagnosticEvent.ephemeral ?? false,
            },
          ]
        : [],
    )
    .filter((d) => d.severity !== "debug");
}

/** `kind` of an hks URN (`...::pulumi-nodejs:dynamic/hks:Backup::pre-migration` → `Backup`). */
const kindOf = (urn: string) => /dynamic\/hks:(\w+)::/.exec(urn)?.[1];

/** A progress counter as lineProgress renders it: `<step>: <n>[/<total>][, <bytes>][ — <note>]`. */
const COUNTER = /^(?:\w[\w-]*): \d+(?:\/\d+)?(?:, [\d.]+ [KMGT]?i?B)?(?: — .*)?$/m;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: SRC } } });
  await core.createNamespace({ body: { metadata: { name: DST } } });
  for (const name of ["app-config", "feature-flags", "limits"])
    await core.createNamespacedConfigMap({ namespace: SRC, body: { metadata: { name }, data: { from: SRC } } });
  // Already in the target: the restore skips it (existingResourcePolicy none) and must say where.
  await core.createNamespacedConfigMap({
    namespace: DST,
    body: { metadata: { name: "app-config" }, data: { from: "target" } },
  });
  const keys = await generateIdentity();
  p = await pulumiProject(path.resolve(__dirname, "../fixtures/programs/diagnostics"));
  const config: Record<string, string> = {
    source: SRC,
    target: DST,
    locationName: "offsite",
    locationNamespace: LOC_NS,
    planName: `${run}-nightly`.slice(0, 43),
    bucket: "hks-e2e-diagnostics",
    endpoint: stack.s3Endpoint,
    prefix: run,
    recipient: keys.recipient,
    unlockedName: `${run}-unlocked`,
    unlockedTarget: DST2,
  };
  for (const [k, v] of Object.entries(config)) await p.setConfig(k, v);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
  await p.setConfig("identity", keys.identity, true);
}, 300_000);

afterAll(async () => {
  if (p) {
    await p.destroy().catch(() => undefined);
    await p.dispose();
  }
  await deleteNamespaces(kc, [SRC, DST, DST2, LOC_NS]);
  fs.rmSync(eventsDir, { recursive: true, force: true });
});

describe("what pulumi up tells the person", () => {
  let events: Diagnostic[];
  let up: { stdout: string };

  beforeAll(async () => {
    const file = path.join(eventsDir, "up.json");
    // `--event-log` is the engine event stream the Automation API reads; the CLI lists it only for
    // PULUMI_DEBUG_COMMANDS.
    up = await p.run(["up", "--yes", "--skip-preview", "--event-log", file], {
      env: { PULUMI_DEBUG_COMMANDS: "true" },
    });
    events = diagnostics(file);
  }, 600_000);

  it("keeps a few meaningful lines under each resource and none under the Stack", () => {
    const kept = events.filter((e) => !e.ephemeral);
    const linesPer: Record<string, number> = {};
    for (const e of kept) {
      const kind = kindOf(e.urn) ?? "(Stack)";
      linesPer[kind] = (linesPer[kind] ?? 0) + e.message.split("\n").length;
    }
    console.log(`diagnostics lines per resource: ${JSON.stringify(linesPer)}`);
    // The program's own Node.js may warn under the Stack; nothing of the provider may.
    const stackLevel = kept.filter((e) => kindOf(e.urn) === undefined).map((e) => e.message);
    if (stackLevel.length) console.log(`under the Stack:\n${stackLevel.join("\n")}`);
    const ours = [SRC, DST, LOC_NS, "hks-plan-", "s3://", "restore ", "backup "];
    expect(stackLevel.filter((m) => ours.some((o) => m.includes(o)) || COUNTER.test(m))).toEqual([]);
    expect(Object.keys(linesPer).sort()).toEqual(["Backup", "BackupPlan", "BackupStorageLocation", "Restore"]);
    expect(linesPer.BackupStorageLocation).toBeLessThanOrEqual(4);
    expect(linesPer.BackupPlan).toBeLessThanOrEqual(3);
    expect(linesPer.Backup).toBeLessThanOrEqual(5);
    expect(linesPer.Restore).toBeLessThanOrEqual(8);
    const text = (kind: string) => kept.filter((e) => kindOf(e.urn) === kind).map((e) => e.message);
    // What was created, counts, sizes.
    expect(text("BackupStorageLocation").join("\n")).toMatch(/recorded in ConfigMap/);
    expect(text("BackupPlan").join("\n")).toMatch(/CronJob hks-plan-/);
    expect(text("Backup").join("\n")).toMatch(/Completed: \d+ objects, [\d.]+ [KM]?i?B stored/);
    expect(text("Restore").join("\n")).toMatch(/Completed: \d+ restored \(\d+ created\), \d+ skipped, 0 failed/);
    // The same lines are in the human-readable output, under the resources.
    expect(up.stdout).toMatch(/Completed: \d+ restored/);
  });

  it("shows progress while it runs, as status on the resource's row, and keeps no counter", () => {
    const counters = events.filter((e) => !e.ephemeral && COUNTER.test(e.message));
    expect(counters.map((e) => e.message)).toEqual([]);
    const status = events.filter((e) => e.ephemeral);
    expect(status.length).toBeGreaterThan(0);
    expect(new Set(status.map((e) => kindOf(e.urn)))).toEqual(new Set(["Backup", "Restore"]));
    expect(status.filter((e) => COUNTER.test(e.message)).length).toBeGreaterThan(0);
  });

  it("names a skipped object as it is in the target", async () => {
    const report = events.filter((e) => !e.ephemeral && kindOf(e.urn) === "Restore").map((e) => e.message);
    const line = report
      .join("\n")
      .split("\n")
      .find((l) => /already exists/.test(l));
    // `N × already exists in the target (...): <up to 3 items>`: every item named in the target.
    const items = line!
      .replace(/^.*?\): /, "")
      .replace(/, \.\.\. \(\+\d+\)$/, "")
      .split(", ");
    for (const item of items) expect(item).toMatch(new RegExp(`^[a-z.]+/${DST}(/|$)`));
    // The header names the mapping (`SRC→DST`); no item line names the source.
    const itemLines = report
      .join("\n")
      .split("\n")
      .filter((l) => / × /.test(l));
    expect(itemLines.filter((l) => l.includes(`/${SRC}`))).toEqual([]);
    const groups = (await p.outputs()).skipped as { reason: string; items: string[] }[];
    const exists = groups.find((g) => g.reason.startsWith("already exists"));
    expect(exists!.items).toContain(`configmaps/${DST}/app-config`);
    expect(exists!.items.filter((i) => i.includes(SRC))).toEqual([]);
  });
});

describe("a Restore of the encrypted backup without identity", () => {
  it("is refused by pulumi preview, naming identity, before anything runs", async () => {
    await p.setConfig("unlockedRestore", "true");
    const preview = await p.run(["preview"], { allowFailure: true });
    await p.run(["config", "rm", "unlockedRestore"]);
    const out = preview.stdout + preview.stderr;
    expect(preview.code, out).not.toBe(0);
    expect(out).toMatch(
      /Restore resource 'clone-without-identity' has a problem: identity: backup \S+ is encrypted \(age\) and no identity is given; give identity/,
    );
    expect(out).not.toContain("<nil>");
    const exists = await core.readNamespace({ name: DST2 }).then(
      () => true,
      () => false,
    );
    expect(exists).toBe(false);
  });
});
