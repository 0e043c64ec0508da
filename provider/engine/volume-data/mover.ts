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
import type { KubeObject } from "../../format/kube-object";
import type { ItemError, VolumeDataRecord } from "../../format/manifest";
import type { LocationConfig } from "../../kube/location-config";
import { renderMover, type MoverObjects } from "../../kube/mover-render";
import type { MoverCluster, TargetRef } from "../../kube/target-cluster";
import type { ProgressSink } from "../progress";
import type { PushSummary } from "./push";
import type { VolumeCopyJob } from "./select";

export type { MoverCluster };

/** Options of {@link copyVolumes}. */
export interface CopyOptions {
  readonly backup: string;
  readonly location: LocationConfig;
  /** The runner image the mover Pod runs. */
  readonly image: string;
  /** Deadline of one copy, from creating its objects to the Pod's end. @default 6 hours */
  readonly timeoutMs?: number;
  /** Time between status checks. @default 1000 */
  readonly pollMs?: number;
  /** Time between progress lines read from the Pod's log. @default 5000 */
  readonly progressMs?: number;
  readonly progress?: ProgressSink;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

/** Default deadline of one copy: 6 hours. */
export const DEFAULT_COPY_TIMEOUT_MS = 6 * 3600_000;
/** Container waiting reasons that never resolve by waiting. */
const STUCK = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "ErrImageNeverPull",
]);

interface ContainerState {
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; reason?: string; message?: string };
}
interface PodStatus {
  phase?: string;
  containerStatuses?: { state?: ContainerState }[];
}

const refOf = (o: KubeObject): TargetRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  namespace: o.metadata.namespace,
});

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
      const summary = await copyOne(cluster, job, opts);
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

/** One copy: objects up, Pod followed to its end, objects down (always). */
async function copyOne(cluster: MoverCluster, job: VolumeCopyJob, opts: CopyOptions): Promise<PushSummary> {
  const objects = renderMover({
    backup: opts.backup,
    namespace: job.pvc.namespace,
    pvc: job.pvc.name,
    requestedStorage: job.pvc.requestedStorage,
    snapshot: job.snapshot,
    location: opts.location,
    image: opts.image,
  });
  const created: KubeObject[] = [];
  try {
    for (const o of [objects.content, objects.snapshot, objects.claim, objects.pod]) {
      await cluster.create(o);
      created.push(o);
    }
    return await followPod(cluster, objects, job, opts);
  } finally {
    await removeAll(cluster, created, opts.log);
  }
}

/** Removes in reverse creation order; a failure is logged, never thrown (the copy's outcome stands). */
async function removeAll(cluster: MoverCluster, created: KubeObject[], log?: (line: string) => void): Promise<void> {
  for (const o of [...created].reverse()) {
    await cluster
      .delete(refOf(o))
      .catch((e: Error) =>
        log?.(`could not delete ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${e.message}`),
      );
  }
}

async function followPod(
  cluster: MoverCluster,
  objects: MoverObjects,
  job: VolumeCopyJob,
  opts: CopyOptions,
): Promise<PushSummary> {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_COPY_TIMEOUT_MS;
  const deadline = now() + timeoutMs;
  const podRef = refOf(objects.pod);
  const ns = podRef.namespace!;
  const id = `${job.pvc.namespace}/${job.pvc.name}`;
  let lastProgress = now();
  let lastLine = "";
  for (;;) {
    const pod = await cluster.get(podRef);
    if (!pod) throw new Error(`the mover Pod ${ns}/${podRef.name} was deleted before it finished`);
    const status = (pod.status ?? {}) as PodStatus;
    const state = status.containerStatuses?.[0]?.state ?? {};
    if (status.phase === "Succeeded") return parseSummary(state.terminated?.message, podRef.name);
    if (status.phase === "Failed") {
      const t = state.terminated;
      const why = (t?.message ?? "").trim().split("\n").slice(-3).join(" | ") || t?.reason || "no message";
      throw new Error(`the mover Pod ${ns}/${podRef.name} failed (exit ${t?.exitCode ?? "?"}): ${why}`);
    }
    const waiting = state.waiting;
    if (waiting?.reason && STUCK.has(waiting.reason)) {
      const detail = waiting.message ? `: ${waiting.message}` : "";
      throw new Error(`the mover Pod ${ns}/${podRef.name} cannot start: ${waiting.reason}${detail}`);
    }
    if (now() >= deadline)
      throw new Error(
        `the copy did not finish within ${Math.round(timeoutMs / 1000)}s (Pod ${status.phase ?? "unknown"}` +
          `${await claimPhase(cluster, objects)}); its objects were removed`,
      );
    if (status.phase === "Running" && now() - lastProgress >= (opts.progressMs ?? 5000)) {
      lastProgress = now();
      const line = (await cluster.logTail(ns, podRef.name, 1).catch(() => "")).trim();
      if (line && line !== lastLine) {
        lastLine = line;
        opts.log?.(`volume data ${id}: ${line}`);
        opts.progress?.({ step: "volume-data", done: 0, message: `${id}: ${line}` });
      }
    }
    opts.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/** `, claim Pending` for a timeout message: a claim that never bound is the usual cause. */
async function claimPhase(cluster: MoverCluster, objects: MoverObjects): Promise<string> {
  const claim = await cluster.get(refOf(objects.claim)).catch(() => undefined);
  const phase = (claim?.status as { phase?: string } | undefined)?.phase;
  return phase ? `, its PersistentVolumeClaim ${phase}` : "";
}

/** The Pod's termination message: the push summary as JSON. */
export function parseSummary(message: string | undefined, pod: string): PushSummary {
  let s: Partial<PushSummary> | undefined;
  try {
    s = JSON.parse(message ?? "") as Partial<PushSummary>;
  } catch {
    s = undefined;
  }
  if (!s || typeof s.indexKey !== "string" || typeof s.indexSha256 !== "string" || typeof s.bytes !== "number")
    throw new Error(
      `the mover Pod ${pod} succeeded but left no summary in its termination message: ` +
        JSON.stringify((message ?? "").slice(0, 200)),
    );
  return s as PushSummary;
}
