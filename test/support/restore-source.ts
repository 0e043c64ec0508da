/**
 * A source namespace with one object of every kind restore treats specially, created through the
 * real apiserver, for restore tests: what the restore must reproduce, and what it must skip.
 */
import * as k8s from "@kubernetes/client-node";
import { KubeRestoreCluster } from "../../provider/kube/restore-cluster";
import { createKubeReader } from "../../provider/kube/discovery";
import type { RestoreResult } from "../../provider/engine/restore/types";
import type { RestoreCluster } from "../../provider/kube/target-cluster";
import type { FixtureObject } from "./backup-fixture";
import { comparable, semanticDiff } from "./semantic-diff";
import { waitFor } from "./wait";

type Json = Record<string, any>;

/** The CRD the source uses (cluster-scoped; one per test file, named by `group`). */
export function widgetCrd(group: string): Json {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
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
              properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            },
          },
        },
      ],
    },
  };
}

const podSpec = {
  containers: [{ name: "app", image: "registry.example.com/app:1.0", ports: [{ containerPort: 8080 }] }],
};

/** The objects of the source namespace `ns`, in creation order (owners before dependents). */
export function sourceObjects(ns: string, crdGroup: string): Json[] {
  const md = (name: string, extra: Json = {}) => ({ name, namespace: ns, ...extra });
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: md("app") },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: md("settings", { labels: { app: "web" } }),
      data: { a: "1", "config.yaml": "x: 1\n" },
      binaryData: { blob: Buffer.from([0, 1, 2, 255]).toString("base64") },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: md("db"),
      type: "Opaque",
      data: { password: Buffer.from("s3cr3t").toString("base64") },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: md("app-token", { annotations: { "kubernetes.io/service-account.name": "app" } }),
      type: "kubernetes.io/service-account-token",
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: md("reader"),
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: md("app-reader"),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
      subjects: [
        { kind: "ServiceAccount", name: "app", namespace: ns },
        { kind: "ServiceAccount", name: "monitor", namespace: "monitoring" },
        { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
      ],
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: md("web"),
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: md("web-np"),
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: md("web-headless"),
      spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ port: 80 }] },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: md("web", { labels: { app: "web" } }),
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: podSpec },
      },
    },
    {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: md("web-rs"),
      spec: {
        replicas: 0,
        selector: { matchLabels: { rs: "web" } },
        template: { metadata: { labels: { rs: "web" } }, spec: podSpec },
      },
    },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: md("nightly"),
      spec: {
        schedule: "0 2 * * *",
        suspend: true,
        jobTemplate: {
          spec: {
            template: {
              spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] },
            },
          },
        },
      },
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: md("migrate"),
      spec: {
        suspend: true,
        template: {
          spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: md("data"),
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "standard",
        resources: { requests: { storage: "1Gi" } },
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: md("allow-same-namespace"),
      spec: {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }] }],
      },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: md("defaults"),
      spec: { limits: [{ type: "Container", default: { cpu: "500m" } }] },
    },
    { apiVersion: "v1", kind: "ResourceQuota", metadata: md("quota"), spec: { hard: { pods: "20" } } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: md("web"),
      spec: {
        rules: [
          {
            host: "web.example.com",
            http: {
              paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }],
            },
          },
        ],
      },
    },
    // A bare Pod, bound by the scheduler to the node (a made-up nodeName would have the pod garbage
    // collector delete it as orphaned while the test runs); restore drops the source's nodeName.
    { apiVersion: "v1", kind: "Pod", metadata: md("debug"), spec: podSpec },
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: md("web.1"),
      involvedObject: { kind: "Deployment", name: "web", namespace: ns },
      reason: "Test",
      message: "hello",
      type: "Normal",
    },
    {
      apiVersion: `${crdGroup}/v1`,
      kind: "Widget",
      metadata: md("w1"),
      spec: { size: 3, nested: { deep: ["a", "b"] }, unknownToClients: true },
    },
  ];
}

