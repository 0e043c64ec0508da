/**
 * The `hks` command line. Each subcommand parses its flags, wires real dependencies and calls the
 * same engine functions the Pulumi provider uses; nothing here decides what to back up or restore.
 */
import { Command, CommanderError } from "commander";
import { addGlobalOptions } from "./global-options";
import { packageVersion } from "../provider/format/package-version";
import { registerBackupCommands } from "./backup/command";
import { registerDevCommands } from "./dev/command";
import { registerDrillCommands } from "./drill/command";
import { registerMetricsCommands } from "./metrics/command";
import { registerPlanCommands } from "./plan/command";
import { registerRestoreCommands } from "./restore/command";
import { registerUiCommands } from "./ui/command";
import { registerVolumeDataCommands } from "./volume-data/command";

/** Runs the CLI with `argv` (without the node and script paths); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command("hks")
    .description("Kubernetes backup as infrastructure code")
    .version(packageVersion(), "-V, --version", "print the version of hks-backup")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  addGlobalOptions(program);
  registerDevCommands(program);
  registerPlanCommands(program);
  registerBackupCommands(program);
  registerRestoreCommands(program);
  registerDrillCommands(program);
  registerMetricsCommands(program);
  registerUiCommands(program);
  registerVolumeDataCommands(program);
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`hks: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
