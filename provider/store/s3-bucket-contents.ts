/**
 * Empties a bucket (or a prefix of it) for a BackupStorageLocation with deletionPolicy Delete:
 * every object version, every delete marker and every incomplete multipart upload.
 *
 * On an object-lock bucket it first checks every version's retention and legal hold and refuses,
 * deleting nothing, while any version is still protected: a half-emptied bucket whose newest
 * backups are gone but locked old ones remain is worse than an untouched one.
 */
import {
  AbortMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { StorageError } from "../errors";
import { deleteManyError, MAX_KEYS_IN_MESSAGE } from "./object-store";
import { readObjectLock } from "./s3-bucket-inspect";
import { s3Code, s3Error } from "./s3-errors";

/** Parallel retention look-ups while scanning an object-lock bucket. */
const RETENTION_CONCURRENCY = 16;

/** One object version that object lock still protects. */
export interface LockedVersion {
  /** Object key (full, bucket-relative). */
  readonly key: string;
  /** Version id. */
  readonly versionId: string;
  /** Retention mode, when a retention period is active. */
  readonly mode?: string;
  /** End of the retention period, when one is active. */
  readonly retainUntil?: Date;
  /** True when a legal hold is on (it has no end date; someone must lift it). */
  readonly legalHold: boolean;
}

/** Refusal to empty a bucket while object lock protects some of its versions. */
export class ObjectLockedError extends StorageError {
  /**
   * @param bucket the bucket.
   * @param locked every protected version found.
   */
  constructor(
    readonly bucket: string,
    readonly locked: readonly LockedVersion[],
  ) {
    const GOVERNANCE_NOTE =
      "; GOVERNANCE retention can only be bypassed out of band by someone with s3:BypassGovernanceRetention";
    const lines = locked.slice(0, MAX_KEYS_IN_MESSAGE).map((v) => {
      const retained = v.retainUntil ? `${v.mode ?? "retained"} until ${v.retainUntil.toISOString()}` : "";
      const why = [retained, v.legalHold ? "legal hold" : ""].filter(Boolean).join(", ");
      return `  ${v.key} (version ${v.versionId}): ${why}`;
    });
    if (locked.length > lines.length) lines.push(`  ... and ${locked.length - lines.length} more`);
    const until = locked.map((v) => v.retainUntil?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
    super(
      `refusing to empty bucket "${bucket}": object lock still protects ${locked.length} object version(s), ` +
        `and nothing was deleted:\n${lines.join("\n")}\n` +
        `Keep the data (set deletionPolicy to ` +
        `Retain)${until ? `, or delete again after ${new Date(until).toISOString()}` : ""}` +
        `${locked.some((v) => v.legalHold) ? "; legal holds must be lifted first" : ""}` +
        `${locked.some((v) => v.mode === "GOVERNANCE") ? GOVERNANCE_NOTE : ""}.`,
    );
  }
}

/** What `deleteBucketContents` removed. */
export interface DeleteContentsResult {
  /** Object versions removed (on an unversioned bucket: objects). */
  readonly versions: number;
  /** Delete markers removed. */
  readonly deleteMarkers: number;
  /** Incomplete multipart uploads aborted. */
  readonly uploads: number;
}

interface VersionRef {
  readonly Key: string;
  readonly VersionId: string;
  readonly marker: boolean;
}

async function* listVersions(client: S3Client, bucket: string, prefix: string): AsyncGenerator<VersionRef[]> {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await client.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
    );
    yield [
      ...(page.Versions ?? []).map((v) => ({ Key: v.Key ?? "", VersionId: v.VersionId ?? "null", marker: false })),
      ...(page.DeleteMarkers ?? []).map((m) => ({ Key: m.Key ?? "", VersionId: m.VersionId ?? "null", marker: true })),
    ];
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
}

async function lockOf(client: S3Client, bucket: string, v: VersionRef, now: Date): Promise<LockedVersion | undefined> {
  const absent = (code: string) => (err: unknown) => {
    if (s3Code(err) === code) return undefined;
    throw err;
  };
  const [ret, hold] = await Promise.all([
    client
      .send(new GetObjectRetentionCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }))
      .catch(absent("NoSuchObjectLockConfiguration")),
    client
      .send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }))
      .catch(absent("NoSuchObjectLockConfiguration")),
  ]);
  const until = ret?.Retention?.RetainUntilDate;
  const retained = until !== undefined && until > now;
  const legalHold = hold?.LegalHold?.Status === "ON";
  if (!retained && !legalHold) return undefined;
  return {
    key: v.Key,
    versionId: v.VersionId,
    legalHold,
    ...(retained ? { mode: ret?.Retention?.Mode, retainUntil: until } : {}),
  };
}

