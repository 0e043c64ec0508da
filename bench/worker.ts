/**
 * One measured benchmark case, run in its own process so that its peak RSS is its own:
 *   node dist/bench/worker.js <case> <args...>   → prints one JSON line {seconds, objects, peakRssMiB}
 * Cases: backup-floor, backup, restore-floor, restore. The floors use the same clients, page size
 * and concurrency as the engine, and do only the irreducible work (LIST + one gzip upload; creates).
 */
import * as k8s from "@kubernetes/client-node";
import * as fs from "node:fs";
import { PassThrough } from "node:stream";
import * as zlib from "node:zlib";
import pLimit from "p-limit";
import { runBackup } from "../provider/engine/backup/backup";
import { openBackupContext } from "../provider/prepare/backup";
import { createCoalescer } from "../provider/engine/archive/coalesce";
import { runRestore, DEFAULT_RESTORE_CONCURRENCY } from "../provider/engine/restore/restore";
import { openRestoreContext } from "../provider/prepare/restore";
import { KubeRestoreCluster } from "../provider/kube/restore-cluster";
import { sanitizeObject } from "../provider/engine/collect/sanitize";
import { ROOT_CA_CONFIGMAP } from "../provider/engine/transform/rules";
import type { KubeObject } from "../provider/format/kube-object";
import { collectResources } from "../provider/engine/collect/collect";
import { listScopes, selectBackupResources } from "../provider/engine/collect/filter";
import { createKubeReader, discoverResources } from "../provider/kube/discovery";
import { resolveLocationConfig } from "../provider/kube/location-config";
import { openLocationStore } from "../provider/prepare/location-store";
import { MIX_RESOURCES } from "./workload";

const LOCATION_NAMESPACE = "hks-system";
/** The engine's LIST page size (collect.ts), used by the floor too. */
const PAGE_SIZE = 500;

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 1048576);
}

type ListPage = { items: KubeObject[]; metadata?: { continue?: string } };

async function* listAll(reader: ReturnType<typeof createKubeReader>, ns: string): AsyncGenerator<KubeObject> {
  for (const r of MIX_RESOURCES) {
    let cont: string | undefined;
    do {
      const q = `?limit=${PAGE_SIZE}${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`;
      const page = await reader.getJson<ListPage>(r.path.replace("{ns}", ns) + q);
      // LIST items carry no apiVersion/kind; the engine sets them too.
      for (const item of page.items) yield { ...item, apiVersion: r.apiVersion, kind: r.kind };
      cont = page.metadata?.continue || undefined;
    } while (cont);
  }
}

/**
 * The backup floor: the engine's own LISTs (discovery, then every namespaced type of the namespace,
 * paged, at the engine's concurrency, through collectResources) written as raw JSON lines into one
 * gzip upload. What it leaves out is what the engine adds: YAML files in a tar, sanitizing, the
 * namespace and CRDs, hooks, the write-once checks and the manifest.
 */
async function backupFloor(kc: k8s.KubeConfig, ns: string, location: string, key: string): Promise<number> {
  const store = await openLocationStore(kc, (await resolveLocationConfig(kc, LOCATION_NAMESPACE, location))!);
  const reader = createKubeReader(kc);
  const target = { namespaces: [ns] };
  const { selected } = selectBackupResources((await discoverResources(reader)).resources, target);
  // Lines are joined into large chunks before gzip, as the engine's archive does (coalesce.ts):
  // one zlib call per line would make the floor slower than it needs to be.
  const lines = createCoalescer();
  const gzip = zlib.createGzip({ chunkSize: 64 * 1024 });
  const body = new PassThrough();
  lines.pipe(gzip).pipe(body);
  const upload = store.putStream(key, body);
  let n = 0;
  await collectResources(reader, selected, listScopes(target), {
    async onPage(_r, _ns, items) {
      for (const item of items) {
        n++;
        if (!lines.write(JSON.stringify(item) + "\n")) await new Promise((r) => lines.once("drain", r));
      }
    },
    onListError(r, _ns, reason) {
      throw new Error(`listing ${r.resource} failed: ${reason}`);
    },
  });
  lines.end();
  await upload;
  return n;
}

async function backup(kc: k8s.KubeConfig, ns: string, location: string, name: string): Promise<number> {
  const ctx = await openBackupContext(kc, { storageLocation: location, namespace: LOCATION_NAMESPACE });
  const res = await runBackup({ name, storageLocation: ctx.location.name, target: { namespaces: [ns] } }, ctx.deps);
  if (res.phase === "Failed") throw new Error(`backup failed: ${JSON.stringify(res.record.errors)}`);
  return "counts" in res.record ? res.record.counts.total : 0;
}

async function restoreFloor(kc: k8s.KubeConfig, src: string, dst: string): Promise<{ n: number; start: number }> {
  const reader = createKubeReader(kc);
  const objects: KubeObject[] = [];
  for await (const item of listAll(reader, src)) {
    // Every namespace gets its own from the root-ca-cert-publisher; the restore skips it too.
    if (item.kind === "ConfigMap" && item.metadata?.name === ROOT_CA_CONFIGMAP) continue;
    const o = sanitizeObject(item) as KubeObject;
    o.metadata = { ...o.metadata, namespace: dst };
    objects.push(o);
  }
  const cluster = new KubeRestoreCluster(kc);
  await cluster.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: dst } } as KubeObject);
  const start = performance.now(); // only the creates are timed
  const limit = pLimit(DEFAULT_RESTORE_CONCURRENCY);
  await Promise.all(objects.map((o) => limit(() => cluster.create(o))));
  return { n: objects.length, start };
}

async function restore(
  kc: k8s.KubeConfig,
  backupName: string,
  src: string,
  dst: string,
  location: string,
): Promise<number> {
  const ctx = await openRestoreContext(kc, { storageLocation: location, namespace: LOCATION_NAMESPACE, backupName });
  const res = await runRestore(ctx.deps, { restoreName: `bench-${dst}`, backupName, namespaceMapping: { [src]: dst } });
  if (res.phase !== "Completed") throw new Error(`restore ${res.phase}: ${JSON.stringify(res.failed).slice(0, 500)}`);
  return res.counts.restored;
}

async function main(): Promise<void> {
  const [kind, ...args] = process.argv.slice(2);
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  let start = performance.now();
  let objects: number;
  switch (kind) {
    case "backup-floor":
      objects = await backupFloor(kc, args[0], args[1], args[2]);
      break;
    case "backup":
      objects = await backup(kc, args[0], args[1], args[2]);
      break;
    case "restore-floor": {
      const r = await restoreFloor(kc, args[0], args[1]);
      objects = r.n;
      start = r.start;
      break;
    }
    case "restore":
      objects = await restore(kc, args[0], args[1], args[2], args[3]);
      break;
    default:
      throw new Error(`unknown case ${kind}`);
  }
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(JSON.stringify({ seconds, objects, peakRssMiB: peakRssMiB() }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`bench worker: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
