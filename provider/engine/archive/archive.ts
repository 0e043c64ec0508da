/**
 * The backup archive as a stream: tar entries (one YAML file per object, paths from
 * `archive-paths.ts`) compressed with gzip, written and read without holding more than one entry in
 * memory, so memory stays flat in the number of objects (design.md, "Backup pipeline").
 *
 * The format is plain `tar` + `gzip` so an operator can inspect a backup with `tar -tzf` (after
 * `age -d` when encrypted). Reading treats the archive as untrusted: only regular files on the path
 * scheme, within a size limit, are returned.
 */
import { type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import * as tar from "tar-stream";
import { HksError, InputError, IntegrityError } from "../../errors";
import { parseArchivePath, type ArchiveObjectRef } from "../../format/archive-paths";
import { createCoalescer } from "./coalesce";

/**
 * Largest entry accepted, written or read: 64 MiB. A Kubernetes object cannot exceed etcd's request
 * limit (1.5 MiB by default, `--max-request-bytes`), so this is generous for any real object while
 * keeping a hostile or corrupt header (claiming gigabytes) from exhausting memory, since an entry is
 * buffered whole before it is returned.
 */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

/** Options for {@link createArchiveWriter}. */
export interface ArchiveWriterOptions {
  /**
   * Modification time recorded on every entry.
   * @default the time the writer was created
   */
  readonly mtime?: Date;
  /**
   * gzip level, 1 (fastest) to 9 (smallest).
   * @default 6 (zlib's default: most of the gain of 9 at a fraction of the CPU)
   */
  readonly gzipLevel?: number;
}

/**
 * Bytes of entries (content plus a 512-byte header each) that may wait for the consumer before
 * `addEntry` waits: 1 MiB. One object at a time kept the serialiser and gzip (on libuv's pool) in
 * lockstep, each idle while the other worked; a window lets them overlap while memory stays bounded.
 */
export const ARCHIVE_WRITE_WINDOW_BYTES = 1024 * 1024;

/** A single-use writer of one gzip'd tar archive. */
export interface ArchiveWriter {
  /** The gzip'd tar bytes. Consume it (e.g. pipe it into the upload) while adding entries. */
  readonly stream: Readable;
  /**
   * Appends one object's file. Resolves when the archive has room for more: at most
   * {@link ARCHIVE_WRITE_WINDOW_BYTES} of entries wait for `stream`'s consumer (backpressure), so
   * await each call before the next; a concurrent call is refused.
   * Throws InputError for a path outside the archive scheme or content over {@link MAX_ENTRY_BYTES}.
   */
  addEntry(path: string, content: string | Buffer): Promise<void>;
  /** Ends the archive; resolves once every entry is compressed. A second call is refused. */
  finish(): Promise<void>;
  /** Abandons the archive: `stream` errors with `reason`, so an upload reading it aborts. */
  abort(reason?: Error): void;
}

/** Entry headers are 512 bytes, and so is the padding unit of their content. */
const TAR_BLOCK = 512;

/** The bytes of an entry, after checking its path and size (InputError). */
function entryBody(path: string, content: string | Buffer): Buffer {
  try {
    parseArchivePath(path);
  } catch (e) {
    throw new InputError("archive entry path", e instanceof Error ? e.message : String(e));
  }
  const body = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  if (body.length > MAX_ENTRY_BYTES) {
    throw new InputError(
      "archive entry",
      `${path} is ${body.length} bytes; the limit is ${MAX_ENTRY_BYTES} (MAX_ENTRY_BYTES)`,
    );
  }
  return body;
}

/**
 * Hands one entry to tar-stream; resolves once it has been pushed and drained, rejects with the
 * archive's failure (`failure()`) when it was aborted. Never an unhandled rejection.
 */
function packEntry(pack: tar.Pack, path: string, body: Buffer, mtime: Date, failure: () => unknown): Promise<void> {
  const drained = new Promise<void>((resolve, reject) => {
    const sink = pack.entry({ name: path, type: "file", mode: 0o644, size: body.length, mtime }, body, (err) =>
      err ? reject(failure() ?? err) : resolve(),
    );
    // abort() destroys the entry being written too. Its error reaches us through the callback;
    // the 'error' event itself needs a listener, or it crashes the process (issue 8, MinIO
    // killed mid-upload: `hks backup create` died with an unhandled AbortError).
    sink.on("error", () => undefined);
  });
  drained.catch(() => undefined); // awaited by the writer or through its pipeline
  return drained;
}

/**
 * Creates a streaming tar+gzip writer.
 * @param options see {@link ArchiveWriterOptions}.
 */
export function createArchiveWriter(options: ArchiveWriterOptions = {}): ArchiveWriter {
  const mtime = options.mtime ?? new Date();
  const pack = tar.pack({ highWaterMark: ARCHIVE_WRITE_WINDOW_BYTES });
  // Joined chunks (coalesce.ts) and 64 KiB zlib output: few hand-offs to libuv's thread pool.
  const gzip = zlib.createGzip({ level: options.gzipLevel ?? 6, chunkSize: 64 * 1024 });
  let failure: unknown;
  const compressed = pipeline(pack, createCoalescer(), gzip);
  compressed.catch((e: unknown) => {
    failure ??= e;
  });
  let busy = false;
  let finished = false;
  // Entries handed to tar-stream and not yet drained, oldest first (they drain in order).
  const waiting: { drained: Promise<void>; bytes: number }[] = [];
  let waitingBytes = 0;

  const addEntry = async (path: string, content: string | Buffer): Promise<void> => {
    if (finished) throw new Error("ArchiveWriter.addEntry: the archive is already finished; create a new writer");
    if (busy) throw new Error("ArchiveWriter.addEntry: the previous addEntry has not resolved; await each call");
    if (failure !== undefined) throw failure;
    const body = entryBody(path, content);
    const drained = packEntry(pack, path, body, mtime, () => failure);
    waiting.push({ drained, bytes: body.length + TAR_BLOCK });
    waitingBytes += body.length + TAR_BLOCK;
    busy = true;
    try {
      while (waitingBytes > ARCHIVE_WRITE_WINDOW_BYTES) {
        const oldest = waiting.shift()!;
        await oldest.drained;
        waitingBytes -= oldest.bytes;
      }
    } finally {
      busy = false;
    }
  };

  const finish = async (): Promise<void> => {
    if (finished) throw new Error("ArchiveWriter.finish: already called; create a new writer for another archive");
    if (busy) throw new Error("ArchiveWriter.finish: an addEntry has not resolved; await it first");
    finished = true;
    pack.finalize();
    for (const entry of waiting.splice(0)) await entry.drained;
    await compressed;
  };

  const abort = (reason: Error = new Error("archive aborted")): void => {
    failure ??= reason;
    gzip.destroy(reason);
    pack.destroy(reason);
  };

  return { stream: gzip, addEntry, finish, abort };
}

/** One object file read from an archive. */
export interface ArchiveEntry {
  /** The entry's path, as validated by `parseArchivePath`. */
  readonly path: string;
  /** The object the path names. */
  readonly ref: ArchiveObjectRef;
  /** The file's bytes (YAML). */
  readonly content: Buffer;
}

/** Options for {@link readArchive}. */
export interface ReadArchiveOptions {
  /**
   * Largest entry accepted.
   * @default MAX_ENTRY_BYTES
   */
  readonly maxEntryBytes?: number;
}

/**
 * Reads a gzip'd tar archive entry by entry. Directory entries are skipped; links, devices, FIFOs and
 * any other non-regular entry, paths outside the scheme, a path seen twice and oversized entries are refused, as is a
 * truncated or corrupt gzip or tar: all with an IntegrityError. Errors of `source` itself (e.g. a
 * failed download, or an IntegrityError from decryption) pass through unchanged.
 * Stopping early (break) destroys `source`.
 * @param source the archive bytes (gzip'd tar).
 * @param options see {@link ReadArchiveOptions}.
 */
export async function* readArchive(source: Readable, options: ReadArchiveOptions = {}): AsyncGenerator<ArchiveEntry> {
  const maxEntryBytes = options.maxEntryBytes ?? MAX_ENTRY_BYTES;
  let sourceError: unknown;
  const onSourceError = (e: unknown): void => {
    sourceError ??= e;
  };
  source.on("error", onSourceError);
  const gunzip = zlib.createGunzip({ chunkSize: 64 * 1024 }); // 64 KiB out: a quarter of the thread-pool round trips
  const extract = tar.extract();
  const done = pipeline(source, gunzip, extract);
  done.catch(() => undefined); // awaited below; this only avoids an unhandled rejection on early exit
  let completed = false;
  // tar allows one path twice, and the later copy would silently win: refused here, for every reader.
  const seen = new Set<string>();
  try {
    for await (const entry of extract) {
      const item = await readEntry(entry, maxEntryBytes);
      if (!item) continue;
      if (seen.has(item.path))
        throw new IntegrityError(
          `archive entry ${item.path} appears twice; the archive was not written by hks-backup or has been ` +
            `tampered with`,
        );
      seen.add(item.path);
      yield item;
    }
    await done;
    completed = true;
  } catch (e) {
    throw archiveError(e, sourceError);
  } finally {
    source.off("error", onSourceError);
    if (!completed) {
      extract.destroy();
      gunzip.destroy();
      source.destroy();
    }
  }
}

/** One entry stream as tar-stream's extractor yields it (the type is not exported by name). */
type TarEntry = tar.Extract extends AsyncIterable<infer E> ? E : never;

/** Validates one tar entry and buffers its content; `undefined` for a skipped directory. */
async function readEntry(entry: TarEntry, maxEntryBytes: number): Promise<ArchiveEntry | undefined> {
  const { name, type } = entry.header;
  if (type === "directory") {
    entry.resume();
    return undefined;
  }
  if (type !== "file" && type !== "contiguous-file") {
    // A link or device could point restore at something outside the archive; we never write them.
    throw new IntegrityError(
      `archive entry ${JSON.stringify(name)} is a ${type ?? "non-regular"} entry; only regular files are ` +
        `accepted (links and devices are refused)`,
    );
  }
  const ref = parseArchivePath(name);
  const declared = entry.header.size ?? 0;
  if (declared > maxEntryBytes) {
    throw new IntegrityError(
      `archive entry ${JSON.stringify(name)} declares ${declared} bytes; the limit is ${maxEntryBytes} ` +
        `(MAX_ENTRY_BYTES)`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const data of entry) {
    const chunk = data as Buffer; // tar-stream emits Buffers (b4a on Node)
    total += chunk.length;
    if (total > maxEntryBytes)
      throw new IntegrityError(
        `archive entry ${JSON.stringify(name)} exceeds ${maxEntryBytes} bytes (MAX_ENTRY_BYTES)`,
      );
    chunks.push(chunk);
  }
  return { path: name, ref, content: Buffer.concat(chunks, total) };
}

/** Keeps typed and source errors; everything from gunzip or tar parsing means a damaged archive. */
function archiveError(e: unknown, sourceError: unknown): unknown {
  if (e instanceof HksError || (sourceError !== undefined && e === sourceError)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new IntegrityError(
    `the archive is truncated or corrupt (${message}); verify its SHA-256 against manifest.json and use another copy`,
    { cause: e },
  );
}
