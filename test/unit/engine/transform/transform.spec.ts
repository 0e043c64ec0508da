import { describe, expect, it } from "vitest";
import { IntegrityError } from "../../../../provider/errors";
import type { ArchiveObjectRef } from "../../../../provider/format/archive-paths";
import {
  transformObject,
  type TransformDecision,
  type TransformOptions,
} from "../../../../provider/engine/transform/transform";
import type { KubeObject } from "../../../../provider/format/kube-object";
import { parseLabelSelector } from "../../../../provider/format/label-selector";

type Obj = Record<string, any>;
const NO_OPTS: TransformOptions = { namespaceMapping: {} };

/** A builder for archived objects: the object plus the archive ref its path would give. */
function obj(
  apiVersion: string,
  kind: string,
  resource: string,
  name: string,
  namespace: string | undefined,
  extra: Obj = {},
): { o: Obj; ref: ArchiveObjectRef } {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const { metadata, ...rest } = extra;
  return {
    o: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(metadata ?? {}) }, ...rest },
    ref: { group, resource, namespace, name },
  };
}

const restored = (d: TransformDecision): KubeObject => {
  if (d.action !== "restore") throw new Error(`expected restore, got ${d.action}: ${"reason" in d ? d.reason : ""}`);
  return d.object;
};

const controllerRef = (kind: string) => ({
  metadata: { ownerReferences: [{ apiVersion: "apps/v1", kind, name: "owner", uid: "dead-uid", controller: true }] },
});

describe("transformObject: skip rules", () => {
  it.each([
    {
      name: "core Event",
      ...obj("v1", "Event", "events", "e1", "prod"),
      reason: /Events record the source cluster's history/,
    },
    {
      name: "events.k8s.io Event",
      ...obj("events.k8s.io/v1", "Event", "events", "e1", "prod"),
      reason: /Events record/,
    },
    { name: "Endpoints", ...obj("v1", "Endpoints", "endpoints", "web", "prod"), reason: /endpoints are rebuilt/ },
    {
      name: "EndpointSlice",
      ...obj("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", "web-abc", "prod"),
      reason: /endpoints are rebuilt/,
    },
    {
      name: "Pod owned by a ReplicaSet",
      ...obj("v1", "Pod", "pods", "web-1", "prod", controllerRef("ReplicaSet")),
      reason: /created by its controller ReplicaSet\/owner/,
    },
    {
      name: "ReplicaSet owned by a Deployment",
      ...obj("apps/v1", "ReplicaSet", "replicasets", "web-1", "prod", controllerRef("Deployment")),
      reason: /controller Deployment\/owner/,
    },
    {
      name: "Job owned by a CronJob",
      ...obj("batch/v1", "Job", "jobs", "nightly-1", "prod", controllerRef("CronJob")),
      reason: /controller CronJob\/owner/,
    },
    {
      name: "ControllerRevision owned by a StatefulSet",
      ...obj("apps/v1", "ControllerRevision", "controllerrevisions", "db-1", "prod", controllerRef("StatefulSet")),
      reason: /controller StatefulSet/,
    },
    {
      name: "service-account token Secret",
      ...obj("v1", "Secret", "secrets", "sa-token", "prod", { type: "kubernetes.io/service-account-token" }),
      reason: /service-account token is valid only in the source/,
    },
    {
      name: "kube-root-ca.crt ConfigMap",
      ...obj("v1", "ConfigMap", "configmaps", "kube-root-ca.crt", "prod"),
      reason: /its own CA/,
    },
    {
      name: "PersistentVolume",
      ...obj("v1", "PersistentVolume", "persistentvolumes", "pv-1", undefined),
      reason: /PersistentVolume is the source's disk/,
    },
  ])("skips a $name", ({ o, ref, reason }) => {
    const d = transformObject(o, ref, NO_OPTS);
    expect(d.action).toBe("skip");
    expect((d as { reason: string }).reason).toMatch(reason);
  });

  it.each([
    { name: "bare Pod (no controller)", ...obj("v1", "Pod", "pods", "debug", "prod", { spec: { containers: [] } }) },
    {
      name: "Pod with a non-controller owner",
      ...obj("v1", "Pod", "pods", "p", "prod", {
        metadata: { ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "c", uid: "u" }] },
      }),
    },
    { name: "unowned Job", ...obj("batch/v1", "Job", "jobs", "migrate", "prod", { spec: {} }) },
    {
      name: "Opaque Secret",
      ...obj("v1", "Secret", "secrets", "db", "prod", { type: "Opaque", data: { password: "cGFzcw==" } }),
    },
    { name: "ordinary ConfigMap", ...obj("v1", "ConfigMap", "configmaps", "settings", "prod", { data: { a: "1" } }) },
  ])("restores a $name", ({ o, ref }) => {
    expect(transformObject(o, ref, NO_OPTS).action).toBe("restore");
  });
});