/**
 * Creates the source namespace and its objects; dependents get owner references to live owners.
 * Objects are sent as plain JSON: client-node's typed create drops fields its models spell
 * differently (a NetworkPolicy rule's `from` becomes `{}`), which would make the source itself wrong.
 */
export async function createSource(kc: k8s.KubeConfig, ns: string, crdGroup: string): Promise<void> {
  const api = new KubeRestoreCluster(kc);
  await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { team: "payments" } } });
  const uids = new Map<string, string>();
  for (const o of sourceObjects(ns, crdGroup)) {
    const made = await api.create(o as never);
    uids.set(`${o.kind}/${o.metadata.name}`, String(made.metadata.uid));
  }
  const owned: Json[] = [
    // A ConfigMap owned by another: restore must re-attach the owner with its NEW uid.
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "child",
        namespace: ns,
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "settings", uid: uids.get("ConfigMap/settings") },
        ],
      },
      data: { b: "2" },
    },
  ];
  for (const o of owned) await api.create(o as never);
  // Pods a controller made, which restore must skip: the Deployment's own, once its ReplicaSet
  // created them. (A hand-made pod owned by a ReplicaSet is deleted by the real controller.)
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await waitFor(`2 pods of Deployment ${ns}/web`, 60_000, async () => {
    const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" });
    const made = pods.items.filter((p) => p.metadata?.ownerReferences?.some((o) => o.kind === "ReplicaSet"));
    return made.length === 2 ? made : undefined;
  });
}

/** Fields the target assigns anew, so they legitimately differ between a source and its restore. */
export const REASSIGNED: Record<string, string[]> = {
  Service: ["spec.clusterIP", "spec.clusterIPs", "spec.ports[].nodePort"],
  Pod: ["spec.nodeName"],
  Job: ["spec.selector", "spec.template.metadata.labels"],
};

/**
 * Compares every object of `objects` that the restore did not skip, live in the source against live
 * in the target (semantic diff after sanitizing). What the namespace mapping must change is stated
 * here explicitly, not computed by the code under test. Returns the number compared and every
 * difference found, as `item: path: a → b`.
 */
export async function compareRestored(
  from: RestoreCluster,
  to: RestoreCluster,
  objects: readonly FixtureObject[],
  result: RestoreResult,
  src: string,
  dst: string,
): Promise<{ compared: number; diffs: string[]; missing: string[] }> {
  const skipped = new Set(result.skipped.flatMap((g) => g.items));
  const diffs: string[] = [];
  const missing: string[] = [];
  let compared = 0;
  for (const f of objects) {
    const md = f.object.metadata;
    const resource = f.group ? `${f.resource}.${f.group}` : f.resource;
    const item = `${resource}/${md.namespace ? `${md.namespace}/` : ""}${md.name}`;
    // Results name objects as they are in the target (namespace mapped).
    const inTarget =
      f.resource === "namespaces"
        ? `namespaces/${md.name === src ? dst : md.name}`
        : `${resource}/${md.namespace ? `${md.namespace === src ? dst : md.namespace}/` : ""}${md.name}`;
    // Events are never restored (a rule of restore); its skipped list names only a sample of them.
    if (skipped.has(inTarget) || f.resource === "customresourcedefinitions" || f.resource === "events") continue;
    const ref = { apiVersion: f.object.apiVersion, kind: f.object.kind, name: md.name, namespace: md.namespace };
    const source = await from.get(ref);
    const target = await to.get(
      f.resource === "namespaces" ? { ...ref, name: dst } : { ...ref, namespace: md.namespace ? dst : undefined },
    );
    if (!source || !target) {
      missing.push(item);
      continue;
    }
    const ignore = REASSIGNED[f.object.kind] ?? [];
    const expected = comparable(source, ignore) as Json;
    if (f.resource === "namespaces") {
      expected.metadata.name = dst;
      expected.metadata.labels["kubernetes.io/metadata.name"] = dst;
    } else if (md.namespace) expected.metadata.namespace = dst;
    if (f.object.kind === "RoleBinding")
      for (const s of expected.subjects ?? []) if (s.namespace === src) s.namespace = dst;
    if (f.object.kind === "NetworkPolicy") {
      for (const r of expected.spec.ingress ?? [])
        for (const p of r.from ?? [])
          if (p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === src)
            p.namespaceSelector.matchLabels["kubernetes.io/metadata.name"] = dst;
    }
    diffs.push(...semanticDiff(expected, comparable(target, ignore)).map((d) => `${item}: ${d}`));
    compared++;
  }
  return { compared, diffs, missing };
}

