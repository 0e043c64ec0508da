/**
 * `hks run-plan`: prepares the run (provider/prepare/plan-run.ts), runs the engine, prints the
 * summary. The log goes to stderr as it happens; the summary goes to stdout at the end (both end up
 * in the Job's log).
 */
import * as os from "node:os";
import type * as k8s from "@kubernetes/client-node";
import { lineProgress } from "../../provider/engine/progress";
import { objectLockChecker } from "../../provider/engine/catalog/prune-lock";
import { runPlan } from "../../provider/engine/run-plan/run-plan";
import { preparePlanRun } from "../../provider/prepare/plan-run";
import { RunLockedError } from "../../provider/engine/run-plan/lock";
import { formatRunSummary, RUN_EXIT, runExitCode } from "../../provider/engine/run-plan/report";
import type { Command } from "commander";
import { globalOptions, kubeConfigFor } from "../context";
import { clockFrom } from "./clock";

/** What one invocation needs. */
export interface RunPlanRequest {
  readonly plan: string;
  readonly namespace: string;
  readonly kc: k8s.KubeConfig;
  /** The run's clock; default real time. */
  readonly now?: () => Date;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

/** Runs the plan once and returns the exit code (RUN_EXIT). Never throws. */
export async function runPlanOnce(req: RunPlanRequest): Promise<number> {
  const out = req.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = req.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const now = req.now ?? (() => new Date());
  const ac = new AbortController();
  // The Job's deadline ends the Pod with SIGTERM: stop, record the failure, release the lock.
  const stop = () => ac.abort(new Error("the run was stopped (SIGTERM/SIGINT; the Job's deadline?)"));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  try {
    // The CronJob sets HKS_RUNNER_IMAGE to its own image: volume data mover Pods run the same one.
    const { spec, deps } = await preparePlanRun(req.kc, req.plan, req.namespace, process.env.HKS_RUNNER_IMAGE);
    const result = await runPlan(spec, {
      ...deps,
      now,
      holder: process.env.HKS_POD_NAME || `${os.hostname()}:${process.pid}`,
      log: (l) => err(`${now().toISOString()} ${l}`),
      progress: lineProgress((l) => err(`${now().toISOString()} ${l}`), 10_000),
      lockChecker: (store) => objectLockChecker(store, now),
      signal: ac.signal,
    });
    for (const line of formatRunSummary(result)) out(line);
    return runExitCode(result);
  } catch (e) {
    err(`hks run-plan ${req.plan}: ${e instanceof Error ? e.message : String(e)}`);
    return e instanceof RunLockedError ? RUN_EXIT.locked : RUN_EXIT.failed;
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
  }
}

/** `hks run-plan <plan> [--now T]`: one run, with the exit code of its result (RUN_EXIT). */
export async function runPlanAction(plan: string, opts: { now?: string }, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const now = clockFrom(opts.now, "--now") ?? clockFrom(process.env.HKS_NOW, "HKS_NOW");
  process.exitCode = await runPlanOnce({ plan, namespace: g.namespace, kc: kubeConfigFor(g), now });
}
