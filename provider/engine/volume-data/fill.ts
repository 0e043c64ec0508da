/**
 * Fills a restored claim with a backup's volume data: a mover Pod in the claim's namespace pulls the
 * files into it (kube/mover-render.ts `renderFill`), before the restore applies any workload, so an
 * application starts on its data. Works in any cluster that can reach the location: no snapshot of
 * the source is needed.
 */
import type { LocationConfig } from "../../kube/location-config";
import { renderFill } from "../../kube/mover-render";
import type { MoverCluster } from "../../kube/target-cluster";
import { parseMoverSummary, runMoverPod, type MoverRunOptions } from "./mover-pod";
import type { PullSummary } from "./pull";

/** What a fill needs besides the claim: where the data is and how to read it. */
export interface FillDeps {
  readonly cluster: MoverCluster;
  readonly location: LocationConfig;
  /** The location's S3 keys (undefined: NFS or ambient credentials). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  readonly image: string;
}

/** One claim to fill. */
export interface FillJob {
  readonly restoreName: string;
  readonly backup: string;
  readonly sourceNamespace: string;
  readonly sourcePvc: string;
  readonly namespace: string;
  readonly claim: string;
  readonly identities: readonly string[];
}

/** Runs the fill's Pod to its end; returns the pull's summary. Throws with the reason otherwise. */
export async function fillClaim(deps: FillDeps, job: FillJob, opts: MoverRunOptions): Promise<PullSummary> {
  const objects = renderFill({ ...job, location: deps.location, credentials: deps.credentials, image: deps.image });
  const message = await runMoverPod(deps.cluster, [objects.secret, objects.pod], `${job.namespace}/${job.claim}`, opts);
  return parseMoverSummary<PullSummary>(message, objects.pod.metadata.name, ["files", "bytes", "indexKey"]);
}
