/**
 * Maps S3 SDK errors to the project's typed errors. Branches on the status code and error code,
 * never on "any error" (the kubernetes-client apply-example bug): only a real 404 means "absent".
 */
import { HksError, StorageError } from "../errors";

/** The S3 error code (`NoSuchKey`, `AccessDenied`, ...) or, for network failures, the errno code. */
export function s3Code(err: unknown): string | undefined {
  const e = err as { name?: string; Code?: string; code?: string } | undefined;
  return e?.Code ?? (e?.name && e.name !== "Error" ? e.name : undefined) ?? e?.code;
}

/** The HTTP status of an S3 error response, if there was a response. */
export function s3Status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** True for "no such key" (404 on GET/HEAD). A missing bucket (`NoSuchBucket`) is not "absent". */
export function isNoSuchKey(err: unknown): boolean {
  const code = s3Code(err);
  return code === "NoSuchKey" || (s3Status(err) === 404 && code !== "NoSuchBucket");
}

/** True when a conditional write lost: the key exists (412) or another conditional write is in progress (409). */
export function isWriteConflict(err: unknown): boolean {
  const code = s3Code(err);
  return code === "PreconditionFailed" || s3Status(err) === 412 || code === "ConditionalRequestConflict";
}

// Fix hints by error code: what the person should change.
const FIXES: Record<string, string> = {
  AccessDenied:
    "check the credentials and the bucket policy (the location needs s3:ListBucket, s3:GetObject, " +
    "s3:PutObject, s3:DeleteObject and s3:AbortMultipartUpload)",
  InvalidAccessKeyId: "the access key id is unknown to the service; check the credentials",
  SignatureDoesNotMatch: "the secret access key does not match the access key id; check the credentials",
  NoSuchBucket: "the bucket does not exist; create it (a BackupStorageLocation does) or fix the bucket name",
  PermanentRedirect: "the bucket is in another region; set region to the bucket's region",
  AuthorizationHeaderMalformed: "the region does not match the bucket's; set region to the bucket's region",
  KMS: "check that the KMS key exists and that the credentials may use it",
  ECONNREFUSED: "nothing listens at the endpoint; check the endpoint URL and that the service runs",
  ENOTFOUND: "the endpoint's host name does not resolve; check the endpoint URL",
  ETIMEDOUT: "the endpoint did not answer in time; check the network and the endpoint URL",
  TimeoutError:
    "the endpoint stopped answering (no byte moved within objectStorage.idleTimeoutSeconds, 3 attempts); check " +
    "that the service runs and the network path to it, or raise idleTimeoutSeconds for a very slow link",
};

// A HEAD response has no body, so its error carries only the status: HTTP 403 may be wrong keys as
// well as a missing permission.
const FORBIDDEN_WITHOUT_CODE =
  "access denied: check the access key and secret, and the bucket policy (the location needs s3:ListBucket, " +
  "s3:GetObject, s3:PutObject, s3:DeleteObject and s3:AbortMultipartUpload)";

function fixFor(code: string | undefined, status: number | undefined): string {
  if (code && FIXES[code]) return FIXES[code];
  if (status === 403) return FORBIDDEN_WITHOUT_CODE;
  if (code?.startsWith("KMS")) return FIXES.KMS as string;
  return "retry; if it keeps failing, check the endpoint, the region and the credentials";
}

/**
 * Wraps an SDK error as a StorageError naming what failed, where, the S3 code and status, and a fix.
 * Errors that are already typed (HksError) and aborts pass through unchanged.
 * @param err the caught error.
 * @param what e.g. `reading "hks/v1/.../manifest.json"`.
 * @param where the store's or bucket's description, e.g. `s3://bucket/prefix`.
 */
export function s3Error(err: unknown, what: string, where: string): unknown {
  if (err instanceof HksError || (err as Error | undefined)?.name === "AbortError") return err;
  const code = s3Code(err);
  const status = s3Status(err);
  const detail = [code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(", ");
  const msg = (err as Error | undefined)?.message;
  return new StorageError(
    `${what} in ${where} failed${detail ? ` (${detail})` : ""}${msg && msg !== code ? `: ${msg}` : ""}; ` +
      `${fixFor(code, status)}`,
    { cause: err },
  );
}
