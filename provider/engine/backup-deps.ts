/**
 * Wires the real collaborators of a backup from cluster access and a storage location name: the
 * one place the Pulumi handler, the CLI and the runner get them from, so all three back up the same
 * way.
 */
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { createKubeReader } from "../kube/discovery";
import { kubeExecutor } from "../kube/exec";
import { resolveLocationConfig, type LocationConfig } from "../kube/location-config";
import { openLocationStore } from "../location/store";
import type { BackupDeps } from "./backup";
import { kubeSnapshotApi } from "./snapshot";

/** A location opened for backups, and the collaborators that write to it. */
export interface BackupContext {
  readonly location: LocationConfig;
  readonly deps: Omit<BackupDeps, "progress" | "log" | "signal" | "now">;
}

/**
 * Finds the location (by name, else the default one) in `namespace`, opens its store, and builds
 * reader, executor and snapshot API for the cluster of `kc`.
 * @param field the input path reported for a missing or read-only location.
 */
export async function openBackupContext(kc: k8s.KubeConfig, opts: { storageLocation?: string; namespace: string; field?: string }): Promise<BackupContext> {
  const field = opts.field ?? "storageLocation";
  const location = await resolveLocationConfig(kc, opts.namespace, opts.storageLocation, field);
  if (location.accessMode === "ReadOnly") {
    throw new InputError(field, `storage location "${location.name}" is ReadOnly (restore only): back up to a ReadWrite location`);
  }
  const reader = createKubeReader(kc);
  const store = await openLocationStore(kc, location);
  return {
    location,
    deps: {
      reader, store, executor: kubeExecutor(kc), snapshots: () => kubeSnapshotApi(kc, reader),
      recipients: location.recipients ?? [], sourceCluster: kc.getCurrentCluster()?.server ?? "",
    },
  };
}
