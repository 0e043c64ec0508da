/**
 * `hks backup delete` as a user runs it (the compiled CLI) against real MinIO locations: a plan's
 * last good backup is refused (the newest Completed one, whatever failures came after it), an older
 * one goes, `--allow-last-good` overrides; on an object-lock bucket a locked backup is refused and
 * nothing of it is touched.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupListJson } from "../../cli/backup/format";
import { generateBackupName } from "../../provider/engine/backup/name";
import { MANIFEST_FORMAT_VERSION, type BackupFailure } from "../../provider/format/manifest";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { adminKubeConfig, archiveOf, createLocation, rand, storeBackup } from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const id = rand();
const ns = `hks-del-${id}`;
const HOUR = 3_600_000;
const t0 = new Date(Date.now() - 48 * HOUR);
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
const older = generateBackupName("nightly", at(0));
const newest = generateBackupName("nightly", at(24));
const failedAfter = generateBackupName("nightly", at(36));
const locked = `locked-${id}`;
let main: ObjectStore;
let worm: ObjectStore;

const hks = (...args: string[]) => runHks(ns, args);

async function completed(store: ObjectStore, location: string, name: string, startedAt: Date, plan?: string) {
  const archive = await archiveOf([
    {
      group: "",
      resource: "configmaps",
      object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "app" } },
    },
  ]);
  await storeBackup(
    {
      store,
      name,
      namespaces: ["app"],
      storageLocation: location,
      startedAt,
      completedAt: new Date(startedAt.getTime() + 30_000),
      ...(plan ? { plan } : {}),
    },
    archive,
    1,
    { configmaps: 1 },
  );
}

const names = async (location: string): Promise<string[]> => {
  const r = await hks("backup", "list", "--storage-location", location, "-o", "json");
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as BackupListJson[]).map((b) => b.name);
};

beforeAll(async () => {
  main = (await createLocation(kc, { namespace: ns, name: "main" })).store;
  worm = (await createLocation(kc, { namespace: ns, name: "worm", objectLock: { mode: "GOVERNANCE", days: 1 } })).store;
  await completed(main, "main", older, at(0), "nightly");
  await completed(main, "main", newest, at(24), "nightly");
  const failure: BackupFailure = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: failedAfter,
    phase: "Failed",
    plan: "nightly",
    labels: {},
    storageLocation: "main",
    sourceCluster: "https://fixture.invalid",
    target: { namespaces: ["app"] },
    startedAt: at(36).toISOString(),
    failedAt: at(36.1).toISOString(),
    hooks: [],
    warnings: [],
    errors: [{ item: "backup", reason: "the apiserver went away" }],
  };
  await main.put(STORE_LAYOUT.backupFailureKey(failedAfter), JSON.stringify(failure));
  await completed(worm, "worm", locked, at(1));
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe("hks backup delete: the rules retention prunes by", () => {
  it("refuses the plan's last good backup, naming the plan and the way out, and deletes nothing", async () => {
    const r = await hks("backup", "delete", newest);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `hks: ConflictError: not deleted: backup ${newest} is the newest Completed backup of plan nightly in ` +
        `location main, its last good backup, which retention never deletes: take a newer backup of the plan ` +
        `first (hks run-plan nightly, or "Back up now" in the dashboard), or pass --allow-last-good to delete it ` +
        `anyway\n`,
    );
    expect(await names("main")).toEqual([failedAfter, newest, older]);
    expect(await main.head(STORE_LAYOUT.backupManifestKey(newest))).toBeDefined();
  });

  it("deletes an older good backup and the failed run after the last good one", async () => {
    const r = await hks("backup", "delete", older);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Deleted backup "${older}" from main: 2 objects`));
    const f = await hks("backup", "delete", failedAfter);
    expect(f.code, f.stderr).toBe(0);
    expect(await names("main")).toEqual([newest]);
  });

  it("--allow-last-good deletes the last good backup", async () => {
    const r = await hks("backup", "delete", newest, "--allow-last-good");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Deleted backup "${newest}" from main: 2 objects`));
    expect(await names("main")).toEqual([]);
  });

  it("refuses a backup S3 object lock protects; its objects stay and it is still listed", async () => {
    const r = await hks("backup", "delete", locked, "--storage-location", "worm");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `hks: ConflictError: not deleted: backup ${locked} is protected by S3 object lock in location worm`,
    );
    expect(await names("worm")).toEqual([locked]);
    expect(await worm.head(STORE_LAYOUT.backupManifestKey(locked))).toBeDefined();
  });
});
