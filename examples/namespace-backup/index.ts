/**
 * The seed's namespace backup, as a resource:
 *   hks backup create my-namespace-backup --include-namespaces production
 */
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const storage = new hks.BackupStorageLocation("namespace-backups", {
  objectStorage: objectStorage("hks-example-namespace-backups"),
  credentials: credentials(),
  serverSideEncryption: { type: "SSE-S3" },
});

const backup = new hks.Backup("my-namespace-backup", {
  storageLocation: storage,
  target: { namespaces: ["production"] },
});

export const backupName = backup.name;
export const phase = backup.phase;
export const items = backup.itemsBackedUp;
export const itemsByResource = backup.itemsByResource;
