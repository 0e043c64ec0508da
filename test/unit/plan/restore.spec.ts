import { describe, expect, it } from "vitest";
import { generateIdentity } from "../../../provider/engine/archive/encrypt";
import { UNKNOWN } from "../../../provider/kinds";
import { restoreHandler } from "../../../provider/handlers/restore";
import { checkRestore, diffRestore, MAX_RESTORE_NAME_LENGTH } from "../../../provider/plan/restore";
import type { RestoreInputs } from "../../../provider/types";

const base: Partial<RestoreInputs> = {
  resourceKind: "Restore",
  restoreName: "staging-clone",
  backupName: "pre-migration",
};

describe("checkRestore: defaults", () => {
  it("fills defaults and keeps given values", () => {
    const { inputs, failures } = checkRestore({ ...base, namespaceMapping: { production: "staging" } });
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      resourceKind: "Restore",
      restoreName: "staging-clone",
      backupName: "pre-migration",
      namespace: "hks-system",
      existingResourcePolicy: "none",
      restoreVolumes: false,
      preserveNodePorts: false,
      cleanupOnDelete: true,
      namespaceMapping: { production: "staging" },
    });
    expect(inputs).not.toHaveProperty("selector");
  });

  it("normalises a label-map selector to its string form", () => {
    expect(checkRestore({ ...base, selector: { tier: "db", app: "postgres" } as never }).inputs.selector).toBe(
      "app=postgres,tier=db",
    );
    expect(checkRestore({ ...base, selector: "app in (a,b)" }).inputs.selector).toBe("app in (a,b)");
  });

  it("accepts plan + latest instead of a backup", () => {
    expect(
      checkRestore({ resourceKind: "Restore", restoreName: "r", plan: "production-db-daily", latest: true }).failures,
    ).toEqual([]);
  });

  it("accepts a valid identity and patches", async () => {
    const { identity } = await generateIdentity();
    const { failures } = checkRestore({
      ...base,
      identity: `# created by age-keygen\n${identity}\n`,
      patches: [{ group: "apps", kind: "Deployment", patch: [{ op: "replace", path: "/spec/replicas", value: 1 }] }],
    });
    expect(failures).toEqual([]);
  });
});

