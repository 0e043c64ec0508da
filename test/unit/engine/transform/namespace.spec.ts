import { describe, expect, it } from "vitest";
import { transformObject, type TransformOptions } from "../../../../provider/engine/transform/transform";
import type { KubeObject } from "../../../../provider/format/kube-object";
import { NAMESPACE_FIELD_RULES } from "../../../../provider/engine/transform/namespace";

type Obj = Record<string, any>;
const OPTS: TransformOptions = { namespaceMapping: { production: "staging", shared: "shared-clone" } };

function run(
  apiVersion: string,
  kind: string,
  resource: string,
  name: string,
  namespace: string | undefined,
  body: Obj,
): KubeObject {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const o = {
    apiVersion,
    kind,
    ...body,
    metadata: { name, ...(namespace ? { namespace } : {}), ...(body.metadata ?? {}) },
  };
  const d = transformObject(o, { group, resource, namespace, name }, OPTS);
  if (d.action !== "restore") throw new Error(`not restored: ${"reason" in d ? d.reason : ""}`);
  return d.object;
}

describe("namespace mapping", () => {
  it("maps metadata.namespace; leaves unmapped namespaces alone", () => {
    expect(run("v1", "ConfigMap", "configmaps", "c", "production", {}).metadata.namespace).toBe("staging");
    expect(run("v1", "ConfigMap", "configmaps", "c", "other", {}).metadata.namespace).toBe("other");
  });

  it("renames the Namespace object and its kubernetes.io/metadata.name label", () => {
    const ns = run("v1", "Namespace", "namespaces", "production", undefined, {
      metadata: { labels: { "kubernetes.io/metadata.name": "production", team: "a" } },
    });
    expect(ns.metadata).toEqual({ name: "staging", labels: { "kubernetes.io/metadata.name": "staging", team: "a" } });
  });

  it(
    "maps RoleBinding subjects: ServiceAccounts of mapped namespaces; Users, Groups and other namespaces " +
      "untouched",
    () => {
      const rb = run("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", "app-reader", "production", {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
        subjects: [
          { kind: "ServiceAccount", name: "app", namespace: "production" },
          { kind: "ServiceAccount", name: "monitor", namespace: "monitoring" },
          { kind: "ServiceAccount", name: "peer", namespace: "shared" },
          { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
          { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
        ],
      });
      expect(rb.subjects).toEqual([
        { kind: "ServiceAccount", name: "app", namespace: "staging" },
        { kind: "ServiceAccount", name: "monitor", namespace: "monitoring" },
        { kind: "ServiceAccount", name: "peer", namespace: "shared-clone" },
        { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice" },
        { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "devs" },
      ]);
      expect(rb.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" });
    },
  );

  it("maps ClusterRoleBinding subjects", () => {
    const crb = run(
      "rbac.authorization.k8s.io/v1",
      "ClusterRoleBinding",
      "clusterrolebindings",
      "app-view",
      undefined,
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "ServiceAccount", name: "app", namespace: "production" }],
      },
    );
    expect(crb.subjects).toEqual([{ kind: "ServiceAccount", name: "app", namespace: "staging" }]);
  });

  it("maps NetworkPolicy namespace selectors by name label, in ingress and egress", () => {
    const np = run("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", "allow-self", "production", {
      spec: {
        podSelector: {},
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "production" } } },
              { podSelector: {} },
            ],
          },
        ],
        egress: [
          {
            to: [
              {
                namespaceSelector: {
                  matchExpressions: [
                    { key: "kubernetes.io/metadata.name", operator: "In", values: ["production", "kube-system"] },
                    { key: "team", operator: "In", values: ["production"] },
                  ],
                },
              },
            ],
          },
        ],
      },
    });
    expect(np.spec).toEqual({
      podSelector: {},
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "staging" } } },
            { podSelector: {} },
          ],
        },
      ],
      egress: [
        {
          to: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: "kubernetes.io/metadata.name", operator: "In", values: ["staging", "kube-system"] },
                  { key: "team", operator: "In", values: ["production"] },
                ],
              },
            },
          ],
        },
      ],
    });
  });

  it.each([
    { resource: "deployments", apiVersion: "apps/v1", kind: "Deployment", path: ["spec", "template", "spec"] },
    { resource: "statefulsets", apiVersion: "apps/v1", kind: "StatefulSet", path: ["spec", "template", "spec"] },
    {
      resource: "cronjobs",
      apiVersion: "batch/v1",
      kind: "CronJob",
      path: ["spec", "jobTemplate", "spec", "template", "spec"],
    },
    { resource: "pods", apiVersion: "v1", kind: "Pod", path: ["spec"] },
  ])("maps pod affinity namespaces in a $kind", ({ resource, apiVersion, kind, path }) => {
    const affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            topologyKey: "kubernetes.io/hostname",
            namespaces: ["production", "other"],
            labelSelector: { matchLabels: { app: "db" } },
          },
        ],
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 1,
            podAffinityTerm: {
              topologyKey: "zone",
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "production" } },
            },
          },
        ],
      },
    };
    const body: Obj = {};
    let cur = body;
    for (const p of path) cur = cur[p] = {};
    cur.affinity = affinity;
    const out = run(apiVersion, kind, resource, "w", "production", body) as Obj;
    let spec = out;
    for (const p of path) spec = spec[p];
    expect(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].namespaces).toEqual([
      "staging",
      "other",
    ]);
    expect(
      spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.namespaceSelector
        .matchLabels,
    ).toEqual({ "kubernetes.io/metadata.name": "staging" });
  });

  it("maps a VolumeSnapshotContent's volumeSnapshotRef and webhook / APIService / CRD conversion services", () => {
    expect(
      run("snapshot.storage.k8s.io/v1", "VolumeSnapshotContent", "volumesnapshotcontents", "c", undefined, {
        spec: { volumeSnapshotRef: { name: "s", namespace: "production" } },
      }).spec,
    ).toEqual({ volumeSnapshotRef: { name: "s", namespace: "staging" } });
    expect(
      run(
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        "w",
        undefined,
        { webhooks: [{ name: "a.b", clientConfig: { service: { name: "hook", namespace: "production" } } }] },
      ).webhooks,
    ).toEqual([{ name: "a.b", clientConfig: { service: { name: "hook", namespace: "staging" } } }]);
    expect(
      run("apiregistration.k8s.io/v1", "APIService", "apiservices", "v1.x.example.com", undefined, {
        spec: { service: { name: "api", namespace: "production" } },
      }).spec,
    ).toEqual({ service: { name: "api", namespace: "staging" } });
    expect(
      (
        run(
          "apiextensions.k8s.io/v1",
          "CustomResourceDefinition",
          "customresourcedefinitions",
          "apps.example.com",
          undefined,
          {
            spec: {
              conversion: {
                strategy: "Webhook",
                webhook: { clientConfig: { service: { name: "conv", namespace: "production" } } },
              },
            },
          },
        ).spec as Obj
      ).conversion.webhook.clientConfig.service.namespace,
    ).toBe("staging");
  });

  it("every rule documents its field and reason", () => {
    for (const r of NAMESPACE_FIELD_RULES) {
      expect(r.fields.length).toBeGreaterThan(5);
      expect(r.why.length).toBeGreaterThan(10);
      expect(r.resources.length).toBeGreaterThan(0);
    }
  });
});
