/**
 * A scheduled drill's runner holds rights inside a drill namespace only after it binds its "inside"
 * role there (kube/drill-install-render.ts). This wraps the restore's cluster port so that creating
 * a Namespace also creates that RoleBinding and waits until the API server authorizes with it (RBAC
 * caches bindings; the restore's next request would otherwise be refused for a moment).
 */
import * as k8s from "@kubernetes/client-node";
import type { DrillRuntime } from "../format/drill";
import type { KubeObject } from "../format/kube-object";
import { MANAGED_BY } from "./location-config";
import type { RestoreCluster } from "./target-cluster";

/** How long a new RoleBinding may take to be honoured. */
const GRANT_WAIT_MS = 30_000;

/** `cluster`, whose Namespace creations also bind `grant.clusterRole` in the new namespace. */
export function withNamespaceGrant(
  cluster: RestoreCluster,
  kc: k8s.KubeConfig,
  grant: NonNullable<DrillRuntime["grant"]>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): RestoreCluster {
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const bind = async (namespace: string): Promise<void> => {
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "hks-drill-runner", labels: { ...MANAGED_BY } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: grant.clusterRole },
        subjects: [{ kind: "ServiceAccount", name: grant.serviceAccount, namespace: grant.namespace }],
      },
    });
    const deadline = Date.now() + GRANT_WAIT_MS;
    for (;;) {
      const review = await authz.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { namespace, verb: "create", resource: "configmaps" } } },
      });
      if (review.status?.allowed) return;
      if (Date.now() > deadline)
        throw new Error(
          `the RoleBinding to ${grant.clusterRole} in namespace ${namespace} was not honoured within ` +
            `${GRANT_WAIT_MS / 1000}s: ${review.status?.reason ?? review.status?.evaluationError ?? "no reason given"}`,
        );
      await sleep(200);
    }
  };
  return {
    describe: () => cluster.describe(),
    resourceFor: (apiVersion, kind) => cluster.resourceFor(apiVersion, kind),
    refreshDiscovery: () => cluster.refreshDiscovery(),
    get: (ref) => cluster.get(ref),
    replace: (obj) => cluster.replace(obj),
    delete: (ref, opts) => cluster.delete(ref, opts),
    async create(obj: KubeObject): Promise<KubeObject> {
      const made = await cluster.create(obj);
      if (obj.apiVersion !== "v1" || obj.kind !== "Namespace") return made;
      const name = String(made.metadata.name);
      try {
        await bind(name);
      } catch (err) {
        // The restore never learns of a namespace whose create failed: remove it here.
        await cluster
          .delete({ apiVersion: "v1", kind: "Namespace", name }, { uid: String(made.metadata.uid) })
          .catch(() => undefined);
        throw err;
      }
      return made;
    },
  };
}
