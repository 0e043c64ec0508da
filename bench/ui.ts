/**
 * The dashboard's first page with many backups: `hks ui` started as a process on a namespace with
 * three locations (three MinIO buckets) holding `backups` backups between them, each of one of three
 * installed plans, then `GET /` timed from request to the last byte, with `--refresh 0` so every
 * request reads the plans and all three locations anew. Twice: on a machine that has never read
 * these locations (an empty record cache: every record is read), and in a second `hks ui` started
 * afterwards (the record cache of the first: provider/prepare/record-cache-file.ts). Beside it the
 * floor: the LISTs of the three locations' backup folders alone, which any page over those backups
 * must at least do.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import pLimit from "p-limit";
import type { StackInfo } from "../cli/dev/stack";
import { stackEnv } from "../cli/dev/stack";
import { generateBackupName } from "../provider/engine/backup/name";
import { median } from "./median";
import { MANIFEST_FORMAT_VERSION, type BackupManifest } from "../provider/format/manifest";
import { backupPlanHandler } from "../provider/handlers/backup-plan";
import { writeLocationConfig, type LocationConfig } from "../provider/kube/location-config";
import { checkBackupPlan } from "../provider/plan/plan";
import { openLocationStore } from "../provider/prepare/location-store";
import { createS3Client, ensureBucket, STORE_LAYOUT, type ObjectStore } from "../provider/store";
import type { BackupPlanInputs } from "../provider/types";

/** What {@link benchUiFirstPage} measured. */
export interface UiFirstPage {
  readonly backups: number;
  /** The first `GET /` of the first `hks ui`, nothing cached, seconds. */
  readonly firstSeconds: number;
  /** The first `GET /` of a second `hks ui`, with the first one's record cache. */
  readonly cachedFirstSeconds: number;
  /** Median of the next `repeat` requests (each a fresh read: `--refresh 0`). */
  readonly medianSeconds: number;
  /** Median of the LISTs alone. */
  readonly floorSeconds: number;
  /** Bytes of the first page's HTML. */
  readonly pageBytes: number;
}

const LOCATIONS = ["ui-a", "ui-b", "ui-c"] as const;

async function createLocations(info: StackInfo, kc: k8s.KubeConfig, namespace: string): Promise<ObjectStore[]> {
  const credentials = { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey };
  const client = createS3Client({
    region: info.s3Region,
    endpoint: info.s3Endpoint,
    forcePathStyle: true,
    credentials,
  });
  const stores: ObjectStore[] = [];
  try {
    for (const name of LOCATIONS) {
      const bucket = `${namespace}-${name}`;
      await ensureBucket(client, { bucket, region: info.s3Region });
      const config: LocationConfig = {
        name,
        namespace,
        provider: "aws",
        recipients: [],
        accessMode: "ReadWrite",
        default: name === "ui-a",
        objectStorage: { bucket, region: info.s3Region, endpoint: info.s3Endpoint, prefix: "", forcePathStyle: true },
        credentials: {
          kind: "secret",
          name: `hks-location-${name}-credentials`,
          namespace,
          accessKeyIdKey: "AWS_ACCESS_KEY_ID",
          secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
        },
      };
      await writeLocationConfig(kc, config, credentials);
      stores.push(await openLocationStore(kc, config));
    }
  } finally {
    client.destroy();
  }
  return stores;
}

async function installPlans(namespace: string, target: string): Promise<void> {
  for (const [i, location] of LOCATIONS.entries()) {
    const { inputs, failures } = checkBackupPlan({
      planName: `plan-${i}`,
      namespace,
      target: { namespace: target },
      storageLocation: location,
      schedule: { cron: "0 * * * *", timeZone: "Europe/Berlin", suspend: true },
      retention: { hourly: 24, daily: 7, weekly: 4, monthly: 12 },
    } as unknown as Partial<BackupPlanInputs>);
    if (failures.length) throw new Error(`bench plan: ${failures.map((f) => f.reason).join("; ")}`);
    await backupPlanHandler.create(inputs, {
      signal: new AbortController().signal,
      log: () => undefined,
      progress: () => undefined,
    });
  }
}

