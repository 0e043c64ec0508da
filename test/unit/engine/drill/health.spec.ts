import { describe, expect, it } from "vitest";
import { assessHealth } from "../../../../provider/engine/drill/health";
import type { KubeObject } from "../../../../provider/format/kube-object";

const obj = (kind: string, name: string, rest: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: "v1", kind, metadata: { name, namespace: "d", generation: 1 }, ...rest }) as unknown as KubeObject;
const available = { type: "Available", status: "True" };

describe("assessHealth", () => {
  it.each([
    { name: "nothing to run is healthy", objects: [], waiting: [] },
    {
      name: "a Deployment with every replica available",
      objects: [
        obj("Deployment", "web", {
          spec: { replicas: 2 },
          status: { observedGeneration: 1, availableReplicas: 2, updatedReplicas: 2, conditions: [available] },
        }),
      ],
      waiting: [],
    },
    {
      name: "a Deployment one replica short",
      objects: [
        obj("Deployment", "web", {
          spec: { replicas: 2 },
          status: { observedGeneration: 1, availableReplicas: 1, updatedReplicas: 2, conditions: [available] },
        }),
      ],
      waiting: ["Deployment d/web: 1/2 replicas available"],
    },
    {
      name: "a Deployment its controller has not seen",
      objects: [obj("Deployment", "web", { spec: { replicas: 1 }, status: {} })],
      waiting: ["Deployment d/web: its controller has not seen it yet"],
    },
    {
      name: "a Deployment without the Available condition",
      objects: [
        obj("Deployment", "web", {
          spec: {},
          status: { observedGeneration: 1, availableReplicas: 1, updatedReplicas: 1 },
        }),
      ],
      waiting: ["Deployment d/web: 1/1 replicas available"],
    },
    {
      name: "a Deployment scaled to 0 needs nothing",
      objects: [obj("Deployment", "web", { spec: { replicas: 0 }, status: {} })],
      waiting: [],
    },
    {
      name: "a StatefulSet not ready",
      objects: [
        obj("StatefulSet", "db", { spec: { replicas: 3 }, status: { observedGeneration: 1, readyReplicas: 2 } }),
      ],
      waiting: ["StatefulSet d/db: 2/3 replicas ready"],
    },
    {
      name: "a ready StatefulSet",
      objects: [
        obj("StatefulSet", "db", { spec: { replicas: 1 }, status: { observedGeneration: 1, readyReplicas: 1 } }),
      ],
      waiting: [],
    },
    {
      name: "a DaemonSet short of pods",
      objects: [
        obj("DaemonSet", "agent", { status: { observedGeneration: 1, desiredNumberScheduled: 1, numberReady: 0 } }),
      ],
      waiting: ["DaemonSet d/agent: 0/1 pods ready"],
    },
    {
      name: "a Pending claim",
      objects: [obj("PersistentVolumeClaim", "data", { status: { phase: "Pending" } })],
      waiting: ["PersistentVolumeClaim d/data: Pending, not Bound"],
    },
    {
      name: "a claim without status",
      objects: [obj("PersistentVolumeClaim", "data")],
      waiting: ["PersistentVolumeClaim d/data: Pending, not Bound"],
    },
    {
      name: "a Bound claim and an unknown kind",
      objects: [obj("PersistentVolumeClaim", "data", { status: { phase: "Bound" } }), obj("ConfigMap", "c")],
      waiting: [],
    },
  ])("$name", ({ objects, waiting }) => {
    const v = assessHealth(objects);
    expect(v.waiting).toEqual(waiting);
    expect(v.healthy).toBe(waiting.length === 0);
  });

  it("names pods stuck for reasons waiting will not fix, and leaves healthy pods out", () => {
    const v = assessHealth([
      obj("Pod", "web-1", {
        status: {
          containerStatuses: [
            { name: "app", state: { waiting: { reason: "ImagePullBackOff", message: "no such image" } } },
          ],
        },
      }),
      obj("Pod", "web-2", {
        status: { containerStatuses: [{ name: "app", state: { waiting: { reason: "ContainerCreating" } } }] },
      }),
      obj("Pod", "init", {
        status: { initContainerStatuses: [{ name: "setup", state: { waiting: { reason: "CrashLoopBackOff" } } }] },
      }),
      obj("Pod", "gone", { status: { phase: "Failed", reason: "Evicted" } }),
      obj("Pod", "nowhere", {
        status: {
          conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes" }],
        },
      }),
    ]);
    expect(v.stuck).toEqual([
      "Pod d/gone: Failed: Evicted",
      "Pod d/init: container setup: CrashLoopBackOff",
      "Pod d/nowhere: Unschedulable: 0/1 nodes",
      "Pod d/web-1: container app: ImagePullBackOff (no such image)",
    ]);
    // Pods alone do not decide health: their controllers' status does.
    expect(v.healthy).toBe(true);
  });
});
