/**
 * Provider-side input and output shapes of each resource, shared with sdk/ through `import type`
 * only. These are plain values: Pulumi has resolved every Input/Output before a handler sees them.
 */

/** S3-compatible object storage. */
export interface ObjectStorageInputs {
  bucket: string;
  region?: string;
  endpoint?: string;
  prefix?: string;
  forcePathStyle?: boolean;
  caBundle?: string;
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
  preserveNodePorts: boolean;
  patches?: RestorePatchInputs[];
  cleanupOnDelete: boolean;
  /** age identity file content (secret). */
  identity?: string;
  kubeconfig?: string;
  context?: string;
}

/** Items sharing one outcome reason. */
export interface RestoreReasonGroupOutputs {
  reason: string;
  count: number;
  items: string[];
}

export interface RestoreOutputs extends RestoreInputs {
  phase: "Completed" | "PartiallyFailed" | "Failed";
  counts: { total: number; restored: number; created: number; updated: number; unchanged: number; skipped: number; failed: number };
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
