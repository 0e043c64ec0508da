/**
 * A plan's status from its spec, its locations' listings and the clock: last run, last good backup,
 * next run in the schedule's zone, RPO state (OK / LATE / MISSING / PENDING), over tables of cases.
 */
import { describe, expect, it } from "vitest";
import type { BackupSummary } from "../../../../provider/engine/catalog/catalog";
import {
  formatAge,
  localTime,
  mergePlanBackups,
  planStatus,
  type PlanStatusInput,
  type RpoState,
} from "../../../../provider/engine/catalog/plan-status";

const HOUR = 3600;

/** A backup of plan `plan` started at `startedAt`, taking a minute. */
const run = (
  plan: string,
  startedAt: string,
  phase: BackupSummary["phase"] = "Completed",
  over: Partial<BackupSummary> = {},
): BackupSummary => {
  const stamp = startedAt.replace(/[-:TZ]/g, "").slice(0, 14);
  const start = Date.parse(startedAt);
  return {
    name: `${plan}-${stamp}`,
    phase,
    labels: {},
    bytes: 1000,
    errors: phase === "Completed" ? 0 : 1,
    warnings: 0,
    storageLocation: "main",
    ...(phase === "Incomplete"
      ? {}
      : { plan, startedAt, completedAt: new Date(start + 60_000).toISOString().replace(".000", ""), items: 5 }),
    ...over,
  };
};

const spec = (cron: string, timeZone = "UTC", lockTtlSeconds = 6 * HOUR) => ({
  name: "db",
  namespace: "hks-system",
  schedule: { cron, timeZone },
  lockTtlSeconds,
});

interface Case {
  readonly name: string;
  readonly input: PlanStatusInput;
  readonly state: RpoState;
  readonly expectedSince?: string;
  readonly reason: RegExp;
  readonly lastGood?: string;
  readonly lastRun?: string;
  readonly nextRun?: string;
  readonly nextRunLocal?: string;
}

const daily = spec("0 2 * * *");
const longAgo = new Date("2025-01-01T00:00:00Z");

