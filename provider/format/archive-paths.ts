/**
 * The path scheme inside a backup archive: the one place that knows where an object's YAML lives
 * (velero `pkg/archive/filesystem.go`). Pure functions only. The scheme is part of the durable
 * storage contract (design.md, "Storage layout"), so changing it is a format change.
 *
 * ```
 * resources/<resource>.<group>/<namespace>/<name>.yaml    a namespaced object
 * resources/<resource>.<group>/_cluster/<name>.yaml       a cluster-scoped object
 * resources/<resource>/<namespace or _cluster>/<name>.yaml  the core group ("" group: pods, secrets, ...)
 * ```
 *
 * The core group has no `.<group>` suffix, as in velero (`resources/<resource>.<group>` with an
 * empty group giving just `<resource>`) and as in `kubectl get <resource>.<group>`. This is
 * unambiguous because a resource (plural) name is a DNS label and can never contain a dot, so the
 * first dot always separates resource from group.
 *
 * Parsing is strict: an archive is untrusted input at restore time, and anything that does not match
 * the scheme is refused rather than interpreted (velero `extractor.go#sanitizeArchivePath`, "Zip Slip").
 */
import { IntegrityError, InputError } from "../errors";

/** The top-level folder that holds every object's YAML. */
export const RESOURCES_DIR = "resources";

/** The namespace segment used for cluster-scoped objects; `_` cannot occur in a namespace name. */
export const CLUSTER_SCOPE_DIR = "_cluster";

/** The file extension of every object entry. */
export const OBJECT_FILE_SUFFIX = ".yaml";

/**
 * Longest object name accepted, as for a DNS-1123 subdomain (apimachinery
 * `DNS1123SubdomainMaxLength`), which bounds the names of almost every kind.
 */
export const MAX_OBJECT_NAME_LENGTH = 253;

/** An API group and resource (plural), e.g. `{ group: "apps", resource: "deployments" }`; core is `""`. */
export interface GroupResource {
  /** The API group; `""` for the core group (pods, secrets, configmaps, ...). */
  readonly group: string;
  /** The lowercase plural resource name, e.g. `deployments`. */
  readonly resource: string;
}

/** Identifies one object in the archive. */
export interface ArchiveObjectRef extends GroupResource {
  /** The namespace; `undefined` (or `""` when building a path) for cluster-scoped objects. */
  readonly namespace?: string;
  /** The object's `metadata.name`. */
  readonly name: string;
}

// RFC 1123 label: what Kubernetes requires of namespaces and of resource (plural) names.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// RFC 1123 subdomain: what Kubernetes requires of API group names.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Control characters (including NUL) would corrupt listings and tar headers.
// eslint-disable-next-line no-control-regex -- matching them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * The key of a group-resource as used in archive folders and restore tables: `<resource>.<group>`,
 * or just `<resource>` for the core group (`deployments.apps`, `secrets`).
 */
export function groupResourceKey(gr: GroupResource): string {
  return gr.group === "" ? gr.resource : `${gr.resource}.${gr.group}`;
}

/**
 * Why `name` cannot be an object name in the archive, or `undefined` when it can. The rule is
 * Kubernetes' own path-segment rule (apimachinery `ValidatePathSegmentName`: not `.`/`..`, no `/`
 * or `%`), which every kind obeys (RBAC names may hold `:` and upper case, so DNS-1123 is too
 * strict), plus no backslash or control character.
 */
function objectNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > MAX_OBJECT_NAME_LENGTH)
    return `is ${name.length} characters long; the limit is ${MAX_OBJECT_NAME_LENGTH}`;
  if (name === "." || name === "..") return `is "${name}", which is not a valid object name`;
  if (/[/\\%]/.test(name)) return "contains '/', '\\' or '%'";
  if (CONTROL_CHARS.test(name)) return "contains a control character";
  return undefined;
}

