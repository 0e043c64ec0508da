import * as crypto from "node:crypto";
import * as zlib from "node:zlib";
import { PassThrough, Readable } from "node:stream";
import * as tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { InputError, IntegrityError, StorageError } from "../../../../provider/errors";
import {
  ARCHIVE_WRITE_WINDOW_BYTES,
  createArchiveWriter,
  MAX_ENTRY_BYTES,
  readArchive,
  type ArchiveEntry,
} from "../../../../provider/engine/archive/archive";
import { archivePathFor } from "../../../../provider/format/archive-paths";

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Writes entries with our writer and returns the gzip'd tar bytes. */
async function writeArchive(entries: [string, string | Buffer][]): Promise<Buffer> {
  const w = createArchiveWriter({ mtime: new Date(0) });
  const bytes = collect(w.stream);
  for (const [p, c] of entries) await w.addEntry(p, c);
  await w.finish();
  return bytes;
}

async function readAll(bytes: Buffer): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  for await (const e of readArchive(Readable.from([bytes]))) out.push(e);
  return out;
}

/** A gzip'd tar with arbitrary headers, built with tar-stream directly (what an attacker could write). */
async function rawArchive(
  entries: { header: tar.Header | (Partial<tar.Header> & { name: string }); body?: string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  const bytes = collect(pack.pipe(zlib.createGzip()) as unknown as Readable);
  for (const { header, body } of entries) {
    await new Promise<void>((resolve, reject) => {
      if (body === undefined) pack.entry(header, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  return bytes;
}

const deploy = archivePathFor({ group: "apps", resource: "deployments", namespace: "prod", name: "web" });
const secret = archivePathFor({ group: "", resource: "secrets", namespace: "prod", name: "db" });
const crd = archivePathFor({
  group: "apiextensions.k8s.io",
  resource: "customresourcedefinitions",
  name: "widgets.example.com",
});

describe("createArchiveWriter + readArchive", () => {
  it("round-trips entries in order, with exactly the paths written", async () => {
    const bytes = await writeArchive([
      [deploy, "kind: Deployment\n"],
      [secret, Buffer.from("kind: Secret\n")],
      [crd, ""],
    ]);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic
    const entries = await readAll(bytes);
    expect(entries.map((e) => e.path)).toEqual([deploy, secret, crd]);
    expect(entries.map((e) => e.content.toString())).toEqual(["kind: Deployment\n", "kind: Secret\n", ""]);
    expect(entries[0]?.ref).toEqual({ group: "apps", resource: "deployments", namespace: "prod", name: "web" });
    expect(entries[2]?.ref.namespace).toBeUndefined();
  });

  it("round-trips paths longer than 100 bytes and non-ASCII content (pax headers)", async () => {
    const long = archivePathFor({
      group: "a".repeat(60) + ".example.com",
      resource: "widgets",
      namespace: "n".repeat(63),
      name: "x".repeat(200),
    });
    const rbac = archivePathFor({
      group: "rbac.authorization.k8s.io",
      resource: "clusterroles",
      name: "system:aggregate-to-admin",
    });
    const entries = await readAll(
      await writeArchive([
        [long, 'data: "ünïcødé ✓"\n'],
        [rbac, "x"],
      ]),
    );
    expect(entries.map((e) => e.path)).toEqual([long, rbac]);
    expect(entries[0]?.content.toString()).toBe('data: "ünïcødé ✓"\n');
  });

  it("applies backpressure: addEntry stalls while nobody reads the stream", async () => {
    const w = createArchiveWriter();
    // Random bytes do not compress, so buffers fill at once. A handed-over chunk may sit in zlib's
    // input buffer, so at most about one entry is held; the next addEntry must wait for a reader.
    const body = () => crypto.randomBytes(1024 * 1024);
    let added = 0;
    const adding = (async () => {
      for (let i = 0; i < 10; i++) {
        await w.addEntry(
          archivePathFor({ group: "", resource: "configmaps", namespace: "ns", name: `cm-${i}` }),
          body(),
        );
        added++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    expect(added).toBeLessThanOrEqual(2);
    const bytes = collect(w.stream);
    await adding;
    await w.finish();
    expect(added).toBe(10);
    expect((await readAll(await bytes)).map((e) => e.content.length)).toEqual(Array(10).fill(1024 * 1024));
  });

  it.each([
    {
      name: "a path outside the scheme",
      path: "etc/passwd",
      content: "x",
      error: InputError,
      message: /archive entry path/,
    },
    {
      name: "a traversal path",
      path: "resources/pods/../../x.yaml",
      content: "x",
      error: InputError,
      message: /'\.\.' segment/,
    },
    {
      name: "content over MAX_ENTRY_BYTES",
      path: deploy,
      content: Buffer.alloc(MAX_ENTRY_BYTES + 1),
      error: InputError,
      message: /limit is 67108864/,
    },
  ])("refuses to write $name", async ({ path, content, error, message }) => {
    const w = createArchiveWriter();
    void collect(w.stream).catch(() => undefined);
    const err = await w.addEntry(path, content).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(error);
    expect((err as Error).message).toMatch(message);
  });

  it("refuses concurrent addEntry, a second finish and addEntry after finish", async () => {
    const w = createArchiveWriter();
    const bytes = collect(w.stream);
    // Larger than the window: the call waits for the consumer, and meanwhile another is refused.
    const first = w.addEntry(deploy, "a".repeat(ARCHIVE_WRITE_WINDOW_BYTES + 1));
    await expect(w.addEntry(secret, "b")).rejects.toThrow(/previous addEntry has not resolved/);
    await first;
    await w.finish();
    await expect(w.finish()).rejects.toThrow(/already called/);
    await expect(w.addEntry(secret, "b")).rejects.toThrow(/already finished/);
    expect((await readAll(await bytes)).map((e) => e.path)).toEqual([deploy]);
  });

  it("holds at most the window of entries for a consumer that does not read (backpressure)", async () => {
    const w = createArchiveWriter();
    const entry = "x".repeat(64 * 1024);
    let added = 0;
    let pending: Promise<void> | undefined;
    // Add until a call waits; with nobody reading, that must happen within a few windows.
    for (let i = 0; i < 100 && !pending; i++) {
      const call = w.addEntry(`resources/configmaps/ns/cm-${i}.yaml`, entry);
      const settled = await Promise.race([
        call.then(() => true),
        new Promise<false>((r) => setImmediate(() => r(false))),
      ]);
      if (settled) added++;
      else pending = call;
    }
    expect(pending).toBeDefined();
    // Bounded: the entries taken in are the window plus what the streams' own buffers hold (the
    // tar stream's is the window too; gzip and the joiner add a few hundred KiB), far below 100.
    expect(added * entry.length).toBeLessThan(4 * ARCHIVE_WRITE_WINDOW_BYTES);
    const bytes = collect(w.stream); // a reader arrives: the waiting call goes through
    await pending;
    await w.finish();
    expect(await readAll(await bytes)).toHaveLength(added + 1);
  });

  it("abort() makes the stream fail, so an upload reading it aborts", async () => {
    const w = createArchiveWriter();
    const bytes = collect(w.stream);
    await w.addEntry(deploy, "a");
    w.abort(new Error("list failed"));
    await expect(bytes).rejects.toThrow(/list failed/);
    await expect(w.addEntry(secret, "b")).rejects.toThrow(/list failed/);
  });

  it("keeps memory flat in the number of entries (20,000 objects streamed)", { timeout: 60_000 }, async () => {
    const w = createArchiveWriter();
    const count = 20_000;
    const body = `apiVersion: v1\nkind: ConfigMap\ndata:\n  blob: ${"x".repeat(2000)}\n`;
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    let read = 0;
    const reading = (async () => {
      for await (const e of readArchive(w.stream)) {
        read += e.content.length > 0 ? 1 : 0;
        if (read % 500 === 0) peak = Math.max(peak, process.memoryUsage.rss());
      }
    })();
    for (let i = 0; i < count; i++) {
      await w.addEntry(archivePathFor({ group: "", resource: "configmaps", namespace: "ns", name: `cm-${i}` }), body);
    }
    await w.finish();
    await reading;
    expect(read).toBe(count);
    // 20,000 x 2 KiB = 40 MiB of YAML went through; holding it would exceed this bound.
    expect((peak - baseline) / 2 ** 20).toBeLessThan(100);
  });
});

describe("readArchive refuses unsafe or damaged archives with an IntegrityError", () => {
  it.each([
    {
      name: "a symlink",
      header: { name: deploy, type: "symlink" as const, linkname: "/etc/passwd" },
      message: /is a symlink entry; only regular files/,
    },
    {
      name: "a hard link",
      header: { name: deploy, type: "link" as const, linkname: secret },
      message: /is a link entry/,
    },
    {
      name: "a character device",
      header: { name: deploy, type: "character-device" as const, devmajor: 1, devminor: 3 },
      message: /is a character-device entry/,
    },
    { name: "a FIFO", header: { name: deploy, type: "fifo" as const }, message: /is a fifo entry/ },
    {
      name: "a traversal path",
      header: { name: "resources/pods/../../../../etc/cron.d/x.yaml" },
      body: "x",
      message: /'\.\.' segment/,
    },
    {
      name: "an absolute path",
      header: { name: "/resources/pods/ns/p.yaml" },
      body: "x",
      message: /the path is absolute/,
    },
    { name: "a backslash path", header: { name: "resources\\pods\\ns\\p.yaml" }, body: "x", message: /backslash/ },
    {
      name: "a path outside the scheme",
      header: { name: "metadata/version" },
      body: "1",
      message: /does not match the archive scheme/,
    },
    { name: "a './' prefixed path", header: { name: `./${deploy}` }, body: "x", message: /'\.' or '\.\.' segment/ },
  ])("$name", async ({ header, body, message }) => {
    const bytes = await rawArchive([
      { header: { name: secret }, body: "ok" },
      { header, body },
    ]);
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of readArchive(Readable.from([bytes]))) seen.push(e.path);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as Error).message).toMatch(message);
    expect(seen).toEqual([secret]); // entries before the bad one were returned, nothing after
  });

  it("skips directory entries", async () => {
    const bytes = await rawArchive([
      { header: { name: "resources/", type: "directory" } },
      { header: { name: secret }, body: "ok" },
    ]);
    expect((await readAll(bytes)).map((e) => e.path)).toEqual([secret]);
  });

  it("refuses an entry over the size limit before reading it", async () => {
    const bytes = await rawArchive([{ header: { name: secret }, body: "x".repeat(1000) }]);
    const it = readArchive(Readable.from([bytes]), { maxEntryBytes: 999 });
    await expect(it.next()).rejects.toThrow(/declares 1000 bytes; the limit is 999/);
  });

  describe("damaged bytes", () => {
    const good = writeArchive([
      [deploy, "a".repeat(5000)],
      [secret, "b".repeat(5000)],
    ]);
    it.each([
      { name: "a truncated gzip", mutate: (b: Buffer) => b.subarray(0, b.length - 20) },
      { name: "gzip cut in half", mutate: (b: Buffer) => b.subarray(0, Math.floor(b.length / 2)) },
      { name: "a flipped byte in the compressed data", mutate: (b: Buffer) => flip(b, Math.floor(b.length / 2)) },
      { name: "a wrong CRC in the gzip trailer", mutate: (b: Buffer) => flip(b, b.length - 6) },
      { name: "not gzip at all", mutate: () => Buffer.from("this is not an archive") },
      { name: "empty input", mutate: () => Buffer.alloc(0) },
      { name: "gzip of something that is not tar", mutate: () => zlib.gzipSync(Buffer.alloc(2048, "z")) },
    ])("$name", async ({ mutate }) => {
      const err = await readAll(mutate(await good)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(/^IntegrityError: the archive is truncated or corrupt/);
    });
  });

  it("passes errors of the source stream through unchanged", async () => {
    const bytes = await writeArchive([
      [deploy, "a"],
      [secret, "b"],
    ]);
    const failure = new StorageError("reading s3://bucket/key failed: connection reset");
    const source = new PassThrough();
    source.write(bytes.subarray(0, 10));
    setTimeout(() => source.destroy(failure), 10);
    await expect(readAll2(source)).rejects.toBe(failure);
  });

  it("destroys the source when the reader stops early", async () => {
    const bytes = await writeArchive([
      [deploy, "a"],
      [secret, "b"],
    ]);
    const source = Readable.from([bytes]);
    for await (const e of readArchive(source)) {
      expect(e.path).toBe(deploy);
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});

async function readAll2(source: Readable): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readArchive(source)) out.push(e.path);
  return out;
}

function flip(b: Buffer, at: number): Buffer {
  const copy = Buffer.from(b);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}
