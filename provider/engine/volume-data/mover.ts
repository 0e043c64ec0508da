/**
 * Copies the files of snapshotted PVCs into the storage location with mover Pods (kube/mover-render.ts
 * renders them), one PVC after another: create the objects, follow the Pod to its end, read its
 * summary, and remove every object whatever happened. A copy that fails (the Pod fails, its image
 * cannot start, it runs past the deadline, a full volume) becomes the record's `error` and an item
 * error, so the backup is PartiallyFailed and never looks complete for that PVC; the push writes its
 * index last, so a failed copy leaves no index either (its packs are garbage collected).
 *
 * One at a time: a copy is bound by the volume's disk and the link to the store, and a node seldom
 * gains from two reading at once; a plan with many PVCs trades time for a steady load.
 */
import type { ItemError, VolumeDataRecord } from "../../format/manifest";
import type { LocationConfig } from "../../kube/location-config";
import { renderMover } from "../../kube/mover-render";
import type { MoverCluster } from "../../kube/target-cluster";
import { parseMoverSummary, runMoverPod, type MoverRunOptions } from "./mover-pod";
import type { PushSummary } from "./push";
import type { VolumeCopyJob } from "./select";

export type { MoverCluster };
export { DEFAULT_MOVER_TIMEOUT_MS as DEFAULT_COPY_TIMEOUT_MS } from "./mover-pod";

/** Options of {@link copyVolumes}. */
export interface CopyOptions extends MoverRunOptions {
  readonly backup: string;
  readonly location: LocationConfig;
  /** The runner image the mover Pod runs. */
  readonly image: string;
}

/** Copies every job; returns a record per job and an item error per failed copy. */
export async function copyVolumes(
  cluster: MoverCluster,
  jobs: readonly VolumeCopyJob[],
  opts: CopyOptions,
): Promise<{ records: VolumeDataRecord[]; errors: ItemError[] }> {
  const records: VolumeDataRecord[] = [];
  const errors: ItemError[] = [];
  let done = 0;
  for (const job of jobs) {
    const id = `${job.pvc.namespace}/${job.pvc.name}`;
    opts.progress?.({ step: "volume-data", done, total: jobs.length, message: `copying ${id}` });
    const base: VolumeDataRecord = {
      namespace: job.pvc.namespace,
      persistentVolumeClaim: job.pvc.name,
      volumeSnapshot: job.snapshot.volumeSnapshot,
    };
    try {
      const objects = renderMover({
        backup: opts.backup,
        namespace: job.pvc.namespace,
        pvc: job.pvc.name,
        requestedStorage: job.pvc.requestedStorage,
        snapshot: job.snapshot,
        location: opts.location,
        image: opts.image,
      });
      const message = await runMoverPod(
        cluster,
        [objects.content, objects.snapshot, objects.claim, objects.pod],
        id,
        opts,
      );
      const summary = parseSummary(message, objects.pod.metadata.name);
      records.push({
        ...base,
        indexKey: summary.indexKey,
        indexSha256: summary.indexSha256,
        files: summary.files,
        dirs: summary.dirs,
        symlinks: summary.symlinks,
        bytes: summary.bytes,
        uploadedBytes: summary.uploadedBytes,
        reusedBytes: summary.reusedBytes,
        packs: summary.packs,
        seconds: summary.seconds,
      });
    } catch (err) {
      const reason = (err as Error).message;
      records.push({ ...base, error: reason });
      errors.push({ item: `volume-data/${id}`, reason });
    }
    done++;
    const failed = records[records.length - 1]?.error !== undefined;
    opts.progress?.({
      step: "volume-data",
      done,
      total: jobs.length,
      message: `${id} ${failed ? "failed" : "copied"}`,
    });
  }
  return { records, errors };
}

/** The push's termination message: its summary as JSON. */
export function parseSummary(message: string | undefined, pod: string): PushSummary {
  return parseMoverSummary<PushSummary>(message ?? "", pod, ["indexKey", "indexSha256", "bytes"]);
}