describe("transformObject: fields of the source cluster", () => {
  const svc = (spec: Obj) => obj("v1", "Service", "services", "web", "prod", { spec });

  it.each([
    {
      name: "ClusterIP Service loses clusterIP(s)",
      spec: { type: "ClusterIP", clusterIP: "10.0.0.12", clusterIPs: ["10.0.0.12"], ports: [{ port: 80 }] },
      opts: {},
      want: { type: "ClusterIP", ports: [{ port: 80 }] },
    },
    {
      name: "headless Service keeps clusterIP None",
      spec: { clusterIP: "None", clusterIPs: ["None"] },
      opts: {},
      want: { clusterIP: "None", clusterIPs: ["None"] },
    },
    {
      name: "NodePort Service loses nodePorts by default",
      spec: {
        type: "NodePort",
        clusterIP: "10.0.0.3",
        ports: [
          { port: 80, nodePort: 30080 },
          { port: 443, nodePort: 30443 },
        ],
      },
      opts: {},
      want: { type: "NodePort", ports: [{ port: 80 }, { port: 443 }] },
    },
    {
      name: "NodePort Service keeps nodePorts with preserveNodePorts",
      spec: { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] },
      opts: { preserveNodePorts: true },
      want: { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] },
    },
    {
      name: "LoadBalancer loses healthCheckNodePort by default",
      spec: {
        type: "LoadBalancer",
        externalTrafficPolicy: "Local",
        healthCheckNodePort: 31000,
        ports: [{ port: 80, nodePort: 30001 }],
      },
      opts: {},
      want: { type: "LoadBalancer", externalTrafficPolicy: "Local", ports: [{ port: 80 }] },
    },
  ])("$name", ({ spec, opts, want }) => {
    const { o, ref } = svc(spec);
    expect(restored(transformObject(o, ref, { ...NO_OPTS, ...opts })).spec).toEqual(want);
  });

  it("drops a bare Pod's spec.nodeName", () => {
    const { o, ref } = obj("v1", "Pod", "pods", "debug", "prod", {
      spec: { nodeName: "node-7", containers: [{ name: "c", image: "i" }] },
    });
    expect(restored(transformObject(o, ref, NO_OPTS)).spec).toEqual({ containers: [{ name: "c", image: "i" }] });
  });

  it("drops a PVC's volumeName and binding annotations (never re-bind the source PV)", () => {
    const { o, ref } = obj("v1", "PersistentVolumeClaim", "persistentvolumeclaims", "data", "prod", {
      metadata: {
        annotations: {
          "pv.kubernetes.io/bind-completed": "yes",
          "pv.kubernetes.io/bound-by-controller": "yes",
          "volume.kubernetes.io/selected-node": "n1",
          keep: "me",
        },
      },
      spec: {
        volumeName: "pvc-123",
        storageClassName: "fast",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
      },
    });
    const out = restored(transformObject(o, ref, NO_OPTS));
    expect(out.spec).toEqual({
      storageClassName: "fast",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    });
    expect(out.metadata.annotations).toEqual({ keep: "me" });
  });

  it("drops a Job's generated selector and controller-uid labels, keeps a manual selector", () => {
    const spec = (manualSelector?: boolean) => ({
      ...(manualSelector ? { manualSelector } : {}),
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "old" } },
      template: {
        metadata: {
          labels: {
            "batch.kubernetes.io/controller-uid": "old",
            "controller-uid": "old",
            "job-name": "migrate",
            app: "m",
          },
        },
        spec: { restartPolicy: "Never" },
      },
    });
    const auto = obj("batch/v1", "Job", "jobs", "migrate", "prod", { spec: spec() });
    expect(restored(transformObject(auto.o, auto.ref, NO_OPTS)).spec).toEqual({
      template: { metadata: { labels: { "job-name": "migrate", app: "m" } }, spec: { restartPolicy: "Never" } },
    });
    const manual = obj("batch/v1", "Job", "jobs", "migrate", "prod", { spec: spec(true) });
    expect((restored(transformObject(manual.o, manual.ref, NO_OPTS)).spec as Obj).selector).toEqual({
      matchLabels: { "batch.kubernetes.io/controller-uid": "old" },
    });
  });

  it("sanitizes server-assigned metadata again, keeps status (ignored on create where the server owns it)", () => {
    const { o, ref } = obj("v1", "ConfigMap", "configmaps", "c", "prod", {
      metadata: {
        uid: "u",
        resourceVersion: "9",
        managedFields: [{}],
        creationTimestamp: "2026-01-01T00:00:00Z",
        generation: 2,
      },
      status: { custom: true },
    });
    const out = restored(transformObject(o, ref, NO_OPTS));
    expect(out.metadata).toEqual({ name: "c", namespace: "prod" });
    expect(out.status).toEqual({ custom: true });
  });

  it("takes owner references off, returning them without their dead uids", () => {
    const { o, ref } = obj("v1", "ConfigMap", "configmaps", "c", "prod", {
      metadata: {
        ownerReferences: [
          {
            apiVersion: "example.com/v1",
            kind: "App",
            name: "web",
            uid: "dead",
            controller: true,
            blockOwnerDeletion: true,
          },
          { apiVersion: "v1", kind: "Secret", name: "s", uid: "dead2" },
        ],
      },
    });
    const d = transformObject(o, ref, NO_OPTS);
    expect(restored(d).metadata.ownerReferences).toBeUndefined();
    expect(d.action === "restore" && d.owners).toEqual([
      { apiVersion: "example.com/v1", kind: "App", name: "web", controller: true, blockOwnerDeletion: true },
      { apiVersion: "v1", kind: "Secret", name: "s" },
    ]);
  });

  it("never mutates its input", () => {
    const { o, ref } = obj("v1", "Service", "services", "web", "prod", {
      metadata: { uid: "u", ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "u" }] },
      spec: { clusterIP: "10.0.0.1", ports: [{ port: 80, nodePort: 30000 }] },
    });
    const before = structuredClone(o);
    transformObject(o, ref, {
      namespaceMapping: { prod: "staging" },
      patches: [{ group: "", kind: "Service", patch: [{ op: "add", path: "/metadata/labels", value: { a: "b" } }] }],
    });
    expect(o).toEqual(before);
  });
});

