/**
 * Provider-side input and output shapes of each resource, shared with sdk/ through `import type`
 * only. These are plain values: Pulumi has resolved every Input/Output before a handler sees them.
 */
import type { RetentionPolicy } from "./format/retention";

/** S3-compatible object storage. */
export interface ObjectStorageInputs {
  bucket: string;
  region?: string;
  endpoint?: string;
  prefix?: string;
  forcePathStyle?: boolean;
  caBundle?: string;
  idleTimeoutSeconds?: number;
}

/** An NFS share (or any directory) holding backups. */
export interface NfsInputs {
  server: string;
  path: string;
  localPath?: string;
}

export interface S3CredentialsInputs {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SecretRefInputs {
  name: string;
  namespace?: string;
  accessKeyIdKey?: string;
  secretAccessKeyKey?: string;
}

export type ServerSideEncryptionInputs = { type: "SSE-S3" } | { type: "SSE-KMS"; kmsKeyId: string };

export interface ObjectLockInputs {
  mode: "GOVERNANCE" | "COMPLIANCE";
  days: number;
}

export interface LifecycleInputs {
  expireDays?: number;
  abortIncompleteUploadDays?: number;
}

export interface BackupStorageLocationInputs {
  resourceKind: "BackupStorageLocation";
  /**
   * The resource's owner, recorded on every object it writes in the cluster (format/owner.ts): the
   * URN the SDK builds. Absent in state written before owners were recorded.
   */
  owner?: string;
  /** Take over in-cluster objects of the same name that another owner recorded. @default false */
  adopt?: boolean;
  /** In-cluster name of the location (ConfigMap `hks-location-<name>`). */
  locationName: string;
  provider: "aws" | "generic";
  objectStorage?: ObjectStorageInputs;
  nfs?: NfsInputs;
  credentials?: S3CredentialsInputs;
  credentialsSecretRef?: SecretRefInputs;
  createBucket: boolean;
  versioning?: boolean;
  serverSideEncryption?: ServerSideEncryptionInputs;
  objectLock?: ObjectLockInputs;
  lifecycle?: LifecycleInputs;
  tags?: Record<string, string>;
  encryption?: { recipients: string[] };
  accessMode: "ReadWrite" | "ReadOnly";
  deletionPolicy: "Retain" | "Delete";
  default: boolean;
  namespace: string;
  kubeconfig?: string;
  context?: string;
}

export interface BackupStorageLocationOutputs extends BackupStorageLocationInputs {
  phase: "Available" | "Unavailable";
  /** `s3://bucket/prefix` or `file:///path`. */
  url: string;
  bucket?: string;
  endpoint?: string;
  /** Whether this resource created the bucket (only then may `deletionPolicy: Delete` remove it). */
  bucketCreated: boolean;
  capabilities: {
    versioning: "Enabled" | "Suspended" | "Off" | "n/a";
    objectLock?: { mode?: string; days?: number };
    encryption?: { type: string; kmsKeyId?: string };
    clientSideEncryption: boolean;
  };
  /** Name of the ConfigMap in `namespace` that holds this location's (non-secret) configuration. */
  configMapName: string;
  /** Name of the Secret in `namespace` holding credentials, when credentials were given inline. */
  credentialsSecretName?: string;
  /**
   * Out-of-band changes of the in-cluster record found by the last refresh (deleted, rewritten, taken
   * over by another owner); a non-empty list makes the next `pulumi up` write the record again.
   */
  drift?: string[];
}

/** One RFC 6902 JSON Patch operation, as `kubectl patch --type json` takes it. */
export interface JsonPatchOperationInputs {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

/** A JSON patch a restore applies to the objects of one group/kind (optionally one name). */
export interface RestorePatchInputs {
  /** API group; `""` or `"core"` for the core group. */
  group: string;
  kind: string;
  name?: string;
  patch: JsonPatchOperationInputs[];
}

export interface RestoreInputs {
  resourceKind: "Restore";
  /**
   * The resource's owner, recorded on every object it writes in the cluster (format/owner.ts): the
   * URN the SDK builds. Absent in state written before owners were recorded.
   */
  owner?: string;
  /** Take over in-cluster objects of the same name that another owner recorded. @default false */
  adopt?: boolean;
  /** Name of the restore (result ConfigMap `hks-restore-<name>`). */
  restoreName: string;
  /** The backup to restore; exclusive with `plan` + `latest`. In outputs: the backup actually restored. */
  backupName?: string;
  /** Restore the newest Completed backup of this plan (with `latest: true`). */
  plan?: string;
  latest?: boolean;
  /** Name of the storage location as recorded in the TARGET cluster (may be ReadOnly there). */
  storageLocation?: string;
  /** Namespace where locations (and restore results) are recorded in the target cluster. */
  namespace: string;
  includeNamespaces?: string[];
  namespaceMapping?: Record<string, string>;
  includeResources?: string[];
  excludeResources?: string[];
  /** Label selector in string form (`app=web,tier!=cache`); a map input is normalised to it. */
  selector?: string;
  existingResourcePolicy: "none" | "update";
  restoreVolumes: boolean;
  /** Where restored claims get their data (engine/restore/types.ts VolumeSource); default "auto". */
  volumeSource?: "auto" | "snapshot" | "volume-data";
  preserveNodePorts: boolean;
  patches?: RestorePatchInputs[];
  cleanupOnDelete: boolean;
  /** age identity file content (secret). */
  identity?: string;
  kubeconfig?: string;
  context?: string;
}

/** Objects of a restore by outcome: `restored` = created + updated + unchanged; `total` adds skipped and failed. */
export interface RestoreCounts {
  total: number;
  restored: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

/** Items sharing one outcome reason. */
export interface RestoreReasonGroupOutputs {
  reason: string;
  count: number;
  items: string[];
}

export interface RestoreOutputs extends RestoreInputs {
  phase: "Completed" | "PartiallyFailed" | "Failed";
  counts: RestoreCounts;
  skipped: RestoreReasonGroupOutputs[];
  failed: RestoreReasonGroupOutputs[];
  warnings: string[];
  /** Namespaces this restore created, with their uid: exactly what `cleanupOnDelete` deletes. */
  createdNamespaces: { name: string; uid: string }[];
  /** Pre-bound VolumeSnapshotContents this restore created (Retain); removed with the clone. */
  createdSnapshotContents: string[];
  volumes: { claim: string; source: string }[];
  storageLocationName: string;
  targetCluster: string;
  startedAt: string;
  completedAt: string;
  objectsPerSecond: number;
  /** ConfigMap in `namespace` holding the result (no secrets). */
  resultConfigMap: string;
}

/** A backup hook (of a Backup or a BackupPlan): a command run in every pod its selector matches, before or after the
 * backup. */
export interface BackupHookInputs {
  /** A label for messages and records. */
  name?: string;
  /** Namespace of the pods; default: each namespace of the target. */
  namespace?: string;
  /** Pod label selector: a map, or text such as `app=postgres-db`. Canonical text after check. */
  selector: string | Record<string, string>;
  container: string;
  /** argv of the command; no shell unless it starts one. */
  command: string[];
  /** Seconds before the hook is abandoned; default 30. */
  timeoutSeconds?: number;
  /** What a failure means: `Fail` (default) or `Continue`. */
  onError?: "Fail" | "Continue";
}

/** What a Backup or a BackupPlan backs up: namespaces and/or a label selector, resource filters, snapshots. */
export interface BackupTargetInputs {
  /** Namespaces to back up (`["*"]`: all). `namespace` is folded in here by check. */
  namespaces?: string[];
  /** One namespace; a shorthand for `namespaces: [namespace]` (the seed's BackupPlan shape). */
  namespace?: string;
  excludeNamespaces?: string[];
  /** Label selector: a map, or text. Canonical text after check. */
  selector?: string | Record<string, string>;
  /** Resource types as `resource[.group]`; empty = all. */
  includeResources?: string[];
  excludeResources?: string[];
  snapshotVolumes?: boolean;
  volumeSnapshotClass?: string;
  /** Copy snapshotted PVCs' files into the location (selector canonical text after check). */
  volumeData?: { storageClasses?: string[]; selector?: string; keepSnapshots?: boolean };
}

export interface BackupInputs {
  resourceKind: "Backup";
  /** The Pulumi resource name: the base of a generated backup name. */
  resourceName: string;
  /** A fixed backup name; default: `<resourceName>-<YYYYMMDDHHMMSS>`, generated in create. */
  requestedName?: string;
  /** Name of the storage location in the cluster; default: the default location. */
  storageLocation?: string;
  /** Namespace where the location is recorded. */
  locationNamespace: string;
  /** What to back up; without it, the installed plan's target (then `plan` is required). */
  target?: BackupTargetInputs;
  /**
   * A BackupPlan name: recorded as the backup's plan and the base of a generated name. Without
   * `target`, create reads the plan's `plan.json` and uses its target, storage location (unless
   * `storageLocation` is given), hooks (unless `hooks` is given) and labels (merged under `labels`).
   */
  plan?: string;
  /** Namespace of the plan's ConfigMap `hks-plan-<plan>`; default `locationNamespace`. */
  planNamespace?: string;
  labels?: Record<string, string>;
  hooks?: { pre?: BackupHookInputs[]; post?: BackupHookInputs[] };
  /** Deadline for each VolumeSnapshot to become readyToUse, in seconds; default 600. */
  snapshotTimeoutSeconds?: number;
  deletionPolicy: "Retain" | "Delete";
  kubeconfig?: string;
  context?: string;
}

export interface BackupOutputs extends BackupInputs {
  /** The backup's name in the store. */
  name: string;
  phase: "Completed" | "PartiallyFailed";
  /** The location actually used (the default one when none was named). */
  storageLocationName: string;
  /** Where the backup's folder is, e.g. `s3://bucket/prefix/hks/v1/backups/<name>/`. */
  url: string;
  /** Objects in the archive. */
  itemsBackedUp: number;
  /** Objects per `resource.group`. */
  itemsByResource: Record<string, number>;
  /** Stored bytes of the archive (compressed, encrypted if the location encrypts). */
  bytes: number;
  /** YAML bytes before compression. */
  uncompressedBytes: number;
  /** `namespace/name` of each VolumeSnapshot that became readyToUse. */
  snapshots: string[];
  warnings: string[];
  /** Items that failed, as `item: reason` (PartiallyFailed only). */
  errors: string[];
  startedAt: string;
  completedAt: string;
}

/** GFS retention counts: the policy `selectRetention` applies (provider/format/retention.ts). */
export type BackupPlanRetentionInputs = RetentionPolicy;

/** A secondary location every backup is copied to (3-2-1), with its own retention. */
export interface BackupPlanCopyInputs {
  storageLocation: string;
  /** Default: the plan's retention. */
  retention?: BackupPlanRetentionInputs;
}

/** Compute resources of the runner container, as in a Pod spec (`"500m"`, `"256Mi"`). */
export interface BackupPlanResourcesInputs {
  requests?: { cpu?: string; memory?: string; "ephemeral-storage"?: string };
  limits?: { cpu?: string; memory?: string; "ephemeral-storage"?: string };
}

/** How the CronJob's Job runs. */
export interface BackupPlanRunnerInputs {
  image: string;
  imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  resources?: BackupPlanResourcesInputs;
  /** An existing ServiceAccount to run as (bound to the plan's Roles, never created or deleted). */
  serviceAccountName?: string;
  /** Job `activeDeadlineSeconds`, and the run lock's lifetime. */
  timeoutSeconds: number;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
}

export interface BackupPlanInputs {
  resourceKind: "BackupPlan";
  /**
   * The resource's owner, recorded on every object it writes in the cluster (format/owner.ts): the
   * URN the SDK builds. Absent in state written before owners were recorded.
   */
  owner?: string;
  /** Take over in-cluster objects of the same name that another owner recorded. @default false */
  adopt?: boolean;
  /** In-cluster name (CronJob/ConfigMap `hks-plan-<name>`, backups `<name>-YYYYMMDDHHMMSS`). */
  planName: string;
  /** Namespace of the plan's objects; the plan's storage locations are recorded here too. */
  namespace: string;
  target: BackupTargetInputs;
  /** Name of the primary storage location. */
  storageLocation: string;
  schedule: { cron: string; timeZone: string; suspend: boolean; startingDeadlineSeconds?: number };
  retention: BackupPlanRetentionInputs;
  hooks?: { pre?: BackupHookInputs[]; post?: BackupHookInputs[] };
  copies?: BackupPlanCopyInputs[];
  labels?: Record<string, string>;
  /** Read every location's copy back after publishing. @default false */
  verifyAfterBackup?: boolean;
  runner: BackupPlanRunnerInputs;
  kubeconfig?: string;
  context?: string;
}

/** One Kubernetes object a plan installed (exactly what `delete` removes). */
export interface InstalledObjectOutputs {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface BackupPlanOutputs extends BackupPlanInputs {
  cronJobName: string;
  configMapName: string;
  /** The ServiceAccount the Job runs as (created by the plan unless `runner.serviceAccountName`). */
  serviceAccountName: string;
  installed: InstalledObjectOutputs[];
  /** Out-of-band changes found by the last refresh; a non-empty list makes the next `up` repair them. */
  drift: string[];
}

/** A drill check as the RestoreDrill resource takes it (plan/drill.ts validates and applies defaults). */
export interface RestoreDrillCheckInputs {
  name: string;
  exec?: {
    namespace?: string;
    pod?: string;
    selector?: string;
    container?: string;
    command: string[];
    expect?: { exitCode?: number; stdout?: string; stdoutMatches?: string };
  };
  http?: {
    namespace?: string;
    service: string;
    port: string | number;
    path?: string;
    expect?: { status?: number; bodyContains?: string };
  };
  timeoutSeconds?: number;
}

export interface RestoreDrillInputs {
  resourceKind: "RestoreDrill";
  /** The drill's name (records are kept per name); default: the Pulumi resource name. */
  drillName: string;
  /** A backup name, or `plan`. */
  backupName?: string;
  plan?: string;
  pick?: "newest" | "random";
  windowDays?: number;
  storageLocation?: string;
  /** Namespace where the location is recorded. */
  locationNamespace: string;
  namespacePrefix?: string;
  includeNamespaces?: string[];
  restoreVolumes?: boolean;
  volumeSource?: "auto" | "snapshot" | "volume-data";
  checks?: RestoreDrillCheckInputs[];
  deadlineSeconds?: number;
  keepOnFailure?: boolean;
  /** Any change of these values runs the drill again (e.g. a date, or the newest backup's name). */
  triggers?: unknown[];
  /** age identity file content for an encrypted backup (secret). */
  identity?: string;
  /** Run the drill by a CronJob on this schedule (plan/drill-schedule.ts). */
  schedule?: BackupPlanInputs["schedule"];
  /** How the scheduled drill's Job runs (the plan's runner rules and defaults). */
  runner?: BackupPlanRunnerInputs;
  /** Run once during `pulumi up`. @default true without a schedule, false with one */
  runOnApply?: boolean;
  /** The resource's owner (format/owner.ts), recorded on the objects a scheduled drill installs. */
  owner?: string;
  /** Take over a scheduled drill's objects that another owner recorded. @default false */
  adopt?: boolean;
  kubeconfig?: string;
  context?: string;
}

export interface RestoreDrillOutputs extends RestoreDrillInputs {
  /** `Passed` after a run during `pulumi up`; `Scheduled` when only the CronJob was installed. */
  phase: "Passed" | "Scheduled";
  /** The scheduled drill's CronJob, when it has a schedule. */
  cronJobName?: string;
  /** What a scheduled drill installed (exactly what delete removes). */
  installed?: InstalledObjectOutputs[];
  runId: string;
  /** The backup the drill restored. */
  drilledBackup: string;
  storageLocationName: string;
  /** Seconds from the restore's start until every workload was healthy. */
  rtoSeconds: number;
  objectsRestored: number;
  checkResults: { name: string; passed: boolean; output: string }[];
  /** Where the record is, e.g. `s3://bucket/prefix/hks/v1/backups/<b>/drills/<drill>/<run>.json`. */
  recordUrl: string;
  startedAt: string;
  completedAt: string;
}
