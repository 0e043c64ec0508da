/**
 * The clock-driven rules of `hks run-plan` (run lock, retention over a series of days), which a real
 * schedule cannot reach in a test's time: the CronJob's container run as a local process with
 * HKS_NOW. The real path (CronJob → Job → Pod running the runner image on the node) is
 * node-plan-cronjob.integ.spec.ts. Against the real apiserver and MinIO: the command, args and
 * env come from the installed CronJob's job template, the process gets only that environment plus a
 * kubeconfig holding the runner ServiceAccount's token (so its least-privilege RBAC is enforced),
 * and HKS_NOW drives the clock: a first backup in both locations, the run lock (held → exit 4,
 * expired → broken with a warning), and retention over a series of daily runs.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { backupPlanHandler as handler } from "../../provider/handlers/backup-plan";
import { checkBackupPlan } from "../../provider/plan/plan";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import type { BackupPlanInputs } from "../../provider/types";
import {
  adminKubeConfig,
  createLocation,
  rand,
  readBackupObjects,
  readManifest,
  storedBackupNames,
} from "../support/backup-fixture";
import { containerProcess, runProcess, serviceAccountKubeconfig, type ProcessSpec } from "./plan-support";
import { ENGINE_NODE_FLAGS } from "../../provider/node-flags";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const id = rand();
const planNs = `hks-run-it-${id}`;
const target = `run-it-app-${id}`;
let proc: ProcessSpec;
let saKubeconfig: string;
let main: ObjectStore;
let offsite: ObjectStore;
let offsiteIdentity: string;

const run = (now: string) => runProcess(proc, { KUBECONFIG: saKubeconfig, HKS_NOW: now });

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: target } } });
  await core.createNamespacedConfigMap({
    namespace: target,
    body: { metadata: { name: "settings", labels: { app: "pg" } }, data: { mode: "primary" } },
  });
  await core.createNamespacedSecret({
    namespace: target,
    body: { metadata: { name: "pg-password", labels: { app: "pg" } }, stringData: { password: "s3cret" } },
  });
  await core.createNamespacedConfigMap({
    namespace: target,
    body: { metadata: { name: "unrelated", labels: { app: "web" } } },
  });
  const ids = await generateIdentity();
  offsiteIdentity = ids.identity;
  main = (await createLocation(kc, { namespace: planNs, name: "main" })).store;
  offsite = (await createLocation(kc, { namespace: planNs, name: "offsite", recipients: [ids.recipient] })).store;
  const { inputs, failures } = checkBackupPlan({
    planName: "db",
    namespace: planNs,
    target: { namespace: target, selector: { app: "pg" } },
    storageLocation: "main",
    copies: [{ storageLocation: "offsite", retention: { last: 2 } }],
    schedule: { cron: "0 2 * * *", suspend: true },
    retention: { daily: 3 },
    labels: { team: "db" },
    verifyAfterBackup: true,
  } as unknown as Partial<BackupPlanInputs>);
  expect(failures).toEqual([]);
  await handler.create(inputs, {
    signal: new AbortController().signal,
    log: () => undefined,
    progress: () => undefined,
  });
  // The Job the controller would create from this template; its Pod supplies the Downward API fields.
  const cj = await batch.readNamespacedCronJob({ name: "hks-plan-db", namespace: planNs });
  const job: k8s.V1Job = {
    metadata: { name: "hks-plan-db-manual", namespace: planNs },
    spec: cj.spec!.jobTemplate.spec,
  };
  proc = await containerProcess(kc, job, {
    metadata: { name: "hks-plan-db-manual-x7k2p", namespace: planNs },
    spec: job.spec!.template.spec,
  });
  saKubeconfig = await serviceAccountKubeconfig(kc, planNs, "hks-plan-db");
}, 120_000);

afterAll(async () => {
  for (const ns of [target, planNs]) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe("hks run-plan as the CronJob's container, with the runner's ServiceAccount", () => {
  it("backs up the selected objects into the primary and into the copy (encrypted for the copy's key)", async () => {
    // node, the engine's heap flags (as the container command has them), the CLI, the args
    expect(proc.argv.slice(1, -5)).toEqual([...ENGINE_NODE_FLAGS]);
    expect(proc.argv.slice(-4)).toEqual(["run-plan", "db", "--namespace", planNs]);
    const r = await run("2025-01-01T02:00:00Z");
    expect(r.stderr).not.toMatch(/Forbidden|HTTP 403/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^plan db: backup db-20250101020000 Completed: 3 objects \(3 types\)$/m);
    // verifyAfterBackup: each copy read back from MinIO (the runner holds no identity for the encrypted one).
    expect(r.stdout).toMatch(
      /^ {2}primary main: stored at s3:\/\/\S+; verified \(3 objects read back\); retention kept 1, pruned 0$/m,
    );
    expect(r.stdout).toMatch(
      /^ {2}copy offsite: stored at s3:\/\/\S+; verified \(size and SHA-256; encrypted, contents not read\); retention kept 1, pruned 0$/m,
    );
    expect(r.stdout).toMatch(/result: success \(exit 0\)/);
    const m = await readManifest(main, "db-20250101020000");
    expect(m).toMatchObject({
      plan: "db",
      phase: "Completed",
      storageLocation: "main",
      labels: { team: "db" },
      startedAt: expect.stringMatching(/^2025-01-01T02:00:0\d/),
    });
    const copy = await readManifest(offsite, "db-20250101020000");
    expect(copy).toMatchObject({ storageLocation: "offsite", artifacts: { resources: { encrypted: true } } });
    const objects = await readBackupObjects(offsite, copy, [offsiteIdentity]);
    expect([...objects.keys()].sort()).toEqual([
      `resources/configmaps/${target}/settings.yaml`,
      `resources/namespaces/_cluster/${target}.yaml`,
      `resources/secrets/${target}/pg-password.yaml`,
    ]);
    expect(await main.tryGet(STORE_LAYOUT.lockKey("db"))).toBeUndefined();
  });

  it(
    "a held run lock stops a second run (exit 4) naming its holder; an expired one is broken " + "with a warning",
    async () => {
      const lock = {
        formatVersion: 1,
        plan: "db",
        holder: "hks-plan-db-29000001-abcde",
        runId: "r1",
        acquiredAt: "2025-01-02T01:59:00.000Z",
        expiresAt: "2025-01-02T07:59:00.000Z",
      };
      await main.put(STORE_LAYOUT.lockKey("db"), JSON.stringify(lock));
      const held = await run("2025-01-02T02:00:00Z");
      expect(held.code).toBe(4);
      expect(held.stderr).toMatch(
        /plan "db" is already running: .* holds its run lock for hks-plan-db-29000001-abcde \(run r1\) since 2025-01-02T01:59:00.000Z/,
      );
      expect(await storedBackupNames(main)).toEqual(["db-20250101020000"]);
      const expired = await run("2025-01-02T08:00:00Z");
      expect(expired.code, expired.stdout + expired.stderr).toBe(0);
      expect(expired.stderr).toMatch(
        /warning: breaking the expired run lock of plan "db" held by hks-plan-db-29000001-abcde/,
      );
      expect(await main.tryGet(STORE_LAYOUT.lockKey("db"))).toBeUndefined();
    },
  );

  it("retention after a series of daily runs keeps exactly what each location's policy says", async () => {
    for (const d of ["03", "04", "05", "06"]) {
      const r = await run(`2025-01-${d}T02:00:00Z`);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
    // Primary: daily 3. Copy: last 2. Jan 2's backup ran at 08:00.
    expect(await storedBackupNames(main)).toEqual(["db-20250104020000", "db-20250105020000", "db-20250106020000"]);
    expect(await storedBackupNames(offsite)).toEqual(["db-20250105020000", "db-20250106020000"]);
  }, 120_000);
});
