/**
 * Pure planning for BackupStorageLocation: input validation with defaults (`check`) and the
 * field-by-field diff that decides update-in-place versus replace.
 */
import type { BackupStorageLocationInputs } from "../types";
import { containsUnknown, UNKNOWN } from "../kinds";
import { bucketNameProblem as s3BucketNameProblem } from "../store/s3-config";
import { Checker, checkOwnerInputs, type CheckFailure } from "./validate";
import { canonical, valueAt } from "../format/json-path";
import { parseRecipient } from "../format/age-keys";
import { capture } from "./plan-fields";
import { DEFAULT_LOCATION_NAMESPACE } from "../format/names";

export { DEFAULT_LOCATION_NAMESPACE };

/** Region used when an S3-compatible service does not care (MinIO) and none is given. */
export const DEFAULT_REGION = "us-east-1";

const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** S3 bucket naming rules; the one implementation lives with the store. */
export function bucketNameProblem(b: string): string | undefined {
  return s3BucketNameProblem(b, "objectStorage.prefix");
}

function prefixProblem(p: string): string | undefined {
  if (p.startsWith("/") || p.endsWith("/"))
    return `must not start or end with '/', got "${p}" (use "${p.replace(/^\/+|\/+$/g, "")}")`;
  if (p.split("/").some((s) => s === "" || s === "." || s === ".."))
    return `must not contain empty, "." or ".." segments, got "${p}"`;
  if (p.length > 512) return `must be at most 512 characters`;
  return undefined;
}

