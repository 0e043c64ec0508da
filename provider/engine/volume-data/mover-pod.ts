/**
 * One mover Pod's life, for copies out of a snapshot (mover.ts) and fills of a restored claim
 * (fill.ts): create its objects in order, follow the Pod to its end (progress from its log's last
 * line), return its termination message, and remove every object created, whatever happened. A Pod
 * that fails, cannot start, disappears or runs past the deadline is an Error with the reason.
 */
import type { KubeObject } from "../../format/kube-object";
import type { MoverCluster, TargetRef } from "../../kube/target-cluster";
import type { ProgressSink } from "../progress";

/** How a mover Pod is run and followed. */
export interface MoverRunOptions {
  /** Deadline from creating the objects to the Pod's end. @default 6 hours */
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

/** Default deadline of one mover Pod: 6 hours. */
export const DEFAULT_MOVER_TIMEOUT_MS = 6 * 3600_000;
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

export const refOf = (o: KubeObject): TargetRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  namespace: o.metadata.namespace,
});

/**
 * Creates `objects` (the Pod last), follows the Pod, removes them all; returns the Pod's
 * termination message. `what` names the work in progress lines (`prod/data`).
 */
export async function runMoverPod(
  cluster: MoverCluster,
  objects: readonly KubeObject[],
  what: string,
  opts: MoverRunOptions,
): Promise<string> {
  const created: KubeObject[] = [];
  try {
    for (const o of objects) {
      await cluster.create(o);
      created.push(o);
    }
    return await followPod(cluster, objects, what, opts);
  } finally {
    await removeAll(cluster, created, opts.log);
  }
}

/** Removes in reverse creation order; a failure is logged, never thrown (the Pod's outcome stands). */
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
  objects: readonly KubeObject[],
  what: string,
  opts: MoverRunOptions,
): Promise<string> {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_MOVER_TIMEOUT_MS;
  const deadline = now() + timeoutMs;
  const pod = objects[objects.length - 1]!;
  const podRef = refOf(pod);
  const where = `${podRef.namespace}/${podRef.name}`;
  let lastProgress = now();
  let lastLine = "";
  for (;;) {
    const live = await cluster.get(podRef);
    if (!live) throw new Error(`the mover Pod ${where} was deleted before it finished`);
    const status = (live.status ?? {}) as PodStatus;
    const state = status.containerStatuses?.[0]?.state ?? {};
    if (status.phase === "Succeeded") return state.terminated?.message ?? "";
    if (status.phase === "Failed") {
      const t = state.terminated;
      const why = (t?.message ?? "").trim().split("\n").slice(-3).join(" | ") || t?.reason || "no message";
      throw new Error(`the mover Pod ${where} failed (exit ${t?.exitCode ?? "?"}): ${why}`);
    }
    const waiting = state.waiting;
    if (waiting?.reason && STUCK.has(waiting.reason)) {
      const detail = waiting.message ? `: ${waiting.message}` : "";
      throw new Error(`the mover Pod ${where} cannot start: ${waiting.reason}${detail}`);
    }
    if (now() >= deadline)
      throw new Error(
        `the mover did not finish within ${Math.round(timeoutMs / 1000)}s (Pod ${status.phase ?? "unknown"}` +
          `${await claimPhase(cluster, objects)}); its objects were removed`,
      );
    if (status.phase === "Running" && now() - lastProgress >= (opts.progressMs ?? 5000)) {
      lastProgress = now();
      const line = (await cluster.logTail(podRef.namespace!, podRef.name, 1).catch(() => "")).trim();
      if (line && line !== lastLine) {
        lastLine = line;
        opts.log?.(`volume data ${what}: ${line}`);
        opts.progress?.({ step: "volume-data", done: 0, message: `${what}: ${line}` });
      }
    }
    opts.signal?.throwIfAborted();
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/** `, its PersistentVolumeClaim Pending` for a timeout message: a claim that never bound is the usual cause. */
async function claimPhase(cluster: MoverCluster, objects: readonly KubeObject[]): Promise<string> {
  const claim = objects.find((o) => o.kind === "PersistentVolumeClaim");
  if (!claim) return "";
  const live = await cluster.get(refOf(claim)).catch(() => undefined);
  const phase = (live?.status as { phase?: string } | undefined)?.phase;
  return phase ? `, its PersistentVolumeClaim ${phase}` : "";
}

/** Parses a Pod's JSON summary, checking the fields a caller needs are there. */
export function parseMoverSummary<T>(message: string, pod: string, required: readonly string[]): T {
  let s: Record<string, unknown> | undefined;
  try {
    s = JSON.parse(message) as Record<string, unknown>;
  } catch {
    s = undefined;
  }
  if (!s || typeof s !== "object" || required.some((k) => s![k] === undefined))
    throw new Error(
      `the mover Pod ${pod} succeeded but left no summary in its termination message: ` +
        JSON.stringify(message.slice(0, 200)),
    );
  return s as T;
}
