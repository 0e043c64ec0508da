/**
 * Namespace mapping inside objects: besides `metadata.namespace`, some fields name a namespace, and a
 * clone (production → staging) that kept them would silently point back at the source (a RoleBinding
 * granting the source's ServiceAccount, a NetworkPolicy admitting the source namespace). Each rule
 * below says which field and why. Pure: callers pass a copy they own; rules mutate it in place.
 */

type Json = Record<string, unknown>;
/** Maps a source namespace to its target; identity for namespaces without a mapping. */
export type NamespaceMapper = (namespace: string) => string;

/** The well-known label every namespace carries with its own name (set by the API server). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function arr(v: unknown): Json[] {
  return Array.isArray(v) ? v.map(obj).filter((x): x is Json => x !== undefined) : [];
}

/** Follows `path` through nested objects; undefined when any step is missing. */
function at(root: unknown, ...path: string[]): Json | undefined {
  let cur = obj(root);
  for (const p of path) cur = obj(cur?.[p]);
  return cur;
}

function mapField(o: Json | undefined, field: string, map: NamespaceMapper): void {
  if (o && typeof o[field] === "string" && o[field] !== "") o[field] = map(o[field] as string);
}

/** Maps a label selector that selects namespaces by their name label (`kubernetes.io/metadata.name`). */
function mapNamespaceSelector(sel: Json | undefined, map: NamespaceMapper): void {
  if (!sel) return;
  const ml = obj(sel.matchLabels);
  if (ml && typeof ml[NAMESPACE_NAME_LABEL] === "string")
    ml[NAMESPACE_NAME_LABEL] = map(ml[NAMESPACE_NAME_LABEL] as string);
  for (const e of arr(sel.matchExpressions)) {
    if (e.key === NAMESPACE_NAME_LABEL && Array.isArray(e.values))
      e.values = e.values.map((v) => (typeof v === "string" ? map(v) : v));
  }
}

/** Pod (anti-)affinity terms list namespaces explicitly, or select them by label. */
function mapPodSpec(spec: Json | undefined, map: NamespaceMapper): void {
  const affinity = at(spec, "affinity");
  for (const kind of ["podAffinity", "podAntiAffinity"]) {
    const a = at(affinity, kind);
    const terms = [
      ...arr(a?.requiredDuringSchedulingIgnoredDuringExecution),
      ...arr(a?.preferredDuringSchedulingIgnoredDuringExecution)
        .map((p) => obj(p.podAffinityTerm))
        .filter((t): t is Json => !!t),
    ];
    for (const t of terms) {
      if (Array.isArray(t.namespaces)) t.namespaces = t.namespaces.map((n) => (typeof n === "string" ? map(n) : n));
      mapNamespaceSelector(obj(t.namespaceSelector), map);
    }
  }
}

/** Where the pod spec sits in each workload type (group-resource key → path). */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  pods: ["spec"],
  podtemplates: ["template", "spec"],
  replicationcontrollers: ["spec", "template", "spec"],
  "deployments.apps": ["spec", "template", "spec"],
  "replicasets.apps": ["spec", "template", "spec"],
  "statefulsets.apps": ["spec", "template", "spec"],
  "daemonsets.apps": ["spec", "template", "spec"],
  "jobs.batch": ["spec", "template", "spec"],
  "cronjobs.batch": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** One namespace-naming field rule. */
export interface NamespaceFieldRule {
  /** Group-resource keys the rule applies to. */
  readonly resources: readonly string[];
  /** The field(s), for documentation and messages. */
  readonly fields: string;
  /** Why the field must follow the mapping. */
  readonly why: string;
  readonly apply: (o: Json, map: NamespaceMapper, groupResource: string) => void;
}

