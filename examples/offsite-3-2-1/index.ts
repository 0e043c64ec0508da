/**
 * The 3-2-1 rule: production data, a nightly backup in object storage, and a copy of every backup
 * on a second medium at another site (an NFS share), each with its own retention. Both locations
 * encrypt client-side to the same age public key; the identity stays offline.
 */
import * as pulumi from "@pulumi/pulumi";
import * as hks from "hks-backup";
import { credentials, objectStorage } from "../shared/local";

const cfg = new pulumi.Config();
const recipient = cfg.require("ageRecipient"); // age-keygen -y identity.txt

const primary = new hks.BackupStorageLocation("primary", {
  objectStorage: objectStorage("hks-example-primary"),
  credentials: credentials(),
  encryption: { recipients: [recipient] },
});

const offsite = new hks.BackupStorageLocation("offsite-nfs", {
  provider: "generic",
  nfs: {
    server: cfg.get("nfsServer") ?? "192.168.1.100",
    path: "/exports/backups",
    localPath: cfg.get("nfsLocalPath"),
  },
  encryption: { recipients: [recipient] },
});

const plan = new hks.BackupPlan("production-3-2-1", {
  target: { namespace: "production" },
  storageLocation: primary,
  schedule: { cron: "0 3 * * *", timeZone: "Europe/Berlin" },
  retention: { daily: 7, weekly: 4 },
  copies: [{ storageLocation: offsite, retention: { daily: 7, weekly: 4, monthly: 12 } }],
  labels: { team: "platform" },
});

export const planName = plan.planName;
export const locations = [primary.url, offsite.url];
