/** The actions of `hks restore create | describe` (registered lazily by ./command.ts). */
import { CLI_OWNER } from "../../provider/format/owner";
import type { Command } from "commander";
import type * as k8s from "@kubernetes/client-node";
import type { ProgressSink } from "../../provider/engine/progress";
import type { RestoreInputs } from "../../provider/types";
import { runRestore } from "../../provider/engine/restore/restore";
import { prepareRestore } from "../../provider/prepare/restore";
import {
  listRestoreRecords,
  readRestoreRecord,
  restoreRecordExists,
  writeRestoreRecord,
} from "../../provider/prepare/restore-record";
import { formatRestoreResult } from "../../provider/engine/restore/report";
import type { RestorePhase, RestoreResult } from "../../provider/engine/restore/types";
import { ConflictError, InputError } from "../../provider/errors";
import { cliProgress, globalOptions, kubeConfigFor, printTable } from "../context";
import { outputFormat } from "../backup/catalog";
import { flagOf, readIdentities, restoreInputsFromFlags, type CreateFlags } from "./options";

/** Exit code per phase: 0 only when the restore completed. */
export const EXIT_CODES: Readonly<Record<RestorePhase, number>> = { Completed: 0, PartiallyFailed: 2, Failed: 1 };

const out = (lines: string[]) => process.stdout.write(lines.join("\n") + "\n");

/** What a restore run from the CLI or the dashboard reports as it goes. */
export interface RestoreRun {
  readonly identities: string[];
  readonly progress: ProgressSink;
  readonly signal: AbortSignal;
  readonly log: (line: string) => void;
}

/**
 * Runs a restore of checked `inputs` and records its result (ConfigMap `hks-restore-<name>`, which
 * `hks restore describe` reads): the one path of `hks restore create` and the dashboard's restore.
 * A name already recorded is refused before anything is restored.
 */
export async function restoreAndRecord(
  kc: k8s.KubeConfig,
  inputs: RestoreInputs,
  run: RestoreRun,
): Promise<RestoreResult> {
  // A restore name is used once: its record is what `describe` shows.
  if (await restoreRecordExists(kc, inputs.namespace, inputs.restoreName)) {
    throw new ConflictError(
      `restore "${inputs.restoreName}" already exists in ${inputs.namespace}; see it with 'hks restore describe ` +
        `${inputs.restoreName}' or pick another name`,
    );
  }
  // The preparation names resource fields (storageLocation, plan, backup): report them as the flags typed.
  const { location, backupName, deps, options } = await prepareRestore(kc, inputs, {
    identities: run.identities,
    progress: run.progress,
    signal: run.signal,
    fieldOf: flagOf,
  });
  run.log(
    `restoring backup ${backupName} from ${location.name} (${deps.store.describe()}) into ${deps.cluster.describe()}`,
  );
  const result = await runRestore(deps, options);
  try {
    await writeRestoreRecord(kc, inputs.namespace, result, { overwrite: false, owner: CLI_OWNER });
  } catch (e) {
    run.log(`warning: the result was not recorded (hks restore describe will not find it): ${(e as Error).message}`);
  }
  return result;
}

/** `hks restore create <name>`: runs the restore here and records its result. */
export async function createAction(name: string, flags: CreateFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const { text, identities } = readIdentities(flags.identityFile);
  const inputs = restoreInputsFromFlags(name, flags, g.namespace, text);
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  let result: RestoreResult;
  try {
    result = await restoreAndRecord(kubeConfigFor(g), inputs, {
      identities,
      progress: cliProgress(),
      signal: ac.signal,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    process.off("SIGINT", onSignal);
  }
  out(formatRestoreResult(result));
  process.exitCode = EXIT_CODES[result.phase];
}

/** `hks restore describe <name>`: the recorded result. */
export async function describeAction(name: string, _flags: unknown, cmd: Command): Promise<void> {
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

/** `hks restore list`: every recorded restore, newest first. */
export async function listAction(flags: { output?: string }, cmd: Command): Promise<void> {
  const o = outputFormat(flags.output, ["table", "json"]);
  const g = globalOptions(cmd);
  const list = (await listRestoreRecords(kubeConfigFor(g), g.namespace)).sort((a, b) =>
    a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0,
  );
  if (o === "json") {
    process.stdout.write(JSON.stringify(list, null, 2) + "\n");
    return;
  }
  if (list.length === 0) {
    process.stdout.write(`No restores are recorded in namespace ${g.namespace}.\n`);
    return;
  }
  printTable(
    ["NAME", "PHASE", "BACKUP", "LOCATION", "RESTORED", "FAILED", "STARTED", "SECONDS"],
    list.map((r) => [
      r.restoreName,
      r.phase,
      r.backupName,
      r.storageLocation,
      `${r.counts.restored}/${r.counts.total}`,
      String(r.counts.failed),
      r.startedAt,
      ((Date.parse(r.completedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1),
    ]),
  );
}
