/**
 * `hks restore create | describe | list`. The CLI has no server side: `create` runs the restore in this
 * process (so `--wait` is implied and accepted for compatibility) and records the result as the
 * ConfigMap `hks-restore-<name>` in the locations namespace, where `describe` reads it. Results go to
 * stdout, progress to stderr. Exit codes: 0 Completed, 2 PartiallyFailed, 1 Failed or an error.
 */
import type { Command } from "commander";
import { lazyAction } from "../lazy";

const actions = () => import("./actions.js");

/** Registers `hks restore create`, `hks restore describe` and `hks restore list`. */
export function registerRestoreCommands(program: Command): void {
  const restore = program.command("restore").description("restore backups into a cluster (or clone a namespace)");
  restore
    .command("create <name>")
    .description("restore a backup now; exit 0 only when it completed (2 partially failed, 1 failed)")
    .option("--from-backup <backup>", "the backup to restore")
    .option("--from-plan <plan>", "restore the newest Completed backup of this plan instead")
    .option("--storage-location <location>", "the location holding the backup (default: the default location)")
    .option("--namespace-mapping <src:dst[,src:dst]>", "restore namespaces under new names, e.g. production:staging")
    .option("--include-namespaces <ns[,ns]>", "restore only these source namespaces")
    .option("--selector <selector>", "restore only objects with these labels, e.g. app=web")
    .option("--include-resources <types>", "resource types to restore, e.g. configmaps,deployments.apps")
    .option("--exclude-resources <types>", "resource types never restored")
    .option("--existing-resource-policy <policy>", "none (skip existing objects) or update (replace them)", "none")
    .option("--restore-volumes", "restore PVCs with their data (from snapshots or volume data, see --volume-source)")
    .option(
      "--volume-source <source>",
      "auto, snapshot or volume-data: where claims get their data (default auto: the snapshot when it exists in " +
        "this cluster's source namespace, else the backup's volume data, else the snapshot handle)",
    )
    .option("--preserve-node-ports", "keep Services' nodePorts (default: the target assigns new ones)")
    .option(
      "--identity-file <file>",
      "age identity file for an encrypted backup (as `age -i`; or set HKS_AGE_IDENTITY)",
    )
    .option("--wait", "wait for the restore to finish (always: the CLI runs it in-process)")
    .action(lazyAction(actions, "createAction"));
  restore
    .command("describe <name>")
    .description("show a restore's recorded result: phase, counts, skips and failures with reasons")
    .action(lazyAction(actions, "describeAction"));
  restore
    .command("list")
    .description("the restores recorded in --namespace, newest first: result, backup, counts, duration")
    .option("-o, --output <format>", "table or json", "table")
    .action(lazyAction(actions, "listAction"));
}
