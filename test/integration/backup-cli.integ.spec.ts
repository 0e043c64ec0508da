/**
 * `hks backup ...` as a user runs it: the compiled CLI (`node bin/hks.js`) spawned with the stack's
 * environment (KUBECONFIG, no flags beyond the seed's), against locations recorded in the cluster.
 * The seed's two lines must work as written. Needs `npx tsc -p .` first (bin/hks.js runs dist/).
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupListJson } from "../../cli/backup/format";
import {
  adminKubeConfig,
  createLocation,
  locationNamespace,
  rand,
  readBackupObjects,
  readManifest,
} from "../support/backup-fixture";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { rewriteStored } from "../support/backup-fixture";

const ROOT = path.resolve(__dirname, "..", "..");
const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const locNs = locationNamespace();
const production = `production-${rand()}`;
const other = `other-${rand()}`;
const suffix = rand();
let store: ObjectStore;
let locName: string;

/** Runs `hks` with the stack env and the location namespace; resolves with exit code and output. */
function hks(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return hksWith(process.env, ...args);
}

function hksWith(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin", "hks.js"), "-n", locNs, ...args],
      { cwd: ROOT, env, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

beforeAll(async () => {
  for (const ns of [production, other]) await core.createNamespace({ body: { metadata: { name: ns } } });
  const mc = { app: "mission-critical" };
  await core.createNamespacedConfigMap({
    namespace: production,
    body: { metadata: { name: "settings" }, data: { a: "1" } },
  });
  await core.createNamespacedConfigMap({
    namespace: production,
    body: { metadata: { name: "critical", labels: mc }, data: { a: "2" } },
  });
  await core.createNamespacedSecret({
    namespace: other,
    body: { metadata: { name: "critical-secret", labels: mc }, stringData: { k: "v" } },
  });
  await core.createNamespacedConfigMap({
    namespace: other,
    body: { metadata: { name: "unlabelled" }, data: { a: "3" } },
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: other,
    body: {
      metadata: { name: "critical-data", labels: mc },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        storageClassName: `none-such-${suffix}`,
      },
    },
  });
  const loc = await createLocation(kc, { namespace: locNs, isDefault: true });
  store = loc.store;
  locName = loc.config.name;
});

afterAll(async () => {
  for (const ns of [production, other, locNs]) await core.deleteNamespace({ name: ns }).catch(() => undefined);
});

describe("hks backup (CLI, real stack)", () => {
  it("runs the seed's namespace backup line as written", async () => {
    const name = `my-namespace-backup-${suffix}`;
    const r = await hks("backup", "create", name, "--include-namespaces", production);
    expect(r.code, r.stderr).toBe(0);
    // default ServiceAccount and kube-root-ca.crt exist only if the controllers made them: count from the manifest.
    const m = await readManifest(store, name);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Backup "${name}" Completed: ${m.counts.total} objects \\(\\d+ types\\), [\\d.]+ (B|KiB) stored \\([\\d.]+ (B|KiB) YAML\\) in \\d+\\.\\ds\\n  location: ${locName} s3://`,
      ),
    );
    expect(r.stderr).toContain(`backing up to ${locName}`);
    expect(r.stderr).toMatch(/backup: \d+\/\d+/);
    const objects = await readBackupObjects(store, m);
    expect(objects.has(`resources/configmaps/${production}/settings.yaml`)).toBe(true);
    expect(objects.has(`resources/configmaps/${production}/critical.yaml`)).toBe(true);
    expect([...objects.keys()].some((p) => p.includes(`/${other}/`))).toBe(false);
  });

  it("runs the seed's selector line as written: labelled objects from every namespace, and nothing else", async () => {
    const name = `critical-app-backup-${suffix}`;
    const r = await hks("backup", "create", name, "--selector", "app=mission-critical");
    expect(r.code, r.stderr).toBe(0);
    const objects = await readBackupObjects(store, await readManifest(store, name));
    const mine = [...objects.keys()].filter((p) => p.includes(production) || p.includes(other));
    expect(mine.sort()).toEqual([
      `resources/configmaps/${production}/critical.yaml`,
      `resources/namespaces/_cluster/${other}.yaml`,
      `resources/namespaces/_cluster/${production}.yaml`,
      `resources/persistentvolumeclaims/${other}/critical-data.yaml`,
      `resources/secrets/${other}/critical-secret.yaml`,
    ]);
    for (const [p, o] of objects) {
      if (p.startsWith("resources/namespaces/")) continue;
      expect((o as { metadata: { labels?: Record<string, string> } }).metadata.labels?.app, p).toBe("mission-critical");
    }
  });

  it("lists backups as JSON with the documented fields, and describes one", async () => {
    const r = await hks("backup", "list", "-o", "json");
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as BackupListJson[];
    const names = list.map((b) => b.name);
    expect(names).toEqual(expect.arrayContaining([`my-namespace-backup-${suffix}`, `critical-app-backup-${suffix}`]));
    for (const b of list) {
      expect(Object.keys(b)).toEqual(
        expect.arrayContaining(["name", "phase", "storageLocation", "startedAt", "completedAt", "items", "bytes"]),
      );
      expect(b).toMatchObject({ phase: "Completed", storageLocation: locName });
      expect(b.items).toBeGreaterThan(0);
      expect(b.bytes).toBeGreaterThan(0);
      expect(Date.parse(b.completedAt!)).toBeGreaterThanOrEqual(Date.parse(b.startedAt!));
    }
    const table = await hks("backup", "list");
    expect(table.stdout.split("\n")[0]).toMatch(
      /^NAME\s+PHASE\s+LOCATION\s+ITEMS\s+SIZE\s+STARTED\s+COMPLETED\s+PLAN$/,
    );
    const d = await hks("backup", "describe", `critical-app-backup-${suffix}`);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/^Name: +critical-app-backup-/);
    expect(d.stdout).toContain("Target:       namespaces=* selector=app=mission-critical");
    const dj = JSON.parse((await hks("backup", "describe", `critical-app-backup-${suffix}`, "-o", "json")).stdout);
    expect(dj.manifest.target).toEqual({ namespaces: [], selector: "app=mission-critical", snapshotVolumes: false });
  });

  it("exits 2 for a PartiallyFailed backup (a PVC that cannot be snapshotted) and lists the reason", async () => {
    const r = await hks("backup", "create", `partial-${suffix}`, "--include-namespaces", other, "--snapshot-volumes");
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/PartiallyFailed/);
    // The claim never binds (its class has no provisioner): there is no volume to snapshot.
    expect(r.stdout).toContain(
      `error: snapshot/${other}/critical-data: the claim is Pending, not Bound: it has no volume to snapshot yet`,
    );
  });

  it("exits 1 with the flag named for bad input, a taken name, an unknown location or backup", async () => {
    const bad = await hks("backup", "create", `bad-${suffix}`, "--selector", "app in (a");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/InputError: --selector: .*no closing/);
    const none = await hks("backup", "create", `none-${suffix}`);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("InputError: --include-namespaces/--selector: names nothing to back up");
    const taken = await hks("backup", "create", `my-namespace-backup-${suffix}`, "--include-namespaces", production);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(
      `ConflictError: <name>: a backup named "my-namespace-backup-${suffix}" already exists`,
    );
    const loc = await hks(
      "backup",
      "create",
      `x-${suffix}`,
      "--include-namespaces",
      production,
      "--storage-location",
      "nope",
    );
    expect(loc.code).toBe(1);
    expect(loc.stderr).toContain(
      `InputError: --storage-location: storage location "nope" not found in namespace ${locNs} (locations: ${locName})`,
    );
    const missing = await hks("backup", "describe", `missing-${suffix}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`backup "missing-${suffix}" not found`);
  });

  it("takes cluster access from --kubeconfig and --context instead of KUBECONFIG", async () => {
    const { KUBECONFIG: kubeconfig, ...env } = process.env;
    const noAccess = await hksWith({ ...env, KUBECONFIG: "/nonexistent/kubeconfig" }, "backup", "list", "-o", "json");
    expect(noAccess.code).toBe(1);
    const ok = await hksWith(
      { ...env, KUBECONFIG: "/nonexistent/kubeconfig" },
      "--kubeconfig",
      kubeconfig!,
      "backup",
      "list",
      "-o",
      "json",
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as BackupListJson[]).length).toBeGreaterThan(0);
    const ctx = await hks("--context", "nope", "backup", "list");
    expect(ctx.code).toBe(1);
    expect(ctx.stderr).toMatch(/InputError: --context: context "nope" is not in the kubeconfig \(it has: /);
  });

  it(
    "verifies a stored backup without a cluster change: every object read back; a flipped byte in the bucket " +
      "fails it",
    async () => {
      const good = `my-namespace-backup-${suffix}`;
      const m = await readManifest(store, good);
      const r = await hks("backup", "verify", good);
      expect(r.code, r.stderr).toBe(0);
      const types = Object.keys(m.counts.byResource).length;
      expect(r.stdout).toMatch(
        new RegExp(
          `^Backup "${good}" verified \\(location ${locName}\\): ${m.counts.total} objects in ${types} types ` +
            `\\([\\d.]+ (B|KiB) of YAML\\), each read back and named as its path says, counts as in the manifest; ` +
            `archive [\\d.]+ (B|KiB), SHA-256 ${m.artifacts.resources.sha256} matches the manifest\\.\\n$`,
        ),
      );
      const json = JSON.parse((await hks("backup", "verify", good, "-o", "json")).stdout);
      expect(json).toMatchObject({
        name: good,
        storageLocation: locName,
        verified: true,
        contentsChecked: true,
        objects: m.counts.total,
        byResource: m.counts.byResource,
      });

      const bad = `verify-me-${suffix}`;
      expect((await hks("backup", "create", bad, "--include-namespaces", production)).code).toBe(0);
      await rewriteStored(store, STORE_LAYOUT.backupResourcesKey(bad), (b) => {
        b[b.length >> 1] ^= 0x01;
        return b;
      });
      const v = await hks("backup", "verify", bad);
      expect(v.code).toBe(1);
      expect(v.stdout).toBe("");
      expect(v.stderr).toMatch(
        new RegExp(
          `IntegrityError: archive hks/v1/backups/${bad}/resources.tar.gz of backup ${bad} does not match its ` +
            `manifest: .* The stored archive is corrupt`,
        ),
      );
    },
  );

  it("deletes a backup, printing what it removed", async () => {
    const name = `my-namespace-backup-${suffix}`;
    const r = await hks("backup", "delete", name);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Deleted backup "${name}" from ${locName}: 2 objects \\([\\d.]+ (B|KiB)\\)\\n  ` +
          `hks/v1/backups/${name}/manifest.json\\n  hks/v1/backups/${name}/resources.tar.gz\\n$`,
      ),
    );
    const list = JSON.parse((await hks("backup", "list", "-o", "json")).stdout) as BackupListJson[];
    expect(list.map((b) => b.name)).not.toContain(name);
    expect((await hks("backup", "delete", name)).code).toBe(1);
  });
});
