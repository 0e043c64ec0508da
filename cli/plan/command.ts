/**
 * `hks plan list | status` (cli/plan/status.ts) and `hks run-plan <plan>`, which runs a BackupPlan
 * once, as its CronJob's Job does (the image's entrypoint is `node /app/bin/hks.js`, the Job passes
 * `run-plan <plan> --namespace <ns>`). Parses flags, wires the real collaborators and calls the
 * engine's runPlan; exit codes are RUN_EXIT.
 */
import type { Command } from "commander";
import { lazyAction } from "../lazy";
import { clockFrom, nowOption } from "./clock";

export { clockFrom };

const status = () => import("./status.js");

/** Registers `run-plan` and the `plan` group (`list`, `status`) on the root program. */
export function registerPlanCommands(program: Command): void {
  const plan = program.command("plan").description("the installed backup plans and their status");
  plan
    .command("list")
    .description("list the plans installed in the namespace: schedule, last run, last good backup, next run, RPO")
    .option("-o, --output <format>", "table or json", "table")
    .addOption(nowOption())
    .action(lazyAction(status, "planListAction"));
  plan
    .command("status")
    .argument("<plan>", "the plan's name (its ConfigMap hks-plan-<plan> is read from --namespace)")
    .description(
      "a plan's last run, last good backup, next run (in the schedule's time zone) and RPO state: OK, LATE " +
        "(the newest Completed backup is older than the last run due), MISSING (none) or PENDING (no run due yet)",
    )
    .option("-o, --output <format>", "text or json", "text")
    .addOption(nowOption())
    .action(lazyAction(status, "planStatusAction"));
  program
    .command("run-plan")
    .description(
      "run a backup plan once: take the backup, copy it to every copy location, apply retention (what the " +
        "plan's CronJob runs)",
    )
    .argument("<plan>", "the plan's name (its ConfigMap hks-plan-<plan> is read from --namespace)")
    // For tests and drills: pretend the run starts at this instant (backup name, startedAt, retention, lock).
    .addOption(nowOption())
    .action(lazyAction(() => import("./run-plan.js"), "runPlanAction"));
}
