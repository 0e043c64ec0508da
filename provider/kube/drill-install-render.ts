/**
 * Renders every Kubernetes object a scheduled RestoreDrill installs, as plain JSON. Pure, like
 * plan-install-render.ts, whose runner container conventions it shares; plan-install.ts applies.
 *
 * The runner must create and delete namespaces and write anything inside them, which RBAC alone can
 * only grant cluster-wide (drill namespaces get random names). So its rights are built in three parts:
 * - a ClusterRole that may create/delete namespaces and VolumeSnapshotContents, create RoleBindings
 *   and `bind` exactly one ClusterRole (the "inside" role), and read what a restore looks up;
 * - the inside ClusterRole (everything), which the runner binds to itself in each namespace it just
 *   created, and so holds nowhere else;
 * - a ValidatingAdmissionPolicy that refuses every write of the runner's ServiceAccount outside
 *   namespaces named `<namespacePrefix>-...` (namespaces, namespaced objects, and VolumeSnapshotContents
 *   by the namespace they bind to), and RoleBindings to any other role.
 * Reads stay narrow: the runner reads no Secret outside its own and its location's.
 */
import type { DrillRuntime, DrillSpec } from "../format/drill";
import { DRILL_LABEL, DRILL_RUNTIME_KEY, DRILL_SPEC_KEY, drillFileFields, drillObjectName } from "../format/drill";
import type { BackupPlanInputs, BackupPlanRunnerInputs } from "../types";
import { configMapName, MANAGED_BY, type LocationConfig } from "./location-config";
import type { ExplainedRule } from "./plan-install-rbac";
import {
  RBAC_REASONS_ANNOTATION,
  rbacRules,
  renderRunnerCronJob,
  withOwnerAnnotations,
  type RenderedObject,
} from "./plan-install-render";

/** A scheduled drill as installed. */
export interface DrillInstall {
  /** The drill, its storage location resolved (the runner does not look up the default). */
  readonly spec: DrillSpec & { readonly storageLocation: string };
  /** Namespace of the drill's objects: where its location is recorded (usually hks-system). */
  readonly namespace: string;
  readonly schedule: BackupPlanInputs["schedule"];
  readonly runner: BackupPlanRunnerInputs;
  readonly location: LocationConfig;
  /** age identity file content for encrypted backups: stored in a Secret the runner reads. */
  readonly identity?: string;
  /** The resource's owner (format/owner.ts), annotated on every object. */
  readonly owner?: string;
}

/** Labels of every object a drill installs. */
export function drillLabels(drill: string): Record<string, string> {
  return { ...MANAGED_BY, [DRILL_LABEL]: drill };
}

/** Name of the drill's cluster-scoped objects (ClusterRole, binding, admission policy). */
export const drillClusterName = (drill: string, namespace: string): string => `hks-drill.${namespace}.${drill}`;

/** Name of the role the runner binds to itself inside each drill namespace. */
export const drillInsideRoleName = (drill: string, namespace: string): string =>
  `hks-drill-inside.${namespace}.${drill}`;

/** Secret holding the drill's age identity. */
export const drillIdentitySecretName = (drill: string): string => `${drillObjectName(drill)}-identity`;

/** The ServiceAccount the Job runs as: the given one, or `hks-drill-<name>` created by the drill. */
export function drillServiceAccount(d: Pick<DrillInstall, "spec" | "runner">): { name: string; created: boolean } {
  return d.runner.serviceAccountName
    ? { name: d.runner.serviceAccountName, created: false }
    : { name: drillObjectName(d.spec.name), created: true };
}

/** The runner's Kubernetes user name, as admission sees it. */
export const serviceAccountUser = (namespace: string, name: string): string =>
  `system:serviceaccount:${namespace}:${name}`;

