/**
 * The behaviour every ObjectStore must show, as one suite run against each implementation: the
 * memory and filesystem stores here (unit tier) and the S3 store against MinIO (integration tier).
 */
import * as crypto from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConflictError, InputError, StorageError } from "../../../provider/errors";
import { isNotFound, type ObjectStore } from "../../../provider/store/object-store";

/** Reads a stream whole. */
export async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** Collects a listing. */
export async function listAll(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(prefix)) keys.push(o.key);
  return keys;
}

const sha = (b: Buffer | string) => crypto.createHash("sha256").update(b).digest("hex");

/**
 * Registers the contract suite.
 * @param name shown in test names.
 * @param getStore returns the store under test; each test uses its own unique key prefix in it.
 */
export function describeStoreContract(name: string, getStore: () => ObjectStore): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let n = 0;
    const ns = () => `contract-${process.pid}-${Date.now().toString(36)}-${n++}/`;

    it("put then read back: tryGet, getStream and head agree, bytes and sha256 are right", async () => {
      const store = getStore();
      const key = `${ns()}a/b/obj.json`;
      const res = await store.put(key, '{"hello":"world"}', { contentType: "application/json" });
      expect(res).toEqual({ bytes: 17, sha256: sha('{"hello":"world"}') });
      expect((await store.tryGet(key))?.toString()).toBe('{"hello":"world"}');
      expect((await readAll(await store.getStream(key))).toString()).toBe('{"hello":"world"}');
      const head = await store.head(key);
      expect(head?.size).toBe(17);
      expect(Math.abs((head?.lastModified.getTime() ?? 0) - Date.now())).toBeLessThan(5 * 60_000);
    });

    it("write-once: a second put of the key throws ConflictError naming it and keeps the original", async () => {
      const store = getStore();
      const key = `${ns()}manifest.json`;
      await store.put(key, "original");
      const err = await store.put(key, "replacement").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as Error).message).toContain(key);
      expect((err as Error).message).toContain("never overwritten");
      const body = new PassThrough();
      await expect(store.putStream(key, body)).rejects.toBeInstanceOf(ConflictError);
      expect(body.destroyed).toBe(true);
      expect((await store.tryGet(key))?.toString()).toBe("original");
    });

    it("write-once under a race: of 5 concurrent writers exactly one wins and its body is stored", async () => {
      const store = getStore();
      const key = `${ns()}race.bin`;
      const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => store.put(key, `writer-${i}`)));
      const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(ConflictError);
      expect((await store.tryGet(key))?.toString()).toBe(`writer-${won[0]}`);
    });

    it("absent objects: tryGet and head give undefined, getStream a not-found StorageError", async () => {
      const store = getStore();
      const key = `${ns()}missing.json`;
      expect(await store.tryGet(key)).toBeUndefined();
      expect(await store.head(key)).toBeUndefined();
      const err = await store.getStream(key).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect(isNotFound(err)).toBe(true);
      expect((err as Error).message).toContain(key);
    });

    it("list: only keys under the prefix, ascending in byte order, sizes right", async () => {
      const store = getStore();
      const p = ns();
      const keys = ["a/b", "a-c", "a.txt", "a0", "a/a/z", "b", "ab/c"].map((k) => p + k);
      for (const k of [...keys].reverse()) await store.put(k, k);
      const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(await listAll(store, p)).toEqual(sorted);
      expect(await listAll(store, `${p}a/`)).toEqual([`${p}a/a/z`, `${p}a/b`]);
      expect(await listAll(store, `${p}a`)).toEqual(sorted.filter((k) => k.startsWith(`${p}a`)));
      expect(await listAll(store, `${p}nothing/`)).toEqual([]);
      for await (const o of store.list(`${p}b`))
        expect(o).toMatchObject({ key: `${p}b`, size: Buffer.byteLength(`${p}b`) });
    });

    it("delete is idempotent, and deleteMany removes all and accepts absent keys", async () => {
      const store = getStore();
      const p = ns();
      await store.put(`${p}x`, "1");
      await store.delete(`${p}x`);
      await store.delete(`${p}x`);
      expect(await store.head(`${p}x`)).toBeUndefined();
      await Promise.all(["1", "2", "3"].map((k) => store.put(`${p}many/${k}`, k)));
      await store.deleteMany([`${p}many/1`, `${p}many/2`, `${p}many/3`, `${p}many/absent`]);
      expect(await listAll(store, p)).toEqual([]);
    });

    it("deleteMany reports every key it could not delete in one error, after trying the rest", async () => {
      const store = getStore();
      const p = ns();
      await store.put(`${p}ok`, "1");
      const err = await store.deleteMany([`${p}../escape`, `${p}ok`, "/abs"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as Error).message).toMatch(/could not delete 2 of 3 objects/);
      expect((err as Error).message).toContain(`${p}../escape`);
      expect((err as Error).message).toContain("/abs");
      expect(await store.head(`${p}ok`)).toBeUndefined();
    });

    it.each([
      { name: "parent traversal", key: "../etc/passwd" },
      { name: "inner traversal", key: "a/../../b" },
      { name: "absolute", key: "/etc/passwd" },
      { name: "NUL", key: "a\0b" },
      { name: "empty segment", key: "a//b" },
      { name: "trailing slash", key: "a/" },
      { name: "temp-file name", key: "a/.hks-tmp-123" },
      { name: "empty", key: "" },
    ])("refuses the key: $name", async ({ key }) => {
      const store = getStore();
      await expect(store.put(key, "x")).rejects.toBeInstanceOf(InputError);
      await expect(store.tryGet(key)).rejects.toBeInstanceOf(InputError);
      await expect(store.delete(key)).rejects.toBeInstanceOf(InputError);
    });

    it("a failing body leaves nothing behind and the error comes through", async () => {
      const store = getStore();
      const p = ns();
      const body = new Readable({ read() {} });
      body.push(Buffer.alloc(1024, 1));
      setTimeout(() => body.destroy(new Error("producer exploded")), 20);
      await expect(store.putStream(`${p}broken`, body)).rejects.toThrow("producer exploded");
      expect(await store.head(`${p}broken`)).toBeUndefined();
      expect(await store.abortIncompleteUploads(p)).toBe(0);
      // The key is still free for a retry.
      await store.put(`${p}broken`, "retry");
    });

    it("a body that fails before the store reads it rejects the write (no uncaught error)", async () => {
      const store = getStore();
      const p = ns();
      const body = new Readable({ read() {} });
      // The store is still checking the key when the producer fails: its 'error' must be held.
      const write = store.putStream(`${p}early`, body);
      body.destroy(new Error("producer failed early"));
      await expect(write).rejects.toThrow("producer failed early");
      expect(await store.head(`${p}early`)).toBeUndefined();
    });

    it("an aborted write leaves nothing behind and rejects with AbortError", async () => {
      const store = getStore();
      const p = ns();
      const ac = new AbortController();
      const body = new Readable({ read() {} });
      body.push(Buffer.alloc(1024, 2));
      setTimeout(() => ac.abort(), 20);
      const err = await store.putStream(`${p}aborted`, body, { signal: ac.signal }).catch((e: unknown) => e);
      expect((err as Error).name).toBe("AbortError");
      expect(await store.head(`${p}aborted`)).toBeUndefined();
      expect(await store.abortIncompleteUploads(p)).toBe(0);
    });

    it("putStream reports progress up to the full size and returns the streamed sha256", async () => {
      const store = getStore();
      const data = crypto.randomBytes(300_000);
      const seen: number[] = [];
      const res = await store.putStream(
        `${ns()}progress.bin`,
        Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]),
        {
          onProgress: (b) => seen.push(b),
        },
      );
      expect(res).toEqual({ bytes: data.length, sha256: sha(data) });
      expect(seen.at(-1)).toBe(data.length);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    });

    it("describe names the location and no credentials", () => {
      expect(getStore().describe()).toMatch(/^(s3|file|memory):\/\//);
      expect(getStore().describe()).not.toMatch(/secret|password/i);
    });
  });
}