describe("checkRestore: bad inputs name their field", () => {
  it.each([
    {
      name: "no backup and no plan",
      inputs: { resourceKind: "Restore", restoreName: "r" },
      property: "backup",
      reason: /is required: a Backup resource or a backup name, or plan \+ latest/,
    },
    {
      name: "both backup and plan",
      inputs: { ...base, plan: "p", latest: true },
      property: "plan",
      reason: /either backup or plan \+ latest, not both/,
    },
    {
      name: "plan without latest",
      inputs: { resourceKind: "Restore", restoreName: "r", plan: "p" },
      property: "latest",
      reason: /must be true with plan/,
    },
    {
      name: "latest without plan",
      inputs: { ...base, latest: true },
      property: "plan",
      reason: /is required with latest: true/,
    },
    {
      name: "missing restore name",
      inputs: { resourceKind: "Restore", backupName: "b" },
      property: "restoreName",
      reason: /is required/,
    },
    {
      name: "restore name too long",
      inputs: { ...base, restoreName: "a".repeat(MAX_RESTORE_NAME_LENGTH + 1) },
      property: "restoreName",
      reason: /characters long; the limit is 241/,
    },
    {
      name: "upper-case backup name",
      inputs: { ...base, backupName: "Pre" },
      property: "backup",
      reason: /not a DNS-1123 name/,
    },
    {
      name: "backup name with '/'",
      inputs: { ...base, backupName: "a/b" },
      property: "backup",
      reason: /contains '\/'/,
    },
    {
      name: "bad storage location",
      inputs: { ...base, storageLocation: "S3_main" },
      property: "storageLocation",
      reason: /DNS-1123 label/,
    },
    { name: "bad namespace", inputs: { ...base, namespace: "-x" }, property: "namespace", reason: /DNS-1123 label/ },
    {
      name: "mapping not a map",
      inputs: { ...base, namespaceMapping: ["a:b"] as never },
      property: "namespaceMapping",
      reason: /must be a map of source to target namespaces/,
    },
    {
      name: "mapping to a bad name",
      inputs: { ...base, namespaceMapping: { production: "Staging" } },
      property: "namespaceMapping.production",
      reason: /target namespace must be a DNS-1123 label/,
    },
    {
      name: "mapping from a bad name",
      inputs: { ...base, namespaceMapping: { prod_1: "staging" } },
      property: "namespaceMapping.prod_1",
      reason: /source namespace \(the key\)/,
    },
    {
      name: "two sources into one target",
      inputs: { ...base, namespaceMapping: { a: "t", b: "t" } },
      property: "namespaceMapping.b",
      reason: /a and b both map to t/,
    },
    {
      name: "includeNamespaces not a list",
      inputs: { ...base, includeNamespaces: "prod" as never },
      property: "includeNamespaces",
      reason: /must be a list of strings/,
    },
    {
      name: "includeNamespaces bad entry",
      inputs: { ...base, includeNamespaces: ["ok", "Bad"] },
      property: "includeNamespaces[1]",
      reason: /DNS-1123 label/,
    },
    {
      name: "includeResources a Kind",
      inputs: { ...base, includeResources: ["Deployment"] },
      property: "includeResources[0]",
      reason: /lowercase plural resource/,
    },
    {
      name: "excludeResources bad entry",
      inputs: { ...base, excludeResources: ["secrets", "a b"] },
      property: "excludeResources[1]",
      reason: /lowercase plural resource/,
    },
    {
      name: "bad selector string",
      inputs: { ...base, selector: "app=web," },
      property: "selector",
      reason: /empty requirement/,
    },
    {
      name: "bad selector map value",
      inputs: { ...base, selector: { app: "a b" } as never },
      property: "selector.app",
      reason: /not a valid label value/,
    },
    {
      name: "unknown policy",
      inputs: { ...base, existingResourcePolicy: "overwrite" as never },
      property: "existingResourcePolicy",
      reason: /must be one of "none", "update", got "overwrite"/,
    },
    {
      name: "unknown volumeSource",
      inputs: { ...base, restoreVolumes: true, volumeSource: "tape" as never },
      property: "volumeSource",
      reason: /must be one of "auto", "snapshot", "volume-data", got "tape"/,
    },
    {
      name: "volumeSource without restoreVolumes",
      inputs: { ...base, volumeSource: "volume-data" as const },
      property: "volumeSource",
      reason: /is set but restoreVolumes is not true/,
    },
    {
      name: "restoreVolumes not boolean",
      inputs: { ...base, restoreVolumes: "yes" as never },
      property: "restoreVolumes",
      reason: /true or false/,
    },
    {
      name: "cleanupOnDelete not boolean",
      inputs: { ...base, cleanupOnDelete: 1 as never },
      property: "cleanupOnDelete",
      reason: /true or false/,
    },
    {
      name: "patches not a list",
      inputs: { ...base, patches: {} as never },
      property: "patches",
      reason: /must be a list/,
    },
    {
      name: "patch without group",
      inputs: { ...base, patches: [{ kind: "Deployment", patch: [] }] as never },
      property: "patches[0].group",
      reason: /is required: the API group/,
    },
    {
      name: "patch with a lowercase kind",
      inputs: { ...base, patches: [{ group: "apps", kind: "deployment", patch: [] }] },
      property: "patches[0].kind",
      reason: /CamelCase/,
    },
    {
      name: "patch with a bad op",
      inputs: {
        ...base,
        patches: [{ group: "apps", kind: "Deployment", patch: [{ op: "merge", path: "/a" }] }] as never,
      },
      property: "patches[0].patch",
      reason: /\[0\]\.op must be one of/,
    },
    {
      name: "patch with a bad pointer",
      inputs: {
        ...base,
        patches: [{ group: "", kind: "ConfigMap", patch: [{ op: "remove", path: "data" }] }] as never,
      },
      property: "patches[0].patch",
      reason: /must be "" or start with "\/"/,
    },
    {
      name: "identity that is a recipient",
      inputs: { ...base, identity: "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p" },
      property: "identity",
      reason: /identity line 1: is not an X25519 age identity .*public recipient/,
    },
    {
      name: "identity that is empty of keys",
      inputs: { ...base, identity: "# nothing\n" },
      property: "identity",
      reason: /holds no identities/,
    },
  ])("$name → $property", ({ inputs, property, reason }) => {
    const { failures } = checkRestore(inputs as Partial<RestoreInputs>);
    const f = failures.find((x) => x.property === property);
    expect(f, JSON.stringify(failures)).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });

  it("never echoes a damaged identity", () => {
    const secret = "AGE-SECRET-KEY-1" + "Q".repeat(58);
    const { failures } = checkRestore({ ...base, identity: secret });
    expect(failures.map((f) => f.property)).toEqual(["identity"]);
    expect(JSON.stringify(failures)).not.toContain(secret);
  });

  it("tolerates unknown values during preview", () => {
    const { failures } = checkRestore({
      resourceKind: "Restore",
      restoreName: "r",
      backupName: UNKNOWN,
      storageLocation: UNKNOWN,
      namespace: UNKNOWN,
      namespaceMapping: { production: UNKNOWN },
      includeResources: [UNKNOWN],
      selector: { app: UNKNOWN } as never,
      identity: UNKNOWN,
      kubeconfig: UNKNOWN,
      patches: [{ group: "apps", kind: "Deployment", patch: UNKNOWN as never }],
    });
    expect(failures).toEqual([]);
  });
});

