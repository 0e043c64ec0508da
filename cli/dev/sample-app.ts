/**
 * A small but realistic application to back up on the local environment (`hks dev sample-app`):
 * a web Deployment, a postgres StatefulSet with the seed's backup-hook annotations and a PVC, a
 * Service, a ConfigMap, a Secret, a ServiceAccount with a Role and RoleBinding, and one object
 * opted out of backups. Idempotent: existing objects are left as they are. Its images are the local
 * node's own (busybox httpd for the web, PostgreSQL 15), imported by `hks dev up`: nothing is pulled.
 */
import * as k8s from "@kubernetes/client-node";
import { LOCAL_IMAGES, untilStopped } from "./node-config";

/** The objects of the sample app in `namespace` (pure, so tests can compare against it). */
export function sampleAppObjects(namespace: string): k8s.KubernetesObject[] {
  const labels = (app: string) => ({ app, "app.kubernetes.io/part-of": "hks-sample" });
  const container = (name: string, image: string, command?: string[]) => ({
    name,
    image,
    imagePullPolicy: "IfNotPresent",
    ...(command ? { command } : {}),
    ports: [{ containerPort: name === "postgres" ? 5432 : 8080 }],
  });
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace, labels: { "hks.io/sample": "true" } } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "web", namespace, labels: labels("web") } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "web-config-reader", namespace },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    } as k8s.V1Role,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "web-config-reader", namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "web-config-reader" },
      subjects: [{ kind: "ServiceAccount", name: "web", namespace }],
    } as k8s.V1RoleBinding,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "web-config", namespace, labels: labels("web") },
      data: { "app.properties": "greeting=hello\nfeature.clone=true\n" },
    } as k8s.V1ConfigMap,
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "postgres-credentials", namespace, labels: labels("postgres-db") },
      type: "Opaque",
      stringData: { POSTGRES_PASSWORD: "sample-only-not-a-secret" },
    } as k8s.V1Secret,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "scratch", namespace, labels: { "hks.io/exclude-from-backup": "true" } },
      data: { note: "excluded from backups by label" },
    } as k8s.V1ConfigMap,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace, labels: labels("web") },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    } as k8s.V1Service,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace, labels: labels("web") },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: labels("web") },
          spec: {
            serviceAccountName: "web",
            containers: [container("web", LOCAL_IMAGES.busybox, untilStopped("", "httpd -f -p 8080 -h /tmp"))],
          },
        },
      },
    } as k8s.V1Deployment,
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "postgres-data", namespace, labels: labels("postgres-db") },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    } as k8s.V1PersistentVolumeClaim,
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "postgres", namespace, labels: labels("postgres-db") },
      spec: {
        serviceName: "postgres",
        replicas: 1,
        selector: { matchLabels: { app: "postgres-db" } },
        template: {
          metadata: {
            labels: labels("postgres-db"),
            annotations: {
              "pre.hook.backup.hks.io/container": "postgres",
              "pre.hook.backup.hks.io/command": JSON.stringify(["/bin/psql", "-U", "postgres", "-c", "CHECKPOINT"]),
              "post.hook.backup.hks.io/container": "postgres",
              "post.hook.backup.hks.io/command": JSON.stringify(["/bin/true"]),
            },
          },
          spec: {
            containers: [
              {
                ...container("postgres", LOCAL_IMAGES.postgres),
                volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
              },
            ],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: "postgres-data" } }],
          },
        },
      },
    } as k8s.V1StatefulSet,
  ];
}

/** Creates the sample app; returns how many objects were created and how many already existed. */
export async function createSampleApp(
  kc: k8s.KubeConfig,
  namespace: string,
): Promise<{ created: number; existing: number }> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  let created = 0;
  let existing = 0;
  for (const obj of sampleAppObjects(namespace)) {
    try {
      await api.create(obj);
      created++;
    } catch (err) {
      if ((err as { code?: number }).code === 409) existing++;
      else throw new Error(`creating ${obj.kind} ${namespace}/${obj.metadata?.name}: ${(err as Error).message}`);
    }
  }
  return { created, existing };
}