function endpointProblem(e: string): string | undefined {
  let u: URL;
  try {
    u = new URL(e);
  } catch {
    return `must be a URL such as "https://s3.example.com:9000", got "${e}"`;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return `must use http or https, got "${u.protocol}"`;
  if (u.pathname !== "/" || u.search || u.hash)
    return `must not have a path, query or fragment (put a path in objectStorage.prefix), got "${e}"`;
  if (u.username || u.password) return `must not contain credentials: use the credentials input`;
  return undefined;
}

/** `objectStorage` or `nfs` (exactly one) and the provider that goes with it. */
function checkPlace(
  c: Checker,
  n: Partial<BackupStorageLocationInputs>,
): { provider: unknown; hasOs: boolean; hasNfs: boolean } {
  const hasOs = c.present(n.objectStorage);
  const hasNfs = c.present(n.nfs);
  if (hasOs && hasNfs) c.fail("nfs", "give either objectStorage or nfs, not both: a location is one place");
  if (!hasOs && !hasNfs && (n.objectStorage as unknown) !== UNKNOWN && (n.nfs as unknown) !== UNKNOWN) {
    c.fail(
      "objectStorage",
      `is required (or nfs): e.g. objectStorage: { bucket: "my-hexabase-backups", region: "us-east-1" }`,
    );
  }
  const provider = n.provider ?? (hasNfs ? "generic" : "aws");
  if (c.oneOf("provider", provider, ["aws", "generic"] as const) && provider === "aws" && hasNfs) {
    c.fail("provider", `"aws" stores in S3; an nfs location needs provider "generic"`);
  }
  if (hasOs && n.objectStorage) checkObjectStorage(c, n.objectStorage);
  if (hasNfs && n.nfs) checkNfs(c, n.nfs);
  return { provider, hasOs, hasNfs };
}

function checkObjectStorage(c: Checker, os: NonNullable<BackupStorageLocationInputs["objectStorage"]>): void {
  if (typeof os !== "object") return c.fail("objectStorage", "must be an object with at least { bucket }");
  if (c.required("objectStorage.bucket", os.bucket, `the bucket name, e.g. "my-hexabase-backups"`)) {
    const p = typeof os.bucket === "string" ? bucketNameProblem(os.bucket) : "must be a string";
    if (p) c.fail("objectStorage.bucket", p);
  }
  if (c.present(os.region) && (typeof os.region !== "string" || !REGION.test(os.region))) {
    c.fail(
      "objectStorage.region",
      `must look like "us-east-1" (lowercase letters, digits, '-'), got ${JSON.stringify(os.region)}`,
    );
  }
  if (c.present(os.endpoint)) {
    const p = typeof os.endpoint === "string" ? endpointProblem(os.endpoint) : "must be a string";
    if (p) c.fail("objectStorage.endpoint", p);
  }
  if (c.present(os.prefix) && os.prefix !== "") {
    const p = typeof os.prefix === "string" ? prefixProblem(os.prefix) : "must be a string";
    if (p) c.fail("objectStorage.prefix", p);
  }
  c.boolean("objectStorage.forcePathStyle", os.forcePathStyle);
  if (
    c.present(os.caBundle) &&
    (typeof os.caBundle !== "string" || !os.caBundle.includes("-----BEGIN CERTIFICATE-----"))
  ) {
    c.fail("objectStorage.caBundle", "must be PEM text containing at least one '-----BEGIN CERTIFICATE-----' block");
  }
  const idle = os.idleTimeoutSeconds;
  if (c.present(idle) && !(Number.isInteger(idle) && (idle as number) >= 1 && (idle as number) <= 3600)) {
    c.fail(
      "objectStorage.idleTimeoutSeconds",
      `must be a whole number of seconds from 1 to 3600, got ${JSON.stringify(idle)}; leave it out for 60`,
    );
  }
}

function checkNfs(c: Checker, nfs: NonNullable<BackupStorageLocationInputs["nfs"]>): void {
  if (typeof nfs !== "object") return c.fail("nfs", "must be an object { server, path, localPath? }");
  const absolute = (p: unknown) => typeof p === "string" && p.startsWith("/") && !p.split("/").includes("..");
  if (
    c.required("nfs.server", nfs.server, `the NFS server's host name or IP, e.g. "192.168.1.100"`) &&
    (typeof nfs.server !== "string" || !/^[A-Za-z0-9.:\-[\]]+$/.test(nfs.server))
  ) {
    c.fail("nfs.server", `must be a host name or IP address, got ${JSON.stringify(nfs.server)}`);
  }
  if (c.required("nfs.path", nfs.path, `the exported path, e.g. "/exports/backups"`) && !absolute(nfs.path)) {
    c.fail("nfs.path", `must be an absolute path without "..", got ${JSON.stringify(nfs.path)}`);
  }
  if (c.present(nfs.localPath) && !absolute(nfs.localPath)) {
    const got = JSON.stringify(nfs.localPath);
    c.fail("nfs.localPath", `must be an absolute path (where this machine mounts the share) without "..", got ${got}`);
  }
}

function checkCredentials(c: Checker, n: Partial<BackupStorageLocationInputs>, hasNfs: boolean): void {
  const creds = n.credentials;
  if (c.present(creds) && c.present(n.credentialsSecretRef)) {
    c.fail("credentialsSecretRef", "give either credentials or credentialsSecretRef, not both");
  }
  if (c.present(creds) && creds) {
    if (hasNfs) c.fail("credentials", "an nfs location takes no S3 credentials");
    c.required(
      "credentials.accessKeyId",
      creds.accessKeyId,
      'the S3 access key id (pass it as a secret, e.g. cfg.requireSecret("accessKey"))',
    );
    c.required("credentials.secretAccessKey", creds.secretAccessKey, "the S3 secret access key (pass it as a secret)");
  }
  const ref = n.credentialsSecretRef;
  if (c.present(ref) && ref) {
    if (c.required("credentialsSecretRef.name", ref.name, "the name of an existing Kubernetes Secret"))
      c.dnsLabel("credentialsSecretRef.name", ref.name, "a Secret name");
    c.dnsLabel("credentialsSecretRef.namespace", ref.namespace, "a namespace");
  }
}

/** The bucket's own settings: server-side encryption, object lock, lifecycle and tags (S3 only). */
function checkBucketSettings(c: Checker, n: Partial<BackupStorageLocationInputs>, hasNfs: boolean): void {
  const sse = n.serverSideEncryption;
  if (c.present(sse) && sse) {
    if (hasNfs)
      c.fail("serverSideEncryption", "applies to object storage only; use encryption.recipients for an nfs location");
    if (c.oneOf("serverSideEncryption.type", sse.type, ["SSE-S3", "SSE-KMS"] as const) && sse.type === "SSE-KMS") {
      c.required(
        "serverSideEncryption.kmsKeyId",
        (sse as { kmsKeyId?: string }).kmsKeyId,
        "the KMS key id or ARN for SSE-KMS",
      );
    }
  }
  const lock = n.objectLock;
  if (c.present(lock) && lock) {
    if (hasNfs) c.fail("objectLock", "applies to object storage only");
    c.oneOf("objectLock.mode", lock.mode, ["GOVERNANCE", "COMPLIANCE"] as const);
    c.integer("objectLock.days", lock.days, 1, 36500, "days");
    if (n.versioning === false)
      c.fail("versioning", "object lock needs versioning: remove `versioning: false` or the objectLock block");
  }
  const lc = n.lifecycle;
  if (c.present(lc) && lc) {
    if (hasNfs) c.fail("lifecycle", "applies to object storage only; retention is set on the BackupPlan");
    c.integer("lifecycle.expireDays", lc.expireDays, 1, 36500, "days");
    c.integer("lifecycle.abortIncompleteUploadDays", lc.abortIncompleteUploadDays, 1, 365, "days");
    if (lock && typeof lc.expireDays === "number" && typeof lock.days === "number" && lc.expireDays < lock.days) {
      const why = "locked objects cannot expire before their retention ends";
      c.fail("lifecycle.expireDays", `(${lc.expireDays}) is shorter than objectLock.days (${lock.days}): ${why}`);
    }
  }
  const tags = n.tags;
  if (c.present(tags) && tags) {
    const entries = Object.entries(tags);
    if (entries.length > 50) c.fail("tags", `at most 50 tags are allowed, got ${entries.length}`);
    for (const [k, v] of entries) {
      if (k.length < 1 || k.length > 128) c.fail(`tags.${k}`, "tag keys must be 1 to 128 characters");
      if (v !== UNKNOWN && (typeof v !== "string" || v.length > 256))
        c.fail(`tags.${k}`, "tag values must be strings of at most 256 characters");
    }
  }
}

/** `encryption.recipients`: age public keys, checked by the one recipient parser (format/age-keys.ts). */
function checkRecipients(c: Checker, enc: BackupStorageLocationInputs["encryption"]): void {
  if (!c.present(enc) || !enc) return;
  const r = enc.recipients as unknown;
  if (r === UNKNOWN) return;
  if (!Array.isArray(r) || r.length === 0) {
    c.fail(
      "encryption.recipients",
      `must be a non-empty list of age public keys ("age1..."); generate one with 'age-keygen'`,
    );
    return;
  }
  r.forEach((x, i) => x !== UNKNOWN && capture(c, () => parseRecipient(x, i)));
}

/** Validates and defaults BackupStorageLocation inputs. Pure; tolerates unknowns. */
export function checkLocation(news: Partial<BackupStorageLocationInputs>): {
  inputs: BackupStorageLocationInputs;
  failures: CheckFailure[];
} {
  const c = new Checker();
  const n = news as Record<string, unknown> & Partial<BackupStorageLocationInputs>;
  const { provider, hasOs, hasNfs } = checkPlace(c, n);
  checkCredentials(c, n, hasNfs);
  c.boolean("createBucket", n.createBucket);
  c.boolean("versioning", n.versioning);
  c.boolean("default", n.default);
  checkOwnerInputs(c, n);
  checkBucketSettings(c, n, hasNfs);
  checkRecipients(c, n.encryption);
  const accessMode = n.accessMode ?? "ReadWrite";
  c.oneOf("accessMode", accessMode, ["ReadWrite", "ReadOnly"] as const);
  const deletionPolicy = n.deletionPolicy ?? "Retain";
  c.oneOf("deletionPolicy", deletionPolicy, ["Retain", "Delete"] as const);
  if (accessMode === "ReadOnly" && deletionPolicy === "Delete")
    c.fail("deletionPolicy", `"Delete" is not allowed on a ReadOnly location: it never writes or deletes`);
  const namespace = n.namespace ?? DEFAULT_LOCATION_NAMESPACE;
  c.dnsLabel("namespace", namespace, "the namespace");
  if (c.required("locationName", n.locationName, "the location's name in the cluster"))
    c.dnsLabel("locationName", n.locationName, "a location name");
  if (c.present(n.kubeconfig) && typeof n.kubeconfig !== "string")
    c.fail("kubeconfig", "must be the content of a kubeconfig file (a string)");

  const os = n.objectStorage;
  const inputs = {
    ...n,
    resourceKind: "BackupStorageLocation",
    provider,
    createBucket: n.createBucket ?? true,
    accessMode,
    deletionPolicy,
    default: n.default ?? false,
    namespace,
    ...(hasOs && os && typeof os === "object"
      ? { objectStorage: { ...os, region: os.region ?? DEFAULT_REGION, prefix: os.prefix ?? "" } }
      : {}),
  } as BackupStorageLocationInputs;
  return { inputs, failures: c.failures };
}

/** Inputs whose change makes a different location (data would be left behind): replace. */
const REPLACE_PATHS = [
  "locationName",
  "namespace",
  "provider",
  "objectStorage.bucket",
  "objectStorage.prefix",
  "objectStorage.endpoint",
  "objectStorage.region",
  "nfs.server",
  "nfs.path",
  "objectLock.mode",
] as const;

/** Inputs changed in place by `update`. */
const UPDATE_PATHS = [
  "objectStorage.forcePathStyle",
  "objectStorage.caBundle",
  "objectStorage.idleTimeoutSeconds",
  "nfs.localPath",
  "credentials",
  "credentialsSecretRef",
  "createBucket",
  "versioning",
  "serverSideEncryption",
  "objectLock.days",
  "lifecycle",
  "tags",
  "encryption",
  "accessMode",
  "deletionPolicy",
  "default",
  "kubeconfig",
  "context",
  // Who owns the record, and whether to take it over: rewritten in place, never a new location.
  "owner",
  "adopt",
] as const;

export interface FieldDiff {
  changes: boolean;
  replaces: string[];
  updates: string[];
}

/** Compares `paths` of olds and news; an unknown new value counts as a change. */
export function diffPaths(
  olds: unknown,
  news: unknown,
  replacePaths: readonly string[],
  updatePaths: readonly string[],
): FieldDiff {
  const changed = (p: string) => {
    const nv = valueAt(news, p);
    return containsUnknown(nv) || canonical(valueAt(olds, p)) !== canonical(nv);
  };
  const replaces = replacePaths.filter(changed);
  const updates = updatePaths.filter(changed);
  return { changes: replaces.length + updates.length > 0, replaces, updates };
}

/**
 * Which changes replace the location and which update it in place. Adding object lock changes
 * `objectLock.mode` and so replaces: S3 only enables it when a bucket is created.
 */
export function diffLocation(
  olds: Partial<BackupStorageLocationInputs>,
  news: Partial<BackupStorageLocationInputs>,
): FieldDiff {
  return diffPaths(olds, news, REPLACE_PATHS, UPDATE_PATHS);
}