describe("transformObject: filters", () => {
  const cm = obj("v1", "ConfigMap", "configmaps", "c", "prod", { metadata: { labels: { app: "web", tier: "fe" } } });
  const dep = obj("apps/v1", "Deployment", "deployments", "d", "prod", { metadata: { labels: { app: "db" } } });

  it.each([
    {
      name: "includeResources names the type",
      opts: { includeResources: ["configmaps"] },
      which: cm,
      action: "restore",
    },
    {
      name: "includeResources misses the type",
      opts: { includeResources: ["secrets"] },
      which: cm,
      action: "skip",
      reason: /not in includeResources/,
    },
    {
      name: "includeResources by resource.group",
      opts: { includeResources: ["deployments.apps"] },
      which: dep,
      action: "restore",
    },
    {
      name: "includeResources by resource of any group",
      opts: { includeResources: ["deployments"] },
      which: dep,
      action: "restore",
    },
    {
      name: "includeResources wrong group",
      opts: { includeResources: ["deployments.example.com"] },
      which: dep,
      action: "skip",
    },
    { name: "includeResources *", opts: { includeResources: ["*"] }, which: dep, action: "restore" },
    {
      name: "excludeResources wins over include",
      opts: { includeResources: ["*"], excludeResources: ["configmaps"] },
      which: cm,
      action: "skip",
      reason: /in excludeResources/,
    },
    { name: "selector matches", opts: { selector: parseLabelSelector("app=web") }, which: cm, action: "restore" },
    {
      name: "selector does not match",
      opts: { selector: parseLabelSelector("app=web") },
      which: dep,
      action: "skip",
      reason: /labels do not match the selector/,
    },
    {
      name: "set-based selector",
      opts: { selector: parseLabelSelector("app in (db,api),!tier") },
      which: dep,
      action: "restore",
    },
    {
      name: "includeNamespaces misses",
      opts: { includeNamespaces: ["other"], backupNamespaces: ["prod", "other"] },
      which: cm,
      action: "skip",
      reason: /namespace not included/,
    },
    { name: "includeNamespaces names it", opts: { includeNamespaces: ["prod"] }, which: cm, action: "restore" },
  ])("$name", ({ opts, which, action, reason }) => {
    const d = transformObject(which.o, which.ref, { ...NO_OPTS, ...opts });
    expect(d.action).toBe(action);
    if (reason) expect((d as { reason: string }).reason).toMatch(reason);
  });

  it("includeNamespaces also applies to the Namespace object itself", () => {
    const ns = obj("v1", "Namespace", "namespaces", "prod", undefined);
    expect(transformObject(ns.o, ns.ref, { ...NO_OPTS, includeNamespaces: ["other"] }).action).toBe("skip");
  });

  it("namespacedOnly (drills) skips every cluster-scoped object but the included, mapped Namespaces", () => {
    const opts: TransformOptions = {
      namespaceMapping: { prod: "drill-x-prod" },
      includeNamespaces: ["prod"],
      namespacedOnly: true,
    };
    const ns = obj("v1", "Namespace", "namespaces", "prod", undefined);
    expect(restored(transformObject(ns.o, ns.ref, opts)).metadata.name).toBe("drill-x-prod");
    const other = obj("v1", "Namespace", "namespaces", "other", undefined);
    expect(transformObject(other.o, other.ref, opts)).toEqual({
      action: "skip",
      reason: "namespace not included in this restore",
    });
    for (const cluster of [
      obj("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", "reader", undefined),
      obj(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        "w.example.com",
        undefined,
      ),
      obj("storage.k8s.io/v1", "StorageClass", "storageclasses", "fast", undefined),
    ]) {
      const d = transformObject(cluster.o, cluster.ref, opts);
      expect(d.action).toBe("skip");
      expect((d as { reason: string }).reason).toMatch(
        /^cluster-scoped, and this restore \(a drill\) changes nothing outside/,
      );
      // Without the option the same object is restored.
      expect(transformObject(cluster.o, cluster.ref, { namespaceMapping: {} }).action).toBe("restore");
    }
    const cm = obj("v1", "ConfigMap", "configmaps", "settings", "prod");
    expect(restored(transformObject(cm.o, cm.ref, opts)).metadata.namespace).toBe("drill-x-prod");
  });
});

