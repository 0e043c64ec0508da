/**
 * `hks volume-data push | pull | verify`: internal commands the mover Pod runs (issue #16) to copy a
 * volume's files into a storage location and back (provider/engine/volume-data/). Hidden from
 * `hks --help`: a person backs up volumes through a plan or `hks backup create`, not with these.
 *
 * Progress goes to stderr every 2 s (`1.2 GiB / 3.4 GiB, 85 MiB/s`), the summary to stdout (text, or
 * JSON with `-o json`: the mover records it in the backup's manifest). Exit 0 on success, 1 otherwise.
 */
import type { Command } from "commander";
import { lazyAction } from "../lazy";

const actions = () => import("./actions.js");

const PVC = "the PersistentVolumeClaim, as <namespace>/<name>";

/** Registers the hidden `hks volume-data` group. */
export function registerVolumeDataCommands(program: Command): void {
  const group = program
    .command("volume-data", { hidden: true })
    .description("internal: copy a volume's files into a storage location and back (run by the mover Pod)");
  group
    .command("push")
    .description("copy a directory into the location as a PVC's data of a backup, deduplicated and encrypted")
    .requiredOption("--source <dir>", "the directory to copy (the mounted snapshot volume)")
    .requiredOption("--pvc <namespace/name>", PVC)
    .requiredOption("--backup <name>", "the backup the data belongs to")
    .option("--storage-location <name>", "the storage location to write to")
    .option(
      "--location-file <file>",
      "instead of --storage-location: the location's record (location.json of its ConfigMap); S3 keys from " +
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the mover Pod: no API access needed)",
    )
    .option("--summary-file <file>", "also write the JSON summary here (the mover Pod's termination message)")
    .option("--concurrency <n>", "pack uploads at once, 1-32 (default: 4)")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(actions, "pushAction"));
  group
    .command("pull")
    .description("recreate a PVC's files of a backup in a directory")
    .requiredOption("--backup <name>", "the backup to read")
    .requiredOption("--pvc <namespace/name>", PVC)
    .requiredOption("--target <dir>", "an existing directory to restore into (the new volume)")
    .option("--storage-location <name>", "the storage location to read from")
    .option(
      "--location-file <file>",
      "instead of --storage-location: the location's record (location.json); S3 keys from AWS_ACCESS_KEY_ID/" +
        "AWS_SECRET_ACCESS_KEY (the restore's mover Pod)",
    )
    .option("--summary-file <file>", "also write the JSON summary here (the mover Pod's termination message)")
    .option("--identity-file <file>", "age identity file for an encrypted location (or set HKS_AGE_IDENTITY)")
    .option("--concurrency <n>", "pack downloads at once, 1-32 (default: 4)")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(actions, "pullAction"));
  group
    .command("verify")
    .description("read every pack of a PVC's data in a backup and check its checksums")
    .requiredOption("--backup <name>", "the backup to check")
    .requiredOption("--pvc <namespace/name>", PVC)
    .requiredOption("--storage-location <name>", "the storage location to read from")
    .option("--identity-file <file>", "age identity file, to check every blob of an encrypted location")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(actions, "verifyAction"));
}
