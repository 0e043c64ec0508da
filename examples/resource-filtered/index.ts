/**
 * The seed's resource-filtered backup: everything labelled app=mission-critical, in any namespace:
 *   hks backup create critical-app-backup --selector app=mission-critical
 */
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const storage = new hks.BackupStorageLocation("critical-backups", {
  objectStorage: objectStorage("hks-example-critical-backups"),
  credentials: credentials(),
  serverSideEncryption: { type: "SSE-S3" },
});

const backup = new hks.Backup("critical-app-backup", {
  storageLocation: storage,
  target: { selector: { app: "mission-critical" } },
});

export const backupName = backup.name;
export const items = backup.itemsBackedUp;
export const itemsByResource = backup.itemsByResource;
