/**
 * hks-backup: Kubernetes backup as infrastructure code. Import the resources from here:
 * `import * as hks from "hks-backup"`.
 */
export { BackupStorageLocation } from "./backup-storage-location";
export type {
  BackupStorageLocationArgs,
  ObjectStorageArgs,
  NfsArgs,
  S3CredentialsArgs,
  SecretRefArgs,
} from "./backup-storage-location";
export { Restore } from "./restore";
export type {
  RestoreArgs,
  RestorePatchArgs,
  JsonPatchOperationArgs,
  RestorableBackup,
  RestoreLocation,
} from "./restore";
export { Backup } from "./backup";
export type { BackupArgs, BackupTargetArgs, BackupHookArgs, BackupPlanLike } from "./backup";
export { BackupPlan } from "./backup-plan";
export type {
  BackupPlanArgs,
  BackupPlanTargetArgs,
  BackupPlanScheduleArgs,
  BackupPlanRetentionArgs,
  BackupPlanHookArgs,
  BackupPlanCopyArgs,
  BackupPlanRunnerArgs,
  PlanLocation,
  VolumeDataArgs,
} from "./backup-plan";
export { RestoreDrill } from "./restore-drill";
export type {
  RestoreDrillArgs,
  RestoreDrillCheckArgs,
  RestoreDrillExecCheckArgs,
  RestoreDrillHttpCheckArgs,
} from "./restore-drill";