describe("diffRestore", () => {
  const olds = checkRestore({
    ...base,
    namespaceMapping: { production: "staging" },
    kubeconfig: "k1",
    identity: undefined,
  }).inputs;

  it.each([
    { name: "nothing changed", news: {}, changes: false, replaces: [] },
    // Issue 15: the result record's owner and adopt never re-run a restore.
    {
      name: "another owner",
      news: { owner: "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:Restore::x" },
      changes: true,
      replaces: [],
    },
    { name: "adopt", news: { adopt: true }, changes: true, replaces: [] },
    { name: "another backup", news: { backupName: "other" }, changes: true, replaces: ["backupName"] },
    {
      name: "another mapping",
      news: { namespaceMapping: { production: "qa" } },
      changes: true,
      replaces: ["namespaceMapping"],
    },
    {
      name: "another policy",
      news: { existingResourcePolicy: "update" as const },
      changes: true,
      replaces: ["existingResourcePolicy"],
    },
    { name: "another context (another cluster)", news: { context: "other" }, changes: true, replaces: ["context"] },
    { name: "a rotated kubeconfig", news: { kubeconfig: "k2" }, changes: true, replaces: [] },
    { name: "a new identity", news: { identity: "AGE-SECRET-KEY-1..." }, changes: true, replaces: [] },
    { name: "cleanupOnDelete off", news: { cleanupOnDelete: false }, changes: true, replaces: [] },
    {
      name: "an unknown backup (its Backup is being replaced)",
      news: { backupName: UNKNOWN },
      changes: true,
      replaces: ["backupName"],
    },
  ])("$name", ({ news, changes, replaces }) => {
    const d = diffRestore(olds, { ...olds, ...news });
    expect(d.changes).toBe(changes);
    expect(d.replaces).toEqual(replaces);
  });

  it("with plan + latest, the picked backup in the old outputs is not a change", () => {
    const planned = checkRestore({ resourceKind: "Restore", restoreName: "r", plan: "p", latest: true }).inputs;
    const oldOutputs = { ...planned, backupName: "p-20260101020000" };
    expect(diffRestore(oldOutputs, planned)).toEqual({ changes: false, replaces: [], changed: [] });
    expect(diffRestore(oldOutputs, { ...planned, plan: "q" }).replaces).toEqual(["plan"]);
  });
});

describe("restoreHandler check/diff (what the provider returns to Pulumi)", () => {
  it("check returns defaulted inputs and field-named failures", async () => {
    const ok = await restoreHandler.check({}, { ...base });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs).toMatchObject({ existingResourcePolicy: "none", cleanupOnDelete: true });
    const bad = await restoreHandler.check({}, { ...base, existingResourcePolicy: "merge" as never });
    expect(bad.failures).toEqual([
      { property: "existingResourcePolicy", reason: 'must be one of "none", "update", got "merge"' },
    ]);
  });

  it("diff replaces, deleting the old restore first", async () => {
    const olds = checkRestore(base).inputs;
    const d = await restoreHandler.diff("id", olds as never, { ...olds, namespaceMapping: { a: "b" } });
    expect(d).toEqual({ changes: true, replaces: ["namespaceMapping"], deleteBeforeReplace: true });
  });
});