/** Every version under `prefix` that object lock protects at `now`. */
async function findLocked(client: S3Client, bucket: string, prefix: string, now: Date): Promise<LockedVersion[]> {
  const limit = pLimit(RETENTION_CONCURRENCY);
  const locked: LockedVersion[] = [];
  for await (const page of listVersions(client, bucket, prefix)) {
    const found = await Promise.all(
      page.filter((v) => !v.marker).map((v) => limit(() => lockOf(client, bucket, v, now))),
    );
    locked.push(...found.filter((x): x is LockedVersion => x !== undefined));
  }
  return locked;
}

async function abortUploads(client: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let KeyMarker: string | undefined;
  let UploadIdMarker: string | undefined;
  do {
    // Filtered here, not by Prefix: MinIO treats a non-empty prefix as an exact object name.
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker, UploadIdMarker }));
    for (const u of page.Uploads ?? []) {
      if (!u.Key?.startsWith(prefix)) continue;
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })).then(
        () => n++,
        (err: unknown) => {
          if (s3Code(err) !== "NoSuchUpload") throw err;
        },
      );
    }
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (KeyMarker);
  return n;
}

/**
 * Deletes every object version, delete marker and incomplete upload under `prefix` in `bucket`.
 * On an object-lock bucket, throws ObjectLockedError (deleting nothing) while any version is under
 * retention or legal hold. Per-version failures are aggregated into one StorageError.
 * @param client an S3 client (see `createS3Client`).
 * @param bucket the bucket to empty.
 * @param opts `prefix` limits the deletion to keys under it (default: the whole bucket); `now` is the
 *   clock used to judge retention (default: the current time).
 */
export async function deleteBucketContents(
  client: S3Client,
  bucket: string,
  opts: { readonly prefix?: string; readonly now?: Date } = {},
): Promise<DeleteContentsResult> {
  const prefix = opts.prefix ?? "";
  const where = `s3://${bucket}${prefix ? "/" + prefix : ""}`;
  let versions = 0;
  let deleteMarkers = 0;
  const failures: { key: string; reason: string; cause?: unknown }[] = [];
  try {
    if (await readObjectLock(client, bucket)) {
      const locked = await findLocked(client, bucket, prefix, opts.now ?? new Date());
      if (locked.length) throw new ObjectLockedError(bucket, locked);
    }
    // Deleting while paging is safe: the markers are positions in key order, not offsets.
    for await (const page of listVersions(client, bucket, prefix)) {
      for (let i = 0; i < page.length; i += 1000) {
        const batch = page.slice(i, i + 1000);
        const res = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Quiet: true, Objects: batch.map(({ Key, VersionId }) => ({ Key, VersionId })) },
          }),
        );
        const failed = new Set((res.Errors ?? []).map((e) => `${e.Key}\0${e.VersionId ?? "null"}`));
        for (const e of res.Errors ?? [])
          failures.push({
            key: `${e.Key} (version ${e.VersionId})`,
            reason: `${e.Code}: ${e.Message ?? ""}`,
            cause: e,
          });
        for (const v of batch) {
          if (failed.has(`${v.Key}\0${v.VersionId}`)) continue;
          if (v.marker) deleteMarkers++;
          else versions++;
        }
      }
    }
    const uploads = await abortUploads(client, bucket, prefix);
    if (failures.length) throw deleteManyError(where, failures, versions + deleteMarkers + failures.length);
    return { versions, deleteMarkers, uploads };
  } catch (err) {
    throw s3Error(err, "emptying the bucket", where);
  }
}
