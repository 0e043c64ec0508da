/**
 * `hks plan list | status` (cli/plan/status.ts) and `hks run-plan <plan>`, which runs a BackupPlan
 * once, as its CronJob's Job does (the image's entrypoint is `node /app/bin/hks.js`, the Job passes
 * `run-plan <plan> --namespace <ns>`). Parses flags, wires the real collaborators and calls the
 * engine's runPlan; exit codes are RUN_EXIT.
 */
import type { Command } from "commander";
import { globalOptions, kubeConfigFor } from "../context";
import { clockFrom, nowOption } from "./clock";
import { runPlanOnce } from "./run-plan";
import { planListAction, planStatusAction } from "./status";

export { clockFrom };

/** Registers `run-plan` and the `plan` group (`list`, `status`) on the root program. */
export function registerPlanCommands(program: Command): void {
  const plan = program.command("plan").description("the installed backup plans and their status");
  plan
    .command("list")
    .description("list the plans installed in the namespace: schedule, last run, last good backup, next run, RPO")
    .option("-o, --output <format>", "table or json", "table")
    .addOption(nowOption())
    .action(planListAction);
  plan
    .command("status")
    .argument("<plan>", "the plan's name (its ConfigMap hks-plan-<plan> is read from --namespace)")
    .description(
      "a plan's last run, last good backup, next run (in the schedule's time zone) and RPO state: OK, LATE " +
        "(the newest Completed backup is older than the last run due), MISSING (none) or PENDING (no run due yet)",
    )
    .option("-o, --output <format>", "text or json", "text")
    .addOption(nowOption())
    .action(planStatusAction);
  program
    .command("run-plan")
    .description(
      "run a backup plan once: take the backup, copy it to every copy location, apply retention (what the " +
        "plan's CronJob runs)",
    )
    .argument("<plan>", "the plan's name (its ConfigMap hks-plan-<plan> is read from --namespace)")
    // For tests and drills: pretend the run starts at this instant (backup name, startedAt, retention, lock).
    .addOption(nowOption())
    .action(async (plan: string, opts: { now?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const now = clockFrom(opts.now, "--now") ?? clockFrom(process.env.HKS_NOW, "HKS_NOW");
      process.exitCode = await runPlanOnce({ plan, namespace: g.namespace, kc: kubeConfigFor(g), now });
    });
}
