/**
 * `hks drill run | list | describe`: restore drills. `run` restores a backup into throwaway
 * namespaces, waits until the application is healthy, runs the drill's checks, deletes the
 * namespaces and records the result beside the backup; `list` and `describe` read those records.
 * The drill is declared in a file (YAML or JSON, the fields of docs/drills.md), or installed with a
 * schedule by a RestoreDrill (`hks drill run <name>` reads its ConfigMap). Exit codes of
 * `run`: 0 passed, 1 failed or an error.
 */
import type { Command } from "commander";
import { lazyAction } from "../lazy";

const actions = () => import("./actions.js");

/** Registers `hks drill run | list | describe`. */
export function registerDrillCommands(program: Command): void {
  const drill = program
    .command("drill")
    .description("restore drills: prove a backup restores and the application comes up, then clean up");
  drill
    .command("run")
    .argument("[name]", "the drill's name (default: the file's name field); without --file, a scheduled drill's")
    .description("restore a backup into throwaway namespaces, check the application, tear down, record the result")
    .option("-f, --file <path>", "the drill file (YAML or JSON); without it, run the scheduled drill <name>")
    .option("--scheduled", "run as the drill's CronJob does: bind its inside role in each drill namespace")
    .option("--plan <plan>", "drill this plan's backup (overrides the file)")
    .option("--backup <name>", "drill this backup (overrides the file)")
    .option("--storage-location <name>", "the location to read from (default: the namespace's default location)")
    .option("--keep-on-failure", "keep the drill namespaces when the drill fails, for inspection")
    .option("--identity-file <path>", "age identity file for an encrypted backup (or HKS_AGE_IDENTITY)")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(actions, "runAction"));
  drill
    .command("list")
    .argument("[drill]", "only this drill's runs")
    .description("list recorded drill runs, newest first")
    .option("--storage-location <name>", "only this location (default: every location in the namespace)")
    .option("--plan <plan>", "only drills of this plan's backups")
    .option("--backup <name>", "only drills of this backup")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(actions, "listAction"));
  drill
    .command("describe")
    .argument("<drill>", "the drill's name")
    .description("show a drill run: checks with their output, RTO, what was restored and cleaned up")
    .option("--run <id>", "this run (default: the newest)")
    .option("--storage-location <name>", "only this location")
    .option("-o, --output <format>", "text or json", "text")
    .action(lazyAction(actions, "describeAction"));
}
