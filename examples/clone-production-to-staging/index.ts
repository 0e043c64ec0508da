/**
 * Clone production into staging in one `pulumi up`: back up the production namespace, restore it as
 * `staging` with one replica per Deployment. `pulumi destroy` removes the staging clone (the
 * namespace this restore created) and keeps the backup.
 */
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const storage = new hks.BackupStorageLocation("clone-storage", {
  objectStorage: objectStorage("hks-example-clones"),
  credentials: credentials(),
  serverSideEncryption: { type: "SSE-S3" },
});

const snapshot = new hks.Backup("production-snapshot", {
  storageLocation: storage,
  target: { namespaces: ["production"] },
});

const clone = new hks.Restore("staging-clone", {
  backup: snapshot,
  namespaceMapping: { production: "staging" },
  patches: [{ group: "apps", kind: "Deployment", patch: [{ op: "replace", path: "/spec/replicas", value: 1 }] }],
});

export const backupName = snapshot.name;
export const restorePhase = clone.phase;
export const restoredCounts = clone.counts;
export const createdNamespaces = clone.createdNamespaces;
