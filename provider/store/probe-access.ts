/**
 * Proves that a location is usable before a backup relies on it: the credentials can list, read,
 * write and delete. It must leave nothing behind, which decides the method:
 * - normally: write a probe object, read it back, list it, delete it (and, on a versioned bucket, its
 *   versions), then check it is gone;
 * - on an object-lock bucket a written object could not be removed until its retention ends, so
 *   nothing is written: list, HEAD an absent key, and (S3) start and abort a multipart upload, which
 *   needs the same s3:PutObject permission and creates no object.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListObjectVersionsCommand,
} from "@aws-sdk/client-s3";
import { randomBytes } from "node:crypto";
import { StorageError } from "../errors";
import type { ObjectStore } from "./object-store";
import { readObjectLock } from "./s3-bucket-inspect";
import { s3Error } from "./s3-errors";
import { S3ObjectStore } from "./s3-store";
import { sseParams } from "./s3-upload";

/** Name prefix of probe objects; never a layout key, so a leftover is easy to spot. */
export const PROBE_KEY_PREFIX = ".hks-probe-";

/** What `probeAccess` verified. */
export interface ProbeResult {
  /** The store's `describe()`. */
  readonly location: string;
  /** `write-read-delete` when a probe object was written and removed; `no-write` on an object-lock bucket. */
  readonly mode: "write-read-delete" | "no-write";
  /** Each check that passed, in order, in words. */
  readonly checks: readonly string[];
  /** Why the no-write method was used, or what could not be cleaned, if anything. */
  readonly note?: string;
}

/** Options of `probeAccess`. */
export interface ProbeOptions {
  /** Whether the bucket has object lock. @default read from the bucket for an S3 store, else false */
  readonly objectLocked?: boolean;
}

function fail(location: string, step: string, err: unknown): never {
  // Drop the inner "StorageError: " prefix: the outer error carries the category.
  const msg = (err instanceof Error ? err.message : String(err)).replace(/^[A-Za-z]+Error: /, "");
  throw new StorageError(`access check of ${location} failed at "${step}": ${msg}`, { cause: err });
}

async function isObjectLocked(store: ObjectStore, opts: ProbeOptions): Promise<boolean> {
  if (opts.objectLocked !== undefined) return opts.objectLocked;
  if (!(store instanceof S3ObjectStore)) return false;
  return (await readObjectLock(store.client, store.bucket)) !== undefined;
}

async function probeWithoutWrite(store: ObjectStore, location: string): Promise<ProbeResult> {
  const checks: string[] = [];
  const absent = `${PROBE_KEY_PREFIX}${randomBytes(8).toString("hex")}`;
  await step(location, checks, "list", async () => {
    for await (const _ of store.list("")) break;
  });
  await step(location, checks, "read (HEAD of an absent key)", async () => {
    if ((await store.head(absent)) !== undefined) throw new Error(`unexpected object ${absent}`);
  });
  if (store instanceof S3ObjectStore) {
    const s3 = store;
    const Key = s3.rootPrefix + absent;
    await step(
      location,
      checks,
      "write permission (multipart upload started and aborted; no object created)",
      async () => {
        try {
          const { UploadId } = await s3.client.send(
            new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key, ...sseParams(s3.sse) }),
          );
          await s3.client.send(new AbortMultipartUploadCommand({ Bucket: s3.bucket, Key, UploadId }));
        } catch (err) {
          throw s3Error(err, "starting a multipart upload", location);
        }
      },
    );
  }
  return {
    location,
    mode: "no-write",
    checks,
    note: "object lock is enabled, so no probe object was written (it could not be deleted before its retention ends)",
  };
}

// On a versioned bucket a delete only adds a marker: remove every version of the probe key too.
async function purgeVersions(store: S3ObjectStore, key: string): Promise<string | undefined> {
  const Key = store.rootPrefix + key;
  try {
    const res = await store.client.send(new ListObjectVersionsCommand({ Bucket: store.bucket, Prefix: Key }));
    const all = [...(res.Versions ?? []), ...(res.DeleteMarkers ?? [])].filter((v) => v.Key === Key);
    for (const v of all)
      await store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key, VersionId: v.VersionId }));
    return undefined;
  } catch (err) {
    return `could not remove old versions of the probe object ${key}: ${(err as Error).message}`;
  }
}

/** Runs one named check, recording it on success and failing with its name otherwise. */
async function step(location: string, checks: string[], name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    fail(location, name, err);
  }
  checks.push(name);
}

async function probeWriteReadDelete(store: ObjectStore, location: string): Promise<ProbeResult> {
  const checks: string[] = [];
  const key = `${PROBE_KEY_PREFIX}${randomBytes(8).toString("hex")}`;
  const body = randomBytes(32);
  await step(location, checks, "write", async () => {
    await store.put(key, body);
  });
  try {
    await step(location, checks, "read", async () => {
      if (!(await store.tryGet(key))?.equals(body))
        throw new Error("the probe object read back differs from what was written");
    });
    await step(location, checks, "list", async () => {
      for await (const o of store.list(key)) if (o.key === key) return;
      throw new Error("the probe object is missing from the listing");
    });
  } finally {
    // Runs even after a failed read or list, so the probe object never stays behind.
    await step(location, checks, "delete", async () => {
      await store.delete(key);
      if ((await store.head(key)) !== undefined) throw new Error("the probe object still exists after delete");
    });
  }
  const note = store instanceof S3ObjectStore ? await purgeVersions(store, key) : undefined;
  return { location, mode: "write-read-delete", checks, ...(note ? { note } : {}) };
}

/**
 * Checks that `store` can be listed, read, written and deleted, leaving nothing behind.
 * Throws a StorageError naming the failed step and the fix from the underlying error.
 * @param store the store to check.
 * @param opts `objectLocked` overrides the object-lock detection (see ProbeOptions).
 */
export async function probeAccess(store: ObjectStore, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const location = store.describe();
  let locked: boolean;
  try {
    locked = await isObjectLocked(store, opts);
  } catch (err) {
    fail(location, "reading the object lock configuration", err);
  }
  return locked ? probeWithoutWrite(store, location) : probeWriteReadDelete(store, location);
}
