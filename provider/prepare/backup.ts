/**
 * Everything a backup needs before the engine runs, in one place for the three front ends (the
 * Backup resource, `hks backup create` and the plan's CronJob runner), so all three back up the
 * same way: the installed plan (for a backup given only `plan`), the storage location and its
 * store, the cluster collaborators, the engine request, the target's pre-flight check and the name.
 */
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { runPreparation } from "./fields";
import { createKubeReader } from "../kube/discovery";
import { kubeExecutor } from "../kube/exec";
import { resolveLocationConfig, type LocationConfig } from "../kube/location-config";
import { readPlanSpec } from "../kube/plan-config";
import { kubeSnapshotApi } from "../kube/snapshot-api";
import { openLocationStore } from "./location-store";
import { kubeMoverCluster } from "../kube/mover-cluster";
import { moverLocationProblem } from "../kube/mover-render";
import { defaultRunnerImage } from "../plan/plan-runner";
import { resolveBackupName } from "../engine/backup/name";
import { assertTargetExists } from "../engine/backup/preflight";
import type { BackupDeps, BackupRequest } from "../engine/backup/types";
import type { PlanHook } from "../format/hook-annotations";
import type { PlanSpec } from "../format/plan-spec";
import type { BackupHookInputs, BackupInputs } from "../types";

/** The collaborators of a backup that come from the cluster alone (no location). */
export type ClusterBackupDeps = Pick<BackupDeps, "reader" | "executor" | "snapshots" | "sourceCluster">;

/** A location opened for backups, and the collaborators that write to it. */
export interface BackupContext {
  readonly location: LocationConfig;
  readonly deps: Omit<BackupDeps, "progress" | "log" | "signal" | "now">;
}

/** Reader, pod executor and snapshot API for the cluster of `kc`: the one wiring of them. */
export function clusterBackupDeps(kc: k8s.KubeConfig): ClusterBackupDeps {
  const reader = createKubeReader(kc);
  return {
    reader,
    executor: kubeExecutor(kc),
    snapshots: () => kubeSnapshotApi(kc, reader),
    sourceCluster: kc.getCurrentCluster()?.server ?? "",
  };
}

/**
 * Finds the location (by name, else the default one) in `namespace`, opens its store, and builds
 * reader, executor and snapshot API for the cluster of `kc`.
 * @param field the input path reported for a missing or read-only location.
 */
export async function openBackupContext(
  kc: k8s.KubeConfig,
  opts: { storageLocation?: string; namespace: string; field?: string },
): Promise<BackupContext> {
  const field = opts.field ?? "storageLocation";
  const location = await resolveLocationConfig(kc, opts.namespace, opts.storageLocation, field);
  if (location.accessMode === "ReadOnly") {
    throw new InputError(
      field,
      `storage location "${location.name}" is ReadOnly (restore only): back up to a ReadWrite location`,
    );
  }
  const store = await openLocationStore(kc, location);
  return {
    location,
    deps: {
      ...clusterBackupDeps(kc),
      store,
      recipients: location.recipients ?? [],
      mover: async () => ({ cluster: kubeMoverCluster(kc), location, image: defaultRunnerImage() }),
    },
  };
}

/**
 * The engine request for checked inputs and a resolved name. With `plan` (the installed plan.json,
 * read because `target` was not given), the plan's target and snapshot class are used, its hooks
 * unless the inputs have their own, and its labels under the inputs' labels.
 */
