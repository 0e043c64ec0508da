/**
 * The filesystem implementation of the storage port, for a plain folder or an NFS mount.
 *
 * Write-once without locks: the body streams into a temp file in the target folder (same
 * filesystem), is fsynced, then hard-linked to the final name. `link(2)` fails with EEXIST instead of
 * replacing, so two writers racing for one key cannot overwrite each other and a reader never sees a
 * partial file. Works on NFSv3/v4; filesystems without hard links (some FUSE/SMB mounts) are refused
 * with a message saying so.
 */
import { randomBytes } from "node:crypto";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import pLimit from "p-limit";
import { HksError, StorageError } from "../errors";
import { guardBody } from "./body-guard";
import { DigestStream } from "./digest-stream";
import { walkFiles } from "./fs-walk";
import { assertValidKey, assertValidPrefix, TEMP_FILE_PREFIX } from "./object-key";
import {
  deleteManyError,
  ObjectNotFoundError,
  writeOnceConflict,
  type AbortIncompleteOptions,
  type ObjectEntry,
  type ObjectHead,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from "./object-store";

/** Options of the filesystem store. */
export interface FsStoreOptions {
  /** The store root: an existing folder (e.g. an NFS mount point). It is never created, so an unmounted volume is an
   * error, not a silent local write. */
  readonly root: string;
  /** Permission bits of written files; backups hold Secrets, hence owner-only. @default 0o600 */
  readonly fileMode?: number;
  /** Permission bits of created folders. @default 0o700 */
  readonly dirMode?: number;
}

/** Parallel unlinks in `deleteMany`; enough to hide NFS round trips without flooding the server. */
const DELETE_CONCURRENCY = 8;

const errno = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | undefined)?.code;
const isAbsent = (err: unknown) => ["ENOENT", "ENOTDIR", "EISDIR"].includes(errno(err) ?? "");

/** The filesystem object store. See the module comment for the write protocol. */
export class FsObjectStore implements ObjectStore {
  /** Absolute path of the store root. */
  readonly root: string;
  private readonly fileMode: number;
  private readonly dirMode: number;
  private rootChecked = false;

  constructor(opts: FsStoreOptions) {
    this.root = path.resolve(opts.root);
    this.fileMode = opts.fileMode ?? 0o600;
    this.dirMode = opts.dirMode ?? 0o700;
  }

  describe(): string {
    return pathToFileURL(this.root).href;
  }

  async putStream(key: string, body: Readable, opts: PutOptions = {}): Promise<PutResult> {
    const guard = guardBody(body);
    try {
      const target = await this.pathOf(key);
      if (await this.exists(target)) throw writeOnceConflict(key, this.describe());
      guard.throwIfFailed();
      return await this.writeOnce(key, target, body, opts);
    } catch (err) {
      // The store owns the body: a refused write must not leave its producer blocked.
      body.destroy();
      throw err;
    } finally {
      guard.release();
    }
  }

  put(key: string, body: Buffer | string, opts?: PutOptions): Promise<PutResult> {
    return this.putStream(key, Readable.from([Buffer.from(body)]), opts);
  }

  async getStream(key: string, opts: { readonly signal?: AbortSignal } = {}): Promise<Readable> {
    const file = await this.pathOf(key);
    try {
      const fh = await fsp.open(file, "r");
      if (!(await fh.stat()).isFile()) {
        await fh.close();
        throw new ObjectNotFoundError(key, this.describe());
      }
      return fh.createReadStream({ signal: opts.signal });
    } catch (err) {
      if (isAbsent(err)) throw new ObjectNotFoundError(key, this.describe(), { cause: err });
      throw this.wrap(err, `reading "${key}"`);
    }
  }

