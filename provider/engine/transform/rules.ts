/**
 * The fixed rules of restore's transform, as data: which archived objects are never restored, and
 * which fields are dropped because they belong to the source cluster. Each entry says why (velero
 * keeps the same kind of list in `restore.go`; here it is one table a reviewer can read).
 */
import { groupResourceKey, type ArchiveObjectRef } from "../../format/archive-paths";

type Json = Record<string, unknown>;

/** A rule that skips an archived object; `reason` is what the restore result reports. */
export interface SkipRule {
  /** Group-resource keys the rule applies to. */
  readonly resources: readonly string[];
  /** The reason, when the rule matches `o`; undefined when it does not. */
  readonly reason: (o: Json) => string | undefined;
}

function controllerOf(o: Json): { kind?: string; name?: string } | undefined {
  const refs = (o.metadata as Json | undefined)?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  return refs.find((r) => (r as Json)?.controller === true) as { kind?: string; name?: string } | undefined;
}

const always = (reason: string) => () => reason;

/** Service-account token Secrets: the type the token controller owns. */
export const SERVICE_ACCOUNT_TOKEN_TYPE = "kubernetes.io/service-account-token";

/** The ConfigMap every namespace gets with the cluster's CA (root-ca-cert-publisher). */
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";

/** Objects never restored, each with the reason reported for it. */
export const SKIP_RULES: readonly SkipRule[] = [
  {
    resources: ["events", "events.events.k8s.io"],
    reason: always("Events record the source cluster's history; the target writes its own"),
  },
  {
    resources: ["endpoints", "endpointslices.discovery.k8s.io"],
    reason: always("endpoints are rebuilt by the target's controllers from the restored Services and running pods"),
  },
  {
    // A controller-owned Pod, ReplicaSet, Job or ControllerRevision is recreated by its owner (a
    // Deployment, CronJob, StatefulSet...); restoring it too would run it twice or be deleted as a
    // stray copy. An unowned (bare) one is restored.
    resources: ["pods", "replicasets.apps", "jobs.batch", "controllerrevisions.apps"],
    reason: (o) => {
      const c = controllerOf(o);
      return c ? `created by its controller ${c.kind ?? "?"}/${c.name ?? "?"}, which recreates it` : undefined;
    },
  },
  {
    resources: ["secrets"],
    reason: (o) =>
      o.type === SERVICE_ACCOUNT_TOKEN_TYPE
        ? "a service-account token is valid only in the source cluster; the target issues its own"
        : undefined,
  },
  {
    resources: ["configmaps"],
    reason: (o) =>
      (o.metadata as Json | undefined)?.name === ROOT_CA_CONFIGMAP
        ? "published by the target cluster with its own CA"
        : undefined,
  },
  {
    // Restoring a PV would point the clone at the source's disk (two claims, one volume). Claims
    // get new volumes: from their snapshot (restoreVolumes) or from their StorageClass.
    resources: ["persistentvolumes"],
    reason: always(
      "a PersistentVolume is the source's disk; restored claims get new volumes (from snapshots with " +
        "restoreVolumes, else from their StorageClass)",
    ),
  },
];

/** The first skip reason that applies to `o`, or undefined. */
export function skipReason(ref: ArchiveObjectRef, o: Json): string | undefined {
  const key = groupResourceKey(ref);
  for (const rule of SKIP_RULES) {
    if (!rule.resources.includes(key)) continue;
    const reason = rule.reason(o);
    if (reason) return reason;
  }
  return undefined;
}

/** PVC annotations that record the source's binding; a restored claim binds anew. */
export const PVC_BINDING_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  // The node a WaitForFirstConsumer volume was provisioned for: a node of the source cluster.
  "volume.kubernetes.io/selected-node",
] as const;

/** Labels the Job controller derives from a Job's uid (old and new spelling). */
export const JOB_UID_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid"] as const;

function del(o: Json | undefined, ...fields: string[]): void {
  if (o) for (const f of fields) delete o[f];
}

/**
 * Drops, in place, fields that name things of the source cluster (numbered rules, applied in order):
 * 1. Service `clusterIP`/`clusterIPs` (unless headless, "None"): the target allocates from its own range.
 * 2. Service `nodePort`s and `healthCheckNodePort` unless `preserveNodePorts`: a clone in the same
 *    cluster would collide with the source's ports ("provided port is already allocated").
 * 3. Pod `spec.nodeName`: names a node of the source cluster; the scheduler places the pod.
 * 4. PVC `spec.volumeName` and binding annotations: never re-bind the source's PV.
 * 5. Job `spec.selector` (unless `manualSelector`) and the pod template's controller-uid labels:
 *    the server generated them from the source Job's uid and refuses them on create; it generates
 *    new ones from the restored Job's uid.
 */
export function dropSourceClusterFields(key: string, o: Json, preserveNodePorts: boolean): void {
  const spec = o.spec as Json | undefined;
  if (key === "services" && spec) {
    if (spec.clusterIP !== "None") del(spec, "clusterIP", "clusterIPs");
    if (!preserveNodePorts) {
      del(spec, "healthCheckNodePort");
      if (Array.isArray(spec.ports)) for (const p of spec.ports) del(p as Json, "nodePort");
    }
  }
  if (key === "pods") del(spec, "nodeName");
  if (key === "jobs.batch" && spec) {
    if (spec.manualSelector !== true) delete spec.selector;
    const labels = ((spec.template as Json | undefined)?.metadata as Json | undefined)?.labels as Json | undefined;
    del(labels, ...JOB_UID_LABELS);
  }
  if (key === "persistentvolumeclaims") {
    del(spec, "volumeName");
    const ann = (o.metadata as Json | undefined)?.annotations as Json | undefined;
    del(ann, ...PVC_BINDING_ANNOTATIONS);
    if (ann && Object.keys(ann).length === 0) delete (o.metadata as Json).annotations;
  }
}
