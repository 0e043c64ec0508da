/**
 * The persist stage of a backup: tar+gzip entries → (age encryption when the location has
 * recipients) → `store.putStream` (write-once, multipart on S3, SHA-256 while streaming). Entries go
 * in one at a time with backpressure, so the upload paces the collector and memory stays flat.
 */
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import type { ObjectStore, PutResult } from "../../store";
import { createArchiveWriter } from "../archive/archive";
import { encryptStream } from "../archive/encrypt";

/** A running upload of one archive. Single use: after `finish` or `abort`, nothing more is accepted. */
export interface ArchiveUpload {
  /** The key being written. */
  readonly key: string;
  /**
   * Adds one file; calls are queued, so callers need not serialise them. Rejects when the archive or
   * the upload failed (with that error): a rejection means the backup cannot complete.
   */
  add(path: string, content: string | Buffer): Promise<void>;
  /** Ends the archive and waits for the upload; resolves with its size and SHA-256. */
  finish(): Promise<PutResult>;
  /**
   * Abandons the archive; the store removes what it had written (multipart parts, temp file).
   * Resolves once the upload has settled: with the upload's own error when it had failed for a
   * reason other than this abort (the root cause to report), else undefined.
   */
  abort(reason: Error): Promise<unknown>;
}

/** True when `err` is `reason` or wraps it (stores wrap a body's error in a StorageError). */
function causedBy(err: unknown, reason: Error): boolean {
  for (let e = err; e instanceof Error; e = e.cause) if (e === reason) return true;
  return false;
}

/** Options of {@link startArchiveUpload}. */
export interface ArchiveUploadOptions {
  /** age recipients; empty = unencrypted. */
  readonly recipients: readonly string[];
  /** Stored bytes so far (after compression and encryption). */
  readonly onProgress?: (bytes: number) => void;
  readonly signal?: AbortSignal;
}

/**
 * Starts streaming a new archive into `store` at `key`. The upload begins at once and consumes the
 * archive as entries are added.
 */
export function startArchiveUpload(store: ObjectStore, key: string, opts: ArchiveUploadOptions): ArchiveUpload {
  const archive = createArchiveWriter();
  let body: Readable = archive.stream;
  if (opts.recipients.length > 0) {
    const enc = encryptStream(opts.recipients);
    // An encryption error destroys both ends: the upload sees it and the next add() fails.
    pipeline(archive.stream, enc).catch(() => undefined);
    body = enc;
  }
  const upload = store.putStream(key, body, {
    contentType: opts.recipients.length ? "application/age" : "application/gzip",
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  // If the upload fails (S3 error, abort), the entries waiting for it would never drain: tear the
  // archive down, which fails them and every later add. (Racing each add with the failure instead
  // left one reaction per object on a promise that never settles: 20 MiB at 50,000 objects.)
  let uploadError: unknown;
  upload.catch((e: unknown) => {
    uploadError = e;
    archive.abort(e instanceof Error ? e : new Error(String(e)));
  });
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  const failedOr = (e: unknown): never => {
    throw uploadError ?? e;
  };

  return {
    key,
    add(path, content) {
      if (closed) return Promise.reject(new Error("ArchiveUpload.add: the archive is finished or aborted"));
      const step = queue.then(() => archive.addEntry(path, content)).catch(failedOr);
      queue = step.catch(() => undefined);
      return step;
    },
    async finish() {
      closed = true;
      await queue;
      await archive.finish().catch(failedOr);
      return upload;
    },
    async abort(reason) {
      closed = true;
      archive.abort(reason);
      return upload.then(
        () => undefined,
        (e: unknown) => (causedBy(e, reason) ? undefined : e),
      );
    },
  };
}
