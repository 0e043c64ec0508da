/**
 * The seed's plan: the postgres database in `production`, every night at 02:00 UTC, keeping 7 daily,
 * 4 weekly and 6 monthly backups. Application consistency comes from the seed's hook annotations on
 * the database pods (pre.hook.backup.hks.io/..., post.hook.backup.hks.io/...), which the runner
 * executes around the backup; the label tells reviewers (and the policy pack) where the hooks are.
 */
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const storage = new hks.BackupStorageLocation("s3-main-storage", {
  provider: "aws",
  objectStorage: objectStorage("my-hexabase-backups"),
  credentials: credentials(),
  versioning: true,
  serverSideEncryption: { type: "SSE-S3" },
});

const plan = new hks.BackupPlan("production-db-daily", {
  target: { namespace: "production", selector: { app: "postgres-db" }, snapshotVolumes: true },
  storageLocation: storage,
  schedule: { cron: "0 2 * * *", timeZone: "UTC" },
  retention: { daily: 7, weekly: 4, monthly: 6 },
  labels: { app: "postgres-db", "hks.io/hooks": "pod-annotations" },
  // Each run reads the stored backup back (checksums and every object): a bad copy fails the run.
  verifyAfterBackup: true,
});

export const cronJob = plan.cronJobName;
export const planName = plan.planName;