/** What the runner reads in the drill's namespace (and its location's credentials namespace). */
export function drillRecordRules(d: DrillInstall): { namespace: string; rules: ExplainedRule[] }[] {
  const own: ExplainedRule[] = [
    {
      apiGroups: [""],
      resources: ["configmaps"],
      verbs: ["get"],
      resourceNames: [drillObjectName(d.spec.name), configMapName(d.location.name)].sort(),
      why: "read the drill (drill.json) and the record of its storage location",
    },
  ];
  const secrets = new Map<string, string[]>();
  const add = (ns: string, name: string) => secrets.set(ns, [...(secrets.get(ns) ?? []), name]);
  if (d.identity) add(d.namespace, drillIdentitySecretName(d.spec.name));
  if (d.location.credentials.kind === "secret") add(d.location.credentials.namespace, d.location.credentials.name);
  const out = new Map<string, ExplainedRule[]>([[d.namespace, own]]);
  for (const [ns, names] of secrets)
    out.set(ns, [
      ...(out.get(ns) ?? []),
      {
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["get"],
        resourceNames: [...new Set(names)].sort(),
        why: "read the location's S3 credentials and the drill's age identity (by name only; no other Secret)",
      },
    ]);
  return [...out].map(([namespace, rules]) => ({ namespace, rules }));
}

/** The runner's cluster-wide rules; writes are narrowed further by the admission policy. */
export function drillClusterRules(d: DrillInstall): ExplainedRule[] {
  return [
    {
      apiGroups: [""],
      resources: ["namespaces"],
      verbs: ["get", "create", "delete"],
      why:
        "create the drill's namespaces, check none exists already, delete them afterwards (the admission policy " +
        `allows names starting with ${d.spec.namespacePrefix}- only)`,
    },
    {
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["rolebindings"],
      verbs: ["create"],
      why: "bind the inside role in each namespace the drill just created (the admission policy allows no other)",
    },
    {
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["clusterroles"],
      verbs: ["bind"],
      resourceNames: [drillInsideRoleName(d.spec.name, d.namespace)],
      why: "the bind verb on exactly the inside role: Kubernetes refuses a RoleBinding to any role not held",
    },
    {
      apiGroups: ["apiextensions.k8s.io"],
      resources: ["customresourcedefinitions"],
      verbs: ["get", "list"],
      why: "a restore checks that the type of every custom resource in the backup is served",
    },
    {
      apiGroups: ["storage.k8s.io"],
      resources: ["storageclasses"],
      verbs: ["get", "list"],
      why: "restored claims name their StorageClass",
    },
    {
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotclasses"],
      verbs: ["get", "list"],
      why: "restored VolumeSnapshots name the class whose driver handles them",
    },
    {
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotcontents"],
      verbs: ["get", "create", "delete"],
      why:
        "claims restored into another namespace come from a pre-bound VolumeSnapshotContent, deleted after the " +
        "drill (the admission policy allows those bound to drill namespaces only)",
    },
  ];
}

/**
 * The CEL rule of the admission policy: a write by the runner is allowed only in (or of) a drill
 * namespace, and a RoleBinding only to the inside role. Namespaces and VolumeSnapshotContents are
 * cluster-scoped: judged by their name and by the namespace they bind to.
 */
export function drillAdmissionExpression(prefix: string, insideRole: string): string {
  const p = JSON.stringify(`${prefix}-`);
  const obj = `(request.operation == "DELETE" ? oldObject : object)`;
  return [
    `request.resource.resource == "namespaces" ? request.name.startsWith(${p}) :`,
    `request.resource.resource == "volumesnapshotcontents" ?`,
    `  ${obj}.spec.volumeSnapshotRef.namespace.startsWith(${p}) :`,
    `request.namespace.startsWith(${p}) &&`,
    `  (request.resource.resource != "rolebindings" || request.operation == "DELETE" ||`,
    `   (object.roleRef.kind == "ClusterRole" && object.roleRef.name == ${JSON.stringify(insideRole)}))`,
  ].join("\n");
}

/** Rules and the annotation that gives each one's reason. */
function explained(rules: readonly ExplainedRule[]) {
  const { rules: out, reasons } = rbacRules(rules);
  return { rules: out, annotations: { [RBAC_REASONS_ANNOTATION]: reasons } };
}

/** The drill's runtime settings for the runner (format/drill.ts DrillRuntime). */
export function drillRuntime(d: DrillInstall): DrillRuntime {
  return {
    ...(d.identity ? { identitySecret: drillIdentitySecretName(d.spec.name) } : {}),
    grant: {
      clusterRole: drillInsideRoleName(d.spec.name, d.namespace),
      serviceAccount: drillServiceAccount(d).name,
      namespace: d.namespace,
    },
  };
}

/** `hks drill run <name> --namespace <ns> --scheduled`: the arguments after the image's entrypoint. */
export function drillRunnerArgs(drill: string, namespace: string): string[] {
  return ["drill", "run", drill, "--namespace", namespace, "--scheduled"];
}

