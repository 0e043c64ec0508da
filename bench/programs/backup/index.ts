// `pulumi up` of one on-demand Backup of the benchmark namespace (compared with `hks backup create`).
import * as pulumi from "@pulumi/pulumi";
import * as hks from "hks-backup";

const cfg = new pulumi.Config();
const backup = new hks.Backup("bench", {
  storageLocation: "bench",
  target: { namespaces: [cfg.require("namespace")] },
});
export const items = backup.itemsBackedUp;