const CASES: Case[] = [
  {
    name: "daily: today's run Completed",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-10T02:00:05Z"), run("db", "2026-03-09T02:00:05Z")],
      now: new Date("2026-03-10T10:00:00Z"),
      installedAt: longAgo,
    },
    state: "OK",
    expectedSince: "2026-03-10T02:00:00.000Z",
    reason: /db-20260310020005, started 7h 59m ago, at or after the run of 2026-03-10T02:00:00.000Z/,
    lastGood: "db-20260310020005",
    nextRun: "2026-03-11T02:00:00.000Z",
    nextRunLocal: "2026-03-11 02:00 +00:00",
  },
  {
    name: "daily: today's run still running (within the Job's deadline) is not late",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-10T02:00:05Z", "Incomplete"), run("db", "2026-03-09T02:00:05Z")],
      now: new Date("2026-03-10T02:30:00Z"),
    },
    state: "OK",
    expectedSince: "2026-03-09T02:00:00.000Z",
    reason: /started 1d ago/,
    lastGood: "db-20260309020005",
    lastRun: "db-20260310020005",
  },
  {
    name: "daily: no backup for today's run once the Job's deadline has passed",
    input: { spec: daily, backups: [run("db", "2026-03-09T02:00:05Z")], now: new Date("2026-03-10T08:00:00Z") },
    state: "LATE",
    expectedSince: "2026-03-10T02:00:00.000Z",
    reason: /db-20260309020005, started 1d 5h ago, before the run of 2026-03-10T02:00:00.000Z .*no Completed backup$/,
  },
  {
    name: "daily: today's run Failed is late at once, and says so",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-10T02:00:05Z", "Failed"), run("db", "2026-03-09T02:00:05Z")],
      now: new Date("2026-03-10T02:10:00Z"),
    },
    state: "LATE",
    expectedSince: "2026-03-10T02:00:00.000Z",
    reason: /the last run, db-20260310020005, ended Failed$/,
    lastRun: "db-20260310020005",
  },
  {
    name: "daily: a PartiallyFailed run is not good",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-10T02:00:05Z", "PartiallyFailed"), run("db", "2026-03-09T02:00:05Z")],
      now: new Date("2026-03-10T03:00:00Z"),
    },
    state: "LATE",
    reason: /ended PartiallyFailed$/,
    lastGood: "db-20260309020005",
  },
  {
    name: "empty plan installed long ago: MISSING",
    input: { spec: daily, backups: [], now: new Date("2026-03-10T10:00:00Z"), installedAt: longAgo },
    state: "MISSING",
    expectedSince: "2026-03-10T02:00:00.000Z",
    reason: /^no Completed backup although the run of 2026-03-10T02:00:00.000Z \(2026-03-10 02:00 \+00:00\) was due$/,
  },
  {
    name: "only failed runs: MISSING, naming the last one",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-09T02:00:05Z", "Failed"), run("db", "2026-03-10T02:00:05Z", "Failed")],
      now: new Date("2026-03-10T10:00:00Z"),
    },
    state: "MISSING",
    reason: /the last run, db-20260310020005, ended Failed$/,
    lastRun: "db-20260310020005",
  },
  {
    name: "empty plan installed after the last run: PENDING until the first run",
    input: {
      spec: daily,
      backups: [],
      now: new Date("2026-03-10T10:00:00Z"),
      installedAt: new Date("2026-03-10T03:00:00Z"),
    },
    state: "PENDING",
    reason: /the first run is at 2026-03-11T02:00:00.000Z/,
  },
  {
    name: "empty plan, first run in progress: still PENDING",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-11T02:00:01Z", "Incomplete")],
      now: new Date("2026-03-11T02:05:00Z"),
      installedAt: new Date("2026-03-10T03:00:00Z"),
    },
    state: "PENDING",
    reason: /no run was due/,
    lastRun: "db-20260311020001",
  },
  {
    name: "a manual backup before the first run counts: OK",
    input: {
      spec: daily,
      backups: [run("db", "2026-03-10T04:00:00Z")],
      now: new Date("2026-03-10T10:00:00Z"),
      installedAt: new Date("2026-03-10T03:00:00Z"),
    },
    state: "OK",
    reason: /and no run was due since$/,
  },
  {
    name: "weekdays: Saturday is fine with Friday's backup",
    input: {
      spec: spec("0 2 * * 1-5"),
      backups: [run("db", "2026-03-06T02:00:05Z")],
      now: new Date("2026-03-07T12:00:00Z"),
    },
    state: "OK",
    expectedSince: "2026-03-06T02:00:00.000Z",
    reason: /1d 9h ago/,
    nextRun: "2026-03-09T02:00:00.000Z",
  },
  {
    name: "weekdays: Monday noon without Monday's backup is LATE",
    input: {
      spec: spec("0 2 * * 1-5"),
      backups: [run("db", "2026-03-06T02:00:05Z")],
      now: new Date("2026-03-09T12:00:00Z"),
    },
    state: "LATE",
    expectedSince: "2026-03-09T02:00:00.000Z",
    reason: /3d 9h ago/,
  },
  {
    name: "Berlin spring forward: 02:30 does not exist, the 03:30 CEST run is the one expected",
    input: {
      spec: spec("30 2 * * *", "Europe/Berlin", 3600),
      backups: [run("db", "2026-03-29T01:30:04Z")],
      now: new Date("2026-03-29T05:00:00Z"),
    },
    state: "OK",
    expectedSince: "2026-03-29T01:30:00.000Z",
    reason: /\(2026-03-29 03:30 \+02:00\)/,
    nextRun: "2026-03-30T00:30:00.000Z",
    nextRunLocal: "2026-03-30 02:30 +02:00",
  },
  {
    name: "Berlin spring forward: yesterday's CET backup is LATE against today's CEST run",
    input: {
      spec: spec("30 2 * * *", "Europe/Berlin", 3600),
      backups: [run("db", "2026-03-28T01:30:04Z")],
      now: new Date("2026-03-29T05:00:00Z"),
    },
    state: "LATE",
    expectedSince: "2026-03-29T01:30:00.000Z",
    reason: /before the run of 2026-03-29T01:30:00.000Z \(2026-03-29 03:30 \+02:00\)/,
  },
  {
    name: "New York fall back: 01:30 runs once, at EDT; next at EST",
    input: {
      spec: spec("30 1 * * *", "America/New_York", 3600),
      backups: [run("db", "2026-11-01T05:30:10Z")],
      now: new Date("2026-11-01T12:00:00Z"),
    },
    state: "OK",
    expectedSince: "2026-11-01T05:30:00.000Z",
    reason: /\(2026-11-01 01:30 -04:00\)/,
    nextRun: "2026-11-02T06:30:00.000Z",
    nextRunLocal: "2026-11-02 01:30 -05:00",
  },
  {
    name: "Kolkata (+05:30): 02:00 local is 20:30 UTC the day before",
    input: {
      spec: spec("0 2 * * *", "Asia/Kolkata", 600),
      backups: [run("db", "2026-03-09T20:30:02Z")],
      now: new Date("2026-03-10T21:00:00Z"),
    },
    state: "LATE",
    expectedSince: "2026-03-10T20:30:00.000Z",
    reason: /\(2026-03-11 02:00 \+05:30\)/,
  },
  {
    name: "hourly: the run of 10:00 is due at 11:00 with a one-hour deadline",
    input: {
      spec: spec("0 * * * *", "UTC", 3600),
      backups: [run("db", "2026-03-10T09:00:03Z")],
      now: new Date("2026-03-10T10:59:00Z"),
    },
    state: "OK",
    expectedSince: "2026-03-10T09:00:00.000Z",
    reason: /1h 58m ago/,
  },
  {
    name: "other plans' backups do not count",
    input: {
      spec: daily,
      backups: [run("db2", "2026-03-10T02:00:05Z"), run("other", "2026-03-10T02:00:05Z", "Incomplete")],
      now: new Date("2026-03-10T10:00:00Z"),
    },
    state: "MISSING",
    reason: /no Completed backup/,
  },
];

