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
