/**
 * Wiring of `hks run-plan`: reads the plan's ConfigMap, opens locations from their records in the
 * cluster, builds the backup's collaborators, runs the engine, prints the summary. The log goes to
 * stderr as it happens; the summary goes to stdout at the end (both end up in the Job's log).
 */
import * as os from "node:os";
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../../provider/errors";
import { lineProgress } from "../../provider/engine/progress";
import { objectLockChecker } from "../../provider/engine/prune-lock";
import { runPlan } from "../../provider/engine/run-plan";
import { RunLockedError } from "../../provider/engine/run-plan-lock";
import { formatRunSummary, RUN_EXIT, runExitCode } from "../../provider/engine/run-plan-report";
import { kubeSnapshotApi } from "../../provider/engine/snapshot";
import { createKubeReader } from "../../provider/kube/discovery";
import { kubeExecutor } from "../../provider/kube/exec";
import { readLocationConfig } from "../../provider/kube/location-config";
import { readPlanSpec } from "../../provider/kube/plan-spec";
import { openLocationStore } from "../../provider/location/store";

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
    const spec = await readPlanSpec(req.kc, req.namespace, req.plan, { field: "<plan>", fix: `check the name ('kubectl get configmaps -n ${req.namespace} -l hks.io/plan' lists the installed plans) and --namespace` });
    const kc = req.kc;
    const reader = createKubeReader(kc);
    const result = await runPlan(spec, {
      async openLocation(name) {
        const config = await readLocationConfig(kc, spec.namespace, name);
        if (!config) throw new InputError("storageLocation", `storage location "${name}" is not recorded in namespace ${spec.namespace} (no ConfigMap hks-location-${name}); all of a plan's locations must be recorded in the plan's namespace`);
        return { config, store: await openLocationStore(kc, config) };
      },
      backup: { reader, executor: kubeExecutor(kc), snapshots: () => kubeSnapshotApi(kc, reader), sourceCluster: kc.getCurrentCluster()?.server ?? "" },
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
