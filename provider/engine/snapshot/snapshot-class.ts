/**
 * Which VolumeSnapshotClass a PVC's snapshot uses, and what the snapshot is called. Pure.
 *
 * Class choice, in order:
 * 0. the class given in the request (`target.volumeSnapshotClass`), used for every PVC;
 * 1. a class whose `driver` is the provisioner of the PVC's StorageClass (the default-annotated one
 *    among several, else the first by name), since a CSI driver only snapshots its own volumes;
 * 2. the cluster's default class (`snapshot.storage.kubernetes.io/is-default-class: "true"`);
 * otherwise the PVC cannot be snapshotted and the reason names what to set.
 */
import * as crypto from "node:crypto";
import { MAX_NAME_LENGTH } from "../../store";
import type { PvcRef } from "../backup/items";
import type { SnapshotClassInfo, StorageClassInfo } from "../../kube/snapshot-api";

/** The class chosen for one PVC, or why there is none. */
export type ClassChoice =
  | { readonly className: string; readonly driver?: string; readonly storageClass?: string }
  | { readonly error: string; readonly storageClass?: string };

function preferred(classes: readonly SnapshotClassInfo[]): SnapshotClassInfo | undefined {
  const sorted = [...classes].sort((a, b) => a.name.localeCompare(b.name));
  return sorted.find((c) => c.isDefault) ?? sorted[0];
}

/** Chooses the VolumeSnapshotClass for `pvc` (rules in the module comment). */
export function chooseSnapshotClass(
  pvc: PvcRef,
  storageClasses: readonly StorageClassInfo[],
  classes: readonly SnapshotClassInfo[],
  given?: string,
): ClassChoice {
  // An unset storageClassName means the default StorageClass; "" means explicitly none.
  const scName = pvc.storageClassName ?? storageClasses.find((s) => s.isDefault)?.name;
  const sc = scName ? storageClasses.find((s) => s.name === scName) : undefined;
  if (given) {
    const c = classes.find((x) => x.name === given);
    if (!c)
      return {
        error:
          `VolumeSnapshotClass "${given}" (target.volumeSnapshotClass) does not ` +
          `exist${classes.length ? ` (classes: ${classes.map((x) => x.name).join(", ")})` : ""}`,
        storageClass: scName,
      };
    return { className: c.name, driver: c.driver, storageClass: scName };
  }
  if (sc) {
    const match = preferred(classes.filter((c) => c.driver === sc.provisioner));
    if (match) return { className: match.name, driver: match.driver, storageClass: sc.name };
  }
  const defaults = classes.filter((c) => c.isDefault);
  if (defaults.length === 1) return { className: defaults[0]!.name, driver: defaults[0]!.driver, storageClass: scName };
  const why = sc
    ? `no VolumeSnapshotClass has driver "${sc.provisioner}" (the provisioner of StorageClass "${sc.name}")`
    : scName
      ? `its StorageClass "${scName}" does not exist`
      : "it has no StorageClass";
  const def =
    defaults.length > 1
      ? `, and ${defaults.length} classes claim to be the default`
      : ", and no class is marked default";
  return {
    error:
      `cannot choose a VolumeSnapshotClass: ${why}${def}; set target.volumeSnapshotClass ` +
      `(--volume-snapshot-class)`,
    storageClass: scName,
  };
}

/**
 * The VolumeSnapshot's name: `<backup>-<pvc>`, readable and unique per backup. Cut to the name limit
 * with an 8-hex hash of the full name when too long, so two long names never collide.
 */
export function snapshotName(backupName: string, pvcName: string): string {
  const full = `${backupName}-${pvcName}`;
  if (full.length <= MAX_NAME_LENGTH) return full;
  const hash = crypto.createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_NAME_LENGTH - 9).replace(/[-.]+$/, "")}-${hash}`;
}

/**
 * A label value naming the backup (label values are at most 63 characters): the name itself when
 * short enough, else its first 54 characters and an 8-hex hash.
 */
export function backupLabelValue(backupName: string): string {
  if (backupName.length <= 63) return backupName;
  const hash = crypto.createHash("sha256").update(backupName).digest("hex").slice(0, 8);
  return `${backupName.slice(0, 54).replace(/[-.]+$/, "")}-${hash}`;
}
