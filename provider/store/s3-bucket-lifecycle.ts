/**
 * The bucket lifecycle rules hks owns, merged into whatever rules the bucket already has. A
 * lifecycle configuration is replaced whole by S3, so rules of other owners are read and kept; only
 * rules with the HKS_RULE_IDS are added, replaced or left alone.
 */
import { GetBucketLifecycleConfigurationCommand, type LifecycleRule, type S3Client } from "@aws-sdk/client-s3";
import { s3Code } from "./s3-errors";

/** What the lifecycle of a backup bucket does. */
export interface LifecycleSpec {
  /** Expire objects this many days after they were written (and noncurrent versions as long after they became
   * noncurrent). @default no expiry */
  readonly expireDays?: number;
  /** Abort multipart uploads left incomplete this many days after they started. @default no rule */
  readonly abortIncompleteUploadDays?: number;
  /** Limit the rules to keys under this prefix, e.g. the location's prefix. @default "" (the whole bucket) */
  readonly prefix?: string;
}

/** IDs of the rules hks owns; other rules are never touched. */
export const HKS_RULE_IDS = { expire: "hks-expire", abortIncomplete: "hks-abort-incomplete-uploads" } as const;

/** The bucket's lifecycle rules; `[]` when it has none. */
export async function readLifecycleRules(client: S3Client, bucket: string): Promise<LifecycleRule[]> {
  try {
    const res = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    return res.Rules ?? [];
  } catch (err) {
    if (s3Code(err) === "NoSuchLifecycleConfiguration") return [];
    throw err;
  }
}

/** The rules `spec` asks for, with the HKS_RULE_IDS. */
export function hksLifecycleRules(spec: LifecycleSpec): LifecycleRule[] {
  const Filter = { Prefix: spec.prefix ?? "" };
  const rules: LifecycleRule[] = [];
  if (spec.expireDays !== undefined) {
    rules.push({
      ID: HKS_RULE_IDS.expire,
      Status: "Enabled",
      Filter,
      Expiration: { Days: spec.expireDays },
      // On a versioned bucket expiry only adds a delete marker; this removes the data as well.
      NoncurrentVersionExpiration: { NoncurrentDays: spec.expireDays },
    });
  }
  if (spec.abortIncompleteUploadDays !== undefined) {
    rules.push({
      ID: HKS_RULE_IDS.abortIncomplete,
      Status: "Enabled",
      Filter,
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: spec.abortIncompleteUploadDays },
    });
  }
  return rules;
}

/**
 * The rule set to write: the existing rules of other owners followed by the rules `spec` asks for.
 * Returns `undefined` when the existing hks rules already match (nothing to write).
 * @param existing the bucket's current rules.
 * @param spec what hks wants.
 */
export function mergeLifecycleRules(
  existing: readonly LifecycleRule[],
  spec: LifecycleSpec,
): LifecycleRule[] | undefined {
  const ours = new Set<string>(Object.values(HKS_RULE_IDS));
  const wanted = hksLifecycleRules(spec);
  const current = existing.filter((r) => r.ID && ours.has(r.ID));
  if (wanted.length === current.length && wanted.every((w) => current.some((c) => sameRule(c, w)))) return undefined;
  return [...existing.filter((r) => !r.ID || !ours.has(r.ID)), ...wanted];
}

// Compares only the fields hks sets: services echo rules back with extra defaults.
function sameRule(a: LifecycleRule, b: LifecycleRule): boolean {
  return (
    a.ID === b.ID &&
    a.Status === b.Status &&
    (a.Filter?.Prefix ?? a.Prefix ?? "") === (b.Filter?.Prefix ?? "") &&
    a.Expiration?.Days === b.Expiration?.Days &&
    a.NoncurrentVersionExpiration?.NoncurrentDays === b.NoncurrentVersionExpiration?.NoncurrentDays &&
    a.AbortIncompleteMultipartUpload?.DaysAfterInitiation === b.AbortIncompleteMultipartUpload?.DaysAfterInitiation
  );
}

/** What the hks rules among `rules` do; `undefined` when there are none. */
export function summarizeLifecycle(rules: readonly LifecycleRule[]): Omit<LifecycleSpec, "prefix"> | undefined {
  const expire = rules.find((r) => r.ID === HKS_RULE_IDS.expire && r.Status === "Enabled");
  const abort = rules.find((r) => r.ID === HKS_RULE_IDS.abortIncomplete && r.Status === "Enabled");
  if (!expire && !abort) return undefined;
  return {
    ...(expire?.Expiration?.Days !== undefined ? { expireDays: expire.Expiration.Days } : {}),
    ...(abort?.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
      ? { abortIncompleteUploadDays: abort.AbortIncompleteMultipartUpload.DaysAfterInitiation }
      : {}),
  };
}