describe("transformObject: patches", () => {
  const dep = () =>
    obj("apps/v1", "Deployment", "deployments", "web", "prod", {
      spec: { replicas: 3, template: { spec: { containers: [{ name: "app", image: "app:prod" }] } } },
    });

  it("applies patches matching group and kind, and name when given, after mapping", () => {
    const { o, ref } = dep();
    const out = restored(
      transformObject(o, ref, {
        namespaceMapping: { prod: "staging" },
        patches: [
          {
            group: "apps",
            kind: "Deployment",
            patch: [
              { op: "test", path: "/metadata/namespace", value: "staging" },
              { op: "replace", path: "/spec/replicas", value: 1 },
            ],
          },
          {
            group: "apps",
            kind: "Deployment",
            name: "web",
            patch: [{ op: "replace", path: "/spec/template/spec/containers/0/image", value: "app:staging" }],
          },
          { group: "apps", kind: "Deployment", name: "other", patch: [{ op: "remove", path: "/spec" }] },
          { group: "", kind: "Deployment", patch: [{ op: "remove", path: "/spec" }] },
          { group: "apps", kind: "StatefulSet", patch: [{ op: "remove", path: "/spec" }] },
        ],
      }),
    );
    expect(out.spec).toEqual({
      replicas: 1,
      template: { spec: { containers: [{ name: "app", image: "app:staging" }] } },
    });
  });

  it('matches the core group as "" or "core"', () => {
    const { o, ref } = obj("v1", "ConfigMap", "configmaps", "c", "prod", { data: { a: "1" } });
    for (const group of ["", "core"]) {
      const out = restored(
        transformObject(o, ref, {
          ...NO_OPTS,
          patches: [{ group, kind: "ConfigMap", patch: [{ op: "replace", path: "/data/a", value: "2" }] }],
        }),
      );
      expect(out.data).toEqual({ a: "2" });
    }
  });

  it.each([
    {
      name: "a failing test op",
      patch: [{ op: "test" as const, path: "/spec/replicas", value: 5 }],
      reason: /patch for apps\/Deployment does not apply: operation 0 \(test\): test failed/,
    },
    {
      name: "a missing path",
      patch: [{ op: "replace" as const, path: "/spec/paused", value: true }],
      reason: /does not exist/,
    },
    {
      name: "a namespace change",
      patch: [{ op: "replace" as const, path: "/metadata/namespace", value: "kube-system" }],
      reason: /may change content only/,
    },
    {
      name: "a rename",
      patch: [{ op: "replace" as const, path: "/metadata/name", value: "other" }],
      reason: /may change content only/,
    },
    {
      name: "a kind change",
      patch: [{ op: "replace" as const, path: "/kind", value: "StatefulSet" }],
      reason: /may change content only/,
    },
  ])("fails the object on $name", ({ patch, reason }) => {
    const { o, ref } = dep();
    const d = transformObject(o, ref, { ...NO_OPTS, patches: [{ group: "apps", kind: "Deployment", patch }] });
    expect(d.action).toBe("fail");
    expect((d as { reason: string }).reason).toMatch(reason);
  });
});