/** The CronJob `hks-drill-<name>` running `hks drill run <name> --scheduled`. */
export function renderDrillCronJob(d: DrillInstall): RenderedObject {
  return renderRunnerCronJob({
    name: drillObjectName(d.spec.name),
    namespace: d.namespace,
    labels: drillLabels(d.spec.name),
    schedule: d.schedule,
    runner: d.runner,
    serviceAccountName: drillServiceAccount(d).name,
    args: drillRunnerArgs(d.spec.name, d.namespace),
    env: [{ name: "HKS_NAMESPACE", value: d.namespace }],
    locations: [d.location],
  });
}

/** Every object of a scheduled drill, in apply order (CronJob last), each annotated with its owner. */
export function renderDrillObjects(d: DrillInstall): RenderedObject[] {
  const name = drillObjectName(d.spec.name);
  const labels = drillLabels(d.spec.name);
  const ns = d.namespace;
  const sa = drillServiceAccount(d);
  const subject = { kind: "ServiceAccount", name: sa.name, namespace: ns };
  const cluster = drillClusterName(d.spec.name, ns);
  const inside = drillInsideRoleName(d.spec.name, ns);
  const rbac = "rbac.authorization.k8s.io/v1";
  const out: RenderedObject[] = [];
  if (sa.created) out.push({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns, labels } });
  if (d.identity)
    out.push({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: drillIdentitySecretName(d.spec.name), namespace: ns, labels },
      type: "Opaque",
      // `data`, not `stringData`: server-side apply tracks stringData poorly (it is write-only).
      data: { identity: Buffer.from(d.identity, "utf8").toString("base64") },
    });
  out.push({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns, labels },
    data: {
      [DRILL_SPEC_KEY]: JSON.stringify(drillFileFields(d.spec), null, 2),
      [DRILL_RUNTIME_KEY]: JSON.stringify(drillRuntime(d), null, 2),
    },
  });
  for (const set of drillRecordRules(d)) {
    const roleName = set.namespace === ns ? name : cluster;
    const { rules, annotations } = explained(set.rules);
    const meta = { name: roleName, namespace: set.namespace, labels };
    out.push({ apiVersion: rbac, kind: "Role", metadata: { ...meta, annotations }, rules });
    out.push({
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: meta,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
      subjects: [subject],
    });
  }
  const outer = explained(drillClusterRules(d));
  out.push({
    apiVersion: rbac,
    kind: "ClusterRole",
    metadata: { name: cluster, labels, annotations: outer.annotations },
    rules: outer.rules,
  });
  out.push({
    apiVersion: rbac,
    kind: "ClusterRoleBinding",
    metadata: { name: cluster, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: cluster },
    subjects: [subject],
  });
  const insideRules = explained([
    {
      apiGroups: ["*"],
      resources: ["*"],
      verbs: ["*"],
      why:
        "restore, health checks, exec and HTTP checks inside a drill namespace; bound only there, by the runner, " +
        "right after it created the namespace",
    },
  ]);
  out.push({
    apiVersion: rbac,
    kind: "ClusterRole",
    metadata: { name: inside, labels, annotations: insideRules.annotations },
    rules: insideRules.rules,
  });
  const admission = "admissionregistration.k8s.io/v1";
  out.push({
    apiVersion: admission,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: cluster, labels },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: ["*"], apiVersions: ["*"], resources: ["*"], operations: ["CREATE", "UPDATE", "DELETE"] },
        ],
      },
      matchConditions: [
        {
          name: "drill-runner",
          expression: `request.userInfo.username == ${JSON.stringify(serviceAccountUser(ns, sa.name))}`,
        },
      ],
      validations: [
        {
          expression: drillAdmissionExpression(d.spec.namespacePrefix, inside),
          messageExpression:
            `"drill ${d.spec.name} may write only in namespaces named ${d.spec.namespacePrefix}-..., not " + ` +
            `request.resource.resource + " " + (request.namespace != "" ? request.namespace + "/" : "") + request.name`,
          reason: "Forbidden",
        },
      ],
    },
  });
  out.push({
    apiVersion: admission,
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: cluster, labels },
    spec: { policyName: cluster, validationActions: ["Deny"] },
  });
  out.push(renderDrillCronJob(d));
  return withOwnerAnnotations(out, d.owner);
}
