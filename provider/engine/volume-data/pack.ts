/**
 * Gathers new blobs into packs of about {@link PACK_TARGET_SIZE} and uploads each pack as one object,
 * so 100,000 small files cost a few dozen PUTs, not 100,000. A pack is the blobs end to end; with
 * recipients it is stored as one age stream (`.pack.age`), otherwise plain (`.pack`).
 *
 * Memory: the pack being filled plus at most `concurrency` packs uploading, each up to target size +
 * one chunk: about (concurrency + 1) × 20 MiB with the defaults. `add` waits when every upload slot
 * is busy, so a fast disk never queues unbounded packs in memory.
 */
import * as crypto from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pLimit from "p-limit";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import type { BlobPlace, PackRecord } from "../../format/volume-data";
import { encryptStream } from "../archive/encrypt";

/** A pack is uploaded once its blobs reach this size (16 MiB): few PUTs, little memory per upload. */
export const PACK_TARGET_SIZE = 16 * 1024 * 1024;

/** Packs uploading at once: enough to hide S3 latency, bounded for memory (see the module comment). */
export const UPLOAD_CONCURRENCY = 4;

/** Options of a {@link PackWriter}. */
export interface PackWriterOptions {
  readonly store: ObjectStore;
  readonly namespace: string;
  readonly pvc: string;
  /** age recipients; empty = packs stored plain. */
  readonly recipients: readonly string[];
  /** @default PACK_TARGET_SIZE */
  readonly targetSize?: number;
  /** @default UPLOAD_CONCURRENCY */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/** A new random pack id (128 bits): never derived from content, so two pushes never race for one key. */
export function newPackId(): string {
  return crypto.randomBytes(16).toString("hex");
}

/** Packs blobs and uploads them; single use: `add`… then `finish` (or `settle` after a failure). */
export class PackWriter {
  /** Every pack uploaded so far, by id. */
  readonly packs: Record<string, PackRecord> = {};
  /** Keys of the packs uploaded so far (for compensation when the push fails). */
  readonly keys: string[] = [];
  /** Stored bytes uploaded so far. */
  uploadedBytes = 0;
  private current: { id: string; parts: Buffer[]; size: number } | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private readonly limit: ReturnType<typeof pLimit>;
  private failure: { error: unknown } | undefined;
  private finished = false;

  constructor(private readonly opts: PackWriterOptions) {
    this.limit = pLimit(opts.concurrency ?? UPLOAD_CONCURRENCY);
  }

  /** Appends a blob to the current pack and returns where it will be; uploads the pack once full. */
  async add(data: Buffer): Promise<BlobPlace> {
    if (this.finished) throw new Error("PackWriter: add after finish; create a new writer");
    this.current ??= { id: newPackId(), parts: [], size: 0 };
    const place = { pack: this.current.id, offset: this.current.size, length: data.length };
    this.current.parts.push(data);
    this.current.size += data.length;
    if (this.current.size >= (this.opts.targetSize ?? PACK_TARGET_SIZE)) await this.flush();
    return place;
  }

  /** Uploads the last pack and waits for every upload; throws the first upload error. */
  async finish(): Promise<Record<string, PackRecord>> {
    await this.flush();
    this.finished = true;
    await this.settle();
    if (this.failure) throw this.failure.error;
    return this.packs;
  }

  /** Waits until no upload runs (after a failure, before compensation); never throws. */
  async settle(): Promise<void> {
    this.finished = true;
    await Promise.all(this.inflight);
  }

  private async flush(): Promise<void> {
    const pack = this.current;
    this.current = undefined;
    if (pack) {
      const body = Buffer.concat(pack.parts);
      // Errors are kept, not thrown from here, so every upload settles before the push compensates.
      const p: Promise<void> = this.limit(() => this.upload(pack.id, body)).then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= { error };
        },
      );
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
    while (this.inflight.size >= (this.opts.concurrency ?? UPLOAD_CONCURRENCY)) await Promise.race(this.inflight);
    if (this.failure) throw this.failure.error;
  }

  private async upload(id: string, body: Buffer): Promise<void> {
    const { store, namespace, pvc, recipients, signal } = this.opts;
    const encrypted = recipients.length > 0;
    const key = STORE_LAYOUT.volumePackKey(namespace, pvc, id, { encrypted });
    let stream: Readable = Readable.from([body]);
    if (encrypted) {
      const enc = encryptStream(recipients);
      // An error on either side destroys both; putStream then rejects with it.
      pipeline(stream, enc).catch(() => undefined);
      stream = enc;
    }
    const put = await store.putStream(key, stream, {
      contentType: encrypted ? "application/age" : "application/octet-stream",
      signal,
    });
    this.packs[id] = { encrypted, bytes: put.bytes, sha256: put.sha256 };
    this.keys.push(key);
    this.uploadedBytes += put.bytes;
  }
}
