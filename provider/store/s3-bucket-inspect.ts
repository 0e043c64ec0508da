/**
 * Reads a bucket's settings as they are now (including changes made outside hks), for
 * BackupStorageLocation `read`/`diff` and for `ensureBucket`'s "what is already there".
 */
import {
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { StorageError } from "../errors";
import { readLifecycleRules, summarizeLifecycle, type LifecycleSpec } from "./s3-bucket-lifecycle";
import { s3Code, s3Error, s3Status } from "./s3-errors";

/** Object lock retention modes (S3 semantics: GOVERNANCE can be bypassed with a permission, COMPLIANCE cannot). */
export type ObjectLockMode = "GOVERNANCE" | "COMPLIANCE";

/** A bucket's object lock state; present only when object lock is enabled. */
export interface ObjectLockState {
  /** Default retention mode for new objects, if a default is set. */
  readonly mode?: ObjectLockMode;
  /** Default retention in days, if set in days. */
  readonly days?: number;
  /** Default retention in years, if set in years. */
  readonly years?: number;
}

/** Default encryption of a bucket. */
export interface EncryptionState {
  /** `AES256` (SSE-S3) or `aws:kms` (SSE-KMS; `aws:kms:dsse` shows as is). */
  readonly type: string;
  /** The KMS key id or ARN, for SSE-KMS. */
  readonly kmsKeyId?: string;
}

/** What `inspectBucket` found. Fields other than `exists` are defaults when the bucket is absent. */
export interface BucketInspection {
  /** Whether the bucket exists (and these credentials can see it). */
  readonly exists: boolean;
  /** Versioning status; `Off` when never enabled. */
  readonly versioning: "Enabled" | "Suspended" | "Off";
  /** Object lock; `undefined` when the bucket was created without it. */
  readonly objectLock?: ObjectLockState;
  /** Default encryption; `undefined` when none is configured. */
  readonly encryption?: EncryptionState;
  /** The hks lifecycle rules, if any (rules of other owners are not reported). */
  readonly lifecycle?: Omit<LifecycleSpec, "prefix">;
  /** Bucket tags; `{}` when none. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Runs `fn`, mapping the "not configured" error `absentCode` to `undefined`. */
async function optional<T>(fn: () => Promise<T>, absentCode: string): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (s3Code(err) === absentCode) return undefined;
    throw err;
  }
}

/**
 * True when `bucket` exists and is reachable with these credentials; false on 404.
 * Throws a StorageError for 403 (wrong credentials, no access, or another account's bucket).
 */
export async function bucketExists(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (err) {
    if (s3Status(err) === 404 || s3Code(err) === "NoSuchBucket" || s3Code(err) === "NotFound") return false;
    if (s3Status(err) === 403) {
      // HEAD has no error body: wrong keys and someone else's bucket look the same here.
      throw new StorageError(
        `access to bucket "${bucket}" was denied (HTTP 403): check the credentials (access key id and secret ` +
          `access key); if they are right, they lack s3:ListBucket on it, or the bucket belongs to another ` +
          `account (choose another bucket name)`,
        { cause: err },
      );
    }
    throw s3Error(err, "checking the bucket", `s3://${bucket}`);
  }
}

/** Object lock state of an existing bucket; `undefined` when object lock is not enabled. */
export async function readObjectLock(client: S3Client, bucket: string): Promise<ObjectLockState | undefined> {
  const res = await optional(
    () => client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })),
    "ObjectLockConfigurationNotFoundError",
  );
  const cfg = res?.ObjectLockConfiguration;
  if (cfg?.ObjectLockEnabled !== "Enabled") return undefined;
  const r = cfg.Rule?.DefaultRetention;
  return {
    ...(r?.Mode ? { mode: r.Mode as ObjectLockMode } : {}),
    ...(r?.Days !== undefined ? { days: r.Days } : {}),
    ...(r?.Years !== undefined ? { years: r.Years } : {}),
  };
}

/**
 * Reads a bucket's existence, versioning, object lock, default encryption, hks lifecycle rules and
 * tags. Every value comes from the service, so changes made out of band show up.
 * @param client an S3 client (see `createS3Client`).
 * @param bucket the bucket name.
 */
export async function inspectBucket(client: S3Client, bucket: string): Promise<BucketInspection> {
  if (!(await bucketExists(client, bucket))) return { exists: false, versioning: "Off", tags: {} };
  try {
    const [ver, objectLock, enc, rules, tagging] = await Promise.all([
      client.send(new GetBucketVersioningCommand({ Bucket: bucket })),
      readObjectLock(client, bucket),
      optional(
        () => client.send(new GetBucketEncryptionCommand({ Bucket: bucket })),
        "ServerSideEncryptionConfigurationNotFoundError",
      ),
      readLifecycleRules(client, bucket),
      optional(() => client.send(new GetBucketTaggingCommand({ Bucket: bucket })), "NoSuchTagSet"),
    ]);
    const byDefault = enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
    const lifecycle = summarizeLifecycle(rules);
    return {
      exists: true,
      versioning: ver.Status === "Enabled" || ver.Status === "Suspended" ? ver.Status : "Off",
      ...(objectLock ? { objectLock } : {}),
      ...(byDefault?.SSEAlgorithm
        ? {
            encryption: {
              type: byDefault.SSEAlgorithm,
              ...(byDefault.KMSMasterKeyID ? { kmsKeyId: byDefault.KMSMasterKeyID } : {}),
            },
          }
        : {}),
      ...(lifecycle ? { lifecycle } : {}),
      tags: Object.fromEntries((tagging?.TagSet ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
    };
  } catch (err) {
    throw s3Error(err, "reading the bucket's settings", `s3://${bucket}`);
  }
}
