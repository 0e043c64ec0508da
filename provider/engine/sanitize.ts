/**
 * Removes the server-assigned parts of a Kubernetes object so that its YAML can be re-applied to any
 * cluster (velero `restore.go#resetMetadata`/`resetStatus`). Pure: the input is never mutated. Runs at
 * backup time, and again defensively at restore time on whatever the archive holds.
 */

/**
 * `metadata` fields the API server assigns, and that would make a create fail or lie about the object
 * if sent back. Each is dropped.
 */
export const SANITIZED_METADATA_FIELDS = [
  // Identity of this incarnation in the source cluster; the target assigns a new one.
  "uid",
  // Optimistic-concurrency token; a create with it set is rejected.
  "resourceVersion",
  // Server-side-apply bookkeeping: large, and owned by the field managers of the source cluster.
  "managedFields",
  // Set by the server on create; would claim a false age.
  "creationTimestamp",
  // Spec-change counter maintained by the server.
  "generation",
  // Deprecated server-filled link (removed in 1.20, still present in old objects).
  "selfLink",
  // A snapshot of an object being deleted must not restore as "being deleted".
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
] as const;

/**
 * Annotations dropped from `metadata.annotations`: client bookkeeping that would confuse the next
 * client-side apply in the target cluster (it would compute diffs against the source's last apply).
 */
export const SANITIZED_ANNOTATIONS = ["kubectl.kubernetes.io/last-applied-configuration"] as const;

/** Options for {@link sanitizeObject}. */
export interface SanitizeOptions {
  /**
   * Keep `status`. Set it for resources that have no `status` subresource (discovery lists no
   * `<resource>/status`, e.g. a CRD without `subresources.status`): there `status` is ordinary data
   * written through the main endpoint, and dropping it would lose user data. Where the subresource
   * exists the server (a controller) owns `status`, recomputes it after restore, and ignores it on
   * create anyway, so it is dropped by default, as velero does unless a restore opts in.
   * @default false
   */
  readonly keepStatus?: boolean;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Returns a copy of `obj` without the fields listed in {@link SANITIZED_METADATA_FIELDS} and
 * {@link SANITIZED_ANNOTATIONS}, and without `status` unless `options.keepStatus` is set.
 * `ownerReferences` are kept on purpose: restore uses them to skip objects that a controller will
 * recreate, and rewrites or drops them there. An `annotations` map left empty is removed.
 * @param obj a Kubernetes object as plain JSON (e.g. from the generic object API); not mutated.
 * @param options see {@link SanitizeOptions}.
 */
export function sanitizeObject<T extends object>(obj: T, options: SanitizeOptions = {}): T {
  // structuredClone: a deep copy, so callers may keep using (or have frozen) the original.
  const copy = structuredClone(obj) as T & JsonObject;
  if (!options.keepStatus) delete copy.status;
  const metadata = copy.metadata;
  if (!isObject(metadata)) return copy;
  for (const field of SANITIZED_METADATA_FIELDS) delete metadata[field];
  const annotations = metadata.annotations;
  if (isObject(annotations)) {
    for (const key of SANITIZED_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
  }
  return copy;
}
