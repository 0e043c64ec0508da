/**
 * Backup check (field-named failures, defaults, unknowns; a target or a plan) and diff (every change
 * replaces). The request of a backup taken from a plan: test/unit/prepare/backup.spec.ts.
 */
import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../../provider/kinds";
import { BACKUP_INPUT_KEYS, checkBackup, diffBackup } from "../../../provider/plan/backup";
import type { BackupInputs } from "../../../provider/types";

const base: Partial<BackupInputs> = {
  resourceKind: "Backup",
  resourceName: "pre-migration",
  target: { namespaces: ["production"] },
};
const fails = (over: Record<string, unknown>) => checkBackup({ ...base, ...over } as Partial<BackupInputs>).failures;

describe("checkBackup: bad inputs are named by field", () => {
  it.each([
    { name: "no target", over: { target: undefined }, property: "target", reason: /is required/ },
    { name: "target names nothing", over: { target: {} }, property: "target", reason: /names nothing to back up/ },
    { name: "target not an object", over: { target: "production" }, property: "target", reason: /must be an object/ },
    {
      name: "namespace and namespaces",
      over: { target: { namespace: "a", namespaces: ["b"] } },
      property: "target.namespace",
      reason: /not both/,
    },
    {
      name: "bad namespace",
      over: { target: { namespaces: ["ok", "Not_OK"] } },
      property: "target.namespaces[1]",
      reason: /DNS-1123 label/,
    },
    {
      name: "namespaces not a list",
      over: { target: { namespaces: "a,b" } },
      property: "target.namespaces",
      reason: /list of strings/,
    },
    {
      name: "'*' cannot be excluded",
      over: { target: { namespaces: ["*"], excludeNamespaces: ["*"] } },
      property: "target.excludeNamespaces[0]",
      reason: /DNS-1123/,
    },
    {
      name: "bad selector text",
      over: { target: { selector: "app in (a" } },
      property: "target.selector",
      reason: /no closing/,
    },
    {
      name: "bad selector map value",
      over: { target: { selector: { app: "has space" } } },
      property: "target.selector.app",
      reason: /not a valid label value/,
    },
    {
      name: "selector of wrong type",
      over: { target: { selector: 42 } },
      property: "target.selector",
      reason: /label map/,
    },
    {
      name: "bad resource type",
      over: { target: { namespaces: ["a"], includeResources: ["Deployments"] } },
      property: "target.includeResources[0]",
      reason: /lowercase plural/,
    },
    {
      name: "type both included and excluded",
      over: { target: { namespaces: ["a"], includeResources: ["secrets"], excludeResources: ["secrets"] } },
      property: "target.excludeResources",
      reason: /both included and excluded/,
    },
    {
      name: "snapshotVolumes not boolean",
      over: { target: { namespaces: ["a"], snapshotVolumes: "yes" } },
      property: "target.snapshotVolumes",
      reason: /true or false/,
    },
    {
      name: "class without snapshots",
      over: { target: { namespaces: ["a"], volumeSnapshotClass: "csi" } },
      property: "target.volumeSnapshotClass",
      reason: /snapshotVolumes is not true/,
    },
    {
      name: "bad class name",
      over: { target: { namespaces: ["a"], snapshotVolumes: true, volumeSnapshotClass: "Bad Class" } },
      property: "target.volumeSnapshotClass",
      reason: /VolumeSnapshotClass name/,
    },
    { name: "bad given name", over: { requestedName: "Nightly/1" }, property: "name", reason: /contains '\/'/ },
    { name: "bad plan name", over: { plan: "Daily Plan" }, property: "plan", reason: /DNS-1123/ },
    {
      name: "bad location name",
      over: { storageLocation: "S3 Main" },
      property: "storageLocation",
      reason: /DNS-1123 label/,
    },
    {
      name: "bad location namespace",
      over: { locationNamespace: "-x" },
      property: "locationNamespace",
      reason: /DNS-1123 label/,
    },
    {
      name: "bad label",
      over: { labels: { "bad key": "v" } },
      property: "labels.bad key",
      reason: /not a valid label key/,
    },
    {
      name: "snapshot timeout too small",
      over: { snapshotTimeoutSeconds: 0 },
      property: "snapshotTimeoutSeconds",
      reason: /from 1 to 86400 \(seconds\)/,
    },
    {
      name: "snapshot timeout fractional",
      over: { snapshotTimeoutSeconds: 1.5 },
      property: "snapshotTimeoutSeconds",
      reason: /whole number/,
    },
    {
      name: "deletion policy",
      over: { deletionPolicy: "Destroy" },
      property: "deletionPolicy",
      reason: /"Retain", "Delete"/,
    },
    { name: "hooks not an object", over: { hooks: [] }, property: "hooks", reason: /pre\?: \[\.\.\.\]/ },
    { name: "hook phase", over: { hooks: { during: [] } }, property: "hooks.during", reason: /use "pre" or "post"/ },
    {
      name: "hook without selector",
      over: { hooks: { pre: [{ container: "c", command: ["x"] }] } },
      property: "hooks.pre[0].selector",
      reason: /is required/,
    },
    {
      name: "hook without container",
      over: { hooks: { pre: [{ selector: "a=b", command: ["x"] }] } },
      property: "hooks.pre[0].container",
      reason: /is required/,
    },
    {
      name: "hook command not argv",
      over: { hooks: { post: [{ selector: "a=b", container: "c", command: "sync" }] } },
      property: "hooks.post[0].command",
      reason: /non-empty list of strings/,
    },
    {
      name: "hook empty command",
      over: { hooks: { post: [{ selector: "a=b", container: "c", command: [] }] } },
      property: "hooks.post[0].command",
      reason: /non-empty list/,
    },
    {
      name: "hook timeout",
      over: { hooks: { pre: [{ selector: "a=b", container: "c", command: ["x"], timeoutSeconds: 7200 }] } },
      property: "hooks.pre[0].timeoutSeconds",
      reason: /from 1 to 3600/,
    },
    {
      name: "hook onError",
      over: { hooks: { pre: [{ selector: "a=b", container: "c", command: ["x"], onError: "Ignore" }] } },
      property: "hooks.pre[0].onError",
      reason: /"Fail", "Continue"/,
    },
    {
      name: "kubeconfig not text",
      over: { kubeconfig: { clusters: [] } },
      property: "kubeconfig",
      reason: /content of a kubeconfig file/,
    },
    { name: "no resource name", over: { resourceName: undefined }, property: "resourceName", reason: /set by the SDK/ },
    {
      name: "volumeData without snapshots",
      over: { target: { namespaces: ["a"], volumeData: {} } },
      property: "target.volumeData",
      reason: /needs snapshotVolumes: true .*set it, or remove volumeData/,
    },
    {
      name: "volumeData not an object",
      over: { target: { namespaces: ["a"], snapshotVolumes: true, volumeData: true } },
      property: "target.volumeData",
      reason: /must be an object such as \{\}/,
    },
    {
      name: "volumeData unknown key",
      over: { target: { namespaces: ["a"], snapshotVolumes: true, volumeData: { storageClass: "fast" } } },
      property: "target.volumeData.storageClass",
      reason: /unknown/,
    },
    {
      name: "volumeData bad StorageClass name",
      over: {
        target: { namespaces: ["a"], snapshotVolumes: true, volumeData: { storageClasses: ["ok", "Bad_Name"] } },
      },
      property: "target.volumeData.storageClasses[1]",
      reason: /must be a StorageClass name/,
    },
    {
      name: "volumeData keepSnapshots not boolean",
      over: { target: { namespaces: ["a"], snapshotVolumes: true, volumeData: { keepSnapshots: "no" } } },
      property: "target.volumeData.keepSnapshots",
      reason: /true or false/,
    },
    {
      name: "volumeData bad selector",
      over: { target: { namespaces: ["a"], snapshotVolumes: true, volumeData: { selector: "tier in db" } } },
      property: "target.volumeData.selector",
      reason: /./,
    },
  ])("$name → $property", ({ over, property, reason }) => {
    const f = fails(over);
    expect(f.map((x) => x.property)).toContain(property);
    expect(f.find((x) => x.property === property)!.reason).toMatch(reason);
  });

  it("accepts the seed's shapes and applies defaults", () => {
    const { inputs, failures } = checkBackup({
      ...base,
      target: { namespace: "production", selector: { app: "postgres-db" } },
    });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      resourceKind: "Backup",
      resourceName: "pre-migration",
      locationNamespace: "hks-system",
      deletionPolicy: "Retain",
      target: { namespaces: ["production"], selector: "app=postgres-db" },
    });
    const sel = checkBackup({
      ...base,
      target: { selector: "app=mission-critical" },
      hooks: { pre: [{ selector: { app: "db" }, container: "pg", command: ["x"] }] },
    });
    expect(sel.failures).toEqual([]);
    expect(sel.inputs.hooks?.pre?.[0]?.selector).toBe("app=db");
  });

  it("normalises volumeData's selector and keeps its filters", () => {
    const { inputs, failures } = checkBackup({
      ...base,
      target: {
        namespaces: ["production"],
        snapshotVolumes: true,
        volumeData: { storageClasses: ["fast"], selector: { tier: "db" } as never },
      },
    });
    expect(failures).toEqual([]);
    expect(inputs.target?.volumeData).toEqual({ storageClasses: ["fast"], selector: "tier=db" });
  });

  it("tolerates unknowns during preview", () => {
    expect(checkBackup({ ...base, target: UNKNOWN as never }).failures).toEqual([]);
    expect(
      checkBackup({ ...base, storageLocation: UNKNOWN, target: { namespaces: [UNKNOWN, "b"], selector: UNKNOWN } })
        .failures,
    ).toEqual([]);
    expect(checkBackup({ ...base, target: { namespaces: UNKNOWN as never } }).failures).toEqual([]);
    expect(checkBackup({ ...base, hooks: { pre: [UNKNOWN as never] }, labels: { a: UNKNOWN } }).failures).toEqual([]);
  });
});

