/**
 * Applies, reads and deletes the objects a BackupPlan installs (rendered by plan-install-render.ts).
 *
 * - Apply is server-side apply with field manager `hks-backup` and `force`: an update patches the
 *   objects in place, and a field someone edited out of band (`kubectl edit` of the schedule) is
 *   taken back; a field the plan no longer sets is removed by the API server.
 * - An object of the same name that another owner recorded (format/owner.ts: another stack, the
 *   `hks` CLI, or no owner at all when the plan is new) is never taken over unless `adopt` is set:
 *   apply stops with a ConflictError naming both owners, before anything is applied. An object
 *   without an owner that carries this plan's labels is this plan's own when the plan existed before
 *   owners were recorded.
 * - Delete removes exactly the objects recorded as installed, and only while they are still this
 *   plan's own by the same rule; the CronJob goes first (no new Job can start) and its Jobs follow through the
 *   garbage collector (background propagation). Backups in the stores are never touched.
 */
import * as k8s from "@kubernetes/client-node";
import { ConflictError } from "../errors";
import { describeOwner, judgeOwnership, ownerOf, type OwnershipVerdict } from "../format/owner";
import type { InstalledObjectOutputs } from "../types";
import { isNotFound, kubeError } from "./client";
import { createKubeReader, type KubeReader } from "./discovery";
import { describeObject, type RenderedObject } from "./plan-install-render";

export { describeObject };

/** The field manager of every apply, as `kubectl get --show-managed-fields` shows it. */
export const FIELD_MANAGER = "hks-backup";

/** REST collection of each kind a plan installs. */
const COLLECTIONS: Readonly<Record<string, { prefix: string; plural: string; namespaced: boolean }>> = {
  Namespace: { prefix: "/api/v1", plural: "namespaces", namespaced: false },
  ServiceAccount: { prefix: "/api/v1", plural: "serviceaccounts", namespaced: true },
  ConfigMap: { prefix: "/api/v1", plural: "configmaps", namespaced: true },
  Role: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "roles", namespaced: true },
  RoleBinding: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "rolebindings", namespaced: true },
  ClusterRole: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "clusterroles", namespaced: false },
  ClusterRoleBinding: {
    prefix: "/apis/rbac.authorization.k8s.io/v1",
    plural: "clusterrolebindings",
    namespaced: false,
  },
  CronJob: { prefix: "/apis/batch/v1", plural: "cronjobs", namespaced: true },
  Secret: { prefix: "/api/v1", plural: "secrets", namespaced: true },
  ValidatingAdmissionPolicy: {
    prefix: "/apis/admissionregistration.k8s.io/v1",
    plural: "validatingadmissionpolicies",
    namespaced: false,
  },
  ValidatingAdmissionPolicyBinding: {
    prefix: "/apis/admissionregistration.k8s.io/v1",
    plural: "validatingadmissionpolicybindings",
    namespaced: false,
  },
};

/** The API path of one object. */
export function objectPath(o: Pick<InstalledObjectOutputs, "kind" | "namespace" | "name">): string {
  const c = COLLECTIONS[o.kind];
  if (!c) throw new Error(`plan-install: unsupported kind ${o.kind}`);
  const ns = c.namespaced ? `/namespaces/${encodeURIComponent(o.namespace ?? "")}` : "";
  return `${c.prefix}${ns}/${c.plural}/${encodeURIComponent(o.name)}`;
}

/** What a plan installed, for its outputs (and its delete). */
export function installedOf(objects: readonly RenderedObject[]): InstalledObjectOutputs[] {
  return objects.map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
  }));
}

type Live = {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
} & Record<string, unknown>;

/** The plan or scheduled drill whose objects are applied or deleted, and its owner (format/owner.ts). */
export interface PlanOwner {
  /** What installs the objects, for messages. */
  readonly what: "plan" | "drill";
  readonly name: string;
  readonly namespace: string;
  /** The labels it puts on every object it installs: an unowned object carrying them is its own. */
  readonly labels: Readonly<Record<string, string>>;
  /** This resource's owner, and its owners before (a renamed stack, an alias). */
  readonly owner?: string;
  readonly previous?: readonly (string | undefined)[];
  /** The plan existed before (update, delete): an unowned object with its labels is its own. */
  readonly existed: boolean;
  readonly adopt?: boolean;
}

/** The live object, or undefined when it does not exist. */
export async function readObject(
  reader: KubeReader,
  o: Pick<InstalledObjectOutputs, "kind" | "namespace" | "name">,
): Promise<Live | undefined> {
  try {
    return await reader.getJson<Live>(objectPath(o));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw kubeError(`reading ${describeObject(o)}`, err);
  }
}

