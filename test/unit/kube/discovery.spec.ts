/** API discovery (preferred versions, subresources folded, broken groups reported) and request retries. */
import { describe, expect, it } from "vitest";
import { KubernetesError } from "../../../provider/errors";
import {
  apiVersionOf,
  collectionPath,
  discoverResources,
  KubeHttpError,
  MAX_ATTEMPTS,
  retryDelayMs,
  type KubeReader,
} from "../../../provider/kube/discovery";

const reader: KubeReader = {
  async getJson<T>(path: string): Promise<T> {
    const answers: Record<string, unknown> = {
      "/apis": {
        groups: [
          { name: "apps", preferredVersion: { version: "v1" }, versions: [{ version: "v1" }] },
          {
            name: "example.com",
            preferredVersion: { version: "v2" },
            versions: [{ version: "v2" }, { version: "v1" }],
          },
          { name: "metrics.k8s.io", preferredVersion: { version: "v1beta1" } },
        ],
      },
      "/api/v1": {
        resources: [
          { name: "pods", kind: "Pod", namespaced: true, verbs: ["get", "list"] },
          { name: "pods/status", kind: "Pod", namespaced: true, verbs: ["get"] },
          { name: "pods/log", kind: "Pod", namespaced: true, verbs: ["get"] },
          { name: "configmaps", kind: "ConfigMap", namespaced: true, verbs: ["get", "list"] },
        ],
      },
      "/apis/apps/v1": {
        resources: [
          { name: "deployments", kind: "Deployment", namespaced: true, verbs: ["list", "get"] },
          { name: "deployments/status", kind: "Deployment", namespaced: true },
        ],
      },
      "/apis/example.com/v2": {
        resources: [{ name: "widgets", kind: "Widget", namespaced: true, verbs: ["list", "get"] }],
      },
    };
    if (path in answers) return answers[path] as T;
    throw new KubeHttpError(503, path, { message: "the server is currently unable to handle the request" });
  },
};

describe("discoverResources", () => {
  it("reads the preferred version of every group, folds subresources, and reports groups it cannot read", async () => {
    const d = await discoverResources(reader);
    expect(d.resources.map((r) => [apiVersionOf(r), r.resource, r.hasStatusSubresource])).toEqual([
      ["v1", "pods", true],
      ["v1", "configmaps", false],
      ["apps/v1", "deployments", true],
      ["example.com/v2", "widgets", false],
    ]);
    expect(d.failedGroups).toEqual([{ group: "metrics.k8s.io", reason: expect.stringContaining("HTTP 503") }]);
  });
  it("builds collection paths", () => {
    expect(collectionPath({ group: "", version: "v1", resource: "secrets" }, "prod")).toBe(
      "/api/v1/namespaces/prod/secrets",
    );
    expect(collectionPath({ group: "apps", version: "v1", resource: "deployments" })).toBe("/apis/apps/v1/deployments");
  });
});

describe("retryDelayMs", () => {
  it.each([
    { name: "429 (a new CRD's storage initializing)", err: new KubeHttpError(429, "/p", {}), attempt: 1, want: 250 },
    { name: "503 backs off exponentially", err: new KubeHttpError(503, "/p", {}), attempt: 3, want: 1000 },
    {
      name: "Retry-After is honoured, capped at 10s",
      err: new KubeHttpError(429, "/p", {}, 30),
      attempt: 1,
      want: 10_000,
    },
    { name: "a connection error", err: new KubernetesError("GET /p: ECONNRESET"), attempt: 2, want: 500 },
    { name: "403 is final", err: new KubeHttpError(403, "/p", {}), attempt: 1, want: undefined },
    { name: "404 is final", err: new KubeHttpError(404, "/p", {}), attempt: 1, want: undefined },
    {
      name: "gives up after MAX_ATTEMPTS",
      err: new KubeHttpError(503, "/p", {}),
      attempt: MAX_ATTEMPTS,
      want: undefined,
    },
    { name: "other errors are final", err: new Error("bug"), attempt: 1, want: undefined },
  ])("$name", ({ err, attempt, want }) => {
    expect(retryDelayMs(err, attempt)).toBe(want);
  });
});
