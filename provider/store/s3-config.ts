/**
 * Configuration of an S3 (or S3-compatible: MinIO, Ceph, ...) location, and its validation.
 * Validation runs before any client is built, so a bad value fails with the field's name.
 */
import { InputError } from "../errors";

/** Static credentials. Without them the SDK's default chain is used (env `AWS_*`, profile, IMDS, IRSA). */
export interface S3Credentials {
  /** Access key id. */
  readonly accessKeyId: string;
  /** Secret access key. Never logged or put in messages. */
  readonly secretAccessKey: string;
  /** Session token of temporary (STS) credentials. */
  readonly sessionToken?: string;
}

/** Server-side encryption of written objects: SSE-S3 (`AES256`) or SSE-KMS with a key id or ARN. */
export type S3Sse = { readonly type: "AES256" } | { readonly type: "aws:kms"; readonly kmsKeyId: string };

/** What `createS3Client` needs: where the service is and how to authenticate. */
export interface S3ClientConfig {
  /** Region of the bucket, e.g. `us-east-1`. */
  readonly region: string;
  /** Endpoint URL of an S3-compatible service (e.g. `http://127.0.0.1:9000`). @default the AWS endpoint of `region` */
  readonly endpoint?: string;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint`. @default true when `endpoint` is set, else
   * false */
  readonly forcePathStyle?: boolean;
  /** Static credentials. @default the SDK's default credential chain */
  readonly credentials?: S3Credentials;
  /** Extra trusted CA certificates, PEM text, for an endpoint with a private CA. @default the system roots */
  readonly caBundle?: string;
  /**
   * Milliseconds a request may go without a byte moving (and a connection may take to open) before
   * it is abandoned as a TimeoutError, which the SDK retries. @default DEFAULT_S3_IDLE_TIMEOUT_MS (60 s)
   */
  readonly idleTimeoutMs?: number;
}

/** A request to S3 with no byte moving for this long is abandoned (and retried): 60 s. */
export const DEFAULT_S3_IDLE_TIMEOUT_MS = 60_000;

/** A storage location on S3: a client configuration plus the bucket, prefix and write options. */
export interface S3StoreConfig extends S3ClientConfig {
  /** Bucket name (no '/': a path inside the bucket goes in `prefix`). */
  readonly bucket: string;
  /** Folder inside the bucket that roots the store; normalised (no leading/trailing '/'). @default "" (bucket root) */
  readonly prefix?: string;
  /** Server-side encryption requested on every write. @default none (the bucket's default encryption applies) */
  readonly sse?: S3Sse;
  /**
   * Multipart part size in bytes (minimum 5 MiB). The largest object is 10,000 × partSize
   * (≈ 78 GiB at the default). Memory per upload ≈ (queueSize + 1) × partSize.
   * @default 8 MiB
   */
  readonly partSize?: number;
  /** Parts uploaded in parallel per object. Memory per upload ≈ (queueSize + 1) × partSize. @default 4 */
  readonly queueSize?: number;
  /** Keys per LIST page (1–1000); smaller pages only make sense in tests. @default 1000 */
  readonly listPageSize?: number;
}

/** Smallest part S3 accepts (except the last part). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Default multipart part size: 8 MiB. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** Default number of parts in flight per upload. */
export const DEFAULT_QUEUE_SIZE = 4;

/**
 * Why `bucket` is not a valid S3 bucket name, or `undefined`. A '/' gets a message pointing at the
 * prefix field (velero's `objectBackupStoreGetter.Get`), the commonest mistake.
 * @param bucket the configured name.
 * @param prefixField the input path of the prefix, named in the '/' message.
 */
export function bucketNameProblem(bucket: string, prefixField = "prefix"): string | undefined {
  if (bucket.includes("/")) {
    const [name = "", ...rest] = bucket.split("/");
    // Suggest only a name that is valid itself (issue 15: "Shop_Backups/daily" was told "Shop_Backups").
    const own = bucketNameProblem(name);
    const suggestion = own === undefined ? name : suggestBucketName(name);
    return (
      `"${bucket}" contains '/'; put only the bucket name here (` +
      `${suggestion ? `"${suggestion}"` : "a name of 3-63 lowercase letters, digits, '-' and '.'"}` +
      `${own !== undefined && suggestion ? `, as "${name}" is not a valid bucket name` : ""}) and the path in ` +
      `${prefixField} ("${rest.filter(Boolean).join("/")}")`
    );
  }
  if (bucket.length < 3 || bucket.length > 63) {
    const s = suggestBucketName(bucket);
    return `"${bucket}" is ${bucket.length} characters long; bucket names have 3 to 63${s ? `, e.g. "${s}"` : ""}`;
  }
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    const s = suggestBucketName(bucket);
    return (
      `"${bucket}" is not a valid bucket name: use lowercase letters, digits, '-' and '.', starting and ` +
      `ending with a letter or digit${s ? `, e.g. "${s}"` : ""}`
    );
  }
  if (bucket.includes("..")) return `"${bucket}" must not contain two adjacent periods`;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) return `"${bucket}" must not be formatted as an IP address`;
  if (bucket.startsWith("xn--") || bucket.startsWith("sthree-"))
    return `"${bucket}" must not start with "xn--" or "sthree-"`;
  if (bucket.endsWith("-s3alias") || bucket.endsWith("--ol-s3"))
    return `"${bucket}" must not end with "-s3alias" or "--ol-s3"`;
  return undefined;
}

/**
 * A valid bucket name close to `name` (lowercased; '_', spaces and other characters become '-';
 * runs of separators and the ends trimmed; cut to 63), or undefined when nothing of 3 or more
 * characters is left. Every suggestion passes {@link bucketNameProblem}.
 */
export function suggestBucketName(name: string): string | undefined {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/[.-]*([.-])[.-]*/g, "$1")
    .slice(0, 63)
    .replace(/^[.-]+|[.-]+$/g, "");
  if (s.length < 3 || /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || /^(xn--|sthree-)/.test(s) || /(-s3alias|--ol-s3)$/.test(s))
    return undefined;
  return s;
}

function check(field: string, problem: string | undefined): void {
  if (problem) throw new InputError(field, problem);
}

/**
 * Throws an InputError naming the field for the first invalid value of `config`.
 * @param config the location configuration.
 * @param fieldPrefix dotted path the fields live under in the user's input, e.g. `objectStorage`.
 * @default fieldPrefix ""
 */
export function assertValidS3Config(config: S3StoreConfig, fieldPrefix = ""): void {
  const f = (name: string) => (fieldPrefix ? `${fieldPrefix}.${name}` : name);
  check(f("bucket"), bucketNameProblem(config.bucket, f("prefix")));
  check(
    f("region"),
    config.region ? undefined : "is empty; set the bucket's region, e.g. us-east-1 (any value for MinIO)",
  );
  if (config.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(config.endpoint)) {
    check(f("endpoint"), `"${config.endpoint}" is not an http(s) URL; use e.g. https://s3.example.com:9000`);
  }
  if (config.credentials && (!config.credentials.accessKeyId || !config.credentials.secretAccessKey)) {
    check(
      f("credentials"),
      "needs both accessKeyId and secretAccessKey; or omit credentials to use the environment (AWS_ACCESS_KEY_ID, ...)",
    );
  }
  if (config.sse?.type === "aws:kms" && !config.sse.kmsKeyId)
    check(f("sse.kmsKeyId"), "is empty; give the KMS key id or ARN, or use type AES256");
  if (config.partSize !== undefined && (!Number.isInteger(config.partSize) || config.partSize < MIN_PART_SIZE)) {
    check(f("partSize"), `is ${config.partSize}; it must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB)`);
  }
  if (config.queueSize !== undefined && (!Number.isInteger(config.queueSize) || config.queueSize < 1)) {
    check(f("queueSize"), `is ${config.queueSize}; it must be a positive integer`);
  }
  if (
    config.listPageSize !== undefined &&
    (!Number.isInteger(config.listPageSize) || config.listPageSize < 1 || config.listPageSize > 1000)
  ) {
    check(f("listPageSize"), `is ${config.listPageSize}; it must be an integer from 1 to 1000`);
  }
}
