/**
 * Everything a restore needs before the engine runs, for both front ends (the Restore resource and
 * `hks restore create`), so they restore the same way: the storage location as recorded in the
 * TARGET cluster (a ReadOnly location is fine: a restore only reads), its store, the backup to read
 * (named, or the newest Completed one of a plan), the target cluster port and the engine's options.
 */
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { resolveLocationConfig, type LocationConfig } from "../kube/location-config";
import { openLocationStore } from "./location-store";
import { volumeFiller } from "./volume-filler";
import type { ObjectStore } from "../store";
import { KubeRestoreCluster } from "../kube/restore-cluster";
import { latestBackupOfPlan } from "../engine/catalog/latest-of-plan";
import type { RestoreDeps } from "../engine/restore/restore";
import { BackupNotRestorableError, readBackupManifest } from "../engine/catalog/read-verified";
import type { RestoreOptions } from "../engine/restore/types";
import type { ProgressSink } from "../engine/progress";
import type { RestoreInputs } from "../types";
import { runPreparation } from "./fields";

/** What a restore reads from and writes to. */
export interface RestoreContext {
  readonly location: LocationConfig;
  /** The backup to restore: as named, or resolved from the plan. */
  readonly backupName: string;
  readonly deps: RestoreDeps;
}

/**
 * Finds the location (by name, else the default one) in `namespace` of the target cluster, opens
 * its store and resolves the backup. Throws InputError naming `storageLocation` or `plan`.
 */
export async function openRestoreContext(
  kc: k8s.KubeConfig,
  opts: { storageLocation?: string; namespace: string; backupName?: string; plan?: string },
): Promise<RestoreContext> {
  const location = await resolveLocationConfig(kc, opts.namespace, opts.storageLocation, "storageLocation");
  const store = await openLocationStore(kc, location);
  const backupName = opts.backupName ?? (await latestBackupOfPlan(store, opts.plan!));
  return {
    location,
    backupName,
    deps: {
      store,
      storageLocation: location.name,
      cluster: new KubeRestoreCluster(kc),
      filler: volumeFiller(kc, location),
    },
  };
}

/**
 * A named backup that is absent, incomplete or Failed is a bad input: the Restore resource and
 * `hks restore create` refuse it on `field` before the restore starts, so nothing (not even a
 * result record) is written. Integrity problems of a present manifest are left to the restore
 * itself, which verifies and reports them.
 */
export async function assertRestorable(store: ObjectStore, name: string, field: string): Promise<void> {
  try {
    await readBackupManifest(store, name);
  } catch (err) {
    if (err instanceof BackupNotRestorableError)
      throw new InputError(field, err.message.replace(/^StorageError: /, ""));
  }
}

/**
 * The engine's options for checked Restore inputs (plan/restore.ts `checkRestore`): one mapping, so
 * no front end forgets a field.
 */
export function restoreOptionsOf(
  i: RestoreInputs,
  backupName: string,
  run: { identities: readonly string[]; progress?: ProgressSink; signal?: AbortSignal },
): RestoreOptions {
  return {
    restoreName: i.restoreName,
    backupName,
    namespaceMapping: i.namespaceMapping,
    includeNamespaces: i.includeNamespaces,
    includeResources: i.includeResources,
    excludeResources: i.excludeResources,
    selector: i.selector,
    existingResourcePolicy: i.existingResourcePolicy,
    restoreVolumes: i.restoreVolumes,
    volumeSource: i.volumeSource,
    preserveNodePorts: i.preserveNodePorts,
    // check validated every patch (patchProblem), so the inputs' loose op type is a JsonPatchOp here.
    patches: i.patches as RestoreOptions["patches"],
    identities: run.identities,
    progress: run.progress,
    signal: run.signal,
  };
}

/** A restore ready to run: `runRestore(deps, options)`. */
export interface PreparedRestore extends RestoreContext {
  readonly options: RestoreOptions;
}

/**
 * Opens the location, resolves the backup (the plan's newest Completed one, or the named one, which
 * must be restorable) and builds the engine's options; nothing is written. Every InputError names
 * `fieldOf(field)` (a CLI flag, say); the named backup's field is `backup`.
 * @param run the decryption identities (already read), progress and cancellation.
 */
export async function prepareRestore(
  kc: k8s.KubeConfig,
  i: RestoreInputs,
  run: {
    identities: readonly string[];
    progress?: ProgressSink;
    signal?: AbortSignal;
    fieldOf?: (path: string) => string;
    log?: (line: string) => void;
  },
): Promise<PreparedRestore> {
  return runPreparation(run.fieldOf, async () => {
    const rc = await openRestoreContext(kc, {
      storageLocation: i.storageLocation,
      namespace: i.namespace,
      backupName: i.plan ? undefined : i.backupName,
      plan: i.plan,
    });
    if (i.plan) run.log?.(`plan ${i.plan}: newest Completed backup is ${rc.backupName}`);
    else await assertRestorable(rc.deps.store, rc.backupName, "backup");
    return { ...rc, options: restoreOptionsOf(i, rc.backupName, run) };
  });
}
