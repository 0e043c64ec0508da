/**
 * Fault: the kube-apiserver restarts during a backup and during a restore (issue 8, "Faults"). On a
 * private stack (this file kills and restarts its apiserver), the apiserver is killed with SIGKILL
 * once progress shows the operation under way, and started again with the same arguments, port and
 * certificates; etcd keeps the data. Every request in between is refused or cut, and the new
 * apiserver answers for a moment before it has registered all its API groups.
 *
 * Expected: the requests are retried with backoff and the operation completes with every object,
 * or it fails with a clear reason; never a success that silently misses objects. Each case is
 * checked to have really spanned the outage: it completed after the apiserver served again.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startStackProcess, stopStackProcess, type StackInfo } from "../../cli/dev/stack";
import type { BackupManifest } from "../../provider/format/manifest";
import { readRestoreRecord } from "../../provider/prepare/restore-record";
import type { ObjectStore } from "../../provider/store";
import { createTestLocation } from "../support/backup-fixture";
import {
  adminKc,
  ensureRunning,
  s3Of,
  seedConfigMaps,
  spawnHks,
  startPrivateStack,
  stopPrivateStack,
  type HksRun,
} from "../support/faults";
import { readManifest } from "../support/backup-fixture";

const SRC = "busy-app";
const LOC_NS = "hks-faults";
/** Enough objects (2 KiB each) for the paged LISTs and the creates to take a few seconds. */
const CONFIGMAPS = 3000;
/** The seeded ConfigMaps plus kube-root-ca.crt, which the controller-manager puts in every namespace. */
const CONFIGMAPS_IN_NAMESPACE = CONFIGMAPS + 1;
let info: StackInfo;
let store: ObjectStore;

/**
 * Kills the apiserver as soon as `run` prints `progress`, starts it again after `downMs`, and
 * returns the instant it was started again: an operation that ends after that instant outlived the
 * outage (it could not end while the apiserver was down, with pages left to list or objects to write).
 */
async function restartApiserverDuring(run: HksRun, progress: RegExp, downMs = 2000): Promise<number> {
  await run.waitForOutput(progress);
  await stopStackProcess(info, "kube-apiserver", "SIGKILL");
  await new Promise((r) => setTimeout(r, downMs));
  // The moment the apiserver is started again: it serves before startStackProcess has seen it ready,
  // and a client retrying with backoff can finish in between (a time taken after would race it).
  const restarted = Date.now();
  info = await startStackProcess(info, "kube-apiserver");
  return restarted;
}

/** `hks backup create <name>` of SRC, with the apiserver restarted once `progress` is printed. */
async function backupAcrossRestart(
  name: string,
  progress: RegExp,
  downMs?: number,
): Promise<{ manifest: BackupManifest; back: number }> {
  // Pages of 10: 300 LISTs, so the backup is still listing when the apiserver goes down (with the
  // default 500 it finishes 3,000 objects before the kill lands).
  const run = spawnHks(info, [
    "-n",
    LOC_NS,
    "backup",
    "create",
    name,
    "--include-namespaces",
    SRC,
    "--storage-location",
    "main",
    "--page-size",
    "10",
  ]);
  const back = await restartApiserverDuring(run, progress, downMs);
  const { code } = await run.exit;
  expect(code, run.stdout() + run.stderr()).toBe(0);
  return { manifest: await readManifest(store, name), back };
}

beforeAll(async () => {
  info = await startPrivateStack("faults-apiserver");
  const kc = adminKc(info);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (const ns of [SRC, LOC_NS]) await core.createNamespace({ body: { metadata: { name: ns } } });
  await seedConfigMaps(kc, SRC, CONFIGMAPS, 2048);
  // Not in the core group: a discovery that misses API groups would leave it out.
  const labels = { app: "web" };
  await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
    namespace: SRC,
    body: {
      metadata: { name: "web" },
      spec: {
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    },
  });
  ({ store } = await createTestLocation(kc, {
    name: "main",
    namespace: LOC_NS,
    bucket: "faults-apiserver",
    prefix: "team-a",
    s3: s3Of(info),
  }));
}, 300_000);

// A test that failed half-way must not leave the apiserver down for the next one.
afterEach(async () => {
  info = await ensureRunning(info, "kube-apiserver");
});

afterAll(async () => {
  await stopPrivateStack(info);
});

describe("kube-apiserver restarted mid-operation", () => {
  it("during a backup's LISTs: retried with backoff, the backup completes with every object", async () => {
    // The first progress line comes with the first LIST page: the later pages meet the outage.
    const { manifest: m, back } = await backupAcrossRestart("across-restart", /backup: \d+/);
    expect(Date.parse(m.completedAt)).toBeGreaterThan(back);
    expect(m).toMatchObject({ phase: "Completed", warnings: [], errors: [] });
    expect(m.counts.byResource).toMatchObject({ configmaps: CONFIGMAPS_IN_NAMESPACE, "deployments.apps": 1 });
  });

  it(
    "as a backup starts: discovery waits until the apiserver is ready, so no API group is " + "silently left out",
    async () => {
      // Killed just before discovery and back at once: discovery meets the apiserver starting up.
      const { manifest: m, back } = await backupAcrossRestart("at-start", /backing up to/, 300);
      expect(Date.parse(m.completedAt)).toBeGreaterThan(back);
      expect(m).toMatchObject({ phase: "Completed", warnings: [], errors: [] });
      expect(m.counts.byResource).toMatchObject({ configmaps: CONFIGMAPS_IN_NAMESPACE, "deployments.apps": 1 });
    },
  );

  it("during a restore: retried with backoff, the restore completes and every object is there", async () => {
    const run = spawnHks(info, [
      "-n",
      LOC_NS,
      "restore",
      "create",
      "across-restart",
      "--from-backup",
      "across-restart",
      "--storage-location",
      "main",
      "--namespace-mapping",
      `${SRC}:busy-clone`,
    ]);
    const back = await restartApiserverDuring(run, /restore: \d+\/\d+/);
    const { code } = await run.exit;
    expect(code, run.stdout() + run.stderr()).toBe(0);
    const r = (await readRestoreRecord(adminKc(info), LOC_NS, "across-restart"))!;
    expect(Date.parse(r.completedAt)).toBeGreaterThan(back);
    expect(r).toMatchObject({ phase: "Completed", counts: { failed: 0 } });
    expect(r.counts.restored + r.counts.skipped).toBe(r.counts.total);
    // A create whose answer the restart cut off is retried; meeting the object it made, it counts
    // as created, not as "already exists" (only what the controller-manager makes in every new
    // namespace may: the default ServiceAccount and kube-root-ca.crt).
    const existing = r.skipped.filter((g) => g.reason.startsWith("already exists")).flatMap((g) => g.items);
    expect(
      existing.filter((i) => !/^(serviceaccounts\/[^/]+\/default|configmaps\/[^/]+\/kube-root-ca\.crt)$/.test(i)),
    ).toEqual([]);
    expect(await configMapCount("busy-clone")).toBe(CONFIGMAPS);
    await adminKc(info).makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: "web", namespace: "busy-clone" });
  });
});

async function configMapCount(namespace: string): Promise<number> {
  const list = await adminKc(info).makeApiClient(k8s.CoreV1Api).listNamespacedConfigMap({ namespace });
  return list.items.filter((c) => c.metadata?.name?.startsWith("cm-")).length;
}
