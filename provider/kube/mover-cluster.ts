/**
 * The mover's port (target-cluster.ts `MoverCluster`) over the restore's HTTP client
 * (exact objects, retries) plus client-node for the one call it lacks, a Pod's log tail.
 */
import type * as k8s from "@kubernetes/client-node";
import { isNotFound } from "./client";
import { KubeRestoreCluster } from "./restore-cluster";
import { ClusterCallError, type MoverCluster } from "./target-cluster";

/** The MoverCluster of a kubeconfig (its current context). */
export function kubeMoverCluster(kc: k8s.KubeConfig): MoverCluster {
  const cluster = new KubeRestoreCluster(kc);
  return {
    create: (obj) => cluster.create(obj),
    get: (ref) => cluster.get(ref),
    async delete(ref) {
      try {
        await cluster.delete(ref, { propagation: "Background" });
      } catch (e) {
        if (!(e instanceof ClusterCallError && e.status === 404)) throw e;
      }
    },
    async logTail(namespace, pod, lines) {
      const { CoreV1Api } = await import("@kubernetes/client-node");
      try {
        return await kc.makeApiClient(CoreV1Api).readNamespacedPodLog({ name: pod, namespace, tailLines: lines });
      } catch (e) {
        if (isNotFound(e)) return "";
        throw e;
      }
    },
  };
}