/** Why `gr` (plus namespace) cannot be encoded, naming the offending field, or `undefined`. */
function refProblem(ref: ArchiveObjectRef): { field: string; reason: string } | undefined {
  if (!DNS1123_LABEL.test(ref.resource)) {
    return {
      field: "resource",
      reason:
        `${JSON.stringify(ref.resource)} is not a lowercase plural resource name (a DNS-1123 label such as ` +
        `"deployments")`,
    };
  }
  if (ref.group !== "" && (ref.group.length > 253 || !DNS1123_SUBDOMAIN.test(ref.group))) {
    return {
      field: "group",
      reason:
        `${JSON.stringify(ref.group)} is not an API group (a DNS-1123 subdomain such as "apps"; "" for the core ` +
        `group)`,
    };
  }
  if (ref.namespace !== undefined && ref.namespace !== "" && !DNS1123_LABEL.test(ref.namespace)) {
    return {
      field: "namespace",
      reason: `${JSON.stringify(ref.namespace)} is not a namespace name (a DNS-1123 label)`,
    };
  }
  const nameProblem = objectNameProblem(ref.name);
  if (nameProblem) return { field: "name", reason: `${JSON.stringify(ref.name)} ${nameProblem}` };
  return undefined;
}

/**
 * The archive path of one object: `resources/<resource>.<group>/<namespace or _cluster>/<name>.yaml`.
 * Throws an InputError naming the field when the reference could not have come from Kubernetes.
 * @param ref the object's group, resource, namespace (absent or `""` when cluster-scoped) and name.
 */
export function archivePathFor(ref: ArchiveObjectRef): string {
  const problem = refProblem(ref);
  if (problem)
    throw new InputError(`archive object ${problem.field}`, `${problem.reason}; it cannot be stored in the archive`);
  const scope = ref.namespace ? ref.namespace : CLUSTER_SCOPE_DIR;
  return `${RESOURCES_DIR}/${groupResourceKey(ref)}/${scope}/${ref.name}${OBJECT_FILE_SUFFIX}`;
}

/** Throws the IntegrityError used for every refused path. */
function refuse(path: string, reason: string): never {
  // A hostile pax header can carry a path of up to a megabyte; keep the message readable.
  const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
  throw new IntegrityError(
    `archive entry ${JSON.stringify(shown)} is refused: ${reason}. Expected ` +
      `resources/<resource>.<group>/<namespace or _cluster>/<name>.yaml; ` +
      "the archive was not written by hks-backup or has been tampered with",
  );
}

/**
 * Parses an archive entry path back into the object reference it names, refusing anything unsafe or
 * outside the scheme: absolute paths, `.`/`..` or empty segments, NUL and control characters,
 * backslashes, and any other shape. Throws IntegrityError, since such an entry means the archive is
 * foreign or tampered with.
 * @param path the entry name as read from the tar header.
 */
export function parseArchivePath(path: string): ArchiveObjectRef {
  // Each check below names one classic extraction escape, so the message says which one it was.
  if (path.length === 0) refuse(path, "the path is empty");
  if (CONTROL_CHARS.test(path)) refuse(path, "the path contains NUL or a control character");
  if (path.includes("\\")) refuse(path, "the path contains a backslash");
  if (path.startsWith("/")) refuse(path, "the path is absolute");
  const segments = path.split("/");
  if (segments.some((s) => s === "")) refuse(path, "the path has an empty segment (a doubled or trailing '/')");
  if (segments.some((s) => s === "." || s === "..")) refuse(path, "the path has a '.' or '..' segment");
  if (segments.length !== 4 || segments[0] !== RESOURCES_DIR)
    refuse(path, "the path does not match the archive scheme");
  const [, grSegment, scopeSegment, file] = segments as [string, string, string, string];
  if (!file.endsWith(OBJECT_FILE_SUFFIX)) refuse(path, `the file name does not end in ${OBJECT_FILE_SUFFIX}`);
  const dot = grSegment.indexOf(".");
  const resource = dot < 0 ? grSegment : grSegment.slice(0, dot);
  const group = dot < 0 ? "" : grSegment.slice(dot + 1);
  const namespace = scopeSegment === CLUSTER_SCOPE_DIR ? undefined : scopeSegment;
  const name = file.slice(0, -OBJECT_FILE_SUFFIX.length);
  const ref = { group, resource, namespace, name };
  const problem = refProblem(ref);
  if (problem) refuse(path, `the ${problem.field} ${problem.reason}`);
  // One object, one spelling: a non-canonical form (e.g. `pods.` for the core group) could let two
  // entries name the same object, so the path must be exactly what the writer would produce.
  if (archivePathFor(ref) !== path) refuse(path, "the path is not in canonical form");
  return ref;
}
