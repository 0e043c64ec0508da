/**
 * Helpers of the tests that run workloads on the local node (kubelet + containerd + CSI): the local
 * images, waiting for Pods/StatefulSets/Deployments/Jobs, exec through the project's own executor,
 * `psql` in the postgres image, Pod logs, and namespace deletion that waits for the node to let go.
 */
import * as k8s from "@kubernetes/client-node";
import { LOCAL_IMAGES, untilStopped } from "../../cli/dev/node-config";
import type { StackInfo } from "../../cli/dev/stack";
import { kubeExecutor, type ExecResult } from "../../provider/kube/exec";
import { waitFor } from "./wait";

/** Runs `command` in a container through the API server and the kubelet (the hooks' own path). */
export function exec(
  kc: k8s.KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  command: string[],
  timeoutMs = 30_000,
): Promise<ExecResult> {
  return kubeExecutor(kc).exec({ namespace, pod, container, command, timeoutMs });
}

/** `psql -U postgres -At -c sql` in the postgres container; rows as arrays of columns. Throws on a non-zero exit. */
export async function psql(kc: k8s.KubeConfig, namespace: string, pod: string, sql: string): Promise<string[][]> {
  const r = await exec(kc, namespace, pod, "postgres", [
    "psql",
    "-U",
    "postgres",
    "-v",
    "ON_ERROR_STOP=1",
    "-At",
    "-F",
    "|",
    "-c",
    sql,
  ]);
  if (r.exitCode !== 0) throw new Error(`psql in ${namespace}/${pod} exited ${r.exitCode}: ${r.stderr || r.stdout}`);
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("|"));
}

/** Waits until the Pod is Ready (all containers started, readiness probes passing); returns it. */
export async function podReady(kc: k8s.KubeConfig, namespace: string, name: string, ms = 180_000): Promise<k8s.V1Pod> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return waitFor(
    `pod ${namespace}/${name} Ready`,
    ms,
    async () => {
      const p = await core.readNamespacedPod({ name, namespace });
      return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? p : undefined;
    },
    500,
  );
}

/** Waits until a Deployment has all its replicas updated and available. */
export async function deploymentAvailable(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  ms = 180_000,
): Promise<k8s.V1Deployment> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  return waitFor(
    `deployment ${namespace}/${name} Available`,
    ms,
    async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace });
      const want = d.spec?.replicas ?? 1;
      const available = d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True");
      return available && d.status?.availableReplicas === want && d.status?.updatedReplicas === want ? d : undefined;
    },
    500,
  );
}

/** Waits until a StatefulSet has all its replicas ready. */
export async function statefulSetReady(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  ms = 180_000,
): Promise<k8s.V1StatefulSet> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  return waitFor(
    `statefulset ${namespace}/${name} ready`,
    ms,
    async () => {
      const s = await apps.readNamespacedStatefulSet({ name, namespace });
      return (s.status?.readyReplicas ?? 0) === (s.spec?.replicas ?? 1) ? s : undefined;
    },
    500,
  );
}

/** A Pod's log (one container), as the kubelet kept it. */
export async function podLog(kc: k8s.KubeConfig, namespace: string, name: string, container?: string): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return core.readNamespacedPodLog({ name, namespace, container });
}

/**
 * Deletes namespaces and waits until they are gone, so the kubelet has stopped their Pods and the
 * CSI driver released their volumes before the node is taken down.
 */
export async function deleteNamespacesAndWait(
  kc: k8s.KubeConfig,
  names: readonly string[],
  ms = 120_000,
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await Promise.all(names.map((name) => core.deleteNamespace({ name }).catch(() => undefined)));
  await waitFor(
    `namespaces ${names.join(", ")} deleted`,
    ms,
    async () => {
      const left = await Promise.all(
        names.map((name) =>
          core.readNamespace({ name }).then(
            () => true,
            () => false,
          ),
        ),
      );
      return left.some(Boolean) ? undefined : true;
    },
    1000,
  );
}

/** The cluster's default StorageClass (annotated is-default-class), which the node's CSI driver serves. */
export async function defaultStorageClass(kc: k8s.KubeConfig): Promise<k8s.V1StorageClass> {
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const list = await storage.listStorageClass();
  const sc = list.items.find(
    (s) => s.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
  );
  if (!sc)
    throw new Error(
      "no default StorageClass: the local node's CSI setup (hks dev up) creates one; " +
        `found ${list.items.map((s) => s.metadata?.name).join(", ") || "none"}`,
    );
  return sc;
}

/**
 * The seed's database: a one-replica PostgreSQL StatefulSet (the local postgres image) named
 * `postgres`, labelled `app: postgres-db`, on a 1 GiB volume of the default StorageClass (served by
 * the node's CSI driver), ready once `psql` answers; `annotations` go on its pods (the hooks).
 */
export function postgresStatefulSet(annotations: Record<string, string>): k8s.V1StatefulSet {
  return {
    metadata: { name: "postgres", labels: { app: "postgres-db" } },
    spec: {
      serviceName: "postgres",
      replicas: 1,
      selector: { matchLabels: { app: "postgres-db" } },
      template: {
        metadata: { labels: { app: "postgres-db" }, annotations },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: "postgres",
              image: LOCAL_IMAGES.postgres,
              imagePullPolicy: "Never",
              volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
              readinessProbe: { exec: { command: ["psql", "-U", "postgres", "-c", "SELECT 1"] }, periodSeconds: 2 },
            },
          ],
        },
      },
      // No storageClassName: the default StorageClass, served by the node's CSI driver.
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    },
  };
}

/**
 * Deployment `web`: busybox httpd serving `text` at /index.html on port 8080, ready once it listens.
 * A restored copy is healthy only when the image really runs; an absent `image` never starts.
 */
export function httpdDeployment(text: string, opts: { image?: string; replicas?: number } = {}): k8s.V1Deployment {
  return {
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "web",
              image: opts.image ?? LOCAL_IMAGES.busybox,
              imagePullPolicy: "Never",
              command: untilStopped(`echo ${text} > /tmp/index.html`, "httpd -f -p 8080 -h /tmp"),
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  };
}

/** Service `web` (port `http` 80) in front of {@link httpdDeployment}. */
export const httpdService: k8s.V1Service = {
  metadata: { name: "web" },
  spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
};

/** A busybox container that just waits (for exec), started with `sleep`; optional extra fields. */
export function busyboxContainer(name: string, extra: Partial<k8s.V1Container> = {}): k8s.V1Container {
  return { name, image: LOCAL_IMAGES.busybox, imagePullPolicy: "Never", command: untilStopped(), ...extra };
}

/**
 * MinIO's endpoint as Pods see it. The test process reaches MinIO on loopback; a Pod has its own
 * network namespace, where 127.0.0.1 is the Pod itself, so the node's host address is used instead
 * (`hks dev up` forwards MinIO's port there; the test process reaches it there too).
 */
export function podS3Endpoint(stack: StackInfo): string {
  if (!stack.node)
    throw new Error("the stack runs no node (start it with `hks dev up`, which starts one, or the test setup)");
  const u = new URL(stack.s3Endpoint);
  u.hostname = stack.node.hostAddress;
  return u.toString().replace(/\/$/, "");
}

export { untilStopped, waitFor };
