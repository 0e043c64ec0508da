/** The request, collaborators and result of one backup: the engine's contract with its callers. */
import type { KubeReader } from "../../kube/discovery";
import type { PodExecutor } from "../../kube/exec";
import type { ObjectStore } from "../../store";
import type { PlanHook } from "../../format/hook-annotations";
import type { BackupFailure, BackupManifest, BackupPhase, BackupTarget } from "../../format/manifest";
import type { ProgressSink } from "../progress";
import type { SnapshotApi } from "../../kube/snapshot-api";
import type { LocationConfig } from "../../kube/location-config";
import type { MoverCluster } from "../../kube/target-cluster";

/** What to back up, and how. */
export interface BackupRequest {
  /** The backup's name, already resolved (name.ts `resolveBackupName`). */
  readonly name: string;
  /** Name of the storage location, recorded in the manifest. */
  readonly storageLocation: string;
  readonly target: BackupTarget;
  /** VolumeSnapshotClass for every PVC. @default chosen per PVC */
  readonly volumeSnapshotClass?: string;
  /** @default DEFAULT_SNAPSHOT_TIMEOUT_MS (10 minutes) */
  readonly snapshotTimeoutMs?: number;
  /** Deadline of each PVC's volume data copy. @default DEFAULT_COPY_TIMEOUT_MS (6 hours) */
  readonly volumeDataTimeoutMs?: number;
  /**
   * With `volumeData.keepSnapshots: false`: mark the copied PVCs' snapshots deleted but leave deleting
   * them to the caller (a plan deletes them once its copy locations have their copies). @default false
   */
  readonly deferSnapshotRemoval?: boolean;
  readonly plan?: string;
  readonly labels?: Record<string, string>;
  /** Plan-level hooks (in addition to pod annotation hooks). */
  readonly hooks?: { readonly pre?: readonly PlanHook[]; readonly post?: readonly PlanHook[] };
}

/** The collaborators of a backup (velero passes the same into `kubernetesBackupper`). */
export interface BackupDeps {
  readonly reader: KubeReader;
  readonly executor: PodExecutor;
  /** Needed only when `target.snapshotVolumes` is set. */
  readonly snapshots?: () => Promise<SnapshotApi>;
  /** Needed only when `target.volumeData` is set: where and how mover Pods run. */
  readonly mover?: () => Promise<MoverDeps>;
  /** The location's store, rooted at its prefix. */
  readonly store: ObjectStore;
  /** age recipients of the location; empty = unencrypted. */
  readonly recipients: readonly string[];
  /** API server URL of the source cluster, for the manifest. */
  readonly sourceCluster: string;
  readonly progress?: ProgressSink;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  readonly signal?: AbortSignal;
  /** LIST tuning (collect.ts defaults). */
  readonly pageSize?: number;
  readonly listConcurrency?: number;
}

/** What volume data copies need: the cluster, the location's record, the runner image. */
export interface MoverDeps {
  readonly cluster: MoverCluster;
  readonly location: LocationConfig;
  readonly image: string;
}

/** The outcome of {@link runBackup}. */
export interface BackupResult {
  readonly name: string;
  readonly phase: BackupPhase;
  /** manifest.json for Completed/PartiallyFailed, failure.json for Failed: what was written. */
  readonly record: BackupManifest | BackupFailure;
  /** Objects skipped because of `hks.io/exclude-from-backup=true`. */
  readonly excludedByLabel: number;
  /** Where the backup lives, e.g. `s3://bucket/prefix/hks/v1/backups/<name>/`. */
  readonly url: string;
}
