/**
 * The restore engine's vocabulary: its options and its result (the durable record shown by outputs,
 * `hks restore describe` and the result ConfigMap). Its port to the target cluster is
 * kube/target-cluster.ts.
 */
import type { RestorePatch } from "../transform/transform";
import type { ProgressSink } from "../progress";
import type { RestoreCounts } from "../../types";

/** Where restored claims get their data: see RestoreOptions.volumeSource. */
export type VolumeSource = "auto" | "snapshot" | "volume-data";
export const VOLUME_SOURCES: readonly VolumeSource[] = ["auto", "snapshot", "volume-data"];

/** How the restore treats an object that already exists in the target. */
export type ExistingResourcePolicy = "none" | "update";

/** What to restore and how. Validated before it reaches the engine (plan/restore.ts). */
export interface RestoreOptions {
  /** Name of this restore (result ConfigMap `hks-restore-<name>`, VolumeSnapshot names). */
  readonly restoreName: string;
  readonly backupName: string;
  /** Source → target namespace. @default {} */
  readonly namespaceMapping?: Readonly<Record<string, string>>;
  /** Source namespaces to restore. @default every namespace of the backup */
  readonly includeNamespaces?: readonly string[];
  readonly includeResources?: readonly string[];
  readonly excludeResources?: readonly string[];
  /** Label selector, string form (`app=web,tier!=cache`). */
  readonly selector?: string;
  /** @default "none" */
  readonly existingResourcePolicy?: ExistingResourcePolicy;
  /** Restore PVCs with their data (from snapshots or volume data, see `volumeSource`). @default false */
  readonly restoreVolumes?: boolean;
  /**
   * Where a claim's data comes from: `snapshot` (its VolumeSnapshot, or a content bound to the recorded
   * handle), `volume-data` (the files copied into the location; any cluster), or `auto`: the snapshot
   * when it still exists in the source namespace of this cluster, else volume data when the backup
   * holds it, else the snapshot handle. @default "auto"
   */
  readonly volumeSource?: VolumeSource;
  /** Keep Services' node ports. @default false */
  readonly preserveNodePorts?: boolean;
  /** Restore nothing cluster-scoped but the mapped Namespaces (restore drills). @default false */
  readonly namespacedOnly?: boolean;
  readonly patches?: readonly RestorePatch[];
  /** age identities (AGE-SECRET-KEY-1...) for an encrypted backup. Never logged or recorded. */
  readonly identities?: readonly string[];
  /** Objects applied at once within a tier. @default 16 */
  readonly concurrency?: number;
  /** How long to wait for restored CRDs to be Established. @default 60 s */
  readonly crdTimeoutMs?: number;
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
}

/** How a restore ended: Completed, PartiallyFailed (some objects failed), or Failed (stopped as a whole). */
export type RestorePhase = "Completed" | "PartiallyFailed" | "Failed";

/** Items that share one outcome reason: counted, with the first few named. */
export interface ReasonGroup {
  readonly reason: string;
  readonly count: number;
  /** Up to {@link MAX_ITEMS_PER_REASON} items, as `resource.group/namespace/name`. */
  readonly items: string[];
}

/** How one claim's data was restored; part of the restore result. */
export interface VolumeRestoreRecord {
  /** `namespace/name` of the claim in the target. */
  readonly claim: string;
  /**
   * `VolumeSnapshot ns/name`, `VolumeSnapshotContent name (pre-bound)`, `volume data of <ns>/<pvc>
   * (N files, X)`, or why there is no data.
   */
  source: string;
}

/** Most items named per reason group; the count still says how many there were. */
export const MAX_ITEMS_PER_REASON = 20;

/** A namespace the restore created, with its uid, so cleanup deletes exactly it (uid precondition). */
export interface CreatedNamespace {
  readonly name: string;
  readonly uid: string;
}

/** The outcome of a restore. Holds no Secret data, identities or credentials. */
export interface RestoreResult {
  readonly restoreName: string;
  readonly backupName: string;
  readonly storageLocation: string;
  readonly targetCluster: string;
  readonly phase: RestorePhase;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly counts: RestoreCounts;
  readonly skipped: ReasonGroup[];
  readonly failed: ReasonGroup[];
  readonly warnings: string[];
  /** Set when the restore stopped as a whole (integrity, input, an unreachable cluster). */
  readonly error?: string;
  readonly createdNamespaces: CreatedNamespace[];
  /** Cluster-scoped VolumeSnapshotContents created for PVCs in another namespace (Retain). */
  readonly createdSnapshotContents: string[];
  /** How each claim's data was restored (restoreVolumes). */
  readonly volumes: VolumeRestoreRecord[];
  readonly namespaceMapping: Record<string, string>;
  /** Objects per second of the apply phase. */
  readonly objectsPerSecond: number;
}
