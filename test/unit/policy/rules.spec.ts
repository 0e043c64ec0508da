/**
 * Every policy rule called directly with hand-built resources (the PolicyPack itself is never
 * constructed in unit tests: it starts a gRPC server).
 */
import { describe, expect, it } from "vitest";
import { kindOf, RULES, withDefaults, type PolicyResource } from "../../../policy/rules";

const T = (kind: string) => `pulumi-nodejs:dynamic/hks:${kind}`;
const res = (kind: string, name: string, props: Record<string, unknown>): PolicyResource => ({
  type: T(kind),
  name,
  props: { resourceKind: kind, ...props },
});
const rule = (name: string) => {
  const r = RULES.find((x) => x.name === name);
  if (!r) throw new Error(`no rule ${name}`);
  return r;
};
const check = (name: string, r: PolicyResource, config?: object) =>
  rule(name).validateResource!(r, withDefaults(rule(name), config));

const S3 = { objectStorage: { bucket: "b", region: "us-east-1" } };
const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

describe("kindOf", () => {
  it("matches on the type token", () => expect(kindOf(res("Restore", "r", {}))).toBe("Restore"));
  it("falls back to resourceKind on generic dynamic tokens", () =>
    expect(kindOf({ type: "pulumi-nodejs:dynamic:Resource", name: "x", props: { resourceKind: "BackupPlan" } })).toBe(
      "BackupPlan",
    ));
  it("ignores other resources", () =>
    expect(kindOf({ type: "aws:s3/bucket:Bucket", name: "x", props: { resourceKind: "BackupPlan" } })).toBeUndefined());
});

describe("hks-location-encryption", () => {
  it.each([
    ["client-side recipients", { ...S3, encryption: { recipients: [RECIPIENT] } }, 0],
    ["server-side on S3", { ...S3, serverSideEncryption: { type: "SSE-S3" } }, 0],
    ["nothing", { ...S3 }, 1],
    ["SSE on nfs does not count", { nfs: { server: "h", path: "/p" }, serverSideEncryption: { type: "SSE-S3" } }, 1],
    ["read-only locations are exempt", { ...S3, accessMode: "ReadOnly" }, 0],
  ])("%s", (_n, props, violations) =>
    expect(check("hks-location-encryption", res("BackupStorageLocation", "loc", props))).toHaveLength(violations),
  );
  it("can require client-side encryption", () => {
    const v = check(
      "hks-location-encryption",
      res("BackupStorageLocation", "loc", { ...S3, serverSideEncryption: { type: "SSE-S3" } }),
      { allowServerSideEncryption: false },
    );
    expect(v[0]).toMatch(/encryption\.recipients/);
  });
});

describe("hks-retention-minimum", () => {
  it.each([
    ["seed policy", { daily: 7, weekly: 4, monthly: 6 }, undefined, 0],
    ["too few dailies", { daily: 3 }, undefined, 1],
    ["no daily rule", { last: 30 }, undefined, 1],
    ["configured weekly minimum", { daily: 7, weekly: 2 }, { weekly: 4 }, 1],
  ])("%s", (_n, retention, config, violations) => {
    const v = check("hks-retention-minimum", res("BackupPlan", "p", { retention }), config);
    expect(v).toHaveLength(violations);
    if (violations) expect(v[0]).toMatch(/set retention\.\w+: \d+/);
  });
  it("is quiet while retention is unknown (preview)", () =>
    expect(check("hks-retention-minimum", res("BackupPlan", "p", {}))).toEqual([]));
});

describe("hks-schedule", () => {
  const plan = (cron: string, timeZone = "UTC") => res("BackupPlan", "p", { schedule: { cron, timeZone } });
  it.each([
    ["daily", "0 2 * * *", 0],
    ["hourly", "0 * * * *", 0],
    ["every 5 minutes", "*/5 * * * *", 1],
    ["invalid", "every day", 1],
    ["seconds field", "0 0 2 * * *", 1],
  ])("%s", (_n, cron, violations) => expect(check("hks-schedule", plan(cron))).toHaveLength(violations));
  it("honours a configured interval", () =>
    expect(check("hks-schedule", plan("0 */2 * * *"), { minIntervalMinutes: 180 })[0]).toMatch(/every 120 minute/));
  it("names a bad time zone", () =>
    expect(check("hks-schedule", plan("0 2 * * *", "Mars/Olympus"))[0]).toMatch(/Mars\/Olympus/));
});