  async tryGet(key: string): Promise<Buffer | undefined> {
    const file = await this.pathOf(key);
    try {
      return await fsp.readFile(file);
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw this.wrap(err, `reading "${key}"`);
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const file = await this.pathOf(key);
    try {
      const st = await fsp.stat(file);
      return st.isFile() ? { size: st.size, lastModified: st.mtime } : undefined;
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw this.wrap(err, `inspecting "${key}"`);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    assertValidPrefix(prefix, this.describe());
    await this.checkRoot();
    for await (const f of walkFiles(this.root, prefix)) {
      if (f.temp) continue;
      try {
        const st = await fsp.stat(f.path);
        yield { key: f.key, size: st.size, lastModified: st.mtime };
      } catch (err) {
        // Deleted between the directory read and the stat: it is simply no longer listed.
        if (!isAbsent(err)) throw this.wrap(err, `listing "${prefix}"`);
      }
    }
  }

  async delete(key: string): Promise<void> {
    const file = await this.pathOf(key);
    try {
      await fsp.unlink(file);
    } catch (err) {
      // EPERM is Linux's answer for unlink on a folder: no object lives at that key.
      if (isAbsent(err) || (errno(err) === "EPERM" && (await this.isDir(file)))) return;
      throw this.wrap(err, `deleting "${key}"`);
    }
    await this.pruneEmptyParents(path.dirname(file));
  }

  async deleteMany(keys: Iterable<string>): Promise<void> {
    const all = [...keys];
    const limit = pLimit(DELETE_CONCURRENCY);
    const failures: { key: string; reason: string; cause?: unknown }[] = [];
    await Promise.all(
      all.map((key) =>
        limit(async () => {
          try {
            await this.delete(key);
          } catch (err) {
            failures.push({ key, reason: err instanceof Error ? err.message : String(err), cause: err });
          }
        }),
      ),
    );
    if (failures.length) throw deleteManyError(this.describe(), failures, all.length);
  }

  async abortIncompleteUploads(prefix: string, opts: AbortIncompleteOptions = {}): Promise<number> {
    assertValidPrefix(prefix, this.describe());
    await this.checkRoot();
    let removed = 0;
    for await (const f of walkFiles(this.root, prefix)) {
      if (!f.temp) continue;
      try {
        if (opts.olderThan && (await fsp.stat(f.path)).mtime >= opts.olderThan) continue;
        await fsp.unlink(f.path);
        removed++;
      } catch (err) {
        if (!isAbsent(err)) throw this.wrap(err, `removing the leftover temp file "${f.key}"`);
      }
    }
    return removed;
  }

  /** Streams `body` into a temp file, fsyncs it, and links it to `target`; removes the temp file on every path. */
  private async writeOnce(key: string, target: string, body: Readable, opts: PutOptions): Promise<PutResult> {
    const dir = path.dirname(target);
    const tmp = path.join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString("hex")}`);
    const fh = await this.openTemp(dir, tmp, key);
    let closed = false;
    try {
      const digest = new DigestStream(opts.onProgress);
      // `flush` fsyncs before the stream closes the file: after a crash the final name must never
      // point at missing data. (autoClose must stay on: FileHandle.close() waits for open streams.)
      const sink = fh.createWriteStream({ flush: true });
      await pipeline(body, digest, sink, ...(opts.signal ? [{ signal: opts.signal }] : []));
      closed = true;
      await this.link(tmp, target, key);
      return { bytes: digest.bytes, sha256: digest.sha256() };
    } catch (err) {
      throw this.wrap(err, `writing "${key}"`);
    } finally {
      if (!closed) await fh.close().catch(() => undefined);
      await fsp.unlink(tmp).catch(() => undefined);
    }
  }

  private async openTemp(dir: string, tmp: string, key: string): Promise<fsp.FileHandle> {
    // Two attempts: a concurrent delete may prune the freshly created (still empty) folder.
    for (let attempt = 1; ; attempt++) {
      try {
        await fsp.mkdir(dir, { recursive: true, mode: this.dirMode });
        return await fsp.open(tmp, "wx", this.fileMode);
      } catch (err) {
        if (errno(err) === "ENOENT" && attempt < 2) continue;
        if (errno(err) === "ENOTDIR" || errno(err) === "EEXIST") {
          throw new StorageError(
            `cannot write "${key}" in ${this.describe()}: a parent of it is a file, not a folder; use a key ` +
              `whose parents are folders`,
            { cause: err },
          );
        }
        throw this.wrap(err, `writing "${key}"`);
      }
    }
  }

  private async link(tmp: string, target: string, key: string): Promise<void> {
    try {
      await fsp.link(tmp, target);
    } catch (err) {
      if (errno(err) === "EEXIST") throw writeOnceConflict(key, this.describe());
      if (["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(errno(err) ?? "")) {
        throw new StorageError(
          `cannot write "${key}" in ${this.describe()}: the filesystem refused a hard link (${errno(err)}), ` +
            `which write-once storage needs; use a local filesystem or NFS mount that supports hard links`,
          { cause: err },
        );
      }
      throw err;
    }
    // Persist the new directory entry too (best effort: some filesystems cannot fsync a folder).
    const d = await fsp.open(path.dirname(target), "r").catch(() => undefined);
    await d?.sync().catch(() => undefined);
    await d?.close().catch(() => undefined);
  }

  private async pruneEmptyParents(dir: string): Promise<void> {
    // Keeps the tree from filling with empty backup folders; stops at the first non-empty folder.
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return;
      }
      dir = path.dirname(dir);
    }
  }

  private async pathOf(key: string): Promise<string> {
    assertValidKey(key, this.describe());
    await this.checkRoot();
    return path.join(this.root, ...key.split("/"));
  }

  private async checkRoot(): Promise<void> {
    if (this.rootChecked) return;
    const st = await fsp.stat(this.root).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw new StorageError(
        `the filesystem store root ${this.root} does not exist or is not a folder; mount the volume or create ` +
          `the folder first`,
      );
    }
    this.rootChecked = true;
  }

  private async exists(file: string): Promise<boolean> {
    return fsp.lstat(file).then(
      () => true,
      () => false,
    );
  }

  private async isDir(file: string): Promise<boolean> {
    return fsp.stat(file).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  // Errors of our own kind and errors from the caller's body stream (anything without a syscall)
  // pass through unchanged; filesystem errors get the key, the store and a fix.
  private wrap(err: unknown, what: string): unknown {
    if (err instanceof HksError || (err as Error | undefined)?.name === "AbortError") return err;
    const e = err as NodeJS.ErrnoException;
    if (!e?.syscall) return err;
    return new StorageError(
      `${what} in ${this.describe()} failed: ${e.code ?? ""} ${e.message}; check that the folder is mounted, ` +
        `writable and not full`,
      { cause: err },
    );
  }
}