/** Creates `crd` through `cluster` and waits (at most 30 s) until it is Established. */
export async function createCrd(cluster: RestoreCluster, crd: Json): Promise<void> {
  await cluster.create(crd as never);
  for (let i = 0; i < 120; i++) {
    const live = await cluster.get({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: crd.metadata.name,
    });
    if (
      (live?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
        (c) => c.type === "Established" && c.status === "True",
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`CRD ${crd.metadata.name} was not Established within 30s`);
}

const PVC_PROTECTION = "kubernetes.io/pvc-protection";

/**
 * Plays the parts the local stack does not run, so deleted namespaces can go away:
 * 1. the pvc-protection controller: a PVC being deleted keeps its `kubernetes.io/pvc-protection`
 *    finalizer until that controller sees no pod using it (none does: no kubelet runs here);
 * 2. the kubelet: a pod bound to a node (`nodeName`) is deleted gracefully, i.e. only once its
 *    kubelet confirms; here the deletion is confirmed with a zero grace period.
 * Runs until `stop` or until all `namespaces` are gone.
 */
export function releaseDeletedClaims(
  kc: k8s.KubeConfig,
  namespaces: () => readonly string[],
): { stop: () => Promise<void>; done: Promise<void> } {
  const cluster = new KubeRestoreCluster(kc);
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      let remaining = 0;
      for (const ns of namespaces()) {
        const live = await cluster.get({ apiVersion: "v1", kind: "Namespace", name: ns }).catch(() => undefined);
        if (!live) continue;
        remaining++;
        const core = kc.makeApiClient(k8s.CoreV1Api);
        const pods = await core.listNamespacedPod({ namespace: ns }).catch(() => ({ items: [] as k8s.V1Pod[] }));
        for (const pod of pods.items.filter((x) => x.metadata?.deletionTimestamp)) {
          await core
            .deleteNamespacedPod({ name: pod.metadata!.name!, namespace: ns, gracePeriodSeconds: 0 })
            .catch(() => undefined);
        }
        const list = await listClaims(kc, ns);
        for (const pvc of list) {
          const fin = (pvc.metadata.finalizers as string[] | undefined) ?? [];
          if (!pvc.metadata.deletionTimestamp || !fin.includes(PVC_PROTECTION)) continue;
          await cluster
            .replace({
              ...pvc,
              apiVersion: "v1",
              kind: "PersistentVolumeClaim",
              metadata: { ...pvc.metadata, finalizers: fin.filter((f) => f !== PVC_PROTECTION) },
            } as never)
            .catch(() => undefined);
        }
      }
      if (remaining === 0) return;
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
    done,
  };
}

async function listClaims(kc: k8s.KubeConfig, ns: string): Promise<Json[]> {
  const list = await createKubeReader(kc)
    .getJson<{ items?: Json[] }>(`/api/v1/namespaces/${ns}/persistentvolumeclaims`)
    .catch(() => ({ items: [] }));
  return list.items ?? [];
}

/** Deletes `namespaces` and waits (at most `timeoutMs`) until they are gone, releasing PVCs meanwhile. */
export async function deleteNamespaces(
  kc: k8s.KubeConfig,
  namespaces: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const cluster = new KubeRestoreCluster(kc);
  await Promise.all(
    namespaces.map((name) => cluster.delete({ apiVersion: "v1", kind: "Namespace", name }).catch(() => undefined)),
  );
  const releaser = releaseDeletedClaims(kc, () => namespaces);
  await Promise.race([releaser.done, new Promise((r) => setTimeout(r, timeoutMs))]);
  await releaser.stop();
}