describe("hks-required-labels", () => {
  it("is off without a configured list", () =>
    expect(check("hks-required-labels", res("BackupPlan", "p", {}))).toEqual([]));
  it("lists the missing labels", () => {
    const v = check("hks-required-labels", res("Backup", "b", { labels: { team: "db" } }), {
      labels: ["team", "env", "owner"],
    });
    expect(v[0]).toMatch(/env, owner/);
  });
});

describe("hks-database-hooks", () => {
  it.each([
    ["postgres selector without hooks", { target: { selector: { app: "postgres-db" } } }, 1],
    [
      "postgres selector with a pre hook",
      { target: { selector: { app: "postgres-db" } }, hooks: { pre: [{ container: "pg", command: ["psql"] }] } },
      0,
    ],
    ["string selector", { target: { selector: "app=redis-cache" } }, 1],
    ["web app", { target: { selector: { app: "web" } } }, 0],
    ["label says mysql", { target: { namespace: "x" }, labels: { tier: "mysql" } }, 1],
    [
      "hooks declared on the pods",
      { target: { selector: { app: "postgres-db" } }, labels: { "hks.io/hooks": "pod-annotations" } },
      0,
    ],
  ])("%s", (_n, props, violations) =>
    expect(check("hks-database-hooks", res("BackupPlan", "p", props))).toHaveLength(violations),
  );
});

describe("hks-protected-namespaces", () => {
  it.each([
    ["clone into staging", { namespaceMapping: { production: "staging" } }, undefined, 0],
    ["into production", { namespaceMapping: { staging: "production" } }, undefined, 1],
    ["into prod-eu by glob", { namespaceMapping: { a: "prod-eu" } }, undefined, 1],
    ["in place into production", { includeNamespaces: ["production"] }, undefined, 1],
    ["allowed explicitly", { namespaceMapping: { a: "prod-eu" } }, { allow: ["prod-eu"] }, 0],
    ["no mapping at all", {}, undefined, 1],
    ["no mapping, not required", {}, { requireMapping: false }, 0],
  ])("%s", (_n, props, config, violations) =>
    expect(check("hks-protected-namespaces", res("Restore", "r", props), config)).toHaveLength(violations),
  );
});

describe("hks-compliance-object-lock", () => {
  it.each([
    ["untagged", { ...S3 }, undefined, 0],
    ["tagged without lock", { ...S3, tags: { compliance: "true" } }, undefined, 1],
    [
      "tagged with lock",
      { ...S3, tags: { compliance: "true" }, objectLock: { mode: "GOVERNANCE", days: 30 } },
      undefined,
      0,
    ],
    [
      "compliance mode required",
      { ...S3, tags: { compliance: "true" }, objectLock: { mode: "GOVERNANCE", days: 30 } },
      { requireComplianceMode: true },
      1,
    ],
    ["custom tag", { ...S3, tags: { regulated: "yes" } }, { tag: "regulated", value: "yes" }, 1],
  ])("%s", (_n, props, config, violations) =>
    expect(check("hks-compliance-object-lock", res("BackupStorageLocation", "loc", props), config)).toHaveLength(
      violations,
    ),
  );
});