describe("planStatus: RPO state", () => {
  it.each(CASES)("$name", (c) => {
    const s = planStatus(c.input);
    expect(s.rpo.state).toBe(c.state);
    expect(s.rpo.reason).toMatch(c.reason);
    if (c.expectedSince) expect(s.rpo.expectedSince).toBe(c.expectedSince);
    if (c.lastGood) expect(s.lastGood?.name).toBe(c.lastGood);
    if (c.lastRun) expect(s.lastRun?.name).toBe(c.lastRun);
    if (c.nextRun) expect(s.nextRun).toBe(c.nextRun);
    if (c.nextRunLocal) expect(s.nextRunLocal).toBe(c.nextRunLocal);
  });
});

describe("planStatus: the rest of the status", () => {
  it("reports runs, age, interval and counts, merging one backup held by several locations", () => {
    const s = planStatus({
      spec: daily,
      backups: [
        run("db", "2026-03-10T02:00:05Z", "Completed", { storageLocation: "offsite" }),
        run("db", "2026-03-10T02:00:05Z"),
        run("db", "2026-03-09T02:00:05Z", "Failed"),
      ],
      now: new Date("2026-03-10T10:00:00Z"),
    });
    expect(s).toMatchObject({
      plan: "db",
      namespace: "hks-system",
      schedule: { cron: "0 2 * * *", timeZone: "UTC" },
      suspended: false,
      backups: 2,
      previousRun: "2026-03-10T02:00:00.000Z",
      intervalSeconds: 86_400,
      lastGoodAgeSeconds: 8 * HOUR - 5,
      lastGood: {
        name: "db-20260310020005",
        phase: "Completed",
        locations: ["main", "offsite"],
        durationSeconds: 60,
        items: 5,
        bytes: 1000,
      },
      lastFinishedRun: { name: "db-20260310020005" },
    });
  });

  it("a copy that did not complete does not hide the primary's Completed backup", () => {
    const s = planStatus({
      spec: daily,
      backups: [
        run("db", "2026-03-10T02:00:05Z", "Incomplete", { storageLocation: "offsite" }),
        run("db", "2026-03-10T02:00:05Z"),
      ],
      now: new Date("2026-03-10T10:00:00Z"),
    });
    expect(s.lastRun).toMatchObject({ phase: "Completed", locations: ["main"] });
    expect(s.backups).toBe(1);
  });

  it("suspended: no next run, the RPO state still tells the truth", () => {
    const s = planStatus({
      spec: daily,
      backups: [run("db", "2026-03-01T02:00:05Z")],
      now: new Date("2026-03-10T10:00:00Z"),
      suspended: true,
    });
    expect(s.suspended).toBe(true);
    expect(s.nextRun).toBeUndefined();
    expect(s.nextRunLocal).toBeUndefined();
    expect(s.rpo.state).toBe("LATE");
  });

  it("an Incomplete run is the last run but not the last finished one", () => {
    const s = planStatus({
      spec: daily,
      backups: [run("db", "2026-03-10T02:00:05Z", "Incomplete"), run("db", "2026-03-09T02:00:05Z", "Failed")],
      now: new Date("2026-03-10T02:10:00Z"),
    });
    expect(s.lastRun?.phase).toBe("Incomplete");
    expect(s.lastFinishedRun?.phase).toBe("Failed");
    expect(s.lastGood).toBeUndefined();
    expect(s.lastGoodAgeSeconds).toBeUndefined();
  });
});

describe("mergePlanBackups, localTime, formatAge", () => {
  it("keeps the best phase per name and the locations holding it, newest first", () => {
    const m = mergePlanBackups("db", [
      run("db", "2026-03-09T02:00:00Z", "Failed"),
      run("db", "2026-03-10T02:00:00Z", "PartiallyFailed", { storageLocation: "b" }),
      run("db", "2026-03-10T02:00:00Z", "PartiallyFailed", { storageLocation: "a" }),
    ]);
    expect(m.map((x) => [x.name, x.phase, x.locations])).toEqual([
      ["db-20260310020000", "PartiallyFailed", ["a", "b"]],
      ["db-20260309020000", "Failed", ["main"]],
    ]);
  });

  it.each([
    [Date.parse("2026-07-01T00:00:00Z"), "Europe/Berlin", "2026-07-01 02:00 +02:00"],
    [Date.parse("2026-01-01T00:00:00Z"), "America/St_Johns", "2025-12-31 20:30 -03:30"],
    [Date.parse("2026-01-01T00:00:00Z"), "UTC", "2026-01-01 00:00 +00:00"],
  ])("localTime(%s, %s) = %s", (ms, tz, text) => {
    expect(localTime(ms, tz)).toBe(text);
  });

  it.each([
    [0, "0s"],
    [59.9, "59s"],
    [60, "1m"],
    [3600, "1h"],
    [3660, "1h 1m"],
    [86_400, "1d"],
    [90_000, "1d 1h"],
    [-5, "0s"],
  ])("formatAge(%s) = %s", (s, text) => {
    expect(formatAge(s)).toBe(text);
  });
});
