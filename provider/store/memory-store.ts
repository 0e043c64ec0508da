/**
 * An in-memory implementation of the storage port, for unit tests of the engine and handlers
 * (velero `in_memory_object_store.go`). Same write-once and "absent is an answer" rules as the real
 * stores; bodies are buffered whole, which is fine for test-sized objects only.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DigestStream } from "./digest-stream";
import { assertValidKey, assertValidPrefix, compareKeys } from "./object-key";
import {
  deleteManyError,
  ObjectNotFoundError,
  writeOnceConflict,
  type ObjectEntry,
  type ObjectHead,
  type ObjectStore,
  type PutOptions,
  type PutResult,
} from "./object-store";

interface Stored {
  readonly body: Buffer;
  readonly lastModified: Date;
}

/** The in-memory object store. `failDelete` lets a test make chosen keys fail to delete. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Stored>();

  /**
   * @param name shown by `describe()` as `memory://<name>`.
   * @param failDelete keys whose deletion throws, to exercise aggregate-error paths.
   * @default name "test"
   */
  constructor(
    private readonly name = "test",
    readonly failDelete: Set<string> = new Set(),
  ) {}

  describe(): string {
    return `memory://${this.name}`;
  }

  async putStream(key: string, body: Readable, opts: PutOptions = {}): Promise<PutResult> {
    try {
      assertValidKey(key, this.describe());
      if (this.objects.has(key)) throw writeOnceConflict(key, this.describe());
      opts.signal?.throwIfAborted();
      const digest = new DigestStream(opts.onProgress);
      const chunks: Buffer[] = [];
      // pipeline, not pipe: a body error or an abort must fail the read below.
      pipeline(body, digest, ...(opts.signal ? [{ signal: opts.signal }] : [])).catch(() => undefined);
      for await (const chunk of digest) chunks.push(chunk as Buffer);
      // Re-check after the await: a concurrent writer may have won the key meanwhile.
      if (this.objects.has(key)) throw writeOnceConflict(key, this.describe());
      this.objects.set(key, { body: Buffer.concat(chunks), lastModified: new Date() });
      return { bytes: digest.bytes, sha256: digest.sha256() };
    } catch (err) {
      body.destroy();
      throw err;
    }
  }

  put(key: string, body: Buffer | string, opts?: PutOptions): Promise<PutResult> {
    return this.putStream(key, Readable.from([Buffer.from(body)]), opts);
  }

  async getStream(key: string): Promise<Readable> {
    const body = await this.tryGet(key);
    if (!body) throw new ObjectNotFoundError(key, this.describe());
    return Readable.from([body]);
  }

  async tryGet(key: string): Promise<Buffer | undefined> {
    assertValidKey(key, this.describe());
    const o = this.objects.get(key);
    return o ? Buffer.from(o.body) : undefined;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    assertValidKey(key, this.describe());
    const o = this.objects.get(key);
    return o ? { size: o.body.length, lastModified: o.lastModified } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    assertValidPrefix(prefix, this.describe());
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
    for (const key of keys) {
      const o = this.objects.get(key);
      if (o) yield { key, size: o.body.length, lastModified: o.lastModified };
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key, this.describe());
    if (this.failDelete.has(key)) throw new Error(`injected delete failure for "${key}"`);
    this.objects.delete(key);
  }

  async deleteMany(keys: Iterable<string>): Promise<void> {
    const all = [...keys];
    const failures: { key: string; reason: string; cause?: unknown }[] = [];
    for (const key of all) {
      await this.delete(key).catch((err: unknown) =>
        failures.push({ key, reason: err instanceof Error ? err.message : String(err), cause: err }),
      );
    }
    if (failures.length) throw deleteManyError(this.describe(), failures, all.length);
  }

  /** Nothing is ever incomplete in memory: always 0. */
  async abortIncompleteUploads(): Promise<number> {
    return 0;
  }
}
