/**
 * The S3 implementation of the storage port (AWS S3 and S3-compatible services such as MinIO).
 *
 * Write-once is enforced twice: a HEAD pre-check fails fast before any byte is uploaded, and the
 * conditional write (`If-None-Match: *` on PutObject / CompleteMultipartUpload, see s3-upload.ts)
 * closes the race between the check and the write. Either way the result is a ConflictError and the
 * existing object is untouched.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type MultipartUpload,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { Readable } from "node:stream";
import { StorageError } from "../errors";
import { sha256Hex } from "./digest-stream";
import { normalizePrefix } from "./layout";
import { assertValidKey, assertValidPrefix } from "./object-key";
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
import { createS3Client } from "./s3-client";
import {
  assertValidS3Config,
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  type S3Sse,
  type S3StoreConfig,
} from "./s3-config";
import { isNoSuchKey, isWriteConflict, s3Code, s3Error } from "./s3-errors";
import { sseParams, uploadStream } from "./s3-upload";
import { guardBody } from "./body-guard";

/** Keys per DeleteObjects request: the S3 maximum. */
const DELETE_BATCH = 1000;

/** The S3 object store. Build it with `createS3Store(config)`, or pass a client you built. */
export class S3ObjectStore implements ObjectStore {
  /** The bucket. */
  readonly bucket: string;
  /** Normalised store prefix with a trailing '/', or `""` for the bucket root. */
  readonly rootPrefix: string;
  /** Server-side encryption requested on every write, if any. */
  readonly sse?: S3Sse;
  private readonly pageSize: number;
  private bucketChecked = false;

  /**
   * @param client an S3 client (see `createS3Client`); used, never closed, by the store.
   * @param config bucket, prefix and write options; validated here.
   */
  constructor(
    readonly client: S3Client,
    private readonly config: S3StoreConfig,
  ) {
    assertValidS3Config(config);
    this.bucket = config.bucket;
    this.sse = config.sse;
    const p = normalizePrefix(config.prefix ?? "");
    this.rootPrefix = p ? `${p}/` : "";
    this.pageSize = config.listPageSize ?? 1000;
  }

  describe(): string {
    return `s3://${this.bucket}${this.rootPrefix ? "/" + this.rootPrefix.slice(0, -1) : ""}`;
  }

  async putStream(key: string, body: Readable, opts: PutOptions = {}): Promise<PutResult> {
    const guard = guardBody(body);
    try {
      const full = this.fullKey(key);
      if (await this.head(key)) throw writeOnceConflict(key, this.describe());
      guard.throwIfFailed();
      return await uploadStream(
        {
          client: this.client,
          bucket: this.bucket,
          key: full,
          body,
          sse: this.sse,
          partSize: this.config.partSize ?? DEFAULT_PART_SIZE,
          queueSize: this.config.queueSize ?? DEFAULT_QUEUE_SIZE,
        },
        opts,
      );
    } catch (err) {
      // The store owns the body: a refused write must not leave its producer blocked.
      body.destroy();
      throw this.writeError(err, key);
    } finally {
      guard.release();
    }
  }

