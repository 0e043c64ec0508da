import { describe, expect, it } from "vitest";
import {
  SANITIZED_ANNOTATIONS,
  SANITIZED_METADATA_FIELDS,
  sanitizedView,
  sanitizeObject as deepSanitize,
} from "../../../../provider/engine/collect/sanitize";

/** A Deployment as the API server returns it, with every server-assigned field set. */
function liveDeployment(): Record<string, any> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "prod",
      generateName: "web-",
      labels: { app: "web" },
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration": '{"apiVersion":"apps/v1"}',
        "deployment.kubernetes.io/revision": "3",
      },
      finalizers: ["example.com/cleanup"],
      ownerReferences: [{ apiVersion: "example.com/v1", kind: "App", name: "web", uid: "u-1", controller: true }],
      uid: "5f0c-uid",
      resourceVersion: "12345",
      generation: 7,
      creationTimestamp: "2026-01-01T00:00:00Z",
      selfLink: "/apis/apps/v1/namespaces/prod/deployments/web",
      deletionTimestamp: "2026-01-02T00:00:00Z",
      deletionGracePeriodSeconds: 30,
      managedFields: [{ manager: "kubectl", operation: "Apply" }],
    },
    spec: { replicas: 2, template: { metadata: { labels: { app: "web" }, creationTimestamp: null } } },
    status: { replicas: 2, readyReplicas: 2 },
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    Object.values(o).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
}

// Both forms remove exactly the same fields; they differ only in what they copy (tests at the end).
describe.each([
  { form: "sanitizeObject (deep copy)", sanitizeObject: deepSanitize },
  { form: "sanitizedView (shares unchanged subtrees)", sanitizeObject: sanitizedView },
])("$form", ({ sanitizeObject }) => {
  it.each(SANITIZED_METADATA_FIELDS.map((field) => ({ field })))("drops metadata.$field", ({ field }) => {
    const out = sanitizeObject(liveDeployment());
    expect(out.metadata).not.toHaveProperty(field);
  });

  it.each(SANITIZED_ANNOTATIONS.map((key) => ({ key })))(
    "drops the $key annotation and keeps the others",
    ({ key }) => {
      const out = sanitizeObject(liveDeployment());
      expect(out.metadata.annotations).not.toHaveProperty([key]);
      expect(out.metadata.annotations).toEqual({ "deployment.kubernetes.io/revision": "3" });
    },
  );

  it.each([
    { name: "name", path: ["metadata", "name"], value: "web" },
    { name: "namespace", path: ["metadata", "namespace"], value: "prod" },
    { name: "generateName", path: ["metadata", "generateName"], value: "web-" },
    { name: "labels", path: ["metadata", "labels"], value: { app: "web" } },
    { name: "finalizers", path: ["metadata", "finalizers"], value: ["example.com/cleanup"] },
    {
      name: "ownerReferences (restore decides about owned objects)",
      path: ["metadata", "ownerReferences"],
      value: liveDeployment().metadata.ownerReferences,
    },
    {
      name: "spec, including a nested creationTimestamp (only top-level metadata is server-owned)",
      path: ["spec"],
      value: liveDeployment().spec,
    },
  ])("keeps $name", ({ path, value }) => {
    const out = sanitizeObject(liveDeployment());
    expect(path.reduce((o: any, k) => o?.[k], out)).toEqual(value);
  });

  it.each([
    { name: "drops status by default (the server owns it)", options: undefined, status: undefined },
    { name: "drops status with keepStatus: false", options: { keepStatus: false }, status: undefined },
    {
      name: "keeps status with keepStatus: true (no status subresource: user data)",
      options: { keepStatus: true },
      status: { replicas: 2, readyReplicas: 2 },
    },
  ])("$name", ({ options, status }) => {
    expect(sanitizeObject(liveDeployment(), options).status).toEqual(status);
  });

  it.each([
    {
      name: "removes an annotations map left empty",
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}" },
      expected: undefined,
    },
    { name: "removes an annotations map that was already empty", annotations: {}, expected: undefined },
    { name: "leaves other annotations alone", annotations: { a: "1" }, expected: { a: "1" } },
  ])("$name", ({ annotations, expected }) => {
    const out = sanitizeObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations } });
    expect(out.metadata.annotations).toEqual(expected);
  });

  it.each([
    {
      name: "an object without metadata",
      input: { apiVersion: "v1", kind: "List", items: [] },
      expected: { apiVersion: "v1", kind: "List", items: [] },
    },
    {
      name: "metadata that is not an object",
      input: { kind: "X", metadata: null },
      expected: { kind: "X", metadata: null },
    },
    {
      name: "annotations that are not an object",
      input: { kind: "X", metadata: { annotations: null, uid: "u" } },
      expected: { kind: "X", metadata: { annotations: null } },
    },
  ])("tolerates $name", ({ input, expected }) => {
    expect(sanitizeObject(input)).toEqual(expected);
  });

  it("never mutates its input (works on a deep-frozen object)", () => {
    const input = deepFreeze(liveDeployment());
    const before = JSON.stringify(input);
    const out = sanitizeObject(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(out).not.toBe(input);
    expect(out.metadata).not.toBe(input.metadata);
  });

  it("is idempotent (safe to run again at restore)", () => {
    const once = sanitizeObject(liveDeployment());
    expect(sanitizeObject(once)).toEqual(once);
  });

  it("produces exactly the re-appliable object", () => {
    expect(sanitizeObject(liveDeployment())).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web",
        namespace: "prod",
        generateName: "web-",
        labels: { app: "web" },
        annotations: { "deployment.kubernetes.io/revision": "3" },
        finalizers: ["example.com/cleanup"],
        ownerReferences: [{ apiVersion: "example.com/v1", kind: "App", name: "web", uid: "u-1", controller: true }],
      },
      spec: { replicas: 2, template: { metadata: { labels: { app: "web" }, creationTimestamp: null } } },
    });
  });
});

