/**
 * The plan runner's orchestration with memory stores and a canned API server: one backup published
 * to the primary and a copy (each encrypted for its own recipients), retention per location with a
 * controlled clock, the lock, and what a failure in one place does to the rest.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readArchive } from "../../../../provider/engine/archive/archive";
import { decryptStream, generateIdentity } from "../../../../provider/engine/archive/encrypt";
import type { BackupManifest } from "../../../../provider/format/manifest";
import { runPlan, type RunPlanDeps } from "../../../../provider/engine/run-plan/run-plan";
import { acquireRunLock, RunLockedError } from "../../../../provider/engine/run-plan/lock";
import { formatRunSummary, RUN_EXIT, runExitCode } from "../../../../provider/engine/run-plan/report";
import type { PlanSpec } from "../../../../provider/format/plan-spec";
import { KubeHttpError, type KubeReader } from "../../../../provider/kube/discovery";
import type { LocationConfig } from "../../../../provider/kube/location-config";
import { STORE_LAYOUT, MemoryObjectStore, type ObjectStore } from "../../../../provider/store";
import { validateRetentionPolicy } from "../../../../provider/format/retention";
import { storedBackupNames } from "../../../support/backup-fixture";

/** A tiny API server: one namespace with two ConfigMaps, no pods, no CRDs. */
function cannedReader(): KubeReader {
  const cm = (name: string) => ({
    metadata: { name, namespace: "production", uid: "u", resourceVersion: "1", labels: { app: "pg" } },
    data: { k: name },
  });
  const routes: Record<string, unknown> = {
    "/apis": { groups: [] },
    "/api/v1": {
      resources: [
        { name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["get", "list"] },
        { name: "pods", kind: "Pod", namespaced: true, verbs: ["get", "list"] },
        { name: "namespaces", kind: "Namespace", namespaced: false, verbs: ["get", "list"] },
      ],
    },
    "/api/v1/namespaces/production/configmaps": { items: [cm("settings"), cm("flags")], metadata: {} },
    "/api/v1/namespaces/production/pods": { items: [], metadata: {} },
    "/api/v1/namespaces/production": { apiVersion: "v1", kind: "Namespace", metadata: { name: "production" } },
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions": { items: [], metadata: {} },
  };
  return {
    async getJson<T>(path: string): Promise<T> {
      const body = routes[path.split("?")[0]!];
      if (body === undefined) throw new KubeHttpError(404, path, { message: "not found" });
      return body as T;
    },
  };
}

function spec(over: Partial<PlanSpec> = {}): PlanSpec {
  return {
    formatVersion: 1,
    name: "daily",
    namespace: "hks-system",
    storageLocation: "main",
    copies: [{ storageLocation: "offsite", retention: validateRetentionPolicy({ last: 2 }) }],
    target: { namespaces: ["production"], selector: "app=pg" },
    retention: validateRetentionPolicy({ daily: 3 }),
    schedule: { cron: "0 2 * * *", timeZone: "UTC" },
    hooks: { pre: [], post: [] },
    labels: { team: "db" },
    lockTtlSeconds: 3600,
    ...over,
  };
}

interface World {
  stores: Record<string, MemoryObjectStore>;
  configs: Record<string, LocationConfig>;
  deps: (at: string) => RunPlanDeps;
  logs: string[];
}

function world(recipients: Record<string, string[]>): World {
  const stores: Record<string, MemoryObjectStore> = {};
  const configs: Record<string, LocationConfig> = {};
  for (const name of Object.keys(recipients)) {
    stores[name] = new MemoryObjectStore(name);
    configs[name] = {
      name,
      namespace: "hks-system",
      provider: "aws",
      recipients: recipients[name]!,
      accessMode: "ReadWrite",
      default: false,
      credentials: { kind: "ambient" },
    };
  }
  const logs: string[] = [];
  const deps = (at: string): RunPlanDeps => ({
    async openLocation(name) {
      if (!configs[name]) throw new Error(`storage location "${name}" is not recorded`);
      return { config: configs[name]!, store: stores[name]! as ObjectStore };
    },
    backup: {
      reader: cannedReader(),
      executor: { exec: async () => ({ exitCode: 0, stdout: "", stderr: "" }) },
      sourceCluster: "https://k8s.test",
    },
    now: () => new Date(at),
    holder: "test-pod",
    log: (l) => logs.push(l),
  });
  return { stores, configs, deps, logs };
}

async function manifestOf(store: ObjectStore, name: string): Promise<BackupManifest> {
  return JSON.parse((await store.tryGet(STORE_LAYOUT.backupManifestKey(name)))!.toString());
}

async function archivePaths(store: ObjectStore, m: BackupManifest, identity?: string): Promise<string[]> {
  let src: Readable = await store.getStream(m.artifacts.resources.key);
  if (identity) src = src.pipe(decryptStream([identity]));
  const out: string[] = [];
  for await (const e of readArchive(src)) out.push(e.path);
  return out.sort();
}

