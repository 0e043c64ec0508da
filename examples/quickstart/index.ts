/**
 * The quickstart (`npm run demo` deploys it on the embedded local environment): a storage location,
 * the seed's nightly plan for the `production` namespace, an on-demand backup of that plan taken
 * during `pulumi up` (the plan's target and location, named `production-daily-<timestamp>`), and
 * its restore into a `production-clone` namespace.
 */
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const storage = new hks.BackupStorageLocation("s3-main-storage", {
  provider: "aws",
  objectStorage: objectStorage("hks-quickstart-backups"),
  credentials: credentials(),
  versioning: true,
  serverSideEncryption: { type: "SSE-S3" },
  tags: { app: "hks-quickstart" },
  default: true,
});

const plan = new hks.BackupPlan("production-daily", {
  target: { namespace: "production" },
  storageLocation: storage,
  schedule: { cron: "0 2 * * *", timeZone: "UTC" },
  retention: { daily: 7, weekly: 4, monthly: 6 },
  labels: { env: "production", "hks.io/hooks": "pod-annotations" },
});

const before = new hks.Backup("pre-migration", { plan });

const restore = new hks.Restore("production-clone", {
  backup: before,
  namespaceMapping: { production: "production-clone" },
});

export const location = {
  name: storage.locationName,
  url: storage.url,
  phase: storage.phase,
  capabilities: storage.capabilities,
};
export const planInfo = { name: plan.planName, schedule: "0 2 * * *", cronJob: plan.cronJobName };
export const backupInfo = { name: before.name, phase: before.phase, items: before.itemsBackedUp, bytes: before.bytes };
export const restoreInfo = {
  name: restore.restoreName,
  phase: restore.phase,
  restored: restore.counts,
  namespaces: restore.createdNamespaces,
};