describe("transformObject: archive entries that lie are refused (IntegrityError)", () => {
  it.each([
    {
      name: "name differs from the path",
      raw: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other", namespace: "prod" } },
      problem: /metadata.name is "other", the path says "c"/,
    },
    {
      name: "namespace differs from the path",
      raw: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "kube-system" } },
      problem: /metadata.namespace is "kube-system", the path says "prod"/,
    },
    {
      name: "cluster-scoped content in a namespaced path",
      raw: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
      problem: /metadata.namespace is null/,
    },
    {
      name: "group differs from the path",
      raw: { apiVersion: "apps/v1", kind: "ConfigMap", metadata: { name: "c", namespace: "prod" } },
      problem: /apiVersion apps\/v1 is not in group ""/,
    },
    { name: "not a mapping", raw: ["a"], problem: /not a YAML mapping/ },
    {
      name: "no kind",
      raw: { apiVersion: "v1", metadata: { name: "c", namespace: "prod" } },
      problem: /lacks apiVersion, kind or metadata.name/,
    },
  ])("$name", ({ raw, problem }) => {
    const ref = { group: "", resource: "configmaps", namespace: "prod", name: "c" };
    expect(() => transformObject(raw, ref, NO_OPTS)).toThrow(IntegrityError);
    expect(() => transformObject(raw, ref, NO_OPTS)).toThrow(problem);
  });

  it("refuses an object in a namespace the backup did not record", () => {
    const { o, ref } = obj("v1", "Secret", "secrets", "admin", "kube-system", { type: "Opaque" });
    expect(() => transformObject(o, ref, { ...NO_OPTS, backupNamespaces: ["prod"] })).toThrow(
      /namespace kube-system is not one the backup recorded \(prod\)/,
    );
    const ns = obj("v1", "Namespace", "namespaces", "kube-system", undefined);
    expect(() => transformObject(ns.o, ns.ref, { ...NO_OPTS, backupNamespaces: ["prod"] })).toThrow(IntegrityError);
  });

  it("accepts cluster-scoped objects of a namespaced backup (CRDs of its custom resources)", () => {
    const { o, ref } = obj(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
      "customresourcedefinitions",
      "apps.example.com",
      undefined,
      { spec: {} },
    );
    expect(transformObject(o, ref, { ...NO_OPTS, backupNamespaces: ["prod"] }).action).toBe("restore");
  });
});
