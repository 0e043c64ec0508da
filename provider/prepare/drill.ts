/**
 * Everything a drill run needs before the engine runs, for every front end (`hks drill run`, the
 * drill's CronJob, the RestoreDrill resource): the storage location as recorded in the cluster, its
 * store, and the cluster ports the drill acts through (volume data fills included).
 */
import type * as k8s from "@kubernetes/client-node";
import type { DrillRuntime, DrillSpec } from "../format/drill";
import { withNamespaceGrant } from "../kube/drill-grant";
import type { DrillDeps } from "../engine/drill/drill";
import { resolveLocationConfig } from "../kube/location-config";
import { KubeRestoreCluster } from "../kube/restore-cluster";
import { kubeDrillCluster } from "../kube/drill-cluster";
import { kubeExecutor } from "../kube/exec";
import { openLocationStore } from "./location-store";
import { runPreparation } from "./fields";
import { volumeFiller } from "./volume-filler";

/**
 * Opens the drill's location (by name, else the namespace's default) in `namespace`. InputErrors
 * name `fieldOf(field)`.
 */
export async function prepareDrill(
  kc: k8s.KubeConfig,
  spec: DrillSpec,
  namespace: string,
  run: {
    log?: (line: string) => void;
    fieldOf?: (path: string) => string;
    /** A scheduled drill's runner: bind its inside role in each namespace it creates (kube/drill-grant.ts). */
    grant?: DrillRuntime["grant"];
  } = {},
): Promise<DrillDeps> {
  return runPreparation(run.fieldOf, async () => {
    const location = await resolveLocationConfig(kc, namespace, spec.storageLocation, "storageLocation");
    return {
      store: await openLocationStore(kc, location),
      storageLocation: location.name,
      cluster: run.grant ? withNamespaceGrant(new KubeRestoreCluster(kc), kc, run.grant) : new KubeRestoreCluster(kc),
      filler: volumeFiller(kc, location),
      workloads: kubeDrillCluster(kc),
      executor: kubeExecutor(kc),
      log: run.log,
    };
  });
}
