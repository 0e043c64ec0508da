/**
 * Restore's transform: one archived object in, a decision out (restore this object, skip it with a
 * reason, or fail it with a reason). Pure: no I/O, the input is never mutated, and the same input
 * always gives the same decision, so it is tested exhaustively with tables.
 *
 * Steps, in order (each numbered step may end the decision):
 * 1. The object must be what its archive path says (else the archive is refused: IntegrityError).
 * 2. Namespace scope: an object outside the backup's namespaces refuses the archive; one outside the
 *    restore's `includeNamespaces` is skipped, and so is a cluster-scoped one under `namespacedOnly`.
 * 3. Sanitize again, defensively (the archive is untrusted input).
 * 4. Filters: resource types (include/exclude), label selector.
 * 5. Skip rules (rules.ts): events, endpoints, controller-owned objects, tokens, ...
 * 6. Namespace mapping, also inside fields that name a namespace (namespace.ts).
 * 7. Drop fields of the source cluster (clusterIP, nodePort, nodeName, volumeName).
 * 8. Owner references: taken off the object with their uids (which name dead objects); the apply
 *    step re-attaches each one once its owner exists in the target, with the owner's new uid.
 * 9. JSON patches per group/kind (and name), then check the patch did not move the object.
 */
import { IntegrityError } from "../../errors";
import { groupResourceKey, type ArchiveObjectRef } from "../../format/archive-paths";
import { sanitizeObject } from "../collect/sanitize";
import { applyJsonPatch, type JsonPatchOp } from "../../format/json-patch";
import { dropSourceClusterFields, skipReason } from "./rules";
import { mapNamespaces } from "./namespace";
import { matchesSelector, type LabelRequirement } from "../../format/label-selector";
import type { KubeObject } from "../../format/kube-object";

/** A JSON patch for the objects of one group/kind (optionally one name). */
export interface RestorePatch {
  /** API group; `""` (or `"core"`) for the core group. */
  readonly group: string;
  /** Kind, e.g. `Deployment`. */
  readonly kind: string;
  /** Only the object with this (source) name. @default every object of the kind */
  readonly name?: string;
  /** RFC 6902 operations. */
  readonly patch: readonly JsonPatchOp[];
}

/** What the transform needs to decide; all fields are already validated (plan/restore.ts). */
export interface TransformOptions {
  /** Source → target namespace; unmapped namespaces keep their name. */
  readonly namespaceMapping: Readonly<Record<string, string>>;
  /** Namespaces the backup says it holds; an object elsewhere refuses the archive. Undefined: any. */
  readonly backupNamespaces?: readonly string[];
  /** Source namespaces to restore. Undefined: all of the backup's. */
  readonly includeNamespaces?: readonly string[];
  /** Resource types to restore (`deployments.apps`, `configmaps`, `*`). Empty/undefined: all. */
  readonly includeResources?: readonly string[];
  /** Resource types never restored; wins over includeResources. */
  readonly excludeResources?: readonly string[];
  /** Parsed label selector; objects whose labels do not match are skipped. */
  readonly selector?: readonly LabelRequirement[];
  readonly patches?: readonly RestorePatch[];
  /** Keep Services' node ports (restoring into another cluster). @default false */
  readonly preserveNodePorts?: boolean;
  /** Restore nothing cluster-scoped but the mapped Namespaces (a drill touches only its own). @default false */
  readonly namespacedOnly?: boolean;
}

/** Why a cluster-scoped object is left out under `namespacedOnly`. */
export const NAMESPACED_ONLY_REASON =
  "cluster-scoped, and this restore (a drill) changes nothing outside its own namespaces";

/** An owner reference to re-attach once the owner exists in the target (its uid is unknown yet). */
export interface PendingOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/** The transform's decision for one object. */
export type TransformDecision =
  | {
      readonly action: "restore";
      readonly object: KubeObject;
      readonly targetNamespace?: string;
      readonly owners: readonly PendingOwner[];
    }
  | { readonly action: "skip"; readonly reason: string }
  | { readonly action: "fail"; readonly reason: string };

