/**
 * The least-privilege RBAC of a plan's runner, as data: every rule carries the reason it exists
 * (the restore-priority table style), and only what the run of THIS plan uses is granted. Pure.
 *
 * Where rules go:
 * - the plan's namespace: read its own ConfigMap, its locations' ConfigMaps and their credentials
 *   Secrets, each by name (`resourceNames`);
 * - each target namespace (a Role there), or the whole cluster when the target names no namespace
 *   or `*` (a ClusterRole: a cluster-wide backup needs cluster-wide read, and the plan says so);
 * - cluster-scoped reads a namespaced backup still needs (its Namespace objects, CRDs, snapshot
 *   classes) in a ClusterRole limited to those resources.
 * Excluded resource types cannot be subtracted in RBAC (it has no deny), so `excludeResources`
 * narrows nothing; `includeResources` does.
 */
import type { PlanSpec } from "../format/plan-spec";
import { planObjectName } from "../format/plan-spec";
import { configMapName, type LocationConfig } from "./location-config";

/** One RBAC rule with the reason it is granted. */
export interface ExplainedRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
  /** Why the runner needs it (rendered into an annotation; asserted by tests). */
  readonly why: string;
}

/** Rules for one namespace (a Role), or for the cluster (`namespace` undefined: a ClusterRole). */
export interface RuleSet {
  readonly namespace?: string;
  readonly rules: ExplainedRule[];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The resources a backup of `spec.target` LISTs and GETs, as rules (`*` unless includeResources). */
function readRules(spec: PlanSpec): ExplainedRule[] {
  const inc = spec.target.includeResources ?? [];
  const why = "the backup LISTs every included resource type (page by page) and GETs objects it needs whole";
  if (inc.length === 0 || inc.includes("*"))
    return [{ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list"], why }];
  return inc.map((p) => {
    const dot = p.indexOf(".");
    // `configmaps` matches the resource in any group (engine/collect/filter.ts resourceMatches), so does the rule.
    return dot < 0
      ? { apiGroups: ["*"], resources: [p], verbs: ["get", "list"], why }
      : { apiGroups: [p.slice(dot + 1)], resources: [p.slice(0, dot)], verbs: ["get", "list"], why };
  });
}

function podsIncluded(spec: PlanSpec): boolean {
  const inc = spec.target.includeResources ?? [];
  const exc = spec.target.excludeResources ?? [];
  const named = (list: readonly string[]) => list.some((p) => p === "*" || p === "pods");
  return (inc.length === 0 || named(inc)) && !exc.includes("pods");
}

/** Rules every target namespace (or the cluster, for a cluster-wide target) needs. */
export function targetRules(spec: PlanSpec): ExplainedRule[] {
  const rules = readRules(spec);
  const planHooks = spec.hooks.pre.length + spec.hooks.post.length > 0;
  const incAll =
    (spec.target.includeResources ?? []).length === 0 || (spec.target.includeResources ?? []).includes("*");
  if ((planHooks || spec.target.snapshotVolumes) && !incAll && !(spec.target.includeResources ?? []).includes("pods")) {
    rules.push({
      apiGroups: [""],
      resources: ["pods"],
      verbs: ["get", "list"],
      why: "plan hooks find their pods, and snapshots find the volumes pods use, by listing the target's pods",
    });
  }
  if (podsIncluded(spec) || planHooks) {
    rules.push({
      apiGroups: [""],
      resources: ["pods/exec"],
      verbs: ["create", "get"],
      why:
        "pre/post hooks (pod annotations and plan hooks) run commands in containers; create is the exec verb, " +
        "get is what API servers before 1.31 check for the websocket upgrade",
    });
  }
  if (spec.target.snapshotVolumes) {
    rules.push({
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshots"],
      verbs: ["create", "get", "delete"],
      why:
        "snapshotVolumes: create a VolumeSnapshot per included PVC, poll it until readyToUse, delete one that " +
        "failed or timed out",
    });
  }
  return rules;
}

/** The cluster-scoped reads of a backup (a ClusterRole limited to these resources). */
export function clusterRules(spec: PlanSpec): ExplainedRule[] {
  const named = spec.target.namespaces.filter((n) => n !== "*");
  const clusterWide = named.length === 0 || spec.target.namespaces.includes("*");
  const rules: ExplainedRule[] = [];
  if (!(spec.target.excludeResources ?? []).includes("namespaces")) {
    rules.push({
      apiGroups: [""],
      resources: ["namespaces"],
      verbs: ["get"],
      ...(clusterWide ? {} : { resourceNames: sorted(named) }),
      why:
        "the backup stores the Namespace objects it covers (their labels and annotations carry policy such as " +
        "pod security)",
    });
  }
  if (!(spec.target.excludeResources ?? []).includes("customresourcedefinitions.apiextensions.k8s.io")) {
    rules.push({
      apiGroups: ["apiextensions.k8s.io"],
      resources: ["customresourcedefinitions"],
      verbs: ["get", "list"],
      why: "the backup stores the CRD of every custom resource type it holds, so a restore can create them first",
    });
  }
  if (spec.target.snapshotVolumes) {
    rules.push(
      {
        apiGroups: ["snapshot.storage.k8s.io"],
        resources: ["volumesnapshotclasses"],
        verbs: ["get", "list"],
        why: "snapshotVolumes: pick the VolumeSnapshotClass matching each PVC's CSI driver",
      },
      {
        apiGroups: ["snapshot.storage.k8s.io"],
        resources: ["volumesnapshotcontents"],
        verbs: ["get"],
        why: "snapshotVolumes: record the snapshot handle of each bound VolumeSnapshotContent",
      },
      {
        apiGroups: ["storage.k8s.io"],
        resources: ["storageclasses"],
        verbs: ["get", "list"],
        why: "snapshotVolumes: find each PVC's CSI driver from its StorageClass",
      },
    );
  }
  if (spec.target.volumeData) {
    rules.push({
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotcontents"],
      verbs: ["create", "delete"],
      why:
        "volumeData: bind a Retain VolumeSnapshotContent to each snapshot's handle so the mover reads it in the " +
        "location's namespace, and remove it after the copy (the backup's snapshot stays)",
    });
  }
  return rules;
}

/** What copying volume data does in the location's namespace (engine/volume-data/mover.ts). */
function moverRules(): ExplainedRule[] {
  const why = "volumeData: the mover's objects, created per PVC copy and removed after it";
  return [
    { apiGroups: [""], resources: ["pods", "persistentvolumeclaims"], verbs: ["create", "get", "delete"], why },
    {
      apiGroups: [""],
      resources: ["pods/log"],
      verbs: ["get"],
      why: "volumeData: show the mover's progress (bytes done, rate)",
    },
    { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"], verbs: ["create", "get", "delete"], why },
  ];
}

/** Rules to read the plan's own records: plan ConfigMap, location ConfigMaps, credentials Secrets. */
function recordRules(spec: PlanSpec, locations: readonly LocationConfig[]): Map<string, ExplainedRule[]> {
  const out = new Map<string, ExplainedRule[]>();
  const add = (ns: string, r: ExplainedRule) => out.set(ns, [...(out.get(ns) ?? []), r]);
  add(spec.namespace, {
    apiGroups: [""],
    resources: ["configmaps"],
    verbs: ["get"],
    resourceNames: sorted([planObjectName(spec.name), ...locations.map((l) => configMapName(l.name))]),
    why: "read the plan (plan.json) and the records of its primary and copy storage locations",
  });
  const secrets = new Map<string, string[]>();
  for (const l of locations) {
    if (l.credentials.kind !== "secret") continue;
    secrets.set(l.credentials.namespace, [...(secrets.get(l.credentials.namespace) ?? []), l.credentials.name]);
  }
  for (const [ns, names] of [...secrets].sort(([a], [b]) => a.localeCompare(b))) {
    add(ns, {
      apiGroups: [""],
      resources: ["secrets"],
      verbs: ["get"],
      resourceNames: sorted(names),
      why: "read the S3 credentials of the plan's locations (by name only; never any other Secret)",
    });
  }
  return out;
}

/**
 * Every rule the runner of `spec` needs, grouped into Roles (per namespace) and one ClusterRole
 * (`namespace` undefined), in a stable order: plan namespace first, then other namespaces by name,
 * then the cluster.
 */
export function planRuleSets(spec: PlanSpec, locations: readonly LocationConfig[]): RuleSet[] {
  const byNs = recordRules(spec, locations);
  const primary = locations.find((l) => l.name === spec.storageLocation);
  if (spec.target.volumeData && primary)
    byNs.set(primary.namespace, [...(byNs.get(primary.namespace) ?? []), ...moverRules()]);
  const named = spec.target.namespaces.filter((n) => n !== "*");
  const clusterWide = named.length === 0 || spec.target.namespaces.includes("*");
  const target = targetRules(spec);
  if (!clusterWide) {
    const excluded = new Set(spec.target.excludeNamespaces ?? []);
    for (const ns of sorted(named)) if (!excluded.has(ns)) byNs.set(ns, [...(byNs.get(ns) ?? []), ...target]);
  }
  const sets: RuleSet[] = [...byNs]
    .sort(([a], [b]) => (a === spec.namespace ? -1 : b === spec.namespace ? 1 : a.localeCompare(b)))
    .map(([namespace, rules]) => ({ namespace, rules }));
  sets.push({ rules: [...(clusterWide ? target : []), ...clusterRules(spec)] });
  return sets;
}
