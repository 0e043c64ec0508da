/**
 * Renders every Kubernetes object a BackupPlan installs, as plain JSON. Pure (pulumi-eks
 * `computeVpcCniYaml` next to a separate apply): plan-install.ts applies what these return, and the
 * unit tests assert them field by field.
 *
 * Installed, in apply order: ServiceAccount (unless `runner.serviceAccountName`), ConfigMap
 * `hks-plan-<name>` (plan.json), Roles + RoleBindings, ClusterRole + ClusterRoleBinding, and the
 * CronJob LAST, so its first Job finds everything it needs.
 */
import { ENGINE_NODE_FLAGS } from "../node-flags";
import type { KubernetesObject } from "@kubernetes/client-node";
import { PLAN_LABEL, PLAN_NAMESPACE_LABEL, PLAN_SPEC_KEY, planObjectName, type PlanSpec } from "../format/plan-spec";
import type { BackupPlanInputs, BackupPlanRunnerInputs } from "../types";
import type { LocationConfig } from "./location-config";
import { MANAGED_BY } from "./location-config";
import { ownerAnnotations } from "../format/owner";
import { planRuleSets, type ExplainedRule } from "./plan-install-rbac";

/** A rendered object: apiVersion, kind and metadata always set. */
export type RenderedObject = KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
} & Record<string, unknown>;

/**
 * The runner image's entrypoint (the repo Dockerfile's `ENTRYPOINT`), written into the container's
 * `command` so the Job spells out exactly what runs; a unit test keeps the two equal. Node runs with
 * the engine's heap sizing (node-flags.ts).
 */
export const RUNNER_COMMAND: readonly string[] = ["node", ...ENGINE_NODE_FLAGS, "/app/bin/hks.js"];

/** Container name of the runner in the Job's Pod. */
export const RUNNER_CONTAINER = "runner";

/** Where the runner's writable scratch space (the plaintext spill of a backup) is mounted. */
export const SPILL_MOUNT_PATH = "/tmp";

/** Requests and limits when `runner.resources` is not given: a small steady footprint, memory capped. */
export const DEFAULT_RUNNER_RESOURCES = {
  requests: { cpu: "100m", memory: "256Mi" },
  limits: { memory: "1Gi" },
} as const;

/** Non-root UID/GID of the runner (the `node` user of the node:24-slim base image). */
export const RUNNER_UID = 1000;

/** Annotation on Roles/ClusterRoles listing why each rule exists (rule index → reason). */
export const RBAC_REASONS_ANNOTATION = "hks.io/rule-reasons";

