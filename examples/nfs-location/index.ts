/**
 * The seed's NFS storage location, and a backup written to it. `nfs.localPath` is where the machine
 * running `pulumi up` has the share mounted (CronJob pods mount it themselves from server + path).
 */
import * as pulumi from "@pulumi/pulumi";
import * as hks from "hks-backup";

const cfg = new pulumi.Config();

const nfs = new hks.BackupStorageLocation("nfs-onprem-storage", {
  provider: "generic",
  nfs: {
    server: cfg.get("nfsServer") ?? "192.168.1.100",
    path: "/exports/backups",
    localPath: cfg.get("nfsLocalPath"),
  },
  encryption: { recipients: [cfg.require("ageRecipient")] },
});

const backup = new hks.Backup("production-to-nfs", {
  storageLocation: nfs,
  target: { namespaces: ["production"] },
});

export const url = nfs.url;
export const backupName = backup.name;
export const items = backup.itemsBackedUp;