describe("runPlan", () => {
  it("backs up once and publishes to the primary and the copy, each encrypted for its own recipients", async () => {
    const a = await generateIdentity();
    const b = await generateIdentity();
    const w = world({ main: [a.recipient], offsite: [b.recipient] });
    const r = await runPlan(spec(), w.deps("2025-03-01T02:00:00Z"));
    expect(runExitCode(r)).toBe(RUN_EXIT.ok);
    expect(r).toMatchObject({ backupName: "daily-20250301020000", phase: "Completed", errors: [] });
    const main = await manifestOf(w.stores.main!, "daily-20250301020000");
    const off = await manifestOf(w.stores.offsite!, "daily-20250301020000");
    expect(main).toMatchObject({
      plan: "daily",
      labels: { team: "db" },
      storageLocation: "main",
      phase: "Completed",
      counts: { total: 3 },
    });
    expect(off).toMatchObject({
      plan: "daily",
      storageLocation: "offsite",
      phase: "Completed",
      startedAt: main.startedAt,
    });
    expect(main.artifacts.resources).toMatchObject({
      key: "hks/v1/backups/daily-20250301020000/resources.tar.gz.age",
      encrypted: true,
    });
    expect(main.encryption!.recipientFingerprints).not.toEqual(off.encryption!.recipientFingerprints);
    const expected = [
      "resources/configmaps/production/flags.yaml",
      "resources/configmaps/production/settings.yaml",
      "resources/namespaces/_cluster/production.yaml",
    ];
    expect(await archivePaths(w.stores.main!, main, a.identity)).toEqual(expected);
    expect(await archivePaths(w.stores.offsite!, off, b.identity)).toEqual(expected);
    // Each location's key opens only its own copy.
    await expect(archivePaths(w.stores.offsite!, off, a.identity)).rejects.toThrow(/none of the given identities/);
    expect(await w.stores.main!.tryGet(STORE_LAYOUT.lockKey("daily"))).toBeUndefined();
    expect(formatRunSummary(r)).toEqual([
      "plan daily: backup daily-20250301020000 Completed: 3 objects (2 types)",
      "  primary main: stored at memory://main/hks/v1/backups/daily-20250301020000/; retention kept 1, pruned 0",
      "  copy offsite: stored at memory://offsite/hks/v1/backups/daily-20250301020000/; retention kept 1, pruned 0",
      "result: success (exit 0)",
    ]);
  });

  it(
    "verifyAfterBackup reads each published copy back: every object where it can, size and SHA-256 where " +
      "encrypted",
    async () => {
      const b = await generateIdentity();
      const w = world({ main: [], offsite: [b.recipient] });
      const r = await runPlan(spec({ verifyAfterBackup: true }), w.deps("2025-03-01T02:00:00Z"));
      expect(runExitCode(r)).toBe(RUN_EXIT.ok);
      expect(r.locations.map((l) => l.verified)).toEqual([
        { objects: 3, contentsChecked: true },
        { objects: 0, contentsChecked: false },
      ]);
      expect(formatRunSummary(r).slice(1, 3)).toEqual([
        "  primary main: stored at memory://main/hks/v1/backups/daily-20250301020000/; verified (3 objects read back); retention kept 1, pruned 0",
        "  copy offsite: stored at memory://offsite/hks/v1/backups/daily-20250301020000/; verified (size and SHA-256; encrypted, contents not read); retention kept 1, pruned 0",
      ]);
    },
  );

  it("verifyAfterBackup: a location that returns other bytes than it stored fails the run, naming it", async () => {
    const w = world({ main: [], offsite: [] });
    // Bit rot in the copy location: every archive read comes back with one byte flipped.
    const rotten = w.stores.offsite!;
    const read = rotten.getStream.bind(rotten);
    rotten.getStream = async (key: string) => {
      const body = Buffer.concat((await (await read(key)).toArray()) as Buffer[]);
      if (key.endsWith(".tar.gz")) body[body.length >> 1] ^= 0x01;
      return Readable.from([body]);
    };
    const r = await runPlan(spec({ verifyAfterBackup: true }), w.deps("2025-03-01T02:00:00Z"));
    expect(runExitCode(r)).not.toBe(RUN_EXIT.ok);
    expect(r.locations[0]).toMatchObject({
      location: "main",
      errors: [],
      verified: { objects: 3, contentsChecked: true },
    });
    expect(r.locations[1]!.errors).toEqual([
      expect.stringMatching(
        /^verifying daily-20250301020000 after publishing: IntegrityError: archive hks\/v1\/backups\/daily-20250301020000\/resources\.tar\.gz of backup daily-20250301020000 does not match its manifest/,
      ),
    ]);
    // Without the option nothing is read back, so nothing notices.
    const quiet = world({ main: [], offsite: [] });
    expect(runExitCode(await runPlan(spec(), quiet.deps("2025-03-01T02:00:00Z")))).toBe(RUN_EXIT.ok);
  });

  it("an unencrypted location gets a plain archive and no encryption record", async () => {
    const w = world({ main: [], offsite: [] });
    await runPlan(spec(), w.deps("2025-03-01T02:00:00Z"));
    const m = await manifestOf(w.stores.offsite!, "daily-20250301020000");
    expect(m.artifacts.resources).toMatchObject({
      key: "hks/v1/backups/daily-20250301020000/resources.tar.gz",
      encrypted: false,
    });
    expect(m.encryption).toBeUndefined();
    expect(await archivePaths(w.stores.offsite!, m)).toHaveLength(3);
  });

  it("a series of daily runs with a controlled clock: each location keeps what its own retention says", async () => {
    const w = world({ main: [], offsite: [] });
    for (let d = 1; d <= 6; d++) {
      const r = await runPlan(spec(), w.deps(`2025-03-0${d}T02:00:00Z`));
      expect(runExitCode(r)).toBe(RUN_EXIT.ok);
    }
    expect(await storedBackupNames(w.stores.main!)).toEqual([
      "daily-20250304020000",
      "daily-20250305020000",
      "daily-20250306020000",
    ]);
    expect(await storedBackupNames(w.stores.offsite!)).toEqual(["daily-20250305020000", "daily-20250306020000"]);
  });

  it("a name taken in any location moves to -2", async () => {
    const w = world({ main: [], offsite: [] });
    await w.stores.offsite!.put(STORE_LAYOUT.backupResourcesKey("daily-20250301020000"), "someone else's");
    const r = await runPlan(
      spec({ copies: [{ storageLocation: "offsite", retention: validateRetentionPolicy({ last: 5 }) }] }),
      w.deps("2025-03-01T02:00:00Z"),
    );
    expect(r.backupName).toBe("daily-20250301020000-2");
  });

  it("a held lock stops the run before anything is written", async () => {
    const w = world({ main: [], offsite: [] });
    await acquireRunLock(w.stores.main!, "daily", {
      holder: "other-pod",
      runId: "x",
      now: new Date("2025-03-01T01:59:00Z"),
      ttlSeconds: 3600,
    });
    const err = await runPlan(spec(), w.deps("2025-03-01T02:00:00Z")).catch((e) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err.message).toMatch(/other-pod.*since 2025-03-01T01:59:00.000Z/);
    expect(await storedBackupNames(w.stores.main!)).toEqual([]);
  });

  it("a copy location that cannot be opened fails the run but not the primary's backup and retention", async () => {
    const w = world({ main: [] });
    const r = await runPlan(spec(), w.deps("2025-03-01T02:00:00Z"));
    expect(runExitCode(r)).toBe(RUN_EXIT.failed);
    expect(r.locations[1]).toMatchObject({
      location: "offsite",
      role: "copy",
      errors: [expect.stringMatching(/cannot open: storage location "offsite" is not recorded/)],
    });
    expect(await storedBackupNames(w.stores.main!)).toEqual(["daily-20250301020000"]);
    expect(r.locations[0]!.retention).toBeDefined();
  });

  it(
    "a failed backup is recorded in the primary only, exits 1, and retention still never drops the last good " +
      "backup",
    async () => {
      const w = world({ main: [], offsite: [] });
      await runPlan(spec(), w.deps("2025-03-01T02:00:00Z"));
      const failing = spec({
        hooks: {
          pre: [{ name: "freeze", selector: "app=pg", container: "pg", command: ["freeze"], onError: "Fail" }],
          post: [],
        },
      });
      const deps = w.deps("2025-03-02T02:00:00Z");
      // The plan pre hook exits 1 in its pod; with onError Fail the backup fails.
      const r = await runPlan(failing, {
        ...deps,
        backup: {
          ...deps.backup,
          executor: { exec: async () => ({ exitCode: 1, stdout: "", stderr: "frozen" }) },
          reader: podReader(deps.backup.reader),
        },
      });
      expect(r.phase).toBe("Failed");
      expect(runExitCode(r)).toBe(RUN_EXIT.failed);
      expect(await w.stores.main!.tryGet(STORE_LAYOUT.backupFailureKey("daily-20250302020000"))).toBeDefined();
      expect(await storedBackupNames(w.stores.offsite!)).toEqual(["daily-20250301020000"]);
      expect(await storedBackupNames(w.stores.main!)).toEqual(["daily-20250301020000", "daily-20250302020000"]);
      expect(formatRunSummary(r).join("\n")).toMatch(
        /backup daily-20250302020000 Failed[\s\S]*failure recorded at memory:\/\/main[\s\S]*result: failed \(exit 1\)/,
      );
    },
  );

  it("a ReadOnly primary is refused before the lock", async () => {
    const w = world({ main: [], offsite: [] });
    w.configs.main = { ...w.configs.main!, accessMode: "ReadOnly" };
    await expect(runPlan(spec(), w.deps("2025-03-01T02:00:00Z"))).rejects.toThrow(/ReadOnly/);
  });
});

/** `reader` plus one pod matching `app=pg`, so a plan hook has somewhere to run. */
function podReader(reader: KubeReader): KubeReader {
  return {
    async getJson<T>(path: string): Promise<T> {
      if (path.startsWith("/api/v1/namespaces/production/pods")) {
        return {
          items: [
            {
              metadata: { name: "pg-0", namespace: "production", labels: { app: "pg" } },
              spec: { containers: [{ name: "pg" }] },
            },
          ],
          metadata: {},
        } as T;
      }
      return reader.getJson<T>(path);
    },
  };
}
