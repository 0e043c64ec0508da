/**
 * `hks backup delete <name>` and the dashboard's delete: one flow for both. The backup is found
 * (catalog.ts `findBackup`), checked against the rules retention prunes by (a plan's last good
 * backup, S3 object lock: provider/engine/catalog/delete-guard.ts), then its VolumeSnapshots go
 * first (a failure there deletes nothing else), then its objects, manifest first.
 */
import type { Command } from "commander";
import type * as k8s from "@kubernetes/client-node";
import { ConflictError, InputError } from "../../provider/errors";
import { abortBackupUploads, deleteBackup } from "../../provider/engine/catalog/catalog";
import { deletionRefusals } from "../../provider/engine/catalog/delete-guard";
import { objectLockChecker } from "../../provider/engine/catalog/prune-lock";
import { deleteSnapshots } from "../../provider/engine/snapshot/snapshot";
import { formatBytes } from "../../provider/engine/progress";
import { kubeSnapshotApi } from "../../provider/kube/snapshot-api";
import { createKubeReader } from "../../provider/kube/discovery";
import { resolveLocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import { globalOptions, kubeConfigFor } from "../context";
import { findBackup, type CatalogFlags } from "./catalog";

/** Flags of `hks backup delete`. */
export interface DeleteFlags extends CatalogFlags {
  keepSnapshots?: boolean;
  /** Delete a plan's last good backup anyway. */
  allowLastGood?: boolean;
}

/** What deleting a backup would do, or why it is refused: the dashboard's confirmation page. */
export interface DeletionPreview {
  readonly location: string;
  readonly objects: number;
  readonly bytes: number;
  /** `namespace/name` of the VolumeSnapshots the backup took. */
  readonly snapshots: string[];
  /** Non-empty: the delete is refused, for these reasons. */
  readonly refusals: string[];
}

const plural = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;

/** Finds `name` and judges whether it may go, without changing anything. */
export async function previewDeletion(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  flags: DeleteFlags,
  now: () => Date = () => new Date(),
): Promise<DeletionPreview & { found: Awaited<ReturnType<typeof findBackup>> }> {
  const found = await findBackup(kc, namespace, flags, name);
  const { location, store, desc } = found;
  const refusals = await deletionRefusals(store, desc.summary, location.name, {
    isLocked: objectLockChecker(store, now),
    allowLastGood: flags.allowLastGood,
  });
  return {
    found,
    location: location.name,
    objects: desc.objects.length,
    bytes: desc.objects.reduce((n, o) => n + o.size, 0),
    snapshots: flags.keepSnapshots
      ? []
      : (desc.manifest?.volumeSnapshots ?? []).map((s) => `${s.namespace}/${s.volumeSnapshot}`),
    refusals,
  };
}

/**
 * Deletes backup `name` after the checks; `out` receives the report (a summary line, then the keys).
 * A refusal is a ConflictError naming every reason, before anything is deleted.
 */
export async function deleteBackupChecked(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  flags: DeleteFlags,
  out: (line: string) => void,
  now: () => Date = () => new Date(),
  warn: (line: string) => void = out,
): Promise<void> {
  const preview = await previewDeletion(kc, namespace, name, flags, now);
  if (preview.refusals.length) throw new ConflictError(`not deleted: ${preview.refusals.join("; ")}`);
  const { location, store, desc } = preview.found;
  let snaps: string[] = [];
  if (!flags.keepSnapshots && desc.manifest?.volumeSnapshots.length) {
    const res = await deleteSnapshots(await kubeSnapshotApi(kc, createKubeReader(kc)), desc.manifest.volumeSnapshots);
    if (res.errors.length)
      throw new Error(
        `deleting the VolumeSnapshots of ${name} failed (nothing else was deleted): ${res.errors.join("; ")}`,
      );
    snaps = res.deleted;
  }
  const del = await deleteBackup(store, name);
  const n = del?.keys.length ?? 0;
  const snapshots = snaps.length ? `, ${plural(snaps.length, "VolumeSnapshot")} (${snaps.join(", ")})` : "";
  const uploads = del?.abortedUploads ? `, ${plural(del.abortedUploads, "incomplete upload")}` : "";
  const size = formatBytes(del?.bytes ?? 0);
  out(`Deleted backup "${name}" from ${location.name}: ${plural(n, "object")} (${size})${snapshots}${uploads}`);
  for (const k of del?.keys ?? []) out(`  ${k}`);
  const gc = del?.volumeData;
  if (gc?.deleted.length)
    out(
      `Removed ${plural(gc.deleted.length, "volume data pack")} (${formatBytes(gc.bytes)}) no remaining backup needs`,
    );
  for (const w of gc?.warnings ?? []) warn(`warning: ${w}`);
}

/**
 * A backup whose upload was cut short (the location went down, the process was killed) has no
 * object yet, only an incomplete upload, so `findBackup` does not see it; with `--storage-location`,
 * delete removes that upload. True when there was one.
 */
async function deleteUploadsOnly(
  kc: k8s.KubeConfig,
  namespace: string,
  flags: DeleteFlags,
  name: string,
): Promise<boolean> {
  if (!flags.storageLocation) return false;
  const location = await resolveLocationConfig(kc, namespace, flags.storageLocation, "--storage-location");
  const n = await abortBackupUploads(await openLocationStore(kc, location), name);
  if (n)
    process.stdout.write(
      `Deleted backup "${name}" from ${location.name}: 0 objects, ${plural(n, "incomplete upload")}\n`,
    );
  return n > 0;
}

/** `hks backup delete <name>`: the backup's objects and (unless --keep-snapshots) its VolumeSnapshots. */
export async function deleteAction(name: string, flags: DeleteFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  try {
    await deleteBackupChecked(
      kc,
      g.namespace,
      name,
      flags,
      (line) => process.stdout.write(`${line}\n`),
      undefined,
      (line) => process.stderr.write(`hks: ${line}\n`),
    );
  } catch (err) {
    if (err instanceof InputError && (await deleteUploadsOnly(kc, g.namespace, flags, name))) return;
    throw err;
  }
}
