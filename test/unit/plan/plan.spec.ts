import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../../provider/kinds";
import { checkBackupPlan, diffBackupPlan, MAX_PLAN_NAME_LENGTH } from "../../../provider/plan/plan";
import { defaultRunnerImage, packageVersion } from "../../../provider/plan/plan-runner";
import type { BackupPlanInputs } from "../../../provider/types";

/** The seed's BackupPlan, as the SDK passes it. */
const seed = (over: Record<string, unknown> = {}): Partial<BackupPlanInputs> =>
  ({
    planName: "production-db-daily",
    target: { namespace: "production", selector: { app: "postgres-db" } },
    storageLocation: "s3-main-storage",
    schedule: { cron: "0 2 * * *" } as BackupPlanInputs["schedule"],
    retention: { daily: 7, weekly: 4, monthly: 6 },
    ...over,
  }) as Partial<BackupPlanInputs>;

describe("checkBackupPlan: defaults", () => {
  it("accepts the seed's plan as written and fills every documented default", () => {
    const { inputs, failures } = checkBackupPlan(seed());
    expect(failures).toEqual([]);
    expect(inputs.resourceKind).toBe("BackupPlan");
    expect(inputs.namespace).toBe("hks-system");
    expect(inputs.target).toEqual({ namespaces: ["production"], selector: "app=postgres-db", snapshotVolumes: false });
    expect(inputs.schedule).toEqual({ cron: "0 2 * * *", timeZone: "UTC", suspend: false });
    expect(inputs.retention).toEqual({ daily: 7, weekly: 4, monthly: 6 });
    expect(inputs.runner).toEqual({
      image: `ghcr.io/hks-backup/runner:${packageVersion()}`,
      timeoutSeconds: 21600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
  });

  it("the default image is the package version's runner image", () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(defaultRunnerImage("1.2.3")).toBe("ghcr.io/hks-backup/runner:1.2.3");
  });

  it("normalises selector text and hook defaults", () => {
    const { inputs, failures } = checkBackupPlan(
      seed({
        target: { namespaces: ["production", "billing"], selector: "tier in (db),app=pg" },
        hooks: { pre: [{ selector: { app: "pg" }, container: "postgres", command: ["/bin/sync"] }] },
      }),
    );
    expect(failures).toEqual([]);
    expect(inputs.target.selector).toBe("tier in (db),app=pg");
    expect(inputs.hooks?.pre?.[0]).toMatchObject({ selector: "app=pg", timeoutSeconds: 30, onError: "Fail" });
  });

  it("accepts unknown values during preview", () => {
    const { failures } = checkBackupPlan(
      seed({
        storageLocation: UNKNOWN,
        namespace: UNKNOWN,
        target: { namespace: UNKNOWN, selector: { app: UNKNOWN } },
        schedule: { cron: UNKNOWN, timeZone: "Europe/Berlin" },
        retention: { daily: UNKNOWN },
        copies: [{ storageLocation: UNKNOWN }],
        runner: UNKNOWN,
      }),
    );
    expect(failures).toEqual([]);
  });

  it("accepts a whole-schedule unknown and still checks the known retention", () => {
    const { failures } = checkBackupPlan(seed({ schedule: UNKNOWN, retention: { dayly: 3 } }));
    expect(failures.map((f) => f.property)).toEqual(["retention.dayly"]);
  });
});

/** [case, overrides, failing property, reason pattern] */
const BAD: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ["missing name", { planName: undefined }, "name", /is required/],
  ["upper-case name", { planName: "Prod" }, "name", /DNS-1123 label/],
  ["name too long for the CronJob", { planName: "a".repeat(MAX_PLAN_NAME_LENGTH + 1) }, "name", /limit is 43.*52/],
  ["bad namespace", { namespace: "Hks_System" }, "namespace", /DNS-1123/],
  ["missing target", { target: undefined }, "target", /is required/],
  ["target naming nothing", { target: { excludeNamespaces: ["kube-system"] } }, "target", /names nothing to back up/],
  ["namespace and namespaces", { target: { namespace: "a", namespaces: ["b"] } }, "target.namespace", /not both/],
  [
    "typo in target",
    { target: { namespace: "a", selecter: { app: "x" } } },
    "target.selecter",
    /did you mean selector|known fields/,
  ],
  [
    "bad selector text",
    { target: { namespace: "a", selector: "app in db" } },
    "target.selector",
    /not a label selector/,
  ],
  [
    "bad selector key",
    { target: { namespace: "a", selector: { "bad key": "x" } } },
    "target.selector.bad key",
    /not a valid label key/,
  ],
  [
    "bad resource pattern",
    { target: { namespace: "a", includeResources: ["Deployments"] } },
    "target.includeResources[0]",
    /lowercase plural/,
  ],
  [
    "snapshot class without snapshots",
    { target: { namespace: "a", volumeSnapshotClass: "csi" } },
    "target.volumeSnapshotClass",
    /snapshotVolumes is not true/,
  ],
  ["missing storage location", { storageLocation: undefined }, "storageLocation", /is required/],
  ["missing schedule", { schedule: undefined }, "schedule", /is required/],
  ["bad cron", { schedule: { cron: "every day at two" } }, "schedule.cron", /5 fields|minute hour/],
  ["six-field cron", { schedule: { cron: "0 0 2 * * *" } }, "schedule.cron", /5 fields/],
  [
    "bad time zone",
    { schedule: { cron: "0 2 * * *", timeZone: "Mars/Olympus" } },
    "schedule.timeZone",
    /unknown time zone/,
  ],
  ["offset as time zone", { schedule: { cron: "0 2 * * *", timeZone: "+02:00" } }, "schedule.timeZone", /offset/],
  [
    "lower-case time zone",
    { schedule: { cron: "0 2 * * *", timeZone: "europe/berlin" } },
    "schedule.timeZone",
    /case-sensitive.*Europe\/Berlin/,
  ],
  [
    "deadline too short",
    { schedule: { cron: "0 2 * * *", startingDeadlineSeconds: 5 } },
    "schedule.startingDeadlineSeconds",
    /at least 10/,
  ],
  [
    "typo in schedule",
    { schedule: { cron: "0 2 * * *", timezone: "UTC" } },
    "schedule.timezone",
    /did you mean timeZone/,
  ],
  ["missing retention", { retention: undefined }, "retention", /is required/],
  ["negative retention", { retention: { daily: -1 } }, "retention.daily", /whole number from 0/],
  ["fractional retention", { retention: { weekly: 1.5 } }, "retention.weekly", /whole number/],
  ["all-zero retention", { retention: { daily: 0, keepFailed: 2 } }, "retention", /at least one of/],
  ["unknown retention rule", { retention: { days: 7 } }, "retention.days", /unknown rule/],
  ["hourly retention with a daily cron", { retention: { hourly: 24 } }, "retention.hourly", /every 1d.*last: 24/],
  [
    "daily retention with a weekly cron",
    { schedule: { cron: "0 2 * * 1" }, retention: { daily: 7 } },
    "retention.daily",
    /every 7d.*last: 7.*weekly/,
  ],
  [
    "copy to the primary",
    { copies: [{ storageLocation: "s3-main-storage" }] },
    "copies[0].storageLocation",
    /plan's storageLocation.*3-2-1/,
  ],
  [
    "two copies to one place",
    { copies: [{ storageLocation: "b" }, { storageLocation: "b" }] },
    "copies[1].storageLocation",
    /already copies\[0\]/,
  ],
  ["copy without location", { copies: [{ retention: { last: 1 } }] }, "copies[0].storageLocation", /is required/],
  [
    "copy retention invalid",
    { copies: [{ storageLocation: "b", retention: { monthly: "6" } }] },
    "copies[0].retention.monthly",
    /whole number/,
  ],
  [
    "copy retention finer than the schedule",
    { copies: [{ storageLocation: "b", retention: { hourly: 3 } }] },
    "copies[0].retention.hourly",
    /last: 3/,
  ],
  ["copies not a list", { copies: { storageLocation: "b" } }, "copies", /must be a list/],
  [
    "hook without command",
    { hooks: { pre: [{ selector: { app: "x" }, container: "c" }] } },
    "hooks.pre[0].command",
    /is required/,
  ],
  [
    "hook with a shell string",
    { hooks: { post: [{ selector: "app=x", container: "c", command: "sync" }] } },
    "hooks.post[0].command",
    /list of strings/,
  ],
  [
    "hook timeout too long",
    { hooks: { pre: [{ selector: "app=x", container: "c", command: ["a"], timeoutSeconds: 7200 }] } },
    "hooks.pre[0].timeoutSeconds",
    /1 to 3600/,
  ],
  [
    "hook onError",
    { hooks: { pre: [{ selector: "app=x", container: "c", command: ["a"], onError: "Ignore" }] } },
    "hooks.pre[0].onError",
    /"Fail", "Continue"/,
  ],
  ["hook phase typo", { hooks: { during: [] } }, "hooks.during", /known fields are pre, post/],
  ["bad label", { labels: { "team/": "x" } }, "labels.team/", /not a valid label key/],
  ["image with spaces", { runner: { image: "my image" } }, "runner.image", /image reference/],
  [
    "bad quantity",
    { runner: { resources: { limits: { memory: "1 GB" } } } },
    "runner.resources.limits.memory",
    /quantity/,
  ],
  ["bad pull policy", { runner: { imagePullPolicy: "Sometimes" } }, "runner.imagePullPolicy", /"Always"/],
  ["timeout too short", { runner: { timeoutSeconds: 10 } }, "runner.timeoutSeconds", /60 to 604800/],
  ["history limit", { runner: { failedJobsHistoryLimit: -1 } }, "runner.failedJobsHistoryLimit", /0 to 100/],
  ["runner typo", { runner: { serviceAccount: "x" } }, "runner.serviceAccount", /known fields/],
];

