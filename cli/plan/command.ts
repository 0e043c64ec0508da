/**
 * `hks run-plan <plan>`: runs a BackupPlan once, as its CronJob's Job does (the image's entrypoint
 * is `node /app/bin/hks.js`, the Job passes `run-plan <plan> --namespace <ns>`). Parses flags, wires
 * the real collaborators and calls the engine's runPlan; exit codes are RUN_EXIT.
 */
import { Option, type Command } from "commander";
import { globalOptions, kubeConfigFor } from "../context";
import { runPlanOnce } from "./run-plan";

/**
 * Parses `--now` / HKS_NOW into a clock that reads exactly that instant on its FIRST call (the run's
 * start, which names the backup) and runs at real speed from then on; undefined = real time.
 * Starting on first use, not at parse time, keeps process start-up out of the backup's name.
 */
export function clockFrom(text: string | undefined, source: string): (() => Date) | undefined {
  if (text === undefined || text === "") return undefined;
  const start = Date.parse(text);
  if (Number.isNaN(start)) throw new Error(`${source}: "${text}" is not an ISO 8601 time such as 2025-01-31T02:00:00Z`);
  let t0: number | undefined;
  return () => {
    t0 ??= Date.now();
    return new Date(start + (Date.now() - t0));
  };
}

/** Registers `run-plan` on the root program. */
export function registerPlanCommands(program: Command): void {
  program
    .command("run-plan")
    .description(
      "run a backup plan once: take the backup, copy it to every copy location, apply retention (what the " +
        "plan's CronJob runs)",
    )
    .argument("<plan>", "the plan's name (its ConfigMap hks-plan-<plan> is read from --namespace)")
    // For tests and drills: pretend the run starts at this instant (backup name, startedAt, retention, lock).
    .addOption(
      new Option("--now <time>", "start the run's clock at this ISO 8601 time (testing); also HKS_NOW").hideHelp(),
    )
    .action(async (plan: string, opts: { now?: string }, cmd: Command) => {
      const g = globalOptions(cmd);
      const now = clockFrom(opts.now, "--now") ?? clockFrom(process.env.HKS_NOW, "HKS_NOW");
      process.exitCode = await runPlanOnce({ plan, namespace: g.namespace, kc: kubeConfigFor(g), now });
    });
}
