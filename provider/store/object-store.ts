/**
 * The storage port: the small interface every object store implements (velero
 * `pkg/plugin/velero/object_store.go`). The engine, handlers and CLI write through it only, so the
 * same code runs against S3, a filesystem (NFS mount) or the in-memory fake.
 *
 * Rules every implementation keeps:
 * 1. Keys are relative to the store root, '/'-separated, validated by `assertValidKey`.
 * 2. Writes are WRITE-ONCE: an existing key is never overwritten (ConflictError), so object-lock
 *    (WORM) buckets work and a manifest can serve as a commit marker.
 * 3. Bodies stream: memory stays flat in the object size.
 * 4. "Absent" is an answer, not an error, wherever the method can say so (`tryGet`, `head`, `delete`).
 */
import type { Readable } from "node:stream";
import { ConflictError, StorageError } from "../errors";

/** Options for a write. */
export interface PutOptions {
  /** MIME type recorded with the object (S3 `Content-Type`; ignored by the filesystem store). @default
   * "application/octet-stream" */
  readonly contentType?: string;
  /**
   * Called with the number of bytes the store has accepted so far (S3: bytes of uploaded parts;
   * filesystem: bytes handed to the file). Not throttled: the caller throttles if it reports to a person.
   */
  readonly onProgress?: (bytesSoFar: number) => void;
  /** Cancels the write; the store then removes what it had written (temp file, multipart parts). */
  readonly signal?: AbortSignal;
}

/** What a completed write reports. */
export interface PutResult {
  /** Bytes written. */
  readonly bytes: number;
  /** SHA-256 of the bytes written, lowercase hex, computed while streaming. */
  readonly sha256: string;
}

/** Size and time of one stored object. */
export interface ObjectHead {
  /** Size in bytes. */
  readonly size: number;
  /** When the object was written. */
  readonly lastModified: Date;
}

/** One entry of a listing. */
export interface ObjectEntry extends ObjectHead {
  /** The key, relative to the store root. */
  readonly key: string;
  /** The S3 ETag, when the store has one: it changes whenever the object's content does. */
  readonly etag?: string;
}

/** Options for `abortIncompleteUploads`. */
export interface AbortIncompleteOptions {
  /**
   * Only uploads started before this time. Without it every incomplete upload under the prefix is
   * removed, including one in progress right now: call it without a cutoff only while no writer runs
   * (e.g. under the plan's run lock).
   */
  readonly olderThan?: Date;
  /**
   * Keys (relative to the store root, under the prefix) to look up one by one as well. Some services
   * list an incomplete upload only under its exact key: MinIO, once restarted, no longer shows the
   * uploads of before the restart in a listing of the bucket.
   */
  readonly keys?: readonly string[];
}

/** The storage port. See the module comment for the rules every implementation keeps. */
export interface ObjectStore {
  /**
   * Streams `body` into a new object at `key`, computing SHA-256 on the way. The store owns `body`:
   * it is consumed, or destroyed when the write is refused or fails (so its producer never blocks).
   * Throws ConflictError if `key` exists (the existing object is left untouched); on any failure or
   * abort nothing is left behind at `key` or in temporary storage. An abort rejects with the
   * signal's AbortError; an error of `body` comes through unchanged.
   */
  putStream(key: string, body: Readable, opts?: PutOptions): Promise<PutResult>;
  /** `putStream` for a small in-memory body (same write-once semantics). */
  put(key: string, body: Buffer | string, opts?: PutOptions): Promise<PutResult>;
  /** Opens an object for reading. Throws ObjectNotFoundError (`isNotFound`) when it is absent. */
  getStream(key: string, opts?: { readonly signal?: AbortSignal }): Promise<Readable>;
  /** Reads a small optional object whole; `undefined` when it is absent (velero `tryGet`). */
  tryGet(key: string): Promise<Buffer | undefined>;
  /** Size and time of an object; `undefined` when it is absent. */
  head(key: string): Promise<ObjectHead | undefined>;
  /**
   * Every object whose key starts with `prefix` (a plain string prefix, as in S3), keys relative to
   * the store root, ascending in UTF-8 byte order. Paginated underneath: iterate, don't collect.
   */
  list(prefix: string): AsyncIterable<ObjectEntry>;
  /** Removes an object; an absent key is success (idempotent). */
  delete(key: string): Promise<void>;
  /**
   * Removes several objects, trying every key even after a failure, then throws one StorageError
   * listing every key that could not be removed (velero `DeleteBackup`). Absent keys are success.
   */
  deleteMany(keys: Iterable<string>): Promise<void>;
  /**
   * Removes leftovers of writes that never completed (S3: multipart uploads; filesystem: temp files)
   * under `prefix`, and returns how many it removed.
   */
  abortIncompleteUploads(prefix: string, opts?: AbortIncompleteOptions): Promise<number>;
  /** Where the store points, for messages: `s3://bucket/prefix` or `file:///path`. Never credentials. */
  describe(): string;
}

/** An object that was expected but is absent. `notFound` is always true. */
export class ObjectNotFoundError extends StorageError {
  /** Marks the error as "absent" for `isNotFound`, across module copies. */
  readonly notFound = true;

  /**
   * @param key the missing key, relative to the store root.
   * @param where the store's `describe()`.
   */
  constructor(
    readonly key: string,
    where: string,
    options?: { cause?: unknown },
  ) {
    super(
      `object "${key}" does not exist in ${where}; check the backup name, or list the location to see what it holds`,
      options,
    );
  }
}

/** True when `err` says the object is absent (an ObjectNotFoundError or any error with `notFound: true`). */
export function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { notFound?: unknown }).notFound === true;
}

/** Most keys a deleteMany error message names before it summarises the rest. */
export const MAX_KEYS_IN_MESSAGE = 20;

/**
 * Builds the aggregate error of a `deleteMany` (velero `DeleteBackup`): names every failed key (up to
 * MAX_KEYS_IN_MESSAGE) with its reason, and keeps the first cause.
 * @param where the store's `describe()`.
 * @param failures each failed key with its reason.
 * @param total how many keys were asked for.
 */
export function deleteManyError(
  where: string,
  failures: readonly { key: string; reason: string; cause?: unknown }[],
  total: number,
): StorageError {
  const shown = failures.slice(0, MAX_KEYS_IN_MESSAGE).map((f) => `  ${f.key}: ${f.reason}`);
  if (failures.length > shown.length) shown.push(`  ... and ${failures.length - shown.length} more`);
  return new StorageError(
    `could not delete ${failures.length} of ${total} objects in ${where}:\n${shown.join("\n")}\n` +
      "Fix the cause (permissions, object lock, connectivity) and delete again; keys already removed stay removed.",
    { cause: failures[0]?.cause },
  );
}

/**
 * The ConflictError of a refused write: `key` exists and objects are never overwritten.
 * @param key the key relative to the store root.
 * @param where the store's `describe()`.
 */
export function writeOnceConflict(key: string, where: string, cause?: unknown): ConflictError {
  return new ConflictError(
    `object "${key}" already exists in ${where} and objects are never overwritten; write under a new key (e.g. ` +
      `a new backup name) or delete the old object first`,
    { cause },
  );
}
