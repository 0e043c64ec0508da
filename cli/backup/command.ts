/**
 * `hks backup create | list | describe | verify | delete`. The seed's lines work as written:
 * `hks backup create my-namespace-backup --include-namespaces production` and
 * `hks backup create critical-app-backup --selector app=mission-critical`.
 *
 * Exit codes: 0 success; 1 failure (a Failed backup, a bad flag, an unreachable cluster or store);
 * 2 a PartiallyFailed backup (written and usable, but something asked for is missing).
 */
import type { Command } from "commander";
import { commaList } from "../global-options";
import { lazyAction } from "../lazy";
import { nowOption } from "../plan/clock";

const catalog = () => import("./catalog.js");

/** Adds the `backup` command group to the program. */
export function registerBackupCommands(program: Command): void {
  const backup = program.command("backup").description("take, list, inspect and delete backups");
  backup
    .command("create <name>")
    .description("back up namespaces and/or label-selected resources now, into a storage location")
    .option("--include-namespaces <ns[,ns]>", "namespaces to back up ('*' for all)", commaList)
    .option("--exclude-namespaces <ns[,ns]>", "namespaces to leave out", commaList)
    .option(
      "--selector <k=v[,k2=v2]>",
      "only objects with these labels (Kubernetes selector syntax); alone, across all namespaces",
    )
    .option(
      "--include-resources <types>",
      "resource types to include, e.g. configmaps,deployments.apps (default: all)",
      commaList,
    )
    .option("--exclude-resources <types>", "resource types to leave out", commaList)
    .option("--storage-location <name>", "storage location (default: the default location)")
    .option("--snapshot-volumes", "take a CSI VolumeSnapshot of every included PVC")
    .option(
      "--volume-snapshot-class <name>",
      "VolumeSnapshotClass for every PVC (default: per StorageClass driver, else the default class)",
    )
    .option(
      "--copy-volume-data",
      "copy the files of every snapshotted PVC into the location (a mover Pod reads each snapshot; needs " +
        "--snapshot-volumes)",
    )
    .option(
      "--volume-data-storage-classes <names>",
      "copy only PVCs of these StorageClasses (implies --copy-volume-data)",
      commaList,
    )
    .option("--volume-data-selector <k=v[,k2=v2]>", "copy only PVCs with these labels (implies --copy-volume-data)")
    .option(
      "--delete-snapshots-after-copy",
      "the copy replaces the snapshot: delete each VolumeSnapshot once its data is copied (implies --copy-volume-data)",
    )
    .option("--snapshot-timeout <seconds>", "how long each snapshot may take to become ready (default: 600)")
    .option("--labels <k=v[,k2=v2]>", "labels recorded with the backup")
    .option(
      "--page-size <n>",
      "objects per LIST request, 1-10000 (default: 500); smaller pages hold less in memory when objects are very large",
    )
    .option(
      "--plan <name>",
      "the backup plan this backup belongs to (recorded in the manifest); alone, without target flags, back up " +
        "the installed plan's target to its location",
    )
    .option("--wait", "wait for the backup to finish (always: it runs in this process)", true)
    .option("-o, --output <format>", "text or json (the manifest, or the failure record)", "text")
    .action(lazyAction(() => import("./create.js"), "createAction"));
  backup
    .command("list")
    .description("list the backups of one or every storage location, newest first (by start time)")
    .option("--storage-location <name>", "only this location (default: every location in the namespace)")
    .option("--selector <k=v[,k2=v2]>", "only backups whose recorded labels match (Kubernetes selector syntax)")
    .option("--plan <name>", "only the backups this plan took")
    .option("--phase <phase[,phase]>", "only these phases: Completed, PartiallyFailed, Failed, Incomplete")
    .option("--since <age|time>", "only backups started since: an age (7d, 2w, 12h, 30m) or an ISO 8601 time")
    .option("-o, --output <format>", "table or json", "table")
    .addOption(nowOption())
    .action(lazyAction(catalog, "listAction"));
  backup
    .command("describe <name>")
    .description("show a backup's manifest: counts, sizes, checksums, snapshots, hooks, errors")
    .option("--storage-location <name>", "the backup's location (default: search every location)")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(catalog, "describeAction"));
  backup
    .command("verify <name>")
    .description(
      "check a stored backup without touching a cluster: checksums, then every object read back (encrypted: " +
        "with --identity-file)",
    )
    .option("--storage-location <name>", "the backup's location (default: search every location)")
    .option(
      "--identity-file <file>",
      "age identity file to read an encrypted backup's objects (or set HKS_AGE_IDENTITY)",
    )
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(() => import("./verify.js"), "verifyAction"));
  backup
    .command("delete <name>")
    .description(
      "delete a backup's objects and the VolumeSnapshots it took; refused for the last good backup of a plan " +
        "and while S3 object lock protects it",
    )
    .option("--storage-location <name>", "the backup's location (default: search every location)")
    .option("--keep-snapshots", "keep the VolumeSnapshots")
    .option(
      "--allow-last-good",
      "delete it even when it is the newest Completed backup of its plan in its location (refused otherwise)",
    )
    .action(lazyAction(() => import("./delete.js"), "deleteAction"));
}
