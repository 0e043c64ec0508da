import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Readable } from "node:stream";
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, StorageError } from "../../../provider/errors";
import { FsObjectStore } from "../../../provider/store/fs-store";
import { describeStoreContract, listAll, readAll } from "./store-contract";

let root: string;
let store: FsObjectStore;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "hks-fs-store-"));
  store = new FsObjectStore({ root });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describeStoreContract("filesystem", () => store);

// Forced GC makes the memory samples measure what is still referenced, not garbage not yet
// collected; vitest's config is shared, so the flag is switched on here rather than on the CLI.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const held = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const MiB = 1024 * 1024;

/** A 64 MiB pseudo-random body made in 256 KiB chunks, with its expected sha256 and peak memory. */
function generatedBody(totalBytes: number) {
  const hash = crypto.createHash("sha256");
  const chunkSize = 256 * 1024;
  let produced = 0;
  let baseline = 0;
  let peak = 0;
  const body = new Readable({
    read() {
      if (produced === 0) baseline = held();
      if (produced >= totalBytes) return void this.push(null);
      const chunk = crypto.randomBytes(Math.min(chunkSize, totalBytes - produced));
      hash.update(chunk);
      produced += chunk.length;
      if (produced % (8 * MiB) === 0) peak = Math.max(peak, held() - baseline);
      this.push(chunk);
    },
  });
  return { body, sha256: () => hash.digest("hex"), peakGrowth: () => peak };
}

describe("FsObjectStore", () => {
  it("streams a 64 MiB body with flat memory and the right sha256, and reads it back byte for byte", async () => {
    const gen = generatedBody(64 * MiB);
    const res = await store.putStream("big/resources.tar.gz", gen.body);
    const expected = gen.sha256();
    expect(res).toEqual({ bytes: 64 * MiB, sha256: expected });
    // Buffering the body would hold up to 64 MiB at the samples; streaming holds a few chunks.
    expect(gen.peakGrowth()).toBeLessThan(16 * MiB);
    const back = crypto.createHash("sha256");
    for await (const c of await store.getStream("big/resources.tar.gz")) back.update(c as Buffer);
    expect(back.digest("hex")).toBe(expected);
    expect(fs.statSync(path.join(root, "big/resources.tar.gz")).size).toBe(64 * MiB);
  });

  it("a conflicting write leaves the original file's bytes, inode and mtime untouched", async () => {
    await store.put("keep/manifest.json", "v1");
    const file = path.join(root, "keep/manifest.json");
    const before = fs.statSync(file);
    await expect(store.putStream("keep/manifest.json", Readable.from([Buffer.alloc(1000)]))).rejects.toBeInstanceOf(
      ConflictError,
    );
    const after = fs.statSync(file);
    expect([after.ino, after.mtimeMs, after.size]).toEqual([before.ino, before.mtimeMs, before.size]);
    expect(fs.readFileSync(file, "utf8")).toBe("v1");
    expect(fs.readdirSync(path.dirname(file))).toEqual(["manifest.json"]);
  });

  it("writes files owner-only (backups hold Secrets)", async () => {
    await store.put("mode/x", "1");
    expect(fs.statSync(path.join(root, "mode/x")).mode & 0o777).toBe(0o600);
  });

  it("list skips temp files; abortIncompleteUploads removes them, honouring olderThan", async () => {
    await store.put("tmp/a/real.json", "{}");
    const oldTmp = path.join(root, "tmp/a/.hks-tmp-0123abcd");
    const newTmp = path.join(root, "tmp/.hks-tmp-4567ef01");
    fs.writeFileSync(oldTmp, "partial");
    fs.writeFileSync(newTmp, "partial");
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(oldTmp, hourAgo, hourAgo);
    expect(await listAll(store, "tmp/")).toEqual(["tmp/a/real.json"]);
    expect(await store.abortIncompleteUploads("tmp/", { olderThan: new Date(Date.now() - 60_000) })).toBe(1);
    expect(fs.existsSync(oldTmp)).toBe(false);
    expect(fs.existsSync(newTmp)).toBe(true);
    expect(await store.abortIncompleteUploads("tmp/")).toBe(1);
    expect(fs.existsSync(newTmp)).toBe(false);
    expect(await store.abortIncompleteUploads("tmp/")).toBe(0);
    expect(fs.readFileSync(path.join(root, "tmp/a/real.json"), "utf8")).toBe("{}");
  });

  it("delete prunes folders left empty, but not the root or non-empty ones", async () => {
    await store.put("prune/b1/resources.tar.gz", "r");
    await store.put("prune/b1/manifest.json", "m");
    await store.put("prune/b2/manifest.json", "m");
    await store.deleteMany(["prune/b1/resources.tar.gz", "prune/b1/manifest.json"]);
    expect(fs.existsSync(path.join(root, "prune/b1"))).toBe(false);
    expect(fs.readdirSync(path.join(root, "prune"))).toEqual(["b2"]);
    await store.delete("prune/b2/manifest.json");
    expect(fs.existsSync(path.join(root, "prune"))).toBe(false);
    expect(fs.existsSync(root)).toBe(true);
  });

  it("a key naming a folder is absent, not an error", async () => {
    await store.put("dir/inner/x", "1");
    expect(await store.head("dir/inner")).toBeUndefined();
    expect(await store.tryGet("dir/inner")).toBeUndefined();
    await store.delete("dir/inner");
    expect(await store.tryGet("dir/inner/x")).toBeDefined();
  });

  it("does not follow symlinks out of the root when listing", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "hks-outside-"));
    fs.writeFileSync(path.join(outside, "secret"), "s");
    fs.mkdirSync(path.join(root, "links"));
    fs.symlinkSync(outside, path.join(root, "links/out"));
    try {
      expect(await listAll(store, "links/")).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("a parent that is a file gives a StorageError naming the key", async () => {
    await store.put("file-parent", "x");
    const err = await store.put("file-parent/child", "y").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain("file-parent/child");
    expect((err as Error).message).toContain("not a folder");
  });

  it("a missing root is a StorageError that says to mount or create it, and is never created", async () => {
    const missing = path.join(root, "not-mounted");
    const s = new FsObjectStore({ root: missing });
    const err = await s.put("a", "1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain(missing);
    expect((err as Error).message).toContain("mount the volume");
    expect(fs.existsSync(missing)).toBe(false);
  });

  it("describe gives a file:// URL", () => {
    expect(store.describe()).toBe(`file://${root}`);
  });

  it("getStream can be cancelled with a signal", async () => {
    await store.put("cancel/x", Buffer.alloc(1024 * 1024));
    const ac = new AbortController();
    const s = await store.getStream("cancel/x", { signal: ac.signal });
    ac.abort();
    await expect(readAll(s)).rejects.toThrow(/abort/i);
  });
});
