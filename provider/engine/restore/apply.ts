/**
 * Applies one transformed object to the target under the existing-resource policy:
 * - absent → create;
 * - present, policy `none` → skip with the reason "already exists" (counted, not warned about);
 * - present, policy `update` → replace the live object at its resourceVersion, keeping what the
 *   target owns (finalizers, a claim's bound spec, allocated IPs and ports). An update the server
 *   answers with the same resourceVersion changed nothing and counts as `unchanged`.
 * Failures are recorded with the server's reason, with the object's own name taken out of the
 * message so that equal failures group together.
 */
import type { OwnerTracker } from "./owners";
import type { RestoreOutcomes } from "./result";
import { type ExistingResourcePolicy } from "./types";
import { ClusterCallError, type RestoreCluster } from "../../kube/target-cluster";
import type { SpilledObject } from "./spill";
import type { KubeObject } from "../../format/kube-object";

/** The skip reason of an existing object under policy `none`. */
export const EXISTS_REASON = "already exists in the target (existingResourcePolicy: none)";

/** What applying needs besides the object. */
export interface ApplyDeps {
  readonly cluster: RestoreCluster;
  readonly policy: ExistingResourcePolicy;
  readonly outcomes: RestoreOutcomes;
  readonly owners: OwnerTracker;
}

/** How an apply ended, for callers that act on it (Namespaces, volumes). */
export type ApplyOutcome =
  { action: "created" | "updated" | "unchanged"; live: KubeObject } | { action: "skipped" | "failed" };

/** The failure reason of a cluster call, generalised so equal failures of different objects group. */
export function failureReason(e: unknown, obj: KubeObject): string {
  let m = e instanceof Error ? e.message : String(e);
  // "creating ConfigMap ns/name: HTTP 422: ConfigMap \"name\" is invalid: ..." → keep the part after the verb.
  m = m.replace(/^(creating|updating|reading|deleting) \S+ \S+: /, "");
  const name = obj.metadata.name;
  if (name) m = m.split(`"${name}"`).join("<name>");
  return m.length > 500 ? `${m.slice(0, 500)}...` : m;
}

/** The parts of a live object that the target owns and a replace must carry over. */
function keepTargetOwned(desired: KubeObject, live: KubeObject): KubeObject {
  const out = structuredClone(desired);
  out.metadata.resourceVersion = live.metadata.resourceVersion;
  // Finalizers are added by the target's controllers (pvc-protection, ...); dropping them would
  // bypass their protection.
  if (Array.isArray(live.metadata.finalizers)) {
    out.metadata.finalizers = [
      ...new Set([
        ...(live.metadata.finalizers as string[]),
        ...((out.metadata.finalizers as string[] | undefined) ?? []),
      ]),
    ];
  }
  if (!out.metadata.ownerReferences && live.metadata.ownerReferences)
    out.metadata.ownerReferences = live.metadata.ownerReferences;
  const spec = out.spec as Record<string, unknown> | undefined;
  const liveSpec = live.spec as Record<string, unknown> | undefined;
  if (out.kind === "PersistentVolumeClaim" && liveSpec) {
    // A claim's spec is immutable once bound, except a larger request: keep the live spec.
    out.spec = { ...liveSpec };
  } else if (out.kind === "Service" && spec && liveSpec) {
    // The cluster allocated these; the transform dropped the source's values.
    for (const f of ["clusterIP", "clusterIPs", "healthCheckNodePort"])
      if (spec[f] === undefined && liveSpec[f] !== undefined) spec[f] = liveSpec[f];
    const livePorts = Array.isArray(liveSpec.ports) ? (liveSpec.ports as Record<string, unknown>[]) : [];
    if (Array.isArray(spec.ports)) {
      for (const p of spec.ports as Record<string, unknown>[]) {
        const match = livePorts.find((l) => l.port === p.port && (l.protocol ?? "TCP") === (p.protocol ?? "TCP"));
        if (p.nodePort === undefined && match?.nodePort !== undefined) p.nodePort = match.nodePort;
      }
    }
  } else if (out.kind === "Namespace" && liveSpec) {
    out.spec = { ...liveSpec };
  }
  return out;
}

async function update(s: SpilledObject, obj: KubeObject, deps: ApplyDeps): Promise<ApplyOutcome> {
  for (let attempt = 0; ; attempt++) {
    const live = await deps.cluster.get({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
    });
    if (!live) return create(s, obj, deps, false); // deleted meanwhile
    try {
      const after = await deps.cluster.replace(keepTargetOwned(obj, live));
      const action = after.metadata.resourceVersion === live.metadata.resourceVersion ? "unchanged" : "updated";
      return { action, live: after };
    } catch (e) {
      // Someone else changed it between our read and write: read again once.
      if (e instanceof ClusterCallError && e.status === 409 && attempt === 0) continue;
      throw e;
    }
  }
}

async function create(s: SpilledObject, obj: KubeObject, deps: ApplyDeps, mayExist: boolean): Promise<ApplyOutcome> {
  try {
    return { action: "created", live: await deps.cluster.create(obj) };
  } catch (e) {
    if (!(mayExist && e instanceof ClusterCallError && e.status === 409 && e.reason === "AlreadyExists")) throw e;
  }
  if (deps.policy === "none") {
    deps.outcomes.skipped(s.item, EXISTS_REASON);
    return { action: "skipped" };
  }
  return update(s, obj, deps);
}

/**
 * Applies `s` (optionally as `override`, e.g. a claim pointed at its snapshot) and records the
 * outcome. Never throws for a failure of this object; it is recorded instead.
 */
export async function applyObject(s: SpilledObject, deps: ApplyDeps, override?: KubeObject): Promise<ApplyOutcome> {
  const obj = structuredClone(override ?? s.object);
  const later = deps.owners.attach(obj, s.owners);
  try {
    const out = await create(s, obj, deps, true);
    if ("live" in out) {
      deps.outcomes.restored(out.action);
      deps.owners.remember(out.live);
      deps.owners.defer(out.live, s.item, later);
    }
    return out;
  } catch (e) {
    deps.outcomes.failed(s.item, failureReason(e, obj));
    return { action: "failed" };
  }
}
