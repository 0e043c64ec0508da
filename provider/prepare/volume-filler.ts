/**
 * The fill port of a restore or a drill: what a fill Pod needs to pull a claim's volume data out of
 * `location` in the target cluster (engine/volume-data/fill.ts). Built on first use, so a restore
 * that fills nothing never reads the location's credentials.
 */
import type * as k8s from "@kubernetes/client-node";
import type { FillDeps } from "../engine/volume-data/fill";
import { readLocationCredentials, type LocationConfig } from "../kube/location-config";
import { kubeMoverCluster } from "../kube/mover-cluster";
import { defaultRunnerImage } from "../plan/plan-runner";

/** A filler for `location` (its S3 keys read from the cluster; none for an NFS location). */
export function volumeFiller(kc: k8s.KubeConfig, location: LocationConfig): () => Promise<FillDeps> {
  return async () => ({
    cluster: kubeMoverCluster(kc),
    location,
    credentials: location.nfs ? undefined : await readLocationCredentials(kc, location),
    image: defaultRunnerImage(),
  });
}
