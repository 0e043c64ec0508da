import { describe, expect, it } from "vitest";
import { groupResourceKey, type GroupResource } from "../../../../provider/format/archive-paths";
import { HIGH_PRIORITY_TIERS, LOW_PRIORITY_TIERS, orderForRestore } from "../../../../provider/engine/restore/order";

const gr = (key: string): GroupResource => {
  const dot = key.indexOf(".");
  return dot < 0 ? { group: "", resource: key } : { group: key.slice(dot + 1), resource: key.slice(0, dot) };
};
const keys = (tiers: GroupResource[][]): string[][] => tiers.map((t) => t.map(groupResourceKey));

/** Every type in the table, with the index of the tier it must land in when all are present. */
const TABLE = [...HIGH_PRIORITY_TIERS, ...LOW_PRIORITY_TIERS];

describe("the restore priority table", () => {
  it("lists every type once, and every tier says why", () => {
    const all = TABLE.flatMap((t) => t.resources);
    expect(new Set(all).size).toBe(all.length);
    for (const tier of TABLE) {
      expect(tier.resources.length).toBeGreaterThan(0);
      expect(tier.why.length).toBeGreaterThan(20);
    }
  });

  it("keys are canonical group-resource keys", () => {
    for (const key of TABLE.flatMap((t) => t.resources)) expect(groupResourceKey(gr(key))).toBe(key);
  });

  it("puts the design's order first to last", () => {
    const order = [
      "customresourcedefinitions.apiextensions.k8s.io",
      "namespaces",
      "storageclasses.storage.k8s.io",
      "volumesnapshotclasses.snapshot.storage.k8s.io",
      "volumesnapshotcontents.snapshot.storage.k8s.io",
      "volumesnapshots.snapshot.storage.k8s.io",
      "persistentvolumes",
      "persistentvolumeclaims",
      "serviceaccounts",
      "secrets",
      "roles.rbac.authorization.k8s.io",
      "rolebindings.rbac.authorization.k8s.io",
      "limitranges",
      "services",
      "deployments.apps",
      "ingresses.networking.k8s.io",
    ];
    const tierOf = (k: string) => TABLE.findIndex((t) => t.resources.includes(k));
    const indices = order.map(tierOf);
    expect(indices.every((i) => i >= 0)).toBe(true);
    expect([...indices].sort((a, b) => a - b)).toEqual(indices);
    expect(new Set(indices).size).toBe(indices.length);
  });
});

describe("orderForRestore", () => {
  // Each known type, alone with one unknown type, lands in a tier before (high) or after (low) it.
  it.each(HIGH_PRIORITY_TIERS.flatMap((t) => t.resources.map((key) => ({ key }))))(
    "puts $key before types not in the table",
    ({ key }) => {
      expect(keys(orderForRestore([gr("widgets.example.com"), gr(key)]))).toEqual([[key], ["widgets.example.com"]]);
    },
  );

  it.each(LOW_PRIORITY_TIERS.flatMap((t) => t.resources.map((key) => ({ key }))))(
    "puts $key after types not in the table",
    ({ key }) => {
      expect(keys(orderForRestore([gr(key), gr("widgets.example.com")]))).toEqual([["widgets.example.com"], [key]]);
    },
  );

  it("with every table type present, returns exactly the table's tiers, each sorted", () => {
    const all = TABLE.flatMap((t) => t.resources)
      .reverse()
      .map(gr);
    expect(keys(orderForRestore(all))).toEqual(TABLE.map((t) => [...t.resources].sort()));
  });

  it.each([
    { name: "an empty input", input: [], expected: [] },
    {
      name: "a typical namespace backup",
      input: [
        "services",
        "deployments.apps",
        "configmaps",
        "secrets",
        "serviceaccounts",
        "persistentvolumeclaims",
        "ingresses.networking.k8s.io",
        "horizontalpodautoscalers.autoscaling",
      ],
      expected: [
        ["persistentvolumeclaims"],
        ["serviceaccounts"],
        ["configmaps", "secrets"],
        ["services"],
        ["deployments.apps"],
        ["ingresses.networking.k8s.io"],
        ["horizontalpodautoscalers.autoscaling"],
      ],
    },
    {
      name: "the rest in one tier, sorted by key",
      input: ["widgets.example.com", "poddisruptionbudgets.policy", "certificates.cert-manager.io", "events"],
      expected: [["certificates.cert-manager.io", "events", "poddisruptionbudgets.policy", "widgets.example.com"]],
    },
    {
      name: "duplicates",
      input: ["secrets", "secrets", "configmaps", "secrets"],
      expected: [["configmaps", "secrets"]],
    },
    {
      name: "a same-named resource in another group, which is not the table's type",
      input: ["deployments.example.com", "deployments.apps", "secrets.vault.example.com"],
      expected: [["deployments.apps"], ["deployments.example.com", "secrets.vault.example.com"]],
    },
    {
      name: "custom resources with their CRDs and webhooks",
      input: [
        "widgets.example.com",
        "validatingwebhookconfigurations.admissionregistration.k8s.io",
        "customresourcedefinitions.apiextensions.k8s.io",
        "namespaces",
      ],
      expected: [
        ["customresourcedefinitions.apiextensions.k8s.io"],
        ["namespaces"],
        ["widgets.example.com"],
        ["validatingwebhookconfigurations.admissionregistration.k8s.io"],
      ],
    },
  ])("orders $name", ({ input, expected }) => {
    expect(keys(orderForRestore(input.map(gr)))).toEqual(expected);
  });

  it("does not mutate or alias its input", () => {
    const input = Object.freeze([Object.freeze({ group: "", resource: "secrets" })]);
    const out = orderForRestore(input);
    expect(out).toEqual([[{ group: "", resource: "secrets" }]]);
    expect(out[0]?.[0]).not.toBe(input[0]);
  });
});