/** Every field besides `metadata.namespace` that names a namespace and follows the mapping. */
export const NAMESPACE_FIELD_RULES: readonly NamespaceFieldRule[] = [
  {
    resources: ["namespaces"],
    fields: `metadata.name, metadata.labels["${NAMESPACE_NAME_LABEL}"]`,
    why: "the Namespace object itself is the mapped namespace",
    apply: (o, map) => {
      const md = at(o, "metadata");
      mapField(md, "name", map);
      const labels = at(md, "labels");
      if (labels && NAMESPACE_NAME_LABEL in labels && typeof md?.name === "string")
        labels[NAMESPACE_NAME_LABEL] = md.name;
    },
  },
  {
    resources: ["rolebindings.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io"],
    fields: "subjects[].namespace",
    why: "a binding in the clone must grant the clone's ServiceAccounts, not the source's",
    apply: (o, map) => arr(o.subjects).forEach((s) => mapField(s, "namespace", map)),
  },
  {
    resources: ["networkpolicies.networking.k8s.io"],
    fields:
      `spec.ingress[].from[].namespaceSelector, spec.egress[].to[].namespaceSelector (by ` +
      `"${NAMESPACE_NAME_LABEL}")`,
    why: "a policy admitting its own namespace by name must admit the clone, not the source",
    apply: (o, map) => {
      for (const r of arr(at(o, "spec")?.ingress))
        arr(r.from).forEach((p) => mapNamespaceSelector(obj(p.namespaceSelector), map));
      for (const r of arr(at(o, "spec")?.egress))
        arr(r.to).forEach((p) => mapNamespaceSelector(obj(p.namespaceSelector), map));
    },
  },
  {
    resources: Object.keys(POD_SPEC_PATHS),
    fields: "pod spec affinity terms: namespaces[], namespaceSelector",
    why: "co-location rules that name the source namespace would place the clone's pods next to the source's",
    apply: (o, map, gr) => {
      const [first, ...rest] = POD_SPEC_PATHS[gr] ?? [];
      if (first) mapPodSpec(at(o, first, ...rest), map);
    },
  },
  {
    resources: ["persistentvolumes"],
    fields: "spec.claimRef.namespace",
    why: "a pre-bound volume must bind to the claim in the target namespace",
    apply: (o, map) => mapField(at(o, "spec", "claimRef"), "namespace", map),
  },
  {
    resources: ["volumesnapshotcontents.snapshot.storage.k8s.io"],
    fields: "spec.volumeSnapshotRef.namespace",
    why: "a content binds only to the VolumeSnapshot its ref names",
    apply: (o, map) => mapField(at(o, "spec", "volumeSnapshotRef"), "namespace", map),
  },
  {
    resources: [
      "mutatingwebhookconfigurations.admissionregistration.k8s.io",
      "validatingwebhookconfigurations.admissionregistration.k8s.io",
    ],
    fields: "webhooks[].clientConfig.service.namespace",
    why: "the webhook's backing Service moved with its namespace",
    apply: (o, map) => arr(o.webhooks).forEach((w) => mapField(at(w, "clientConfig", "service"), "namespace", map)),
  },
  {
    resources: ["apiservices.apiregistration.k8s.io"],
    fields: "spec.service.namespace",
    why: "the aggregated API's backing Service moved with its namespace",
    apply: (o, map) => mapField(at(o, "spec", "service"), "namespace", map),
  },
  {
    resources: ["customresourcedefinitions.apiextensions.k8s.io"],
    fields: "spec.conversion.webhook.clientConfig.service.namespace",
    why: "the conversion webhook's backing Service moved with its namespace",
    apply: (o, map) => mapField(at(o, "spec", "conversion", "webhook", "clientConfig", "service"), "namespace", map),
  },
];

/**
 * Maps `metadata.namespace` and every field in {@link NAMESPACE_FIELD_RULES} of `o` in place.
 * @param o the object (a copy the caller owns).
 * @param groupResource its group-resource key (`rolebindings.rbac.authorization.k8s.io`).
 * @param map source → target namespace.
 */
export function mapNamespaces(o: Json, groupResource: string, map: NamespaceMapper): void {
  mapField(at(o, "metadata"), "namespace", map);
  for (const rule of NAMESPACE_FIELD_RULES)
    if (rule.resources.includes(groupResource)) rule.apply(o, map, groupResource);
}
