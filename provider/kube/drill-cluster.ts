/**
 * The drill's view of the target cluster through client-node: the objects whose status says whether
 * a restored application is up, and an HTTP GET to a Service through the API server's service proxy
 * (so a drill run from outside the cluster reaches ClusterIP Services too).
 */
import * as k8s from "@kubernetes/client-node";
import type { KubeObject } from "../format/kube-object";
import { kubeError, statusOf } from "./client";

/** The port engine/drill uses; tests of the engine may give their own. */
export interface DrillCluster {
  /** Deployments, StatefulSets, DaemonSets, PersistentVolumeClaims and Pods of `namespace`, with status. */
  listWorkloads(namespace: string): Promise<KubeObject[]>;
  /** GET `path` on `service:port` in `namespace`; any HTTP status resolves, a transport failure rejects. */
  httpGet(
    req: { namespace: string; service: string; port: string | number; path: string },
    timeoutMs: number,
  ): Promise<{ status: number; body: string }>;
}

const withKind = <T extends object>(items: T[], apiVersion: string, kind: string): KubeObject[] =>
  items.map((o) => ({ ...o, apiVersion, kind }) as unknown as KubeObject);

/** The drill port for the cluster of `kc`. */
export function kubeDrillCluster(kc: k8s.KubeConfig): DrillCluster {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    async listWorkloads(namespace) {
      try {
        const [deployments, statefulSets, daemonSets, claims, pods] = await Promise.all([
          apps.listNamespacedDeployment({ namespace }),
          apps.listNamespacedStatefulSet({ namespace }),
          apps.listNamespacedDaemonSet({ namespace }),
          core.listNamespacedPersistentVolumeClaim({ namespace }),
          core.listNamespacedPod({ namespace }),
        ]);
        return [
          ...withKind(deployments.items, "apps/v1", "Deployment"),
          ...withKind(statefulSets.items, "apps/v1", "StatefulSet"),
          ...withKind(daemonSets.items, "apps/v1", "DaemonSet"),
          ...withKind(claims.items, "v1", "PersistentVolumeClaim"),
          ...withKind(pods.items, "v1", "Pod"),
        ];
      } catch (err) {
        throw kubeError(`listing the workloads of namespace ${namespace}`, err);
      }
    },
    async httpGet(req, timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const call = core
        .connectGetNamespacedServiceProxyWithPath({
          name: `${req.service}:${req.port}`,
          namespace: req.namespace,
          path: req.path.replace(/^\//, ""),
        })
        .then((body) => ({ status: 200, body: typeof body === "string" ? body : JSON.stringify(body) }))
        .catch((err: unknown) => {
          const status = statusOf(err);
          if (status === undefined) throw err;
          const body = (err as { body?: unknown }).body;
          return { status, body: typeof body === "string" ? body : JSON.stringify(body ?? "") };
        });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      });
      try {
        return await Promise.race([call, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