/** True when `live` carries the labels `plan` puts on what it installs. */
function labelledFor(live: Live, plan: PlanOwner): boolean {
  const l = live.metadata?.labels ?? {};
  return Object.entries(plan.labels).every(([k, v]) => l[k] === v);
}

/** `plan ns/name` or `drill ns/name`, for messages. */
const subject = (plan: PlanOwner) => `${plan.what} ${plan.namespace}/${plan.name}`;

/** The ownership rule (format/owner.ts) on one live object of the plan; `adopt` only when applying. */
export function judgePlanObject(
  o: Pick<InstalledObjectOutputs, "kind" | "namespace" | "name">,
  live: Live | undefined,
  plan: PlanOwner,
  applying: boolean,
): OwnershipVerdict {
  return judgeOwnership({
    object: describeObject(o),
    live: { exists: live !== undefined, owner: ownerOf(live) },
    self: plan.owner,
    previous: plan.previous,
    unownedIsOurs: plan.existed && live !== undefined && labelledFor(live, plan),
    adopt: applying && plan.adopt === true,
    nameInput: `\`name\` (the ${plan.what}'s name in the cluster)`,
  });
}

/**
 * Applies `objects` in order. Refuses (ConflictError, nothing changed) when one of them belongs to
 * another owner, unless `plan.adopt`. Returns what is now installed.
 */
export async function applyPlanObjects(
  kc: k8s.KubeConfig,
  objects: readonly RenderedObject[],
  plan: PlanOwner,
  log: (l: string) => void,
): Promise<InstalledObjectOutputs[]> {
  const reader = createKubeReader(kc);
  for (const o of objects) {
    const ref = { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
    const v = judgePlanObject(ref, await readObject(reader, ref), plan, true);
    if (v.verdict === "foreign") throw new ConflictError(v.message);
    if (v.verdict === "adopt") log(`${describeObject(ref)}: adopted from ${describeOwner(v.from)} (adopt: true)`);
  }
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const o of objects) {
    try {
      await api.patch(o, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
    } catch (err) {
      throw kubeError(
        `applying ${describeObject({ kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name })}`,
        err,
      );
    }
  }
  log(`${subject(plan)}: applied ${objects.map((o) => o.kind).join(", ")}`);
  return installedOf(objects);
}

/**
 * Deletes `installed` (CronJob first, then the rest in reverse apply order). Absent objects are
 * success; an object that no longer carries this plan's labels is left alone with a log line.
 * Errors are collected and thrown together after every object was tried.
 */
export async function deletePlanObjects(
  kc: k8s.KubeConfig,
  installed: readonly InstalledObjectOutputs[],
  plan: PlanOwner,
  log: (l: string) => void,
): Promise<void> {
  const reader = createKubeReader(kc);
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const order = [
    ...installed.filter((o) => o.kind === "CronJob"),
    ...[...installed].reverse().filter((o) => o.kind !== "CronJob"),
  ];
  const errors: string[] = [];
  let removed = 0;
  for (const o of order) {
    try {
      const live = await readObject(reader, o);
      if (!live) continue;
      const v = judgePlanObject(o, live, plan, false);
      if (v.verdict === "foreign") {
        log(`kept: ${describeObject(o)} is no longer ${subject(plan)}'s own: ${v.message}`);
        continue;
      }
      await api
        .delete(
          { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, namespace: o.namespace } },
          undefined,
          undefined,
          undefined,
          undefined,
          "Background",
        )
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw kubeError(`deleting ${describeObject(o)}`, err);
        });
      removed++;
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length)
    throw new ConflictError(
      `${subject(plan)}: ${errors.length} object(s) could not be deleted:\n  ${errors.join("\n  ")}`,
    );
  // Count what was there: after a create that failed before applying anything, that is none.
  log(`${subject(plan)}: removed ${removed} object(s)`);
}

/** Removes objects of an earlier install that the new install no longer has (e.g. a dropped target namespace's Role).
 * */
export async function pruneStaleObjects(
  kc: k8s.KubeConfig,
  before: readonly InstalledObjectOutputs[],
  now: readonly InstalledObjectOutputs[],
  plan: PlanOwner,
  log: (l: string) => void,
): Promise<void> {
  const key = (o: InstalledObjectOutputs) => describeObject(o);
  const keep = new Set(now.map(key));
  const stale = before.filter((o) => !keep.has(key(o)));
  if (stale.length) await deletePlanObjects(kc, stale, plan, log);
}