describe("checkBackup: a target or a plan", () => {
  it.each([
    { name: "neither", over: { target: undefined }, property: "target", reason: /is required: .*or give a plan/ },
    {
      name: "a plan with a bad name and no target",
      over: { target: undefined, plan: "Nightly_DB" },
      property: "plan",
      reason: /DNS-1123/,
    },
    {
      name: "a plan in a bad namespace",
      over: { target: undefined, plan: "nightly", planNamespace: "Hks_System" },
      property: "planNamespace",
      reason: /DNS-1123 label/,
    },
  ])("refuses $name → $property", ({ over, property, reason }) => {
    const f = fails(over);
    expect(f.map((x) => x.property)).toEqual([property]);
    expect(f[0]!.reason).toMatch(reason);
  });

  it("accepts a plan without a target: the target stays absent (create reads it from the plan)", () => {
    const { inputs, failures } = checkBackup({
      resourceKind: "Backup",
      resourceName: "pre-migration",
      plan: "production-db-daily",
    });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      resourceKind: "Backup",
      resourceName: "pre-migration",
      plan: "production-db-daily",
      locationNamespace: "hks-system",
      deletionPolicy: "Retain",
    });
  });

  it("accepts both: the target overrides the plan's, the plan is recorded", () => {
    const { inputs, failures } = checkBackup({ ...base, plan: "production-db-daily", planNamespace: "backups" });
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      plan: "production-db-daily",
      planNamespace: "backups",
      target: { namespaces: ["production"] },
    });
  });

  it("accepts an unknown plan (a BackupPlan resource during preview) without a target", () => {
    expect(
      checkBackup({
        resourceKind: "Backup",
        resourceName: "b",
        plan: UNKNOWN,
        planNamespace: UNKNOWN,
        locationNamespace: UNKNOWN,
      }).failures,
    ).toEqual([]);
  });
});

describe("diffBackup: a Backup is immutable", () => {
  const olds = checkBackup({ ...base, labels: { a: "1" } }).inputs;
  it("no change, key order ignored", () => {
    expect(diffBackup(olds, { ...olds, labels: { a: "1" } })).toEqual({ changes: false, replaces: [] });
  });
  it.each(BACKUP_INPUT_KEYS.map((k) => [k]))("a change of %s replaces", (key) => {
    const changed = {
      ...olds,
      [key]:
        key === "target"
          ? { namespaces: ["other"] }
          : key === "snapshotTimeoutSeconds"
            ? 5
            : key === "labels"
              ? { b: "2" }
              : key === "hooks"
                ? { pre: [] }
                : "changed",
    };
    expect(diffBackup(olds, changed as BackupInputs)).toEqual({ changes: true, replaces: [key] });
  });
  it("an unknown value counts as a change", () => {
    expect(diffBackup(olds, { ...olds, storageLocation: UNKNOWN }).replaces).toEqual(["storageLocation"]);
  });
});
