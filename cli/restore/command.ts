/**
 * `hks restore create | describe`. The CLI has no server side: `create` runs the restore in this
 * process (so `--wait` is implied and accepted for compatibility) and records the result as the
 * ConfigMap `hks-restore-<name>` in the locations namespace, where `describe` reads it. Results go to
 * stdout, progress to stderr. Exit codes: 0 Completed, 2 PartiallyFailed, 1 Failed or an error.
 */
import { CLI_OWNER } from "../../provider/format/owner";
import type { Command } from "commander";
import { runRestore } from "../../provider/engine/restore/restore";
import { prepareRestore } from "../../provider/prepare/restore";
import { readRestoreRecord, restoreRecordExists, writeRestoreRecord } from "../../provider/prepare/restore-record";
import { formatRestoreResult } from "../../provider/engine/restore/report";
import type { RestorePhase, RestoreResult } from "../../provider/engine/restore/types";
import { ConflictError, InputError } from "../../provider/errors";
import { cliProgress, globalOptions, kubeConfigFor } from "../context";
import { flagOf, readIdentities, restoreInputsFromFlags, type CreateFlags } from "./options";

/** Exit code per phase: 0 only when the restore completed. */
export const EXIT_CODES: Readonly<Record<RestorePhase, number>> = { Completed: 0, PartiallyFailed: 2, Failed: 1 };

const out = (lines: string[]) => process.stdout.write(lines.join("\n") + "\n");

async function create(name: string, flags: CreateFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const { text, identities } = readIdentities(flags.identityFile);
  const inputs = restoreInputsFromFlags(name, flags, g.namespace, text);
  const kc = kubeConfigFor(g);
  // A restore name is used once: its record is what `describe` shows.
  if (await restoreRecordExists(kc, inputs.namespace, name)) {
    throw new ConflictError(
      `restore "${name}" already exists in ${inputs.namespace}; see it with 'hks restore describe ${name}' or ` +
        `pick another name`,
    );
  }
  // The preparation names resource fields (storageLocation, plan, backup): report them as the flags typed.
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  let result: RestoreResult;
  try {
    const { location, backupName, deps, options } = await prepareRestore(kc, inputs, {
      identities,
      progress: cliProgress(),
      signal: ac.signal,
      fieldOf: flagOf,
    });
    process.stderr.write(
      `restoring backup ${backupName} from ${location.name} (${deps.store.describe()}) into ` +
        `${deps.cluster.describe()}\n`,
    );
    result = await runRestore(deps, options);
  } finally {
    process.off("SIGINT", onSignal);
  }
  try {
    await writeRestoreRecord(kc, inputs.namespace, result, { overwrite: false, owner: CLI_OWNER });
  } catch (e) {
    process.stderr.write(
      `warning: the result was not recorded (hks restore describe will not find it): ${(e as Error).message}\n`,
    );
  }
  out(formatRestoreResult(result));
  process.exitCode = EXIT_CODES[result.phase];
}

async function describe(name: string, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const result = await readRestoreRecord(kubeConfigFor(g), g.namespace, name);
  if (!result)
    throw new InputError(
      "<name>",
      `no restore "${name}" is recorded in namespace ${g.namespace} (ConfigMap hks-restore-${name}); check the ` +
        `name and --namespace`,
    );
  out(formatRestoreResult(result, true));
}

/** Registers `hks restore create` and `hks restore describe`. */
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
    .option("--restore-volumes", "create PVCs from the backup's VolumeSnapshots")
    .option("--preserve-node-ports", "keep Services' nodePorts (default: the target assigns new ones)")
    .option(
      "--identity-file <file>",
      "age identity file for an encrypted backup (as `age -i`; or set HKS_AGE_IDENTITY)",
    )
    .option("--wait", "wait for the restore to finish (always: the CLI runs it in-process)")
    .action(async (name: string, flags: CreateFlags, cmd: Command) => create(name, flags, cmd));
  restore
    .command("describe <name>")
    .description("show a restore's recorded result: phase, counts, skips and failures with reasons")
    .action(async (name: string, _flags: unknown, cmd: Command) => describe(name, cmd));
}