export function backupRequestOf(i: BackupInputs, name: string, location: string, plan?: PlanSpec): BackupRequest {
  const hook = (h: BackupHookInputs): PlanHook => ({ ...h, selector: String(h.selector) });
  const hooks = i.hooks
    ? { pre: (i.hooks.pre ?? []).map(hook), post: (i.hooks.post ?? []).map(hook) }
    : { pre: [...(plan?.hooks.pre ?? [])], post: [...(plan?.hooks.post ?? [])] };
  const common = {
    name,
    storageLocation: location,
    plan: i.plan,
    labels: plan ? { ...plan.labels, ...i.labels } : i.labels,
    hooks,
    snapshotTimeoutMs: i.snapshotTimeoutSeconds !== undefined ? i.snapshotTimeoutSeconds * 1000 : undefined,
  };
  const t = i.target;
  if (!t) {
    if (!plan) throw new InputError("target", "is required: what to back up, or a plan whose target is used");
    return { ...common, target: plan.target, volumeSnapshotClass: plan.volumeSnapshotClass };
  }
  return {
    ...common,
    volumeSnapshotClass: t.volumeSnapshotClass,
    target: {
      namespaces: t.namespaces ?? [],
      excludeNamespaces: t.excludeNamespaces,
      selector: t.selector as string | undefined,
      includeResources: t.includeResources,
      excludeResources: t.excludeResources,
      snapshotVolumes: t.snapshotVolumes ?? false,
      ...(t.volumeData ? { volumeData: t.volumeData } : {}),
    },
  };
}

/** How a front end wants a backup prepared. */
export interface PrepareBackupOptions {
  /**
   * The name a front end shows for an input path (a CLI flag for `--plan`, say). Also asked for
   * `planStorageLocation`: the plan's own location, when the inputs name none.
   * @default the input path itself, and `plan` for `planStorageLocation`
   */
  readonly fieldOf?: (path: string) => string;
  /** What to do when the named plan is not installed; ends the message. */
  readonly planFix: string;
  /** Where progress of the preparation is told (which plan is used). */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** A backup ready to run: `runBackup(request, { ...deps, progress, signal })`. */
export interface PreparedBackup extends BackupContext {
  /** The request, with the backup's name resolved (given, or `<plan or resource>-<UTC stamp>`). */
  readonly request: BackupRequest;
  /** The installed plan whose target is backed up, when the inputs gave only `plan`. */
  readonly plan?: PlanSpec;
}

const defaultFieldOf = (path: string) => (path === "planStorageLocation" ? "plan" : path);

/**
 * Reads the plan (when `target` is absent), opens the location, builds the request, checks that the
 * target exists and resolves the name; nothing is written. Every InputError names `fieldOf(field)`.
 * @param inputs checked Backup inputs (plan/backup.ts `checkBackup`).
 */
export async function prepareBackup(
  kc: k8s.KubeConfig,
  inputs: BackupInputs,
  opts: PrepareBackupOptions,
): Promise<PreparedBackup> {
  const fieldOf = opts.fieldOf ?? defaultFieldOf;
  return runPreparation(opts.fieldOf, async () => {
    const plan =
      inputs.target || !inputs.plan
        ? undefined
        : await readPlanSpec(kc, inputs.planNamespace ?? inputs.locationNamespace, inputs.plan, {
            field: fieldOf("plan"),
            fix: opts.planFix,
          });
    // The plan's own location is recorded in the plan's namespace; a given one in locationNamespace.
    const bc = await openBackupContext(
      kc,
      inputs.storageLocation || !plan
        ? {
            storageLocation: inputs.storageLocation,
            namespace: inputs.locationNamespace,
            field: fieldOf("storageLocation"),
          }
        : { storageLocation: plan.storageLocation, namespace: plan.namespace, field: fieldOf("planStorageLocation") },
    );
    if (plan)
      opts.log?.(
        `backup of plan ${plan.name}: its ` +
          `target${inputs.storageLocation ? "" : ", storage location"}${inputs.hooks ? "" : ", hooks"} and labels`,
      );
    const request = backupRequestOf(inputs, "", bc.location.name, plan);
    const moverProblem = request.target.volumeData && moverLocationProblem(bc.location);
    if (moverProblem) throw new InputError(fieldOf(plan ? "planStorageLocation" : "storageLocation"), moverProblem);
    await assertTargetExists(bc.deps.reader, request.target, plan ? "plan" : "target", opts.signal);
    // The name is resolved here, not in check, so that a preview is stable and shows no timestamp.
    const name = await resolveBackupName(bc.deps.store, {
      given: inputs.requestedName,
      base: inputs.plan ?? inputs.resourceName,
      now: new Date(),
      field: fieldOf("name"),
    });
    return { ...bc, request: { ...request, name }, ...(plan ? { plan } : {}) };
  });
}
