/**
 * Bucket provisioning for the BackupStorageLocation resource: create the bucket or adopt an existing
 * one, and bring the settings hks is asked for into place without disturbing anything else
 * (other lifecycle rules and tags are kept; versioning is never suspended).
 */
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  type BucketLocationConstraint,
  type S3Client,
} from "@aws-sdk/client-s3";
import { InputError, StorageError } from "../errors";
import { inspectBucket, type BucketInspection, type ObjectLockMode } from "./s3-bucket-inspect";
import { mergeLifecycleRules, readLifecycleRules, type LifecycleSpec } from "./s3-bucket-lifecycle";
import { bucketNameProblem, type S3Sse } from "./s3-config";
import { s3Code, s3Error } from "./s3-errors";

export * from "./s3-bucket-inspect";
export { HKS_RULE_IDS, type LifecycleSpec } from "./s3-bucket-lifecycle";
export * from "./s3-bucket-contents";
export * from "./probe-access";

/** What a backup bucket should look like. Unset fields are left as the bucket has them. */
export interface EnsureBucketSpec {
  /** Bucket name. */
  readonly bucket: string;
  /** Region to create the bucket in (AWS needs a LocationConstraint outside us-east-1). */
  readonly region: string;
  /**
   * Object lock (WORM) with a default retention for new objects. Only possible when the bucket is
   * created: asking for it on an existing bucket without it is an InputError. Implies versioning.
   */
  readonly objectLock?: { readonly mode: ObjectLockMode; readonly days: number };
  /** `true` enables versioning. `false`/unset never suspends it (that would weaken protection). */
  readonly versioning?: boolean;
  /** Default encryption for objects written without their own SSE headers. */
  readonly sse?: S3Sse;
  /** hks lifecycle rules; rules of other owners are kept. */
  readonly lifecycle?: LifecycleSpec;
  /** Tags to set; existing tags with other keys are kept. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A bucket setting `ensureBucket` manages. */
export type BucketSetting = "objectLock" | "versioning" | "encryption" | "lifecycle" | "tags";

/** What `ensureBucket` did. */
export interface EnsureBucketResult {
  /** True when this call created the bucket; false when it was found. */
  readonly created: boolean;
  /** Settings this call wrote (all requested ones for a new bucket). */
  readonly applied: readonly BucketSetting[];
  /** Requested settings that were already in place. */
  readonly unchanged: readonly BucketSetting[];
}

function validate(spec: EnsureBucketSpec): void {
  const problem = bucketNameProblem(spec.bucket);
  if (problem) throw new InputError("bucket", problem);
  if (spec.objectLock && !(Number.isInteger(spec.objectLock.days) && spec.objectLock.days >= 1)) {
    throw new InputError("objectLock.days", `is ${spec.objectLock.days}; give a whole number of days, at least 1`);
  }
  for (const [k, v] of Object.entries({
    expireDays: spec.lifecycle?.expireDays,
    abortIncompleteUploadDays: spec.lifecycle?.abortIncompleteUploadDays,
  })) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      throw new InputError(`lifecycle.${k}`, `is ${v}; give a whole number of days, at least 1`);
  }
}