describe("hks-offsite-copy (stack rule)", () => {
  const stack = (copies: unknown, second: Record<string, unknown>) => [
    res("BackupStorageLocation", "primary", {
      locationName: "primary",
      objectStorage: { bucket: "a", region: "us-east-1" },
    }),
    res("BackupStorageLocation", "second", { locationName: "second", ...second }),
    res("BackupPlan", "daily", { storageLocation: "primary", copies }),
  ];
  const run = (rs: PolicyResource[]) => rule("hks-offsite-copy").validateStack!(rs, {});
  it("passes with a copy in another region", () =>
    expect(
      run(stack([{ storageLocation: "second" }], { objectStorage: { bucket: "b", region: "eu-west-1" } })),
    ).toEqual([]));
  it("passes with a copy on NFS", () =>
    expect(run(stack([{ storageLocation: "second" }], { nfs: { server: "10.0.0.5", path: "/b" } }))).toEqual([]));
  it("fails without copies", () => expect(run(stack(undefined, {}))[0].message).toMatch(/add copies/));
  it("fails when the copy is in the same region and provider", () => {
    expect(
      run(stack([{ storageLocation: "second" }], { objectStorage: { bucket: "b", region: "us-east-1" } }))[0].message,
    ).toMatch(/same region and provider/);
  });
  it("fails when the copy's location is not in the stack", () =>
    expect(run(stack([{ storageLocation: "elsewhere" }], {}))).toHaveLength(1));
});

describe("hks-verified-backups", () => {
  it.each([
    ["a plan without verifyAfterBackup", "BackupPlan", {}, 1],
    ["a plan with verifyAfterBackup: false", "BackupPlan", { verifyAfterBackup: false }, 1],
    ["a plan with verifyAfterBackup: true", "BackupPlan", { verifyAfterBackup: true }, 0],
    ["a location (not a plan)", "BackupStorageLocation", {}, 0],
  ] as const)("%s", (_n, kind, props, violations) => {
    const out = check("hks-verified-backups", res(kind, "daily", props));
    expect(out).toHaveLength(violations);
    if (violations)
      expect(out[0]).toBe(
        `plan "daily" never reads its backups back: set verifyAfterBackup: true (checksums and every object, ` +
          `each run), or run 'hks backup verify' on its backups`,
      );
  });
});

describe("hks-restore-drills", () => {
  const drills = (resources: PolicyResource[]) =>
    rule("hks-restore-drills").validateStack!(resources, {}).map((v) => `${v.resource.name}: ${v.message}`);
  const plan = (name: string) => res("BackupPlan", name, { planName: name });

  it.each([
    { name: "a plan without any drill", extra: [], want: 1 },
    { name: "a drill of the plan", extra: [res("RestoreDrill", "d", { plan: "daily" })], want: 0 },
    {
      name: "a drill of one of its backups",
      extra: [res("RestoreDrill", "d", { backupName: "daily-20261202020000" })],
      want: 0,
    },
    { name: "a drill of another plan", extra: [res("RestoreDrill", "d", { plan: "weekly" })], want: 1 },
    {
      name: "a drill of another plan's backup",
      extra: [res("RestoreDrill", "d", { backupName: "dailyx-1" })],
      want: 1,
    },
    { name: "a drill whose backup is not known yet (preview)", extra: [res("RestoreDrill", "d", {})], want: 1 },
  ])("$name: $want violation(s)", ({ extra, want }) => {
    const out = drills([plan("daily"), ...extra]);
    expect(out).toHaveLength(want);
    if (want)
      expect(out[0]).toBe(
        `daily: plan "daily" has no restore drill: add a RestoreDrill with plan: <this plan> (it restores the newest ` +
          `backup into a throwaway namespace and checks the app), or run 'hks drill run' on a schedule`,
      );
  });

  it("RestoreDrill is an hks kind", () => expect(kindOf(res("RestoreDrill", "d", {}))).toBe("RestoreDrill"));
});

describe("the pack wiring", () => {
  it("exposes every rule once, each with a description and a valid enforcement level", () => {
    const names = RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(10);
    for (const r of RULES) {
      expect(r.description.length).toBeGreaterThan(20);
      expect(["advisory", "mandatory"]).toContain(r.enforcementLevel);
      expect(!!r.validateResource !== !!r.validateStack).toBe(true);
    }
  });
});