describe("copy semantics", () => {
  it("sanitizeObject returns a deep copy: mutating it leaves the input alone", () => {
    const input = liveDeployment();
    const out = deepSanitize(input);
    out.spec.replicas = 9;
    out.metadata.labels.app = "changed";
    expect(input.spec.replicas).toBe(2);
    expect(input.metadata.labels.app).toBe("web");
  });

  it("sanitizedView shares every subtree it does not change, and copies the ones it does", () => {
    const input = liveDeployment();
    const view = sanitizedView(input);
    expect(view.spec).toBe(input.spec);
    expect(view.metadata.labels).toBe(input.metadata.labels);
    expect(view.metadata.ownerReferences).toBe(input.metadata.ownerReferences);
    expect(view.metadata).not.toBe(input.metadata);
    expect(view.metadata.annotations).not.toBe(input.metadata.annotations);
    expect(input.metadata.uid).toBe("5f0c-uid");
    expect(input.metadata.annotations).toHaveProperty(["kubectl.kubernetes.io/last-applied-configuration"]);
  });

  it("both keep the key order of the input (YAML files start with apiVersion and kind)", () => {
    const order = (o: object) => JSON.stringify(o);
    expect(order(sanitizedView(liveDeployment()))).toBe(order(deepSanitize(liveDeployment())));
    expect(Object.keys(sanitizedView(liveDeployment()))).toEqual(["apiVersion", "kind", "metadata", "spec"]);
  });

  it("both put apiVersion and kind first when the input has them last (the collector sets them on LIST items)", () => {
    const { apiVersion, kind, ...rest } = liveDeployment();
    const listed = { ...rest, apiVersion, kind };
    expect(Object.keys(sanitizedView(listed))).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(Object.keys(deepSanitize(listed))).toEqual(["apiVersion", "kind", "metadata", "spec"]);
  });
});