/** `n` hourly backups: manifest + a small archive each, spread round-robin over the stores and plans. */
async function writeBackups(stores: ObjectStore[], target: string, n: number): Promise<void> {
  const limit = pLimit(16);
  const start = Date.now() - n * 3_600_000;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(async () => {
        const loc = i % stores.length;
        const plan = `plan-${loc}`;
        const startedAt = new Date(start + i * 3_600_000);
        const name = generateBackupName(plan, startedAt);
        const store = stores[loc]!;
        const key = STORE_LAYOUT.backupResourcesKey(name);
        const put = await store.put(key, Buffer.alloc(2048, i % 251));
        const manifest: BackupManifest = {
          formatVersion: MANIFEST_FORMAT_VERSION,
          name,
          phase: i % 17 === 0 ? "PartiallyFailed" : "Completed",
          plan,
          labels: { env: i % 2 ? "prod" : "staging", tier: "db" },
          storageLocation: LOCATIONS[loc]!,
          sourceCluster: "https://bench.invalid",
          target: { namespaces: [target] },
          startedAt: startedAt.toISOString(),
          completedAt: new Date(startedAt.getTime() + 40_000).toISOString(),
          counts: { total: 120, byResource: { configmaps: 80, secrets: 40 } },
          uncompressedBytes: 40_960,
          artifacts: { resources: { key, bytes: put.bytes, sha256: put.sha256, encrypted: false, objects: 120 } },
          volumeSnapshots: [],
          hooks: [],
          warnings: [],
          errors: [],
        };
        await store.put(STORE_LAYOUT.backupManifestKey(name), JSON.stringify(manifest));
      }),
    ),
  );
}

function get(url: string, token: string): Promise<{ seconds: number; status: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () =>
          resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, status: res.statusCode ?? 0, bytes }),
        );
      })
      .on("error", reject);
  });
}

async function listAll(stores: readonly ObjectStore[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    stores.map(async (s) => {
      for await (const _ of s.list(STORE_LAYOUT.backupsPrefix)) void _;
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs `hks ui` with its record cache in `cacheDir` while `use` asks it (URL of `/`, token). */
async function withUi<T>(
  info: StackInfo,
  root: string,
  namespace: string,
  cacheDir: string,
  use: (url: string, token: string) => Promise<T>,
): Promise<T> {
  const ui = spawn(process.execPath, [path.join(root, "bin", "hks.js"), "-n", namespace, "ui", "--refresh", "0"], {
    env: { ...process.env, ...stackEnv(info), HKS_CACHE_DIR: cacheDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const printed = await new Promise<string>((resolve, reject) => {
      let out = "";
      ui.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      ui.once("exit", (code) => reject(new Error(`hks ui exited with ${code} before printing its URL`)));
    });
    const u = new URL(printed);
    return await use(`${u.origin}/`, u.searchParams.get("token")!);
  } finally {
    const exited = new Promise((r) => ui.once("exit", r));
    ui.kill("SIGTERM");
    await exited;
  }
}

/**
 * Seeds a namespace of its own with three locations, three plans and `backups` backups, then times
 * `hks ui`'s first page (see the module comment). The namespace is deleted afterwards.
 */
export async function benchUiFirstPage(
  info: StackInfo,
  kc: k8s.KubeConfig,
  root: string,
  opts: { backups: number; repeat: number; log: (line: string) => void },
): Promise<UiFirstPage> {
  const tag = Date.now().toString(36);
  const namespace = `bench-ui-${tag}`;
  const target = `bench-ui-app-${tag}`;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespace({ body: { metadata: { name: target } } });
  try {
    const stores = await createLocations(info, kc, namespace);
    // The plan handler reads the cluster as a Pulumi program does: from the environment.
    Object.assign(process.env, stackEnv(info));
    await installPlans(namespace, target);
    opts.log(`writing ${opts.backups} backups across ${LOCATIONS.length} locations`);
    await writeBackups(stores, target, opts.backups);
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bench-ui-cache-"));
    try {
      const cold = await withUi(info, root, namespace, cacheDir, (url, token) => get(url, token));
      if (cold.status !== 200) throw new Error(`GET / answered ${cold.status}`);
      return await withUi(info, root, namespace, cacheDir, async (url, token) => {
        const cached = await get(url, token);
        const later: number[] = [];
        const floors: number[] = [];
        for (let i = 0; i < opts.repeat; i++) {
          floors.push(await listAll(stores));
          later.push((await get(url, token)).seconds);
        }
        return {
          backups: opts.backups,
          firstSeconds: cold.seconds,
          cachedFirstSeconds: cached.seconds,
          medianSeconds: median(later),
          floorSeconds: median(floors),
          pageBytes: cold.bytes,
        };
      });
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  } finally {
    for (const n of [namespace, target]) await core.deleteNamespace({ name: n }).catch(() => undefined);
  }
}
