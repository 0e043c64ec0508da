/**
 * `manifest.json` (the commit marker of a complete backup) and `failure.json` (the record of a failed
 * one). Both are part of the durable storage contract: fields may be added, never renamed or removed,
 * without a new `formatVersion`. Never holds keys or credentials: encryption is described by
 * recipient fingerprints.
 */

/** Version of the manifest format; readers refuse a higher one with a "upgrade hks-backup" message. */
export const MANIFEST_FORMAT_VERSION = 1;

export type BackupPhase = "Completed" | "PartiallyFailed" | "Failed";

/** What was asked to be backed up. */
export interface BackupTarget {
  /** Namespaces included; empty with a selector means every namespace. */
  namespaces: string[];
  /** Namespaces excluded. */
  excludeNamespaces?: string[];
  /** Label selector (Kubernetes syntax, e.g. `app=postgres-db`). */
  selector?: string;
  /** Resource types included, as `resource.group` (`deployments.apps`, `configmaps`); empty = all. */
  includeResources?: string[];
  /** Resource types excluded, as `resource.group`. */
  excludeResources?: string[];
  /** Take a VolumeSnapshot of every included PVC. */
  snapshotVolumes?: boolean;
  /** Copy the files of snapshotted PVCs into the storage location (needs `snapshotVolumes`). */
  volumeData?: VolumeDataTarget;
}

/**
 * Which snapshotted PVCs get their files copied into the location. A PVC is copied when it matches
 * every filter given; its annotation `hks.io/volume-data: "copy"` or `"skip"` overrides the filters.
 */
export interface VolumeDataTarget {
  /** Only PVCs of these StorageClasses (the PVC's resolved class). Empty or absent: any class. */
  storageClasses?: string[];
  /** Only PVCs matching this label selector (canonical text, e.g. `tier=db`). Absent: any labels. */
  selector?: string;
  /**
   * Keep each copied PVC's VolumeSnapshot beside its copy (fast restores in this cluster). `false`: the
   * copy replaces it; the snapshot is deleted once its data is copied (in a plan, once every location
   * has its copy). Absent: true.
   */
  keepSnapshots?: boolean;
}

/** A stored artifact and its integrity data. */
export interface ArtifactRecord {
  /** Key relative to the location root. */
  key: string;
  bytes: number;
  /** SHA-256 of the stored bytes (after encryption, if encrypted), lowercase hex. */
  sha256: string;
}

/** One volume snapshot taken for a PVC. */
export interface VolumeSnapshotRecord {
  namespace: string;
  persistentVolumeClaim: string;
  volumeSnapshot: string;
  volumeSnapshotClass?: string;
  volumeSnapshotContent?: string;
  snapshotHandle?: string;
  driver?: string;
  restoreSize?: string;
  storageClass?: string;
  readyToUse: boolean;
  error?: string;
  /** Deleted after its data was copied into the location (`volumeData.keepSnapshots: false`). */
  deletedAfterCopy?: boolean;
}

/** The files of one PVC copied into the location by a mover Pod (or why the copy failed). */
export interface VolumeDataRecord {
  namespace: string;
  persistentVolumeClaim: string;
  /** The VolumeSnapshot the copy was read from (consistent with the hooks). */
  volumeSnapshot: string;
  /** The index of the files (key relative to the location root) and the SHA-256 of its stored bytes. */
  indexKey?: string;
  indexSha256?: string;
  files?: number;
  dirs?: number;
  symlinks?: number;
  /** Bytes of file content read from the volume. */
  bytes?: number;
  /** Stored bytes uploaded by this copy (new packs); the rest was already stored by earlier backups. */
  uploadedBytes?: number;
  /** Plaintext bytes found already stored by earlier backups of the same PVC. */
  reusedBytes?: number;
  packs?: number;
  seconds?: number;
  /** Set when the copy failed: the backup is then PartiallyFailed and this PVC has no volume data. */
  error?: string;
}

/** The outcome of one hook run. */
export interface HookRecord {
  phase: "pre" | "post";
  scope: "plan" | "pod";
  namespace?: string;
  pod?: string;
  container: string;
  command: string[];
  onError: "Fail" | "Continue";
  outcome: "Succeeded" | "Failed" | "TimedOut" | "Skipped";
  exitCode?: number;
  durationMs: number;
  error?: string;
}

/** An item that could not be backed up, and why. */
export interface ItemError {
  /** `resource.group/namespace/name`, or a step name such as `hook` or `snapshot`. */
  item: string;
  reason: string;
}

/** What every backup record (manifest or failure) says about the backup itself. */
export interface BackupRecordIdentity {
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  name: string;
  /** The plan that took it, if any. */
  plan?: string;
  /** Tags carried from the plan or the Backup resource. */
  labels: Record<string, string>;
  storageLocation: string;
  /** API server URL of the source cluster (no credentials). */
  sourceCluster: string;
  target: BackupTarget;
  startedAt: string;
  hooks: HookRecord[];
  warnings: string[];
  errors: ItemError[];
}

export interface BackupManifest extends BackupRecordIdentity {
  phase: Exclude<BackupPhase, "Failed">;
  completedAt: string;
  /** Objects written, in total and per `resource.group`. */
  counts: { total: number; byResource: Record<string, number> };
  /** Uncompressed YAML bytes written into the archive. */
  uncompressedBytes: number;
  artifacts: { resources: ArtifactRecord & { encrypted: boolean; objects: number }; volumes?: ArtifactRecord };
  /** Fingerprints (first 16 hex of SHA-256) of the age recipients; never keys. */
  encryption?: { format: "age"; recipientFingerprints: string[] };
  volumeSnapshots: VolumeSnapshotRecord[];
  /** Volume data copied into the location, per PVC (absent when the target asked for none). */
  volumeData?: VolumeDataRecord[];
}

export interface BackupFailure extends BackupRecordIdentity {
  phase: "Failed";
  failedAt: string;
  /** Why it failed, first the cause that stopped it. */
  errors: ItemError[];
}