async function createBucket(client: S3Client, spec: EnsureBucketSpec): Promise<boolean> {
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: spec.bucket,
        ObjectLockEnabledForBucket: spec.objectLock ? true : undefined,
        CreateBucketConfiguration:
          spec.region !== "us-east-1" ? { LocationConstraint: spec.region as BucketLocationConstraint } : undefined,
      }),
    );
    return true;
  } catch (err) {
    // Created concurrently by us (another run): adopt it like any found bucket.
    if (s3Code(err) === "BucketAlreadyOwnedByYou") return false;
    if (s3Code(err) === "BucketAlreadyExists") {
      throw new StorageError(
        `bucket name "${spec.bucket}" is taken by another account; bucket names are global, choose another`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * Creates `spec.bucket` (or adopts an existing one) and applies the requested settings.
 * Refuses, before changing anything, to add object lock to an existing bucket without it.
 * @param client an S3 client (see `createS3Client`).
 * @param spec the bucket and the settings it should have.
 * @returns whether the bucket was created, and which settings were written or already in place.
 */
export async function ensureBucket(client: S3Client, spec: EnsureBucketSpec): Promise<EnsureBucketResult> {
  validate(spec);
  const where = `s3://${spec.bucket}`;
  let before = await inspectBucket(client, spec.bucket);
  let created = false;
  if (!before.exists) {
    try {
      created = await createBucket(client, spec);
    } catch (err) {
      throw s3Error(err, "creating the bucket", where);
    }
    before = await inspectBucket(client, spec.bucket);
  }
  if (spec.objectLock && !before.objectLock) {
    throw new InputError(
      "objectLock",
      `bucket "${spec.bucket}" already exists without Object Lock, and Object Lock can only be enabled when a ` +
        `bucket is created; use a new bucket name, or remove objectLock to use this bucket as it is`,
    );
  }
  const applied: BucketSetting[] = [];
  const unchanged: BucketSetting[] = [];
  const step = async (setting: BucketSetting, wanted: unknown, inPlace: boolean, write: () => Promise<unknown>) => {
    if (!wanted) return;
    if (inPlace && !created) {
      unchanged.push(setting);
      return;
    }
    if (!inPlace) {
      try {
        await write();
      } catch (err) {
        throw s3Error(err, `setting ${setting}`, where);
      }
    }
    applied.push(setting);
  };
  await applySettings(client, spec, before, step);
  return { created, applied, unchanged };
}

type Step = (setting: BucketSetting, wanted: unknown, inPlace: boolean, write: () => Promise<unknown>) => Promise<void>;

async function applySettings(
  client: S3Client,
  spec: EnsureBucketSpec,
  before: BucketInspection,
  step: Step,
): Promise<void> {
  const Bucket = spec.bucket;
  const lock = spec.objectLock;
  await step(
    "objectLock",
    lock,
    before.objectLock?.mode === lock?.mode &&
      before.objectLock?.days === lock?.days &&
      before.objectLock?.years === undefined,
    () =>
      client.send(
        new PutObjectLockConfigurationCommand({
          Bucket,
          ObjectLockConfiguration: {
            ObjectLockEnabled: "Enabled",
            Rule: { DefaultRetention: { Mode: lock?.mode, Days: lock?.days } },
          },
        }),
      ),
  );
  await step("versioning", spec.versioning, before.versioning === "Enabled", () =>
    client.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } })),
  );
  const sse = spec.sse;
  const kmsKeyId = sse?.type === "aws:kms" ? sse.kmsKeyId : undefined;
  await step("encryption", sse, before.encryption?.type === sse?.type && before.encryption?.kmsKeyId === kmsKeyId, () =>
    client.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: sse?.type, KMSMasterKeyID: kmsKeyId } }],
        },
      }),
    ),
  );
  const rules = spec.lifecycle
    ? mergeLifecycleRules(await readLifecycleRules(client, Bucket), spec.lifecycle)
    : undefined;
  await step("lifecycle", spec.lifecycle, rules === undefined, () =>
    client
      .send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules } }))
      .catch((err: unknown) => {
        // MinIO, for one, rejects a rule whose only action is AbortIncompleteMultipartUpload
        // (InvalidArgument: it removes stale uploads itself); say which setting to drop.
        if (
          spec.lifecycle?.abortIncompleteUploadDays !== undefined &&
          ["MalformedXML", "InvalidArgument", "NotImplemented", "InvalidRequest"].includes(s3Code(err) ?? "")
        ) {
          throw new StorageError(
            `bucket "${Bucket}" rejected the lifecycle rules (${s3Code(err)}: ${(err as Error).message}); many ` +
              `S3-compatible services do not support AbortIncompleteMultipartUpload rules (MinIO removes stale ` +
              `uploads itself after 24 hours by default): remove lifecycle.abortIncompleteUploadDays for this ` +
              `service`,
            { cause: err },
          );
        }
        throw err;
      }),
  );
  const tags = { ...before.tags, ...spec.tags };
  await step(
    "tags",
    spec.tags,
    Object.entries(spec.tags ?? {}).every(([k, v]) => before.tags[k] === v),
    () =>
      client.send(
        new PutBucketTaggingCommand({
          Bucket,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      ),
  );
}
