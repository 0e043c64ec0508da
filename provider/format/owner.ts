/**
 * Who owns an object that hks-backup records in a cluster, and the one rule that decides whether a
 * resource may write (or delete) it. Pure: kube/ownership.ts and plan-install.ts read the live
 * objects and call {@link judgeOwnership}.
 *
 * Why (issue 15): two stacks in one cluster silently overwrote each other's location record, because
 * the record was keyed by name only. Every record now carries its owner (the Pulumi resource URN the
 * SDK builds, or {@link CLI_OWNER} for what `hks` writes), and a writer of another owner is refused
 * with a message naming both owners and the two ways out.
 */

/** Annotation holding the owner: the resource's URN (`urn:pulumi:<stack>::<project>::<type>::<name>`) or `hks-cli`. */
export const OWNER_ANNOTATION = "hks.io/owner";

/** Annotation holding the owner's stack as `<project>/<stack>`, for people reading the object. */
export const OWNER_STACK_ANNOTATION = "hks.io/owner-stack";

/** The owner of objects the `hks` CLI writes (`hks restore create`): no stack may overwrite them. */
export const CLI_OWNER = "hks-cli";

const URN = /^urn:pulumi:([^:]+)::([^:]+)::./;

/** `<project>/<stack>` of a Pulumi URN; undefined for any other owner (e.g. `hks-cli`). */
export function stackOfOwner(owner: string): string | undefined {
  const m = URN.exec(owner);
  return m ? `${m[2]}/${m[1]}` : undefined;
}

/** The annotations that record `owner`; none when the writer has no owner (an older SDK). */
export function ownerAnnotations(owner: string | undefined): Record<string, string> {
  if (!owner) return {};
  const stack = stackOfOwner(owner);
  return { [OWNER_ANNOTATION]: owner, ...(stack ? { [OWNER_STACK_ANNOTATION]: stack } : {}) };
}

/** The owner recorded on a live object (its metadata), undefined when it has none. */
export function ownerOf(live: { metadata?: { annotations?: Record<string, string> | undefined } } | undefined) {
  return live?.metadata?.annotations?.[OWNER_ANNOTATION] || undefined;
}

/** How a person reads an owner in a message. */
export function describeOwner(owner: string | undefined): string {
  if (owner === undefined) return "no recorded owner (written by hand, or by an hks-backup that did not record owners)";
  if (owner === CLI_OWNER) return "the hks CLI (hks-cli)";
  const stack = stackOfOwner(owner);
  return stack ? `stack ${stack} (${owner})` : owner;
}

/** What {@link judgeOwnership} is asked about one object. */
export interface OwnershipQuestion {
  /** The object, for messages: `ConfigMap hks-system/hks-location-minio`. */
  readonly object: string;
  /** Whether the object exists, and the owner it records. */
  readonly live: { readonly exists: boolean; readonly owner?: string };
  /** The writer: this resource's owner (undefined for state written before owners were recorded). */
  readonly self: string | undefined;
  /** Owners this resource had before (its previous inputs' owner: a renamed stack, an alias). */
  readonly previous?: readonly (string | undefined)[];
  /**
   * An object with no recorded owner counts as this resource's own: true for update, read and delete
   * of a resource that existed before owners were recorded (it wrote the object); false for create.
   */
  readonly unownedIsOurs: boolean;
  /** The user set `adopt: true`: take the object over whoever owns it. */
  readonly adopt: boolean;
  /** The input that gives the object another name, e.g. `name` or `name (the plan's name)`. */
  readonly nameInput: string;
}

/** The verdict: write it, take it over (adopt), or refuse with `message`. */
export type OwnershipVerdict =
  | { readonly verdict: "absent" }
  | { readonly verdict: "ours" }
  | { readonly verdict: "adopt"; readonly from: string | undefined }
  | { readonly verdict: "foreign"; readonly owner: string | undefined; readonly message: string };

/**
 * The rule, numbered in the order it is applied:
 * 1. no such object: free to write;
 * 2. recorded owner is this resource (now or before): ours;
 * 3. no recorded owner and `unownedIsOurs`: ours (written by this resource before owners existed);
 * 4. `adopt: true`: taken over, and the message of the caller says from whom;
 * 5. otherwise foreign: refused, naming both owners and the fix.
 */
export function judgeOwnership(q: OwnershipQuestion): OwnershipVerdict {
  if (!q.live.exists) return { verdict: "absent" };
  const owner = q.live.owner;
  if (owner !== undefined && (owner === q.self || (q.previous ?? []).includes(owner))) return { verdict: "ours" };
  if (owner === undefined && q.unownedIsOurs) return { verdict: "ours" };
  if (q.adopt) return { verdict: "adopt", from: owner };
  return { verdict: "foreign", owner, message: ownerRefusal(q.object, owner, q.self, q.nameInput) };
}

/** The refusal: what exists, both owners, and the two fixes. */
export function ownerRefusal(object: string, owner: string | undefined, self: string | undefined, nameInput: string) {
  return (
    `${object} is owned by ${describeOwner(owner)}, not by this resource ` +
    `(${self === undefined ? "which records no owner" : describeOwner(self)}): ` +
    `give this resource a different ${nameInput}, or set adopt: true to take the object over ` +
    `(the other owner then no longer manages it)`
  );
}