describe("checkBackupPlan: failures name the field", () => {
  it.each(BAD)("%s", (_name, over, property, reason) => {
    const { failures } = checkBackupPlan(seed(over));
    const hit = failures.find((f) => f.property === property);
    expect(hit, `failures: ${JSON.stringify(failures)}`).toBeDefined();
    expect(hit!.reason).toMatch(reason);
  });

  it("reports every problem at once", () => {
    const { failures } = checkBackupPlan({ planName: "X", schedule: { cron: "61 * * * *" } } as never);
    expect(failures.map((f) => f.property).sort()).toEqual([
      "name",
      "retention",
      "schedule.cron",
      "storageLocation",
      "target",
    ]);
  });
});

describe("checkBackupPlan: schedule and retention that fit", () => {
  it.each([
    ["hourly cron, hourly retention", "0 * * * *", "UTC", { hourly: 24, daily: 7 }],
    ["every 15 minutes, hourly", "*/15 * * * *", "UTC", { hourly: 6 }],
    ["daily cron in a DST zone, daily", "30 2 * * *", "Europe/Berlin", { daily: 7 }],
    ["weekdays only, daily and weekly", "0 2 * * 1-5", "America/New_York", { daily: 5, weekly: 4 }],
    ["weekly cron, weekly/monthly/yearly", "@weekly", "UTC", { weekly: 4, monthly: 6, yearly: 2 }],
    ["monthly cron, last only", "@monthly", "UTC", { last: 12 }],
  ])("%s", (_n, cron, timeZone, retention) => {
    const { failures } = checkBackupPlan(seed({ schedule: { cron, timeZone }, retention }));
    expect(failures).toEqual([]);
  });
});