/** `deployments.apps/prod/web` or `namespaces/prod`: how results name an object. */
export function describeRef(ref: ArchiveObjectRef): string {
  return `${groupResourceKey(ref)}/${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/**
 * How restore results name an object: where it goes in the target (`configmaps/staging/app` for
 * `configmaps/production/app` under `production: staging`; a Namespace object by its new name),
 * whether it was restored, skipped or failed, so the name is one the person can look up there.
 */
export function describeTargetRef(ref: ArchiveObjectRef, namespaceMapping: Readonly<Record<string, string>>): string {
  const map = (ns: string) => namespaceMapping[ns] ?? ns;
  const isNamespace = groupResourceKey(ref) === "namespaces";
  return describeRef({
    ...ref,
    namespace: ref.namespace === undefined ? undefined : map(ref.namespace),
    name: isNamespace ? map(ref.name) : ref.name,
  });
}

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → `""`). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** True when a resource-type filter entry names `ref`'s type: `*`, `<resource>.<group>`, or `<resource>` of any
 * group. */
export function matchesResourceFilter(entry: string, ref: ArchiveObjectRef): boolean {
  const e = entry.toLowerCase();
  return e === "*" || e === groupResourceKey(ref) || (!e.includes(".") && e === ref.resource);
}

/**
 * Step 1: the content must be the object its path names; anything else is a tampered archive.
 * Shared with `hks backup verify` (engine/catalog/verify-backup.ts), so what verifies is what restores.
 * @throws IntegrityError naming the entry and what contradicts its path.
 */
export function checkArchivedIdentity(
  raw: unknown,
  ref: ArchiveObjectRef,
  where: string = describeRef(ref),
): KubeObject {
  const o = raw as Partial<KubeObject> | null;
  const bad = (why: string): never => {
    throw new IntegrityError(
      `archive entry ${where} is refused: ${why}; the archive was not written by hks-backup or has been tampered with`,
    );
  };
  if (!o || typeof o !== "object" || Array.isArray(o)) bad("it is not a YAML mapping (a Kubernetes object)");
  if (
    typeof o!.apiVersion !== "string" ||
    typeof o!.kind !== "string" ||
    !o!.metadata ||
    typeof o!.metadata.name !== "string"
  ) {
    bad("it lacks apiVersion, kind or metadata.name");
  }
  const md = o!.metadata!;
  if (md.name !== ref.name)
    bad(`its metadata.name is ${JSON.stringify(md.name)}, the path says ${JSON.stringify(ref.name)}`);
  if ((md.namespace || undefined) !== ref.namespace)
    bad(
      `its metadata.namespace is ${JSON.stringify(md.namespace ?? null)}, the path says ` +
        `${JSON.stringify(ref.namespace ?? null)}`,
    );
  if (groupOf(o!.apiVersion!) !== ref.group)
    bad(`its apiVersion ${o!.apiVersion} is not in group ${JSON.stringify(ref.group)} of the path`);
  return o as KubeObject;
}

function patchesFor(o: KubeObject, ref: ArchiveObjectRef, patches: readonly RestorePatch[]): RestorePatch[] {
  return patches.filter(
    (p) =>
      (p.group === "core" ? "" : p.group) === ref.group &&
      p.kind === o.kind &&
      (p.name === undefined || p.name === ref.name),
  );
}

/**
 * Decides what to do with one archived object (see the module comment for the steps).
 * Throws IntegrityError when the object contradicts its path or lies outside the backup's namespaces.
 * @param raw the parsed YAML of the entry.
 * @param ref the object reference parsed from the entry's path.
 * @param opts the restore's options.
 */
export function transformObject(raw: unknown, ref: ArchiveObjectRef, opts: TransformOptions): TransformDecision {
  const where = describeRef(ref);
  const source = checkArchivedIdentity(raw, ref, where);
  const key = groupResourceKey(ref);
  // For a Namespace object, the namespace it "is in" is itself.
  const scopeNs = ref.namespace ?? (key === "namespaces" ? ref.name : undefined);
  if (scopeNs !== undefined && opts.backupNamespaces?.length && !opts.backupNamespaces.includes(scopeNs)) {
    throw new IntegrityError(
      `archive entry ${where} is refused: namespace ${scopeNs} is not one the backup recorded ` +
        `(${opts.backupNamespaces.join(", ")}); the archive does not match its manifest`,
    );
  }
  if (scopeNs !== undefined && opts.includeNamespaces && !opts.includeNamespaces.includes(scopeNs)) {
    return { action: "skip", reason: "namespace not included in this restore" };
  }
  if (opts.namespacedOnly && scopeNs === undefined) return { action: "skip", reason: NAMESPACED_ONLY_REASON };
  const o = sanitizeObject(source, { keepStatus: true }) as KubeObject;
  if (opts.includeResources?.length && !opts.includeResources.some((e) => matchesResourceFilter(e, ref))) {
    return { action: "skip", reason: "resource type not in includeResources" };
  }
  if (opts.excludeResources?.some((e) => matchesResourceFilter(e, ref)))
    return { action: "skip", reason: "resource type in excludeResources" };
  if (opts.selector?.length && !matchesSelector(opts.selector, o.metadata.labels))
    return { action: "skip", reason: "labels do not match the selector" };
  const skip = skipReason(ref, o);
  if (skip) return { action: "skip", reason: skip };

  const map = (ns: string) => opts.namespaceMapping[ns] ?? ns;
  mapNamespaces(o, key, map);
  dropSourceClusterFields(key, o, opts.preserveNodePorts ?? false);
  const owners = takeOwners(o);
  let out: KubeObject = o;
  // Patches see the object as it will be applied (mapped), so a test op can check the target namespace.
  for (const p of patchesFor(o, ref, opts.patches ?? [])) {
    try {
      out = applyJsonPatch(out, p.patch);
    } catch (e) {
      return {
        action: "fail",
        reason:
          `patch for ${p.group || "core"}/${p.kind}${p.name ? `/${p.name}` : ""} does not apply: ` +
          `${(e as Error).message}`,
      };
    }
  }
  const targetNamespace = ref.namespace === undefined ? undefined : map(ref.namespace);
  const md = out.metadata as KubeObject["metadata"] | undefined;
  if (
    !md ||
    md.name !== o.metadata.name ||
    (md.namespace || undefined) !== targetNamespace ||
    out.kind !== source.kind ||
    out.apiVersion !== source.apiVersion
  ) {
    return {
      action: "fail",
      reason:
        "a patch changed the object's apiVersion, kind, name or namespace; patches may change content only " +
        "(use namespaceMapping to move objects)",
    };
  }
  return { action: "restore", object: out, targetNamespace, owners };
}

/** Removes `metadata.ownerReferences`, returning them without their (dead) uids. */
function takeOwners(o: KubeObject): PendingOwner[] {
  const refs = o.metadata.ownerReferences;
  delete o.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs
    .filter(
      (r): r is Record<string, unknown> =>
        typeof r === "object" &&
        r !== null &&
        typeof r.kind === "string" &&
        typeof r.name === "string" &&
        typeof r.apiVersion === "string",
    )
    .map((r) => ({
      apiVersion: r.apiVersion as string,
      kind: r.kind as string,
      name: r.name as string,
      ...(r.controller === true ? { controller: true } : {}),
      ...(r.blockOwnerDeletion === true ? { blockOwnerDeletion: true } : {}),
    }));
}
