/**
 * Whether a restored application is up, judged from the objects' status as their controllers report
 * it. Pure: the drill lists the objects, this decides. "Healthy" is what an operator would check by
 * hand: every Deployment Available with all replicas, every StatefulSet and DaemonSet with all
 * replicas ready, every claim Bound. Pods are looked at only to say WHY something is not ready.
 */
import type { KubeObject } from "../../format/kube-object";

// Status fields are read loosely: any of them may be absent on an object a controller has not seen yet.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** The verdict, with what is still missing, named `Kind namespace/name: why`. */
export interface HealthVerdict {
  readonly healthy: boolean;
  /** What is not ready yet, one line each. */
  readonly waiting: string[];
  /** Pods stuck for a reason that waiting will not fix (image not found, crash loop), one line each. */
  readonly stuck: string[];
}

/** Container waiting reasons that do not resolve by themselves. */
export const STUCK_REASONS: ReadonlySet<string> = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

const ref = (o: KubeObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

function deploymentProblem(o: Json): string | undefined {
  const want = o.spec?.replicas ?? 1;
  if (want === 0) return undefined;
  const s = o.status ?? {};
  if ((s.observedGeneration ?? 0) < (o.metadata?.generation ?? 0)) return "its controller has not seen it yet";
  const available = (s.conditions ?? []).some((c: Json) => c.type === "Available" && c.status === "True");
  if (!available || num(s.availableReplicas) < want || num(s.updatedReplicas) < want)
    return `${num(s.availableReplicas)}/${want} replicas available`;
  return undefined;
}

function statefulSetProblem(o: Json): string | undefined {
  const want = o.spec?.replicas ?? 1;
  if (want === 0) return undefined;
  const s = o.status ?? {};
  if ((s.observedGeneration ?? 0) < (o.metadata?.generation ?? 0)) return "its controller has not seen it yet";
  return num(s.readyReplicas) < want ? `${num(s.readyReplicas)}/${want} replicas ready` : undefined;
}

function daemonSetProblem(o: Json): string | undefined {
  const s = o.status ?? {};
  if ((s.observedGeneration ?? 0) < (o.metadata?.generation ?? 0)) return "its controller has not seen it yet";
  const want = num(s.desiredNumberScheduled);
  return num(s.numberReady) < want ? `${num(s.numberReady)}/${want} pods ready` : undefined;
}

function claimProblem(o: Json): string | undefined {
  const phase = o.status?.phase ?? "Pending";
  return phase === "Bound" ? undefined : `${phase}, not Bound`;
}

const PROBLEM_OF: Record<string, (o: Json) => string | undefined> = {
  Deployment: deploymentProblem,
  StatefulSet: statefulSetProblem,
  DaemonSet: daemonSetProblem,
  PersistentVolumeClaim: claimProblem,
};

/** Why a pod is stuck (a container waiting for a reason in {@link STUCK_REASONS}), or undefined. */
function podStuck(o: Json): string | undefined {
  const statuses = [...(o.status?.initContainerStatuses ?? []), ...(o.status?.containerStatuses ?? [])];
  for (const cs of statuses) {
    const w = cs.state?.waiting;
    if (w && STUCK_REASONS.has(w.reason))
      return `container ${cs.name}: ${w.reason}${w.message ? ` (${w.message})` : ""}`;
  }
  if (o.status?.phase === "Failed") return `Failed${o.status.reason ? `: ${o.status.reason}` : ""}`;
  const unschedulable = (o.status?.conditions ?? []).find(
    (c: Json) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
  );
  return unschedulable ? `Unschedulable: ${unschedulable.message ?? ""}`.trim() : undefined;
}

/**
 * Judges the objects of the drill namespaces (Deployments, StatefulSets, DaemonSets, claims and
 * pods; other kinds are ignored). An empty list is healthy: there is nothing that must run.
 */
export function assessHealth(objects: readonly KubeObject[]): HealthVerdict {
  const waiting: string[] = [];
  const stuck: string[] = [];
  for (const o of objects) {
    if (o.kind === "Pod") {
      const why = podStuck(o as Json);
      if (why) stuck.push(`${ref(o)}: ${why}`);
      continue;
    }
    const why = PROBLEM_OF[o.kind]?.(o as Json);
    if (why) waiting.push(`${ref(o)}: ${why}`);
  }
  waiting.sort();
  stuck.sort();
  return { healthy: waiting.length === 0, waiting, stuck };
}
