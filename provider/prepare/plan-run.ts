/**
 * Everything one scheduled run of a plan needs before the runner starts (the CronJob's
 * `hks run-plan`): the installed plan, its locations as recorded in the plan's namespace, and the
 * cluster side of the backup, wired as for every other backup (backup.ts).
 */
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../errors";
import { readLocationConfig, type LocationConfig } from "../kube/location-config";
import { kubeMoverCluster } from "../kube/mover-cluster";
import { defaultRunnerImage } from "../plan/plan-runner";
import { readPlanSpec } from "../kube/plan-config";
import type { OpenedLocation, RunPlanDeps } from "../engine/run-plan/run-plan";
import type { PlanSpec } from "../format/plan-spec";
import { clusterBackupDeps } from "./backup";
import { openLocationStore } from "./location-store";

/** A plan ready to run: `runPlan(spec, { ...deps, now, holder, log, ... })`. */
export interface PreparedPlanRun {
  readonly spec: PlanSpec;
  readonly deps: Pick<RunPlanDeps, "openLocation" | "backup" | "mover">;
}

/**
 * Reads the plan installed in `namespace`; its locations are opened when the run asks for them.
 * `runnerImage`: the image volume data mover Pods run.
 * A missing plan is an InputError on `<plan>`.
 */
export async function preparePlanRun(
  kc: k8s.KubeConfig,
  plan: string,
  namespace: string,
  runnerImage?: string,
): Promise<PreparedPlanRun> {
  const spec = await readPlanSpec(kc, namespace, plan, {
    field: "<plan>",
    fix:
      `check the name ('kubectl get configmaps -n ${namespace} -l hks.io/plan' lists the installed plans) and ` +
      `--namespace`,
  });
  async function openLocation(name: string): Promise<OpenedLocation> {
    const config = await readLocationConfig(kc, spec.namespace, name);
    if (!config) {
      throw new InputError(
        "storageLocation",
        `storage location "${name}" is not recorded in namespace ${spec.namespace} (no ConfigMap ` +
          `hks-location-${name}); all of a plan's locations must be recorded in the plan's namespace`,
      );
    }
    return { config, store: await openLocationStore(kc, config) };
  }
  // The runner's own image moves the data (`runnerImage`), else this version's default image.
  const image = runnerImage || defaultRunnerImage();
  const mover = async (location: LocationConfig) => ({ cluster: kubeMoverCluster(kc), location, image });
  return { spec, deps: { openLocation, backup: clusterBackupDeps(kc), mover } };
}
