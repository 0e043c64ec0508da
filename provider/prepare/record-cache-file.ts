/**
 * The record cache (engine/catalog/record-cache.ts) of each location, kept on this machine between
 * runs of `hks backup list`, `hks plan list|status`, `hks metrics` and `hks ui`: a JSON file per
 * location under `$HKS_CACHE_DIR` (default `$XDG_CACHE_HOME/hks-backup/catalog`, else
 * `~/.cache/hks-backup/catalog`), readable by its owner only. It holds what the records say (names,
 * plans, labels, phases, times, counts), never credentials or backup contents. The cache is only a
 * shortcut: a file that cannot be read or written is ignored, and `HKS_CATALOG_CACHE=off` turns it
 * off.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RecordCache, type RecordCacheEntry } from "../engine/catalog/record-cache";
import type { LocationConfig } from "../kube/location-config";

const FORMAT = 1;

/** The cache folder, or undefined when the cache is off. */
export function recordCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.HKS_CATALOG_CACHE === "off") return undefined;
  if (env.HKS_CACHE_DIR) return path.join(env.HKS_CACHE_DIR, "catalog");
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache");
  return path.join(base, "hks-backup", "catalog");
}

/** One file per place the location's objects live (cluster record, endpoint, bucket, prefix). */
function fileOf(dir: string, config: LocationConfig): string {
  const where = { ns: config.namespace, name: config.name, s3: config.objectStorage, nfs: config.nfs };
  return path.join(dir, `${createHash("sha256").update(JSON.stringify(where)).digest("hex").slice(0, 32)}.json`);
}

/** The location's cache as last saved (empty when there is none, or it is unreadable). */
export function loadRecordCache(config: LocationConfig, env: NodeJS.ProcessEnv = process.env): RecordCache {
  const dir = recordCacheDir(env);
  if (!dir) return new RecordCache();
  try {
    const body = JSON.parse(fs.readFileSync(fileOf(dir, config), "utf8")) as {
      format?: number;
      entries?: [string, RecordCacheEntry][];
    };
    return new RecordCache(body.format === FORMAT && Array.isArray(body.entries) ? body.entries : []);
  } catch {
    return new RecordCache();
  }
}

/** Saves what a whole listing kept, when it changed (write to a temporary file, then rename). */
export function saveRecordCache(
  config: LocationConfig,
  cache: RecordCache,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const dir = recordCacheDir(env);
  const { entries, changed } = cache.retained();
  if (!dir || !changed) return;
  const file = fileOf(dir, config);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, entries }), { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}
