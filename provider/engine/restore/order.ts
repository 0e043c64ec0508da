/**
 * The order in which restore applies resource types: a priority table as data, each tier with the
 * reason it sits where it does (velero `config.go#defaultRestorePriorities`), and a pure function that
 * arranges the types found in an archive into tiers (velero `restore.go#getOrderedResources`).
 *
 * A tier is a set of types with no dependency on each other, so their objects may be applied
 * concurrently; a tier starts only after the previous one has been applied. After the CRD tier the
 * caller refreshes discovery before going on, since the custom resources' APIs only then exist
 * (velero `restore.go#execute`).
 */
import { groupResourceKey, type GroupResource } from "../../format/archive-paths";

/** One tier of the restore priority table. */
export interface RestoreTier {
  /** Group-resource keys (`<resource>.<group>`, core: `<resource>`) applied together in this tier. */
  readonly resources: readonly string[];
  /** Why this tier comes where it does: what breaks if it is applied later. */
  readonly why: string;
}

/**
 * Tiers applied before every type they do not list, in this order. PersistentVolumes are here even
 * though a namespaced backup does not collect them: an archive that does hold a (statically
 * provisioned) PV must restore it before the claims that bind to it; the usual path instead creates
 * new PVs from VolumeSnapshots through the PVCs' `dataSource`.
 */
export const HIGH_PRIORITY_TIERS: readonly RestoreTier[] = [
  {
    resources: ["customresourcedefinitions.apiextensions.k8s.io"],
    why: "custom resources cannot be created until their CRD is established and discovery refreshed",
  },
  { resources: ["namespaces"], why: "every namespaced object needs its namespace to exist" },
  {
    resources: ["storageclasses.storage.k8s.io"],
    why: "PVs and PVCs name a StorageClass that provisioning and binding look up",
  },
  {
    resources: ["volumesnapshotclasses.snapshot.storage.k8s.io"],
    why: "VolumeSnapshotContents and VolumeSnapshots name the class whose driver handles them",
  },
  {
    resources: ["volumesnapshotcontents.snapshot.storage.k8s.io"],
    why: "they hold the storage provider's snapshot handle that VolumeSnapshots bind to",
  },
  {
    resources: ["volumesnapshots.snapshot.storage.k8s.io"],
    why: "restored PVCs use a VolumeSnapshot as their dataSource",
  },
  { resources: ["persistentvolumes"], why: "a PVC pre-bound to a PV (volumeName) binds only once that PV exists" },
  {
    resources: ["persistentvolumeclaims"],
    why: "pods mount them, and a StatefulSet would otherwise create empty claims of the same name",
  },
  {
    resources: ["serviceaccounts"],
    why:
      "token Secrets of a missing ServiceAccount are deleted by the token controller (velero orders them the " +
      "same way)",
  },
  { resources: ["secrets", "configmaps"], why: "pods mounting or reading a missing one fail to start" },
  {
    resources: ["roles.rbac.authorization.k8s.io", "clusterroles.rbac.authorization.k8s.io"],
    why: "the RBAC escalation check on a binding must resolve the role it grants",
  },
  {
    resources: ["rolebindings.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"],
    why: "workloads' ServiceAccounts need their permissions when they start",
  },
  {
    resources: [
      "limitranges",
      "resourcequotas",
      "priorityclasses.scheduling.k8s.io",
      "networkpolicies.networking.k8s.io",
    ],
    why:
      "admission applies defaults, quotas and priority when a pod is created, and pods must not start without " +
      "their network isolation",
  },
  {
    resources: ["services"],
    why: "pods get service environment variables only for Services that exist when they start",
  },
  {
    resources: [
      "pods",
      "replicasets.apps",
      "deployments.apps",
      "statefulsets.apps",
      "daemonsets.apps",
      "jobs.batch",
      "cronjobs.batch",
    ],
    why:
      "workloads need everything above; objects a controller owns are dropped before ordering, so these do not " +
      "depend on each other",
  },
  {
    resources: ["ingresses.networking.k8s.io"],
    why: "an Ingress routes to Services and backends that should already exist",
  },
];

/**
 * Tiers applied after everything else, in this order. Between the high and low tiers come all other
 * types, in one tier (sorted by key so runs are reproducible).
 */
export const LOW_PRIORITY_TIERS: readonly RestoreTier[] = [
  {
    resources: [
      "mutatingwebhookconfigurations.admissionregistration.k8s.io",
      "validatingwebhookconfigurations.admissionregistration.k8s.io",
      "validatingadmissionpolicies.admissionregistration.k8s.io",
      "validatingadmissionpolicybindings.admissionregistration.k8s.io",
      "apiservices.apiregistration.k8s.io",
    ],
    why:
      "a webhook or aggregated API whose backing Service is not running yet would reject or break the restore of " +
      "everything after it",
  },
];

/**
 * Arranges group-resources into restore tiers: high-priority tiers in table order, then every type
 * not in the table in one tier sorted by key, then low-priority tiers. Duplicates are removed, empty
 * tiers are left out, and types within a tier are sorted by key. Pure.
 * @param groupResources the types present in the archive, in any order.
 * @returns the tiers to apply one after another; the types in one tier may be applied concurrently.
 */
export function orderForRestore(groupResources: readonly GroupResource[]): GroupResource[][] {
  const present = new Map<string, GroupResource>();
  for (const gr of groupResources) present.set(groupResourceKey(gr), { group: gr.group, resource: gr.resource });
  const pick = (tier: RestoreTier): GroupResource[] => {
    const out: GroupResource[] = [];
    for (const key of [...tier.resources].sort()) {
      const gr = present.get(key);
      if (gr) out.push(gr);
      present.delete(key);
    }
    return out;
  };
  const high = HIGH_PRIORITY_TIERS.map(pick);
  const low = LOW_PRIORITY_TIERS.map(pick);
  // What is left after both tables took their types is "the rest".
  const rest = [...present.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, gr]) => gr);
  return [...high, rest, ...low].filter((tier) => tier.length > 0);
}
