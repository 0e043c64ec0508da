/**
 * Restore drills on the local node, through `hks drill run | list | describe` as a user runs them:
 * the seed's PostgreSQL on a CSI volume restored from its snapshot and queried; a web app reached
 * through its Service; and the ways a drill must fail (wrong expected count, corrupt backup, pods
 * that never become ready), each with its reason and nothing left behind in the cluster.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../provider/format/drill";
import { STORE_LAYOUT } from "../../provider/store";
import {
  adminKubeConfig,
  createLocation,
  locationNamespace,
  rand,
  rewriteStored,
  stack,
} from "../support/backup-fixture";
import { runHks, type HksRun } from "../support/hks-cli";
import {
  deleteNamespacesAndWait,
  deploymentAvailable,
  httpdDeployment,
  httpdService,
  podReady,
  podS3Endpoint,
  postgresStatefulSet,
  psql,
} from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const id = rand();
const PG = `drill-pg-${id}`;
const WEB = `drill-web-${id}`;
const BROKEN = `drill-broken-${id}`;
const locNs = locationNamespace();
const PREFIX = `t${id}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-drill-"));
let location: Awaited<ReturnType<typeof createLocation>>;

const hks = (args: string[]): Promise<HksRun> => runHks(locNs, args);

/** Writes a drill file and runs it; returns the run and the record it printed (-o json). */
async function drill(spec: Record<string, unknown>): Promise<{ run: HksRun; record: DrillRecord }> {
  const file = path.join(tmp, `${String(spec.name)}-${rand()}.yaml`);
  fs.writeFileSync(file, YAML.stringify({ namespacePrefix: PREFIX, ...spec }));
  const run = await hks(["drill", "run", "-f", file, "--storage-location", "main", "-o", "json"]);
  let record: DrillRecord;
  try {
    record = JSON.parse(run.stdout) as DrillRecord;
  } catch {
    throw new Error(`hks drill run printed no record (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
  return { run, record };
}

/** Namespaces of this file's drills still in the cluster (any phase, Terminating included). */
async function drillNamespacesLeft(): Promise<string[]> {
  const all = await core.listNamespace();
  return all.items.map((n) => n.metadata!.name!).filter((n) => n.startsWith(`${PREFIX}-`));
}

/** VolumeSnapshotContents pre-bound for a drill namespace and still there. */
async function drillContentsLeft(): Promise<string[]> {
  const list = (await custom.listClusterCustomObject({
    group: "snapshot.storage.k8s.io",
    version: "v1",
    plural: "volumesnapshotcontents",
  })) as { items: { metadata: { name: string }; spec: { volumeSnapshotRef: { namespace: string } } }[] };
  return list.items
    .filter((c) => c.spec.volumeSnapshotRef.namespace.startsWith(`${PREFIX}-`))
    .map((c) => c.metadata.name);
}

const postgres = postgresStatefulSet({
  "pre.hook.backup.hks.io/container": "postgres",
  "pre.hook.backup.hks.io/command": JSON.stringify(["/bin/psql", "-U", "postgres", "-c", "CHECKPOINT"]),
});

/** The drill check that counts the restored orders and expects `stdout`. */
const ordersCount = (stdout: string) => ({
  name: "orders-count",
  exec: {
    pod: "postgres-0",
    command: ["psql", "-U", "postgres", "-At", "-c", "select count(*) from orders"],
    expect: { stdout },
  },
});

async function backup(name: string, namespace: string, volumes: boolean, ...flags: string[]): Promise<void> {
  const r = await hks([
    "backup",
    "create",
    name,
    "--include-namespaces",
    namespace,
    "--storage-location",
    "main",
    ...(volumes ? ["--snapshot-volumes"] : []),
    ...flags,
  ]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

beforeAll(async () => {
  for (const ns of [PG, WEB, BROKEN]) await core.createNamespace({ body: { metadata: { name: ns } } });
  await apps.createNamespacedStatefulSet({ namespace: PG, body: postgres });
  await apps.createNamespacedDeployment({ namespace: WEB, body: httpdDeployment("orders-ok", { replicas: 2 }) });
  await core.createNamespacedService({ namespace: WEB, body: httpdService });
  // An image the node does not have, never pulled: the pod can never start.
  await apps.createNamespacedDeployment({
    namespace: BROKEN,
    body: httpdDeployment("orders-ok", { image: "localhost/hks-dev/absent:0" }),
  });
  // Mover Pods (the volume data copy, the drill's fill) reach MinIO at the node's address; so does this process.
  location = await createLocation(kc, {
    namespace: locNs,
    name: "main",
    isDefault: true,
    endpoint: podS3Endpoint(stack),
  });
  await podReady(kc, PG, "postgres-0");
  await psql(
    kc,
    PG,
    "postgres-0",
    "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 3)",
  );
  await deploymentAvailable(kc, WEB, "web");
  await backup(`pg-${id}`, PG, true);
  await backup(`pg-data-${id}`, PG, true, "--copy-volume-data");
  await backup(`web-${id}`, WEB, false);
  await backup(`web-corrupt-${id}`, WEB, false);
  await backup(`broken-${id}`, BROKEN, false);
  // Flip bytes in the middle of one archive: its checksum no longer matches the manifest.
  await rewriteStored(location.store, STORE_LAYOUT.backupResourcesKey(`web-corrupt-${id}`), (b) => {
    const out = Buffer.from(b);
    for (let i = Math.floor(out.length / 2); i < Math.floor(out.length / 2) + 16 && i < out.length; i++) out[i] ^= 0xff;
    return out;
  });
}, 600_000);

afterAll(async () => {
  const left = await drillNamespacesLeft().catch(() => []);
  await deleteNamespacesAndWait(kc, [PG, WEB, BROKEN, locNs, ...left], 180_000).catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
}, 240_000);

describe("hks drill run on the local node", () => {
  it("PostgreSQL from its snapshot: healthy, the count check passes, RTO recorded, nothing left behind", async () => {
    const { run, record } = await drill({
      name: "orders-db",
      backup: `pg-${id}`,
      checks: [ordersCount("3")],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(record.phase).toBe("Passed");
    expect(record.reason).toBeUndefined();
    expect(record.backupName).toBe(`pg-${id}`);
    const drillNs = record.namespaces[PG]!;
    expect(drillNs).toMatch(new RegExp(`^${PREFIX}-[a-z0-9]{6}-${PG}$`));
    expect(record.checks).toEqual([
      expect.objectContaining({
        name: "orders-count",
        passed: true,
        output: "3\n",
        target: expect.stringContaining(`${drillNs}/postgres-0`),
      }),
    ]);
    expect(record.rtoSeconds).toBeGreaterThan(0);
    expect(record.restored.objects).toBeGreaterThan(0);
    expect(record.restored.volumes).toBe(1);
    expect(record.restored.volumeBytes).toBe(1 << 30);
    expect(record.restored.archiveBytes).toBeGreaterThan(0);
    expect(record.cleanup).toEqual({ deleted: [drillNs], kept: [] });
    expect(await drillNamespacesLeft()).toEqual([]);
    expect(await drillContentsLeft()).toEqual([]);
    // The record sits beside the backup; list and describe read it back.
    const stored = await location.store.tryGet(STORE_LAYOUT.drillRecordKey(`pg-${id}`, "orders-db", record.runId));
    expect(JSON.parse(stored!.toString("utf8"))).toEqual(record);
    const list = await hks(["drill", "list", "orders-db"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`orders-db\\s+pg-${id}\\s+Passed\\s+[\\d.]+s\\s+1/1`));
    const describe = await hks(["drill", "describe", "orders-db"]);
    expect(describe.stdout).toContain(`drill orders-db run ${record.runId}: Passed`);
    expect(describe.stdout).toContain("check orders-count: passed");
  });

  it("PostgreSQL from its volume data (the off-site copy): filled before it starts, the count check passes", async () => {
    const { run, record } = await drill({
      name: "orders-db-data",
      backup: `pg-data-${id}`,
      volumeSource: "volume-data",
      checks: [ordersCount("3")],
    });
    expect(run.code, run.stderr).toBe(0);
    expect(record.phase).toBe("Passed");
    const drillNs = record.namespaces[PG]!;
    expect(record.restored.claims).toEqual([
      {
        claim: `${drillNs}/data-postgres-0`,
        source: expect.stringMatching(
          new RegExp(`^volume data of ${PG}/data-postgres-0: \\d+ files, .*every blob checked$`),
        ),
      },
    ]);
    expect(record.checks.map((c) => [c.name, c.passed, c.output])).toEqual([["orders-count", true, "3\n"]]);
    expect(run.stdout + run.stderr).not.toContain("VolumeSnapshotContent");
    expect(record.cleanup).toEqual({ deleted: [drillNs], kept: [] });
    expect(await drillNamespacesLeft()).toEqual([]);
    expect(await drillContentsLeft()).toEqual([]);
  });

  it("a wrong expected count fails with the check's output, exits 1, and deletes the drill namespace", async () => {
    const { run, record } = await drill({
      name: "orders-wrong",
      backup: `pg-${id}`,
      checks: [ordersCount("4")],
    });
    expect(run.code).toBe(1);
    expect(record.phase).toBe("Failed");
    expect(record.reason).toBe('check orders-count failed: printed "3", expected "4"');
    expect(record.cleanup.deleted).toEqual([record.namespaces[PG]]);
    expect(await drillNamespacesLeft()).toEqual([]);
    expect(await drillContentsLeft()).toEqual([]);
  });

  it("two drills of one backup at once never collide: each restores into its own namespace and passes", async () => {
    const spec = (name: string) => ({
      name,
      backup: `web-${id}`,
      checks: [
        {
          name: "home",
          http: { service: "web", port: "http", path: "/index.html", expect: { bodyContains: "orders-ok" } },
        },
      ],
    });
    const [a, b] = await Promise.all([drill(spec("web-a")), drill(spec("web-b"))]);
    for (const { run, record } of [a, b]) {
      expect(run.code, `${record.reason} ${run.stderr}`).toBe(0);
      expect(record.checks[0]).toMatchObject({ passed: true, output: "orders-ok\n" });
    }
    expect(a.record.namespaces[WEB]).not.toBe(b.record.namespaces[WEB]);
    expect(await drillNamespacesLeft()).toEqual([]);
  });

  it("a corrupt backup fails on its checksum before anything is created", async () => {
    const { run, record } = await drill({ name: "web-corrupt", backup: `web-corrupt-${id}` });
    expect(run.code).toBe(1);
    expect(record.reason).toMatch(/^the restore failed: .*(SHA-256|sha256|checksum)/i);
    expect(record.restored.objects).toBe(0);
    expect(record.cleanup).toEqual({ deleted: [], kept: [] });
    expect(await drillNamespacesLeft()).toEqual([]);
  });

  it("pods that never become ready fail at the deadline with the reason, and nothing is left", async () => {
    const { run, record } = await drill({ name: "broken", backup: `broken-${id}`, deadlineSeconds: 30 });
    expect(run.code).toBe(1);
    const ns = record.namespaces[BROKEN]!;
    expect(record.reason).toMatch(
      new RegExp(`^not healthy within the deadline: Deployment ${ns}/web: 0/1 replicas available`),
    );
    expect(record.unhealthy.join("\n")).toMatch(/ErrImageNeverPull/);
    expect(record.rtoSeconds).toBeUndefined();
    expect(record.cleanup.deleted).toEqual([ns]);
    expect(await drillNamespacesLeft()).toEqual([]);
  });

  it("keepOnFailure keeps the failed drill's namespace for inspection and says so", async () => {
    const { run, record } = await drill({
      name: "broken-kept",
      backup: `broken-${id}`,
      deadlineSeconds: 10,
      keepOnFailure: true,
    });
    expect(run.code).toBe(1);
    const ns = record.namespaces[BROKEN]!;
    expect(record.cleanup).toEqual({ deleted: [], kept: [ns] });
    expect(await drillNamespacesLeft()).toEqual([ns]);
    const describe = await hks(["drill", "describe", "broken-kept"]);
    expect(describe.stdout).toContain(`kept ${ns} for inspection`);
    await deleteNamespacesAndWait(kc, [ns]);
  });

  it("a bad drill file is refused before anything happens, naming the field", async () => {
    const file = path.join(tmp, "bad.yaml");
    fs.writeFileSync(
      file,
      YAML.stringify({ name: "bad", plan: "nightly", checks: [{ name: "x", exec: { command: ["true"] } }] }),
    );
    const r = await hks(["drill", "run", "-f", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: checks[0].exec`);
    expect(r.stderr).toContain("needs exactly one of pod");
  });
});
