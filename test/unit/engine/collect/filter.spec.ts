/** What a backup includes: resource type patterns, namespaces, the opt-out label, list scopes. */
import { describe, expect, it } from "vitest";
import {
  EXCLUDE_LABEL,
  isNamespaceIncluded,
  isOptedOut,
  isResourceIncluded,
  listScopes,
  resourceMatches,
  selectBackupResources,
} from "../../../../provider/engine/collect/filter";
import { parseResourcePatterns, targetProblem } from "../../../../provider/format/backup-target";
import type { ApiResource } from "../../../../provider/kube/discovery";

const res = (group: string, resource: string, o: Partial<ApiResource> = {}): ApiResource => ({
  group,
  version: "v1",
  resource,
  kind: resource,
  namespaced: true,
  verbs: ["get", "list", "watch"],
  hasStatusSubresource: false,
  ...o,
});

describe("resource type patterns", () => {
  it.each([
    { name: "plural matches the core group", p: "configmaps", g: "", r: "configmaps", want: true },
    { name: "plural matches any group", p: "deployments", g: "apps", r: "deployments", want: true },
    { name: "resource.group matches exactly", p: "deployments.apps", g: "apps", r: "deployments", want: true },
    {
      name: "resource.group does not match another group",
      p: "deployments.apps",
      g: "extensions",
      r: "deployments",
      want: false,
    },
    { name: "a CRD's plural.group", p: "widgets.example.com", g: "example.com", r: "widgets", want: true },
    { name: "wildcard", p: "*", g: "x.io", r: "things", want: true },
    { name: "a different plural", p: "secrets", g: "", r: "configmaps", want: false },
  ])("$name", ({ p, g, r, want }) => {
    expect(resourceMatches(p, { group: g, resource: r })).toBe(want);
  });

  it("include then exclude", () => {
    const t = { includeResources: ["configmaps", "secrets"], excludeResources: ["secrets"] };
    expect(isResourceIncluded({ group: "", resource: "configmaps" }, t)).toBe(true);
    expect(isResourceIncluded({ group: "", resource: "secrets" }, t)).toBe(false);
    expect(isResourceIncluded({ group: "apps", resource: "deployments" }, t)).toBe(false);
    expect(isResourceIncluded({ group: "apps", resource: "deployments" }, {})).toBe(true);
  });

  it("validates patterns and names the element", () => {
    expect(parseResourcePatterns(["configmaps", "deployments.apps", "*"], "f")).toEqual([
      "configmaps",
      "deployments.apps",
      "*",
    ]);
    expect(() => parseResourcePatterns(["configmaps", "Deployments"], "target.includeResources")).toThrow(
      /target\.includeResources\[1\]: "Deployments" is not a resource type/,
    );
    expect(() => parseResourcePatterns([3], "f")).toThrow(/f\[0\]/);
  });
});

describe("selectBackupResources", () => {
  it("keeps listable namespaced types, drops events and cluster-scoped types, applies filters, sorts", () => {
    const discovered = [
      res("apps", "deployments"),
      res("", "configmaps"),
      res("", "events"),
      res("events.k8s.io", "events"),
      res("", "namespaces", { namespaced: false }),
      res("", "bindings", { verbs: ["create"] }),
      res("authorization.k8s.io", "localsubjectaccessreviews", { verbs: ["create"] }),
      res("", "secrets"),
    ];
    const { selected, skipped } = selectBackupResources(discovered, {
      namespaces: ["a"],
      excludeResources: ["secrets"],
    });
    expect(selected.map((r) => r.resource)).toEqual(["configmaps", "deployments"]);
    expect(skipped).toEqual([
      { resource: "events", reason: "never backed up (events)" },
      { resource: "events.events.k8s.io", reason: "never backed up (events)" },
      { resource: "bindings", reason: "not listable" },
      { resource: "localsubjectaccessreviews.authorization.k8s.io", reason: "not listable" },
      { resource: "secrets", reason: "excluded by includeResources/excludeResources" },
    ]);
  });
});

describe("namespaces and objects", () => {
  it("includes listed namespaces, all when none or '*', minus excluded ones", () => {
    expect(isNamespaceIncluded("a", { namespaces: ["a", "b"] })).toBe(true);
    expect(isNamespaceIncluded("c", { namespaces: ["a", "b"] })).toBe(false);
    expect(isNamespaceIncluded("c", { namespaces: [] })).toBe(true);
    expect(isNamespaceIncluded("c", { namespaces: ["*"], excludeNamespaces: ["c"] })).toBe(false);
  });
  it("lists per namespace, or cluster-wide for selector-only and '*'", () => {
    expect(listScopes({ namespaces: ["b", "a", "b", "x"], excludeNamespaces: ["x"] })).toEqual(["a", "b"]);
    expect(listScopes({ namespaces: [] })).toEqual([undefined]);
    expect(listScopes({ namespaces: ["*", "a"] })).toEqual([undefined]);
  });
  it("honours the opt-out label only with the value true", () => {
    expect(isOptedOut({ metadata: { labels: { [EXCLUDE_LABEL]: "true" } } })).toBe(true);
    expect(isOptedOut({ metadata: { labels: { [EXCLUDE_LABEL]: "false" } } })).toBe(false);
    expect(isOptedOut({ metadata: {} })).toBe(false);
  });
  it("requires namespaces or a selector", () => {
    expect(targetProblem({ namespaces: [] })).toMatch(/names nothing to back up/);
    expect(targetProblem({ namespaces: [], selector: "a=b" })).toBeUndefined();
    expect(targetProblem({ namespaces: ["x"] })).toBeUndefined();
  });
});
