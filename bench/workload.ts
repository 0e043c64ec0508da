/**
 * The benchmark workload: a namespace of N objects in a realistic mix (ConfigMaps, Secrets,
 * headless Services, Deployments, a custom resource), created with bounded concurrency.
 * Services are headless because the local cluster's service CIDR has 254 addresses.
 */
import * as k8s from "@kubernetes/client-node";
import pLimit from "p-limit";
import { createKubeReader } from "../provider/kube/discovery";

export const BENCH_GROUP = "bench.hks.io";

/** Share of each kind in the mix (sums to 1). */
export const MIX = [
  { kind: "ConfigMap", share: 0.4 },
  { kind: "Secret", share: 0.2 },
  { kind: "Service", share: 0.15 },
  { kind: "Deployment", share: 0.15 },
  { kind: "Widget", share: 0.1 },
] as const;

/** The list endpoints the floor LISTs (the same resources the backup finds). */
export const MIX_RESOURCES = [
  { path: "/api/v1/namespaces/{ns}/configmaps", resource: "configmaps", apiVersion: "v1", kind: "ConfigMap" },
  { path: "/api/v1/namespaces/{ns}/secrets", resource: "secrets", apiVersion: "v1", kind: "Secret" },
  { path: "/api/v1/namespaces/{ns}/services", resource: "services", apiVersion: "v1", kind: "Service" },
  {
    path: "/apis/apps/v1/namespaces/{ns}/deployments",
    resource: "deployments.apps",
    apiVersion: "apps/v1",
    kind: "Deployment",
  },
  {
    path: `/apis/${BENCH_GROUP}/v1/namespaces/{ns}/widgets`,
    resource: `widgets.${BENCH_GROUP}`,
    apiVersion: `${BENCH_GROUP}/v1`,
    kind: "Widget",
  },
] as const;

const CRD: k8s.V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `widgets.${BENCH_GROUP}` },
  spec: {
    group: BENCH_GROUP,
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer" }, color: { type: "string" } } },
            },
          },
        },
      },
    ],
  },
};

/** Object number `i` of the workload in `ns`. */
export function workloadObject(ns: string, i: number, n: number): k8s.KubernetesObject {
  let acc = 0;
  const at = i / n;
  const kind = MIX.find((m) => (acc += m.share) > at)?.kind ?? "ConfigMap";
  const name = `${kind.toLowerCase()}-${i}`;
  const labels = { app: `app-${i % 50}`, tier: i % 3 === 0 ? "backend" : "frontend" };
  const metadata = { name, namespace: ns, labels };
  switch (kind) {
    case "ConfigMap":
      return {
        apiVersion: "v1",
        kind,
        metadata,
        data: { "config.yaml": `replicas: ${i % 7}\nfeature: ${"x".repeat(200)}\n`, index: String(i) },
      } as k8s.V1ConfigMap;
    case "Secret":
      return {
        apiVersion: "v1",
        kind,
        metadata,
        type: "Opaque",
        data: { token: Buffer.from(`token-${i}-${"s".repeat(64)}`).toString("base64") },
      } as k8s.V1Secret;
    case "Service":
      return {
        apiVersion: "v1",
        kind,
        metadata,
        spec: { clusterIP: "None", selector: labels, ports: [{ port: 8080, name: "http" }] },
      } as k8s.V1Service;
    case "Deployment":
      return {
        apiVersion: "apps/v1",
        kind,
        metadata,
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: "app", image: "nginx:1.27", env: [{ name: "INDEX", value: String(i) }] }] },
          },
        },
      } as k8s.V1Deployment;
    default:
      return {
        apiVersion: `${BENCH_GROUP}/v1`,
        kind: "Widget",
        metadata,
        spec: { size: i, color: i % 2 ? "red" : "blue" },
      } as k8s.KubernetesObject;
  }
}

/** Objects of the mix in `ns`, counted from one-item LISTs (`remainingItemCount`); -1 if one fails. */
export async function countWorkload(kc: k8s.KubeConfig, ns: string): Promise<number> {
  const reader = createKubeReader(kc);
  let total = 0;
  for (const r of MIX_RESOURCES) {
    try {
      const page = await reader.getJson<{ items: unknown[]; metadata?: { remainingItemCount?: number } }>(
        `${r.path.replace("{ns}", ns)}?limit=1`,
      );
      total += page.items.length + (page.metadata?.remainingItemCount ?? 0);
    } catch {
      return -1; // e.g. the CRD is not served yet: seed
    }
  }
  return total;
}

/** Creates the CRD (once) and the namespace with N objects. Reports progress every 5,000. */
export async function createWorkload(
  kc: k8s.KubeConfig,
  ns: string,
  n: number,
  log: (s: string) => void,
): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({ body: CRD }).catch((e) => {
    if ((e as { code?: number }).code !== 409) throw e;
  });
  for (let i = 0; i < 100; i++) {
    const crd = await ext.readCustomResourceDefinition({ name: CRD.metadata!.name! });
    if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }).catch((e) => {
    if ((e as { code?: number }).code !== 409) throw e;
  });
  const existing = await countWorkload(kc, ns);
  if (existing === n) {
    log(`  ${ns} already holds its ${n} objects (from an earlier run on this stack)`);
    return;
  }
  const limit = pLimit(32);
  let done = 0;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      limit(async () => {
        await api.create(workloadObject(ns, i, n)).catch((e) => {
          if ((e as { code?: number }).code !== 409) throw e;
        });
        if (++done % 5000 === 0) log(`  seeded ${done}/${n} objects in ${ns}`);
      }),
    ),
  );
}
