/**
 * Which snapshotted PVCs get their files copied into the location (the target's `volumeData`), and
 * which do not, each with the reason. Pure.
 *
 * A PVC is copied when its snapshot is ready and it matches every filter of `volumeData`; its
 * annotation `hks.io/volume-data` overrides the filters (`copy`: copied even if they do not match,
 * `skip`: never copied). Without `volumeData` nothing is copied: the annotation only acts in a backup
 * that asks for volume data, so annotating a PVC never makes other teams' backups slower.
 */
import type { VolumeDataTarget, VolumeSnapshotRecord } from "../../format/manifest";
import { matchesSelector, parseLabelSelector } from "../../format/label-selector";

/** The PVC annotation that overrides the target's filters: `copy` or `skip`. */
export const VOLUME_DATA_ANNOTATION = "hks.io/volume-data";

/** What the selection reads of a PVC. */
export interface VolumeDataCandidate {
  readonly namespace: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** `spec.resources.requests.storage`, for the size of the volume made from the snapshot. */
  readonly requestedStorage?: string;
}

/** One PVC to copy, with the ready snapshot the copy reads. */
export interface VolumeCopyJob {
  readonly pvc: VolumeDataCandidate;
  readonly snapshot: VolumeSnapshotRecord;
}

/** The outcome of {@link selectVolumeCopies}. */
export interface VolumeCopySelection {
  readonly copy: VolumeCopyJob[];
  /** PVCs not copied and why (`namespace/name: reason`), for the run's log. */
  readonly skipped: string[];
  /** PVCs that asked for a copy which cannot be made (no ready snapshot): item errors. */
  readonly errors: { item: string; reason: string }[];
}

/**
 * Selects the copies of one backup. `snapshots` are the snapshot records of the run (ready or not);
 * a PVC without a record was not snapshotted (a failed pre hook, or no snapshot was asked for).
 */
export function selectVolumeCopies(
  target: VolumeDataTarget | undefined,
  pvcs: readonly VolumeDataCandidate[],
  snapshots: readonly VolumeSnapshotRecord[],
): VolumeCopySelection {
  const out: VolumeCopySelection = { copy: [], skipped: [], errors: [] };
  if (!target) return out;
  const requirements = target.selector ? parseLabelSelector(target.selector, "target.volumeData.selector") : [];
  const classes = target.storageClasses ?? [];
  const byPvc = new Map(snapshots.map((s) => [`${s.namespace}/${s.persistentVolumeClaim}`, s]));
  for (const pvc of pvcs) {
    const id = `${pvc.namespace}/${pvc.name}`;
    const snapshot = byPvc.get(id);
    const annotation = pvc.annotations?.[VOLUME_DATA_ANNOTATION];
    if (annotation === "skip") {
      out.skipped.push(`${id}: annotated ${VOLUME_DATA_ANNOTATION}=skip`);
      continue;
    }
    if (annotation !== "copy") {
      if (classes.length && !classes.includes(snapshot?.storageClass ?? "")) {
        out.skipped.push(
          `${id}: StorageClass ${snapshot?.storageClass ?? "(none)"} is not in volumeData.storageClasses`,
        );
        continue;
      }
      if (!matchesSelector(requirements, pvc.labels)) {
        out.skipped.push(`${id}: labels do not match volumeData.selector ${target.selector}`);
        continue;
      }
    }
    if (!snapshot || !snapshot.readyToUse || snapshot.error) {
      const why = snapshot ? `its snapshot ${snapshot.volumeSnapshot} is not ready` : "it has no snapshot";
      out.errors.push({ item: `volume-data/${id}`, reason: `not copied: ${why}` });
      continue;
    }
    out.copy.push({ pvc, snapshot });
  }
  return out;
}
