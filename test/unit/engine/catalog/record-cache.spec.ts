import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { scanLocation } from "../../../../provider/engine/catalog/catalog";
import { RecordCache } from "../../../../provider/engine/catalog/record-cache";
import type { LocationConfig } from "../../../../provider/kube/location-config";
import { loadRecordCache, recordCacheDir, saveRecordCache } from "../../../../provider/prepare/record-cache-file";
import { MemoryObjectStore, STORE_LAYOUT, type ObjectStore } from "../../../../provider/store";

const manifest = (name: string, labels: Record<string, string> = {}) =>
  JSON.stringify({
    formatVersion: 1,
    name,
    plan: "db",
    phase: "Completed",
    labels,
    storageLocation: "main",
    sourceCluster: "https://k",
    target: { namespaces: ["app"] },
    startedAt: "2026-11-01T02:00:00Z",
    completedAt: "2026-11-01T02:01:00Z",
    counts: { total: 4, byResource: {} },
    hooks: [],
    warnings: [],
    errors: [],
  });

async function seeded(n: number): Promise<MemoryObjectStore> {
  const s = new MemoryObjectStore();
  for (let i = 0; i < n; i++) {
    const name = `db-2026110102000${i}`;
    await s.put(STORE_LAYOUT.backupResourcesKey(name), "archive");
    await s.put(STORE_LAYOUT.backupManifestKey(name), manifest(name));
  }
  return s;
}

/** Counts the GETs of records made through `store`. */
function counting(store: ObjectStore): { store: ObjectStore; gets: () => number } {
  let gets = 0;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "tryGet")
        return (key: string) => {
          gets++;
          return target.tryGet(key);
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: proxy, gets: () => gets };
}

describe("scanLocation with a record cache", () => {
  it("a second scan reads no record; its summaries are the same, bytes from the listing", async () => {
    const s = await seeded(3);
    const cache = new RecordCache();
    const first = counting(s);
    const a = await scanLocation(first.store, "main", { cache });
    expect(first.gets()).toBe(3);
    const second = counting(s);
    const b = await scanLocation(second.store, "main", { cache: new RecordCache(cache.retained().entries) });
    expect(second.gets()).toBe(0);
    expect(b).toEqual(a);
    expect(b.backups[0]!.bytes).toBe("archive".length + manifest("db-20261101020000").length);
  });

  it("a rewritten record is read again; a deleted backup leaves the cache; an unchanged one stays", async () => {
    const s = await seeded(3);
    const cache = new RecordCache();
    await scanLocation(s, "main", { cache });
    await new Promise((r) => setTimeout(r, 5)); // a later last-modified time for the rewrite
    await s.delete(STORE_LAYOUT.backupManifestKey("db-20261101020001"));
    await s.put(STORE_LAYOUT.backupManifestKey("db-20261101020001"), manifest("db-20261101020001", { env: "x" }));
    await s.delete(STORE_LAYOUT.backupManifestKey("db-20261101020002"));
    await s.delete(STORE_LAYOUT.backupResourcesKey("db-20261101020002"));
    const next = new RecordCache(cache.retained().entries);
    const c = counting(s);
    const scan = await scanLocation(c.store, "main", { cache: next });
    expect(c.gets()).toBe(1);
    expect(scan.backups.map((b) => [b.name, b.labels])).toEqual([
      ["db-20261101020000", {}],
      ["db-20261101020001", { env: "x" }],
    ]);
    const kept = next.retained();
    expect(kept.changed).toBe(true);
    expect(kept.entries.map(([k]) => k)).toEqual([
      STORE_LAYOUT.backupManifestKey("db-20261101020000"),
      STORE_LAYOUT.backupManifestKey("db-20261101020001"),
    ]);
  });

  it("a damaged record is not cached: it is read (and reported) every time", async () => {
    const s = await seeded(1);
    await s.delete(STORE_LAYOUT.backupManifestKey("db-20261101020000"));
    await s.put(STORE_LAYOUT.backupManifestKey("db-20261101020000"), "{not json");
    const cache = new RecordCache();
    const a = await scanLocation(s, "main", { cache });
    expect(a.backups[0]!.phase).toBe("Incomplete");
    expect(cache.retained().entries).toEqual([]);
  });

  it("an ETag that differs misses even with the same size and time", () => {
    const cache = new RecordCache();
    const entry = { key: "k", size: 1, lastModified: new Date(1000), etag: '"a"' };
    cache.set(entry, { name: "b", phase: "Completed", labels: {}, errors: 0, warnings: 0 });
    expect(cache.get(entry)).toBeDefined();
    expect(cache.get({ ...entry, etag: '"b"' })).toBeUndefined();
    expect(cache.get({ ...entry, size: 2 })).toBeUndefined();
    expect(cache.get({ ...entry, lastModified: new Date(2000) })).toBeUndefined();
  });
});

describe("the record cache file", () => {
  const config = {
    name: "main",
    namespace: "hks-system",
    provider: "aws",
    objectStorage: { bucket: "b", region: "r", endpoint: "http://127.0.0.1:9000", prefix: "p" },
    recipients: [],
    accessMode: "ReadWrite",
    default: true,
    credentials: { kind: "ambient" },
  } as unknown as LocationConfig;

  it("is saved for its owner only and loaded back; another location has its own file", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-cache-"));
    try {
      const env = { HKS_CACHE_DIR: dir };
      const cache = loadRecordCache(config, env);
      const store = await seeded(2);
      await scanLocation(store, "main", { cache });
      saveRecordCache(config, cache, env);
      const files = fs.readdirSync(path.join(dir, "catalog"));
      expect(files).toHaveLength(1);
      expect(fs.statSync(path.join(dir, "catalog", files[0]!)).mode & 0o777).toBe(0o600);
      const again = counting(store);
      await scanLocation(again.store, "main", { cache: loadRecordCache(config, env) });
      expect(again.gets()).toBe(0);
      const other = { ...config, objectStorage: { ...config.objectStorage!, bucket: "other" } };
      const elsewhere = counting(store);
      await scanLocation(elsewhere.store, "main", { cache: loadRecordCache(other, env) });
      expect(elsewhere.gets()).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("HKS_CATALOG_CACHE=off writes nothing; a broken file is an empty cache", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-cache-"));
    try {
      expect(recordCacheDir({ HKS_CATALOG_CACHE: "off", HKS_CACHE_DIR: dir })).toBeUndefined();
      expect(recordCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/hks-backup/catalog");
      expect(recordCacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/hks-backup/catalog");
      const env = { HKS_CACHE_DIR: dir };
      const cache = new RecordCache();
      cache.set(
        { key: "k", size: 1, lastModified: new Date(1) },
        {
          name: "b",
          phase: "Completed",
          labels: {},
          errors: 0,
          warnings: 0,
        },
      );
      saveRecordCache(config, cache, { ...env, HKS_CATALOG_CACHE: "off" });
      expect(fs.existsSync(path.join(dir, "catalog"))).toBe(false);
      saveRecordCache(config, cache, env);
      const file = path.join(dir, "catalog", fs.readdirSync(path.join(dir, "catalog"))[0]!);
      fs.writeFileSync(file, "{broken");
      const loaded = loadRecordCache(config, env);
      expect(loaded.get({ key: "k", size: 1, lastModified: new Date(1) })).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
