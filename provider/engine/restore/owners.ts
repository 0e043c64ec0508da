/**
 * Owner references across a restore. An archived reference carries the owner's uid in the SOURCE
 * cluster; sent as is, it names an object that does not exist in the target, and the garbage
 * collector deletes the restored dependent as an orphan. So transform.ts takes references off, and
 * this module puts each one back with the owner's NEW uid: at once when the owner was already
 * restored (or seen), else after every tier has been applied, when all owners that will exist do.
 * A reference whose owner is not in the target is dropped with a warning.
 */
import { groupOf, type PendingOwner } from "../transform/transform";
import type { KubeObject } from "../../format/kube-object";
import { refOf } from "../../kube/restore-cluster";
import type { RestoreOutcomes } from "./result";
import { ClusterCallError, type RestoreCluster, type TargetRef } from "../../kube/target-cluster";

type OwnerRef = PendingOwner & { uid: string };

function keyOf(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ""}/${name}`;
}

/** Remembers uids of objects in the target and re-attaches owner references. */
export class OwnerTracker {
  private readonly uids = new Map<string, string>();
  private readonly deferred: { target: TargetRef; item: string; owners: readonly PendingOwner[] }[] = [];

  constructor(private readonly cluster: RestoreCluster) {}

  /** Records the uid of an object now in the target (created, updated or found). */
  remember(obj: KubeObject): void {
    const uid = obj.metadata?.uid;
    if (typeof uid === "string")
      this.uids.set(
        keyOf(groupOf(obj.apiVersion), obj.kind, obj.metadata.namespace || undefined, obj.metadata.name),
        uid,
      );
  }

  private knownUid(owner: PendingOwner, namespace: string | undefined): string | undefined {
    // An owner is in the dependent's namespace, or cluster-scoped; the latter is keyed without one.
    return (
      this.uids.get(keyOf(groupOf(owner.apiVersion), owner.kind, namespace, owner.name)) ??
      this.uids.get(keyOf(groupOf(owner.apiVersion), owner.kind, undefined, owner.name))
    );
  }

  /**
   * Sets on `obj` the references whose owners are known now (mutating `obj`) and returns the rest,
   * to be passed to {@link defer} once the object is in the target.
   */
  attach(obj: KubeObject, owners: readonly PendingOwner[]): PendingOwner[] {
    if (owners.length === 0) return [];
    const ns = obj.metadata.namespace || undefined;
    const known: OwnerRef[] = [];
    const later: PendingOwner[] = [];
    for (const o of owners) {
      const uid = this.knownUid(o, ns);
      if (uid) known.push({ ...o, uid });
      else later.push(o);
    }
    if (known.length) obj.metadata.ownerReferences = known;
    return later;
  }

  /** Remembers references to add to `obj` (now restored) by {@link resolveDeferred}. */
  defer(obj: KubeObject, item: string, owners: readonly PendingOwner[]): void {
    if (owners.length) this.deferred.push({ target: refOf(obj), item, owners });
  }

  /** Finds an owner's uid in the target (cached), or undefined when it does not exist there. */
  private async lookup(owner: PendingOwner, namespace: string | undefined): Promise<string | undefined> {
    const known = this.knownUid(owner, namespace);
    if (known) return known;
    const info = await this.cluster.resourceFor(owner.apiVersion, owner.kind);
    if (!info) return undefined;
    const live = await this.cluster.get({
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: owner.name,
      namespace: info.namespaced ? namespace : undefined,
    });
    if (live) this.remember(live);
    return live?.metadata.uid as string | undefined;
  }

  /**
   * After all tiers: adds the remaining references to each restored dependent (read, add, replace;
   * retried once on a conflict). Owners missing from the target are reported as warnings.
   */
  async resolveDeferred(outcomes: RestoreOutcomes): Promise<void> {
    for (const d of this.deferred) {
      const found: OwnerRef[] = [];
      for (const o of d.owners) {
        const uid = await this.lookup(o, d.target.namespace).catch(() => undefined);
        if (uid) found.push({ ...o, uid });
        else
          outcomes.warn(
            `${d.item}: owner ${o.kind}/${o.name} is not in the target cluster; the owner reference was ` +
              `dropped (the object will not be garbage-collected with it)`,
          );
      }
      if (found.length === 0) continue;
      for (let attempt = 0; ; attempt++) {
        try {
          const live = await this.cluster.get(d.target);
          if (!live) break;
          const current = Array.isArray(live.metadata.ownerReferences)
            ? (live.metadata.ownerReferences as OwnerRef[])
            : [];
          const add = found.filter((f) => !current.some((c) => c.uid === f.uid));
          if (add.length === 0) break;
          live.metadata.ownerReferences = [...current, ...add];
          await this.cluster.replace(live);
          break;
        } catch (e) {
          if (e instanceof ClusterCallError && e.status === 409 && attempt === 0) continue;
          outcomes.warn(`${d.item}: could not set its owner references: ${(e as Error).message}`);
          break;
        }
      }
    }
  }
}
