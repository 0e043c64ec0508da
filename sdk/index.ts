/**
 * hks-backup: Kubernetes backup as infrastructure code. Import the resources from here:
 * `import * as hks from "hks-backup"`.
 */
export { BackupStorageLocation } from "./backup-storage-location";
export type { BackupStorageLocationArgs, ObjectStorageArgs, NfsArgs, S3CredentialsArgs, SecretRefArgs } from "./backup-storage-location";