describe("diffBackupPlan", () => {
  const olds = checkBackupPlan(seed({ copies: [{ storageLocation: "offsite" }] })).inputs;
  const rows: Array<
    [
      string,
      Record<string, unknown>,
      { changes: boolean; replaces: string[]; updates: string[]; deleteBeforeReplace?: boolean },
    ]
  > = [
    ["nothing changed", {}, { changes: false, replaces: [], updates: [] }],
    [
      "schedule cron",
      { schedule: { ...olds.schedule, cron: "0 3 * * *" } },
      { changes: true, replaces: [], updates: ["schedule"] },
    ],
    [
      "suspend",
      { schedule: { ...olds.schedule, suspend: true } },
      { changes: true, replaces: [], updates: ["schedule"] },
    ],
    ["retention", { retention: { daily: 3 } }, { changes: true, replaces: [], updates: ["retention"] }],
    [
      "target",
      { target: { namespaces: ["billing"], snapshotVolumes: false } },
      { changes: true, replaces: [], updates: ["target"] },
    ],
    [
      "image",
      { runner: { ...olds.runner, image: "registry.local/hks:dev" } },
      { changes: true, replaces: [], updates: ["runner"] },
    ],
    ["hooks", { hooks: { pre: [] } }, { changes: true, replaces: [], updates: ["hooks"] }],
    ["copies", { copies: [] }, { changes: true, replaces: [], updates: ["copies"] }],
    ["rotated kubeconfig", { kubeconfig: "apiVersion: v1" }, { changes: true, replaces: [], updates: ["kubeconfig"] }],
    // Issue 15: the objects' owner and adopt are re-applied in place, never a new plan.
    [
      "owner",
      { owner: "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:BackupPlan::x" },
      { changes: true, replaces: [], updates: ["owner"] },
    ],
    ["adopt", { adopt: true }, { changes: true, replaces: [], updates: ["adopt"] }],
    [
      "plan name",
      { planName: "other" },
      { changes: true, replaces: ["planName"], updates: [], deleteBeforeReplace: false },
    ],
    [
      "namespace",
      { namespace: "team-a" },
      { changes: true, replaces: ["namespace"], updates: [], deleteBeforeReplace: false },
    ],
    [
      "context (another cluster, same object names)",
      { context: "prod-eu" },
      { changes: true, replaces: ["context"], updates: [], deleteBeforeReplace: true },
    ],
    [
      "an unknown value during preview",
      { schedule: { ...olds.schedule, cron: UNKNOWN } },
      { changes: true, replaces: [], updates: ["schedule"] },
    ],
  ];
  it.each(rows)("%s", (_n, over, want) => {
    const d = diffBackupPlan(olds, { ...olds, ...over } as BackupPlanInputs);
    expect(d).toMatchObject({ ...want, deleteBeforeReplace: want.deleteBeforeReplace ?? false });
  });

  it("key order never counts as a change", () => {
    const news = { ...olds, retention: { monthly: 6, weekly: 4, daily: 7 } };
    expect(diffBackupPlan(olds, news).changes).toBe(false);
  });

  it("drift found by a refresh is a change, so the next up repairs it", () => {
    const d = diffBackupPlan({ ...olds, drift: ["CronJob hks-system/hks-plan-production-db-daily is missing"] }, olds);
    expect(d).toMatchObject({ changes: true, replaces: [], updates: ["drift"] });
  });
});