/** `Kind ns/name` (or `Kind name`) for messages. */
export function describeObject(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ""}${o.name}`;
}

/** Labels of every object a plan installs. */
export function planLabels(plan: string, namespace: string): Record<string, string> {
  return { ...MANAGED_BY, [PLAN_LABEL]: plan, [PLAN_NAMESPACE_LABEL]: namespace };
}

/** Name of the plan's Roles outside its namespace, and of its ClusterRole: unique per plan namespace. */
export const planClusterName = (plan: string, namespace: string): string => `hks-plan.${namespace}.${plan}`;

/** The ServiceAccount the Job runs as: the given one, or `hks-plan-<name>` created by the plan. */
export function runnerServiceAccount(i: Pick<BackupPlanInputs, "planName" | "runner">): {
  name: string;
  created: boolean;
} {
  return i.runner.serviceAccountName
    ? { name: i.runner.serviceAccountName, created: false }
    : { name: planObjectName(i.planName), created: true };
}

/** The ServiceAccount of the runner. Its token is mounted (the runner talks to the API server). */
export function renderServiceAccount(i: BackupPlanInputs): RenderedObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: planObjectName(i.planName), namespace: i.namespace, labels: planLabels(i.planName, i.namespace) },
  };
}

/** The ConfigMap holding plan.json (no secrets: locations by name only). */
export function renderPlanConfigMap(i: BackupPlanInputs, spec: PlanSpec): RenderedObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: planObjectName(i.planName), namespace: i.namespace, labels: planLabels(i.planName, i.namespace) },
    data: { [PLAN_SPEC_KEY]: JSON.stringify(spec, null, 2) },
  };
}

/** RBAC rules as the API takes them, and their reasons for the {@link RBAC_REASONS_ANNOTATION}. */
export function rbacRules(rules: readonly ExplainedRule[]): { rules: Record<string, unknown>[]; reasons: string } {
  return {
    rules: rules.map((r) => ({
      apiGroups: r.apiGroups,
      resources: r.resources,
      verbs: r.verbs,
      ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
    })),
    reasons: JSON.stringify(rules.map((r, n) => `${n}: ${r.why}`)),
  };
}

/** Roles, RoleBindings, ClusterRole and ClusterRoleBinding for the runner (plan-install-rbac.ts). */
export function renderRbac(
  i: BackupPlanInputs,
  spec: PlanSpec,
  locations: readonly LocationConfig[],
): RenderedObject[] {
  const sa = runnerServiceAccount(i);
  const subject = { kind: "ServiceAccount", name: sa.name, namespace: i.namespace };
  const labels = planLabels(i.planName, i.namespace);
  const out: RenderedObject[] = [];
  for (const set of planRuleSets(spec, locations)) {
    if (set.rules.length === 0) continue;
    const { rules, reasons } = rbacRules(set.rules);
    const annotations = { [RBAC_REASONS_ANNOTATION]: reasons };
    if (set.namespace) {
      const name =
        set.namespace === i.namespace ? planObjectName(i.planName) : planClusterName(i.planName, i.namespace);
      const meta = { name, namespace: set.namespace, labels };
      out.push({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { ...meta, annotations }, rules });
      out.push({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [subject],
      });
    } else {
      const name = planClusterName(i.planName, i.namespace);
      out.push({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name, labels, annotations },
        rules,
      });
      out.push({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
        subjects: [subject],
      });
    }
  }
  return out;
}

/** `hks run-plan <plan> --namespace <ns>`: the arguments after the image's entrypoint. */
export function runnerArgs(plan: string, namespace: string): string[] {
  return ["run-plan", plan, "--namespace", namespace];
}

/**
 * The runner's environment: only non-secret values and Downward API references. S3 credentials are
 * read from their Secrets through the API (RBAC names each one), because a plan may write to several
 * locations with different keys, which the single set of AWS_* variables cannot carry.
 */
export function runnerEnv(i: BackupPlanInputs): Record<string, unknown>[] {
  return [
    // The lock holder's identity: which Pod holds a plan's run lock.
    { name: "HKS_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    // Default namespace of every `hks` command run in the container (e.g. by `kubectl exec`).
    { name: "HKS_NAMESPACE", value: i.namespace },
    // The image volume data mover Pods run: the runner's own (a plan's custom image included).
    { name: "HKS_RUNNER_IMAGE", value: i.runner.image },
  ];
}

/**
 * NFS locations of the plan, mounted into the runner at the path the location's record names
 * (`localPath`, else the export path), which is where the runner opens them (prepare/location-store.ts).
 */
export function nfsMounts(locations: readonly LocationConfig[]): {
  volumes: Record<string, unknown>[];
  mounts: Record<string, unknown>[];
} {
  const nfs = locations.filter((l) => l.nfs);
  return {
    volumes: nfs.map((l, n) => ({ name: `nfs-${n}`, nfs: { server: l.nfs!.server, path: l.nfs!.path } })),
    mounts: nfs.map((l, n) => ({ name: `nfs-${n}`, mountPath: l.nfs!.localPath ?? l.nfs!.path })),
  };
}

/** A runner CronJob: what a plan's and a scheduled drill's CronJobs share, and what differs. */
export interface RunnerCronJob {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly schedule: BackupPlanInputs["schedule"];
  readonly runner: BackupPlanRunnerInputs;
  readonly serviceAccountName: string;
  /** The arguments after the image's entrypoint. */
  readonly args: string[];
  readonly env: Record<string, unknown>[];
  /** Locations whose NFS shares the runner mounts. */
  readonly locations: readonly LocationConfig[];
}

/**
 * A CronJob running the runner image once per schedule, never two at once, never retried (a retry
 * would take a second backup, or repeat a drill's finding; the next scheduled run is the retry).
 */
export function renderRunnerCronJob(j: RunnerCronJob): RenderedObject {
  const nfs = nfsMounts(j.locations);
  const s = j.schedule;
  const r = j.runner;
  const container = {
    name: RUNNER_CONTAINER,
    image: r.image,
    imagePullPolicy: r.imagePullPolicy ?? "IfNotPresent",
    command: [...RUNNER_COMMAND],
    args: j.args,
    env: j.env,
    resources: r.resources ?? DEFAULT_RUNNER_RESOURCES,
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    volumeMounts: [{ name: "spill", mountPath: SPILL_MOUNT_PATH }, ...nfs.mounts],
  };
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: j.name, namespace: j.namespace, labels: j.labels },
    spec: {
      schedule: s.cron,
      // Always written: without it Kubernetes reads the cron in kube-controller-manager's zone.
      timeZone: s.timeZone,
      suspend: s.suspend,
      ...(s.startingDeadlineSeconds !== undefined ? { startingDeadlineSeconds: s.startingDeadlineSeconds } : {}),
      // Two runs at once would fight over a plan's lock, or restore one backup twice side by side.
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: r.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: r.failedJobsHistoryLimit,
      jobTemplate: {
        metadata: { labels: j.labels },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: r.timeoutSeconds,
          template: {
            metadata: { labels: j.labels },
            spec: {
              serviceAccountName: j.serviceAccountName,
              restartPolicy: "Never",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: RUNNER_UID,
                runAsGroup: RUNNER_UID,
                fsGroup: RUNNER_UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [container],
              // A backup is spilled here in plaintext once, then encrypted per location (never
              // decrypted: the runner holds public keys only). Memory-backed would count against limits.
              volumes: [{ name: "spill", emptyDir: {} }, ...nfs.volumes],
            },
          },
        },
      },
    },
  };
}

/** The CronJob `hks-plan-<name>` running `hks run-plan`; `locations` adds the NFS mounts. */
export function renderCronJob(i: BackupPlanInputs, locations: readonly LocationConfig[] = []): RenderedObject {
  return renderRunnerCronJob({
    name: planObjectName(i.planName),
    namespace: i.namespace,
    labels: planLabels(i.planName, i.namespace),
    schedule: i.schedule,
    runner: i.runner,
    serviceAccountName: runnerServiceAccount(i).name,
    args: runnerArgs(i.planName, i.namespace),
    env: runnerEnv(i),
    locations,
  });
}

/** Every object of a plan in apply order (see the module comment), each annotated with the plan's owner. */
export function renderPlanObjects(
  i: BackupPlanInputs,
  spec: PlanSpec,
  locations: readonly LocationConfig[],
): RenderedObject[] {
  return withOwnerAnnotations(
    [
      ...(runnerServiceAccount(i).created ? [renderServiceAccount(i)] : []),
      renderPlanConfigMap(i, spec),
      ...renderRbac(i, spec, locations),
      renderCronJob(i, locations),
    ],
    i.owner,
  );
}

/** `objects`, each annotated with `owner` (format/owner.ts) beside its own annotations. */
export function withOwnerAnnotations(objects: readonly RenderedObject[], owner: string | undefined): RenderedObject[] {
  const owned = ownerAnnotations(owner);
  return objects.map((o) => {
    const annotations = { ...((o.metadata as { annotations?: Record<string, string> }).annotations ?? {}), ...owned };
    return Object.keys(annotations).length ? { ...o, metadata: { ...o.metadata, annotations } } : o;
  });
}