  async put(key: string, body: Buffer | string, opts: PutOptions = {}): Promise<PutResult> {
    const buf = Buffer.from(body);
    try {
      const full = this.fullKey(key);
      if (await this.head(key)) throw writeOnceConflict(key, this.describe());
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: full,
          Body: buf,
          ContentType: opts.contentType ?? "application/octet-stream",
          IfNoneMatch: "*",
          ...sseParams(this.sse),
        }),
        { abortSignal: opts.signal },
      );
    } catch (err) {
      throw this.writeError(err, key);
    }
    opts.onProgress?.(buf.length);
    return { bytes: buf.length, sha256: sha256Hex(buf) };
  }

  async getStream(key: string, opts: { readonly signal?: AbortSignal } = {}): Promise<Readable> {
    const full = this.fullKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: full }), {
        abortSignal: opts.signal,
      });
      const body = res.Body as Readable;
      opts.signal?.addEventListener("abort", () => body.destroy(opts.signal?.reason), { once: true });
      return body;
    } catch (err) {
      if (isNoSuchKey(err)) throw new ObjectNotFoundError(key, this.describe(), { cause: err });
      throw s3Error(err, `reading "${key}"`, this.describe());
    }
  }

  async tryGet(key: string): Promise<Buffer | undefined> {
    const full = this.fullKey(key);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: full }));
      return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    } catch (err) {
      if (isNoSuchKey(err)) return undefined;
      throw s3Error(err, `reading "${key}"`, this.describe());
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const full = this.fullKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: full }));
      return { size: res.ContentLength ?? 0, lastModified: res.LastModified ?? new Date(0) };
    } catch (err) {
      if (!isNoSuchKey(err)) throw s3Error(err, `inspecting "${key}"`, this.describe());
    }
    // A HEAD response has no body, so a missing bucket also looks like 404 "NotFound": check the
    // bucket once, so "absent" never hides a wrong bucket name.
    await this.checkBucket();
    return undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectEntry> {
    assertValidPrefix(prefix, this.describe());
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.rootPrefix + prefix,
            ContinuationToken: token,
            MaxKeys: this.pageSize,
          }),
        );
      } catch (err) {
        throw s3Error(err, `listing "${prefix}"`, this.describe());
      }
      for (const o of page.Contents ?? []) {
        // Zero-byte "folder" markers (made by consoles) are not objects of this store.
        if (!o.Key || o.Key.endsWith("/")) continue;
        yield {
          key: o.Key.slice(this.rootPrefix.length),
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
          ...(o.ETag ? { etag: o.ETag } : {}),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    const full = this.fullKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: full }));
    } catch (err) {
      // S3 answers 204 for an absent key; some compatible services answer 404 instead.
      if (!isNoSuchKey(err)) throw s3Error(err, `deleting "${key}"`, this.describe());
    }
  }

  async deleteMany(keys: Iterable<string>): Promise<void> {
    const all = [...keys];
    const failures: { key: string; reason: string; cause?: unknown }[] = [];
    const valid: string[] = [];
    for (const key of all) {
      try {
        this.fullKey(key);
        valid.push(key);
      } catch (err) {
        failures.push({ key, reason: (err as Error).message, cause: err });
      }
    }
    for (let i = 0; i < valid.length; i += DELETE_BATCH) {
      failures.push(...(await this.deleteBatch(valid.slice(i, i + DELETE_BATCH))));
    }
    if (failures.length) throw deleteManyError(this.describe(), failures, all.length);
  }

  async abortIncompleteUploads(prefix: string, opts: AbortIncompleteOptions = {}): Promise<number> {
    assertValidPrefix(prefix, this.describe());
    const exact = (opts.keys ?? []).map((k) => this.fullKey(k));
    const seen = new Set<string>();
    let aborted = 0;
    const abort = async (u: MultipartUpload) => {
      if (!u.Key?.startsWith(this.rootPrefix + prefix) || !u.UploadId || seen.has(u.UploadId)) return;
      seen.add(u.UploadId);
      if (opts.olderThan && u.Initiated && u.Initiated >= opts.olderThan) return;
      try {
        await this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }),
        );
        aborted++;
      } catch (err) {
        // Completed or aborted by someone else since the listing: nothing left to remove.
        if (s3Code(err) !== "NoSuchUpload") throw err;
      }
    };
    try {
      // No Prefix for the bucket listing: MinIO treats a non-empty prefix as an exact object name, so
      // the listing covers the bucket and is filtered here (incomplete uploads are few).
      for await (const u of this.listUploads()) await abort(u);
      for (const key of exact) for await (const u of this.listUploads(key)) if (u.Key === key) await abort(u);
    } catch (err) {
      throw s3Error(err, `aborting incomplete uploads under "${prefix}"`, this.describe());
    }
    return aborted;
  }

  /** Every incomplete multipart upload of the bucket, or under one exact key. */
  private async *listUploads(exactKey?: string): AsyncIterable<MultipartUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: exactKey,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      yield* page.Uploads ?? [];
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
  }

  /** Deletes up to 1000 keys in one request; returns the keys that failed (absent keys are success). */
  private async deleteBatch(keys: string[]): Promise<{ key: string; reason: string; cause?: unknown }[]> {
    try {
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Quiet: true, Objects: keys.map((k) => ({ Key: this.rootPrefix + k })) },
        }),
      );
      return (res.Errors ?? [])
        .filter((e) => e.Code !== "NoSuchKey")
        .map((e) => ({
          key: (e.Key ?? "").slice(this.rootPrefix.length),
          reason: `${e.Code ?? "error"}: ${e.Message ?? ""}`,
          cause: e,
        }));
    } catch (err) {
      const reason = (s3Error(err, "DeleteObjects", this.describe()) as Error).message;
      return keys.map((key) => ({ key, reason, cause: err }));
    }
  }

  private fullKey(key: string): string {
    assertValidKey(key, this.describe());
    return this.rootPrefix + key;
  }

  private async checkBucket(): Promise<void> {
    if (this.bucketChecked) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if (isNoSuchKey(err) || s3Code(err) === "NoSuchBucket") {
        throw new StorageError(
          `bucket "${this.bucket}" does not exist (${this.describe()}); create it (a BackupStorageLocation ` +
            `does) or fix the bucket name`,
          { cause: err },
        );
      }
      throw s3Error(err, "checking the bucket", this.describe());
    }
    this.bucketChecked = true;
  }

  private writeError(err: unknown, key: string): unknown {
    if (isWriteConflict(err)) return writeOnceConflict(key, this.describe(), err);
    return s3Error(err, `writing "${key}"`, this.describe());
  }
}

/**
 * Builds an S3 store and its client from one configuration (validated first, no I/O).
 * @param config the location: bucket, prefix, region, endpoint, credentials, SSE, upload sizes.
 */
export function createS3Store(config: S3StoreConfig): S3ObjectStore {
  assertValidS3Config(config);
  return new S3ObjectStore(createS3Client(config), config);
}
