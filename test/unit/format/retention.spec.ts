import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inputError } from "../../support/input-error";
import {
  type BackupPhase,
  DEFAULT_KEEP_FAILED,
  MAX_RETENTION_COUNT,
  periodKeys,
  type RetentionCandidate,
  type RetentionPolicy,
  type RetentionResult,
  RETENTION_RULES,
  selectRetention,
  validateRetentionPolicy,
} from "../../../provider/format/retention";

const HOUR = 3_600_000;
const DAY = 86_400_000;

function backup(
  name: string,
  startedAt: string | number,
  phase: BackupPhase = "Completed",
  locked?: boolean,
): RetentionCandidate {
  return { name, startedAt: new Date(startedAt), phase, ...(locked === undefined ? {} : { locked }) };
}

/** One backup per UTC day from `first` to `last` (inclusive) at `time` UTC, named by the UTC date. */
function dailySeries(
  first: string,
  last: string,
  time = "02:00:00",
  phase: BackupPhase = "Completed",
): RetentionCandidate[] {
  const out: RetentionCandidate[] = [];
  for (let t = Date.parse(`${first}T${time}Z`); t <= Date.parse(`${last}T${time}Z`); t += DAY) {
    out.push(backup(new Date(t).toISOString().slice(0, 10), t, phase));
  }
  return out;
}

/** One backup per `stepMs` from `first` (inclusive) to `last` (inclusive), named by the UTC instant. */
function series(first: string, last: string, stepMs: number): RetentionCandidate[] {
  const out: RetentionCandidate[] = [];
  for (let t = Date.parse(first); t <= Date.parse(last); t += stepMs) out.push(backup(new Date(t).toISOString(), t));
  return out;
}

const kept = (r: RetentionResult) => r.keep.map((k) => k.name);
const pruned = (r: RetentionResult) => r.prune.map((p) => p.name);
const reasons = (r: RetentionResult, name: string) => r.keep.find((k) => k.name === name)?.reasons;

describe("selectRetention: seed policy { daily: 7, weekly: 4, monthly: 6 }", () => {
  const seed = { daily: 7, weekly: 4, monthly: 6 };
  const year = dailySeries("2025-01-01", "2025-12-31");

  it("over one year of daily 02:00 UTC backups keeps exactly the expected 14", () => {
    const r = selectRetention(year, seed, "UTC");
    expect(kept(r)).toEqual([
      "2025-12-31",
      "2025-12-30",
      "2025-12-29",
      "2025-12-28",
      "2025-12-27",
      "2025-12-26",
      "2025-12-25", // daily 7
      "2025-12-21",
      "2025-12-14", // weekly: W51, W50 (W01 of 2026 and W52 are covered by daily)
      "2025-11-30",
      "2025-10-31",
      "2025-09-30",
      "2025-08-31",
      "2025-07-31", // monthly
    ]);
    expect(r.prune).toHaveLength(365 - 14);
    expect(r.warnings).toEqual([]);
    expect(reasons(r, "2025-12-31")).toEqual([
      "newest completed backup (always kept)",
      "daily 2025-12-31",
      "weekly 2026-W01",
      "monthly 2025-12",
    ]);
    expect(reasons(r, "2025-12-28")).toEqual(["daily 2025-12-28", "weekly 2025-W52"]);
    expect(reasons(r, "2025-12-21")).toEqual(["weekly 2025-W51"]);
    expect(reasons(r, "2025-12-14")).toEqual(["weekly 2025-W50"]);
    expect(reasons(r, "2025-07-31")).toEqual(["monthly 2025-07"]);
    expect(r.prune[0]).toEqual({
      name: "2025-12-24",
      reason: "not selected by any retention rule (daily=7, weekly=4, monthly=6)",
    });
    expect(r.prune.at(-1)?.name).toBe("2025-01-01");
  });

  it("the same instants in Asia/Tokyo (23:30 UTC is the next day there) select different backups", () => {
    const late = dailySeries("2025-01-01", "2025-12-31", "23:30:00");
    const utc = selectRetention(late, seed, "UTC");
    expect(kept(utc)).toEqual([
      "2025-12-31",
      "2025-12-30",
      "2025-12-29",
      "2025-12-28",
      "2025-12-27",
      "2025-12-26",
      "2025-12-25",
      "2025-12-21",
      "2025-12-14",
      "2025-11-30",
      "2025-10-31",
      "2025-09-30",
      "2025-08-31",
      "2025-07-31",
    ]);
    const tokyo = selectRetention(late, seed, "Asia/Tokyo");
    // Named by UTC date; in Tokyo each is the following day. Newest is Thu 2026-01-01 local.
    expect(kept(tokyo)).toEqual([
      "2025-12-31",
      "2025-12-30",
      "2025-12-29",
      "2025-12-28",
      "2025-12-27",
      "2025-12-26",
      "2025-12-25", // local Dec 26..Jan 1
      "2025-12-20",
      "2025-12-13", // local Sun Dec 21 (W51), Sun Dec 14 (W50)
      "2025-11-29",
      "2025-10-30",
      "2025-09-29",
      "2025-08-30", // local Nov 30, Oct 31, Sep 30, Aug 31
    ]);
    expect(reasons(tokyo, "2025-12-31")).toEqual([
      "newest completed backup (always kept)",
      "daily 2026-01-01",
      "weekly 2026-W01",
      "monthly 2026-01",
    ]);
    expect(reasons(tokyo, "2025-12-30")).toEqual(["daily 2025-12-31", "monthly 2025-12"]);
  });
});

describe("selectRetention: period rules", () => {
  it("hourly 24 over two days of hourly backups keeps the newest 24", () => {
    const hours = series("2025-03-01T00:00:00Z", "2025-03-02T23:00:00Z", HOUR);
    const r = selectRetention(hours, { hourly: 24 }, "UTC");
    expect(kept(r)).toEqual(
      hours
        .slice(-24)
        .map((b) => b.name)
        .reverse(),
    );
    expect(reasons(r, "2025-03-02T23:00:00.000Z")).toContain("hourly 2025-03-02T23+00:00");
  });

  it("hourly 3 over 15-minute backups keeps the newest of each of the last 3 hours", () => {
    const r = selectRetention(
      series("2025-03-01T00:00:00Z", "2025-03-01T05:45:00Z", 15 * 60_000),
      { hourly: 3 },
      "UTC",
    );
    expect(kept(r)).toEqual(["2025-03-01T05:45:00.000Z", "2025-03-01T04:45:00.000Z", "2025-03-01T03:45:00.000Z"]);
  });

  it("hourly in Asia/Kolkata (UTC+5:30) buckets by the local hour", () => {
    // 00:20Z = 05:50 IST and 00:40Z = 06:10 IST are different local hours.
    const r = selectRetention(
      [backup("a", "2025-01-01T00:20:00Z"), backup("b", "2025-01-01T00:40:00Z")],
      { hourly: 5 },
      "Asia/Kolkata",
    );
    expect(kept(r)).toEqual(["b", "a"]);
    expect(reasons(r, "a")).toEqual(["hourly 2025-01-01T05+05:30"]);
  });

  it("periods without a backup do not use up a slot (daily 3 over sparse days)", () => {
    const r = selectRetention(
      ["2025-01-01", "2025-01-05", "2025-01-20", "2025-02-10"].map((d) => backup(d, `${d}T02:00:00Z`)),
      { daily: 3 },
      "UTC",
    );
    expect(kept(r)).toEqual(["2025-02-10", "2025-01-20", "2025-01-05"]);
  });

  it("yearly keeps the newest backup of each calendar year", () => {
    const r = selectRetention(dailySeries("2023-12-25", "2025-01-03"), { yearly: 5 }, "UTC");
    expect(kept(r)).toEqual(["2025-01-03", "2024-12-31", "2023-12-31"]);
  });

  it("a backup satisfying every rule lists every reason in rule order", () => {
    const r = selectRetention(
      [backup("only", "2025-06-15T10:00:00Z")],
      { last: 1, hourly: 1, daily: 1, weekly: 1, monthly: 1, yearly: 1 },
      "UTC",
    );
    expect(r.keep).toEqual([
      {
        name: "only",
        reasons: [
          "newest completed backup (always kept)",
          "last 1/1",
          "hourly 2025-06-15T10+00:00",
          "daily 2025-06-15",
          "weekly 2025-W24",
          "monthly 2025-06",
          "yearly 2025",
        ],
      },
    ]);
  });
});

describe("selectRetention: month ends and leap days", () => {
  it("monthly: Jan 31 -> Feb 28 -> Mar 1 -> Mar 31 (2025, not a leap year)", () => {
    const input = ["2025-01-31", "2025-02-28", "2025-03-01", "2025-03-31"].map((d) => backup(d, `${d}T02:00:00Z`));
    const r = selectRetention(input, { monthly: 3 }, "UTC");
    expect(kept(r)).toEqual(["2025-03-31", "2025-02-28", "2025-01-31"]);
    expect(pruned(r)).toEqual(["2025-03-01"]);
  });

  it("leap day Feb 29 2028 is its own day and the newest of February", () => {
    const input = ["2028-01-31", "2028-02-28", "2028-02-29", "2028-03-01"].map((d) => backup(d, `${d}T02:00:00Z`));
    expect(kept(selectRetention(input, { daily: 3 }, "UTC"))).toEqual(["2028-03-01", "2028-02-29", "2028-02-28"]);
    const monthly = selectRetention(input, { monthly: 3 }, "UTC");
    expect(kept(monthly)).toEqual(["2028-03-01", "2028-02-29", "2028-01-31"]);
    expect(reasons(monthly, "2028-02-29")).toEqual(["monthly 2028-02"]);
    expect(periodKeys(new Date("2028-02-29T02:00:00Z"), "UTC")).toEqual({
      hourly: "2028-02-29T02+00:00",
      daily: "2028-02-29",
      weekly: "2028-W09",
      monthly: "2028-02",
      yearly: "2028",
    });
  });

  it("Feb 29 2028 15:30 UTC is already March 1 in Asia/Tokyo", () => {
    const input = [backup("feb-29-early", "2028-02-29T02:00:00Z"), backup("feb-29-late", "2028-02-29T15:30:00Z")];
    expect(kept(selectRetention(input, { monthly: 2 }, "UTC"))).toEqual(["feb-29-late"]);
    const tokyo = selectRetention(input, { monthly: 2 }, "Asia/Tokyo");
    expect(kept(tokyo)).toEqual(["feb-29-late", "feb-29-early"]);
    expect(reasons(tokyo, "feb-29-late")).toContain("monthly 2028-03");
  });
});

describe("selectRetention: daylight saving time", () => {
  it("Europe/Berlin fall back: the two 02:30s are two hourly periods of one day", () => {
    const first = backup("cest-02:30", "2025-10-26T00:30:00Z"); // 02:30 CEST
    const second = backup("cet-02:30", "2025-10-26T01:30:00Z"); // 02:30 CET
    const r = selectRetention([first, second], { hourly: 2 }, "Europe/Berlin");
    expect(r.keep).toEqual([
      { name: "cet-02:30", reasons: ["newest completed backup (always kept)", "hourly 2025-10-26T02+01:00"] },
      { name: "cest-02:30", reasons: ["hourly 2025-10-26T02+02:00"] },
    ]);
    expect(kept(selectRetention([first, second], { daily: 2 }, "Europe/Berlin"))).toEqual(["cet-02:30"]);
    const three = [first, backup("cest-02:45", "2025-10-26T00:45:00Z"), second];
    expect(kept(selectRetention(three, { hourly: 2 }, "Europe/Berlin"))).toEqual(["cet-02:30", "cest-02:45"]);
  });

  it("Europe/Berlin: Oct 26 2025 has 25 hourly periods in one day", () => {
    // 2025-10-25T22:00Z is 00:00 CEST Oct 26; 2025-10-26T22:00Z is 23:00 CET Oct 26; around it one backup each side.
    const hours = series("2025-10-25T21:00:00Z", "2025-10-26T23:00:00Z", HOUR);
    const days = hours.map((b) => periodKeys(b.startedAt, "Europe/Berlin").daily);
    expect(days.filter((d) => d === "2025-10-26")).toHaveLength(25);
    expect(new Set(hours.map((b) => periodKeys(b.startedAt, "Europe/Berlin").hourly)).size).toBe(27);
    expect(kept(selectRetention(hours, { hourly: 100 }, "Europe/Berlin"))).toHaveLength(27);
    expect(kept(selectRetention(hours, { daily: 3 }, "Europe/Berlin"))).toEqual([
      "2025-10-26T23:00:00.000Z",
      "2025-10-26T22:00:00.000Z",
      "2025-10-25T21:00:00.000Z",
    ]);
  });

  it("Europe/Berlin: Mar 30 2025 has 23 hourly periods", () => {
    const hours = series("2025-03-29T23:00:00Z", "2025-03-30T22:00:00Z", HOUR);
    const days = hours.map((b) => periodKeys(b.startedAt, "Europe/Berlin").daily);
    expect(days.filter((d) => d === "2025-03-30")).toHaveLength(23);
    expect(days.at(-1)).toBe("2025-03-31");
    expect(kept(selectRetention(hours, { daily: 2 }, "Europe/Berlin"))).toEqual([
      "2025-03-30T22:00:00.000Z",
      "2025-03-30T21:00:00.000Z",
    ]);
  });

  it("America/New_York fall back: two backups in the repeated 01:xx hour", () => {
    const edt = backup("edt-01:30", "2025-11-02T05:30:00Z");
    const est = backup("est-01:30", "2025-11-02T06:30:00Z");
    expect(periodKeys(edt.startedAt, "America/New_York").hourly).toBe("2025-11-02T01-04:00");
    expect(periodKeys(est.startedAt, "America/New_York").hourly).toBe("2025-11-02T01-05:00");
    expect(kept(selectRetention([edt, est], { hourly: 2 }, "America/New_York"))).toEqual(["est-01:30", "edt-01:30"]);
    expect(kept(selectRetention([edt, est], { daily: 1 }, "America/New_York"))).toEqual(["est-01:30"]);
  });

  it("America/New_York: Nov 2 2025 has 25 hours and Mar 9 2025 has 23", () => {
    const fall = series("2025-11-02T04:00:00Z", "2025-11-03T04:00:00Z", HOUR);
    expect(fall.filter((b) => periodKeys(b.startedAt, "America/New_York").daily === "2025-11-02")).toHaveLength(25);
    const spring = series("2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z", HOUR);
    expect(spring.filter((b) => periodKeys(b.startedAt, "America/New_York").daily === "2025-03-09")).toHaveLength(23);
  });

  it("a UTC timestamp can fall on another local day: 03:30 UTC Nov 3 is 22:30 Nov 2 in New York", () => {
    const input = [backup("morning", "2025-11-02T12:00:00Z"), backup("evening", "2025-11-03T03:30:00Z")];
    expect(kept(selectRetention(input, { daily: 2 }, "America/New_York"))).toEqual(["evening"]);
    expect(kept(selectRetention(input, { daily: 2 }, "UTC"))).toEqual(["evening", "morning"]);
  });

  it("23:30 UTC is the next day and, at a month end, the next month in Asia/Tokyo", () => {
    const input = [backup("mar-31-day", "2025-03-31T10:00:00Z"), backup("mar-31-late", "2025-03-31T23:30:00Z")];
    expect(kept(selectRetention(input, { monthly: 2 }, "UTC"))).toEqual(["mar-31-late"]);
    const tokyo = selectRetention(input, { monthly: 2 }, "Asia/Tokyo");
    expect(kept(tokyo)).toEqual(["mar-31-late", "mar-31-day"]);
    expect(reasons(tokyo, "mar-31-late")).toContain("monthly 2025-04");
  });
});

describe("selectRetention: ISO weeks across a year boundary", () => {
  const input = ["2026-12-27", "2026-12-31", "2027-01-01", "2027-01-03", "2027-01-04"].map((d) =>
    backup(d, `${d}T02:00:00Z`),
  );
  it.each([
    ["2026-12-27", "2026-W52"],
    ["2026-12-31", "2026-W53"],
    ["2027-01-01", "2026-W53"],
    ["2027-01-03", "2026-W53"],
    ["2027-01-04", "2027-W01"],
    ["2024-12-30", "2025-W01"],
    ["2021-01-03", "2020-W53"],
    ["2025-12-29", "2026-W01"],
  ])("%s is in ISO week %s", (date, week) => {
    expect(periodKeys(new Date(`${date}T12:00:00Z`), "UTC").weekly).toBe(week);
  });

  it("weekly 2 keeps Mon Jan 4 2027 (2027-W01) and Sun Jan 3 2027 (newest of 2026-W53)", () => {
    const r = selectRetention(input, { weekly: 2 }, "UTC");
    expect(kept(r)).toEqual(["2027-01-04", "2027-01-03"]);
    expect(reasons(r, "2027-01-03")).toEqual(["weekly 2026-W53"]);
  });

  it("yearly 2 uses calendar years, not ISO week years", () => {
    expect(kept(selectRetention(input, { yearly: 2 }, "UTC"))).toEqual(["2027-01-04", "2026-12-31"]);
  });
});

describe("selectRetention: the newest good backup survives failures", () => {
  const history = [
    ...dailySeries("2025-06-01", "2025-06-10"),
    ...dailySeries("2025-06-11", "2025-06-17", "02:00:00", "Failed"),
  ];

  it("a week of failed runs does not push good backups out, and the newest failure is kept for diagnosis", () => {
    const r = selectRetention(history, { daily: 3 }, "UTC");
    expect(r.keep).toEqual([
      { name: "2025-06-17", reasons: ["failed 1/1 since the newest good backup"] },
      { name: "2025-06-10", reasons: ["newest completed backup (always kept)", "daily 2025-06-10"] },
      { name: "2025-06-09", reasons: ["daily 2025-06-09"] },
      { name: "2025-06-08", reasons: ["daily 2025-06-08"] },
    ]);
    expect(r.prune.find((p) => p.name === "2025-06-16")?.reason).toBe("failed, beyond keepFailed=1");
    expect(r.prune.find((p) => p.name === "2025-06-07")?.reason).toBe("not selected by any retention rule (daily=3)");
    expect(r.warnings).toEqual(['7 run(s) failed since the newest good backup "2025-06-10"']);
  });

  it("last 1 with only failures since keeps the last Completed backup", () => {
    expect(kept(selectRetention(history, { last: 1, keepFailed: 0 }, "UTC"))).toEqual(["2025-06-10"]);
  });

  it("a week of PartiallyFailed runs: last 3 keeps them, and the newest Completed is still kept", () => {
    const partial = [
      ...dailySeries("2025-06-01", "2025-06-10"),
      ...dailySeries("2025-06-11", "2025-06-17", "02:00:00", "PartiallyFailed"),
    ];
    const r = selectRetention(partial, { last: 3 }, "UTC");
    expect(r.keep).toEqual([
      { name: "2025-06-17", reasons: ["last 1/3"] },
      { name: "2025-06-16", reasons: ["last 2/3"] },
      { name: "2025-06-15", reasons: ["last 3/3"] },
      { name: "2025-06-10", reasons: ["newest completed backup (always kept)"] },
    ]);
  });

  it("a period keeps its newest Completed backup over a newer PartiallyFailed one", () => {
    const input = [
      backup("nightly", "2025-06-01T02:00:00Z"),
      backup("manual", "2025-06-01T14:00:00Z", "PartiallyFailed"),
    ];
    expect(selectRetention(input, { daily: 1 }, "UTC").keep).toEqual([
      { name: "nightly", reasons: ["newest completed backup (always kept)", "daily 2025-06-01"] },
    ]);
    expect(kept(selectRetention(input, { last: 1 }, "UTC"))).toEqual(["manual", "nightly"]);
  });

  it("a period with only PartiallyFailed backups keeps its newest one", () => {
    const input = [
      backup("c", "2025-06-02T02:00:00Z"),
      backup("p1", "2025-06-01T02:00:00Z", "PartiallyFailed"),
      backup("p2", "2025-06-01T03:00:00Z", "PartiallyFailed"),
    ];
    expect(kept(selectRetention(input, { daily: 2 }, "UTC"))).toEqual(["c", "p2"]);
  });

  it("with no Completed backup the newest PartiallyFailed one is always kept, with a warning", () => {
    const input = [
      backup("p-old", "2025-06-01T02:00:00Z", "PartiallyFailed"),
      backup("p-new", "2025-06-02T02:00:00Z", "PartiallyFailed"),
    ];
    const r = selectRetention(input, { daily: 1 }, "UTC");
    expect(r.keep).toEqual([
      { name: "p-new", reasons: ["newest good backup (always kept: no Completed backup exists)", "daily 2025-06-02"] },
    ]);
    expect(r.warnings).toEqual(['no Completed backup; the newest restorable backup "p-new" is PartiallyFailed']);
  });

  it("when every backup failed, keeps the newest keepFailed and warns", () => {
    const input = dailySeries("2025-06-01", "2025-06-05", "02:00:00", "Failed");
    const r = selectRetention(input, { daily: 7, keepFailed: 2 }, "UTC");
    expect(kept(r)).toEqual(["2025-06-05", "2025-06-04"]);
    expect(reasons(r, "2025-06-05")).toEqual(["failed 1/2 since the newest good backup"]);
    expect(r.warnings).toEqual(["no restorable backup: all 5 backup(s) failed"]);
  });
});

describe("selectRetention: keepFailed", () => {
  const input = [
    backup("f-old", "2025-06-01T01:00:00Z", "Failed"),
    backup("good", "2025-06-01T02:00:00Z"),
    backup("f1", "2025-06-02T02:00:00Z", "Failed"),
    backup("f2", "2025-06-03T02:00:00Z", "Failed"),
    backup("f3", "2025-06-04T02:00:00Z", "Failed"),
  ];
  it.each([
    [undefined, ["f3", "good"]],
    [0, ["good"]],
    [1, ["f3", "good"]],
    [2, ["f3", "f2", "good"]],
    [10, ["f3", "f2", "f1", "good"]],
  ])("keepFailed %s keeps %j", (keepFailed, expected) => {
    const policy: RetentionPolicy = keepFailed === undefined ? { last: 1 } : { last: 1, keepFailed };
    expect(kept(selectRetention(input, policy, "UTC"))).toEqual(expected);
  });

  it("a failure older than the newest good backup is always pruned", () => {
    const r = selectRetention(input, { last: 1, keepFailed: 10 }, "UTC");
    expect(r.prune).toEqual([{ name: "f-old", reason: 'failed, and not newer than the newest good backup "good"' }]);
    expect(DEFAULT_KEEP_FAILED).toBe(1);
  });
});

describe("selectRetention: object lock", () => {
  it("a locked backup that would be pruned is kept with a reason and a warning, never pruned", () => {
    const input = [
      backup("new", "2025-06-03T02:00:00Z"),
      backup("locked-old", "2025-06-01T02:00:00Z", "Completed", true),
      backup("unlocked-old", "2025-06-02T02:00:00Z", "Completed", false),
      backup("locked-failed", "2025-05-01T02:00:00Z", "Failed", true),
    ];
    const r = selectRetention(input, { last: 1 }, "UTC");
    expect(r.keep).toEqual([
      { name: "new", reasons: ["newest completed backup (always kept)", "last 1/1"] },
      { name: "locked-old", reasons: ["locked: object lock has not expired (would otherwise be pruned)"] },
      { name: "locked-failed", reasons: ["locked: object lock has not expired (would otherwise be pruned)"] },
    ]);
    expect(r.prune).toEqual([{ name: "unlocked-old", reason: "not selected by any retention rule (last=1)" }]);
    expect(r.warnings).toEqual([
      'backup "locked-old" would be pruned (not selected by any retention rule (last=1)) but its object lock ' +
        "has not expired; it is kept and will be pruned by a later run",
      'backup "locked-failed" would be pruned (failed, and not newer than the newest good backup "new") but ' +
        "its object lock has not expired; it is kept and will be pruned by a later run",
    ]);
  });

  it("a locked backup kept by the policy gets no lock reason or warning", () => {
    const r = selectRetention([backup("a", "2025-06-01T02:00:00Z", "Completed", true)], { last: 1 }, "UTC");
    expect(r).toEqual({
      keep: [{ name: "a", reasons: ["newest completed backup (always kept)", "last 1/1"] }],
      prune: [],
      warnings: [],
    });
  });
});

describe("selectRetention: ordering and edge cases", () => {
  it("empty input gives an empty result", () => {
    expect(selectRetention([], { daily: 7 }, "UTC")).toEqual({ keep: [], prune: [], warnings: [] });
  });

  it("equal start times are ordered by name, greater first", () => {
    const t = "2025-06-01T02:00:00Z";
    const r = selectRetention([backup("a", t), backup("c", t), backup("b", t)], { last: 1 }, "UTC");
    expect(kept(r)).toEqual(["c"]);
    expect(pruned(r)).toEqual(["b", "a"]);
  });
});

describe("validateRetentionPolicy", () => {
  it("fills defaults", () => {
    expect(validateRetentionPolicy({ daily: 7, weekly: 4, monthly: 6 })).toEqual({
      last: 0,
      hourly: 0,
      daily: 7,
      weekly: 4,
      monthly: 6,
      yearly: 0,
      keepFailed: 1,
    });
    expect(validateRetentionPolicy({ last: MAX_RETENTION_COUNT, hourly: null, keepFailed: 0 })).toMatchObject({
      last: 10_000,
      hourly: 0,
      keepFailed: 0,
    });
  });

  const rejected: [string, unknown, string, RegExp][] = [
    ["negative", { daily: -1 }, "retention.daily", /whole number from 0 to 10000 \(got -1\)/],
    ["fractional", { weekly: 1.5 }, "retention.weekly", /whole number/],
    ["string", { monthly: "6" }, "retention.monthly", /got "6"/],
    ["too large", { last: 10_001 }, "retention.last", /0 to 10000/],
    ["NaN", { hourly: Number.NaN }, "retention.hourly", /whole number/],
    ["Infinity", { yearly: Number.POSITIVE_INFINITY }, "retention.yearly", /whole number/],
    ["keepFailed negative", { daily: 1, keepFailed: -1 }, "retention.keepFailed", /whole number/],
    [
      "unknown rule",
      { weakly: 4 },
      "retention.weakly",
      /unknown rule; known rules are last, hourly, daily, weekly, monthly, yearly, keepFailed/,
    ],
    ["wrong case", { Daily: 7 }, "retention.Daily", /did you mean daily\?/],
    [
      "empty policy",
      {},
      "retention",
      /at least one of last, hourly, daily, weekly, monthly, yearly must be greater than 0/,
    ],
    ["all zero", { daily: 0, weekly: 0 }, "retention", /at least one/],
    ["keepFailed alone", { keepFailed: 3 }, "retention", /at least one/],
    ["not an object", 7, "retention", /required: an object with counts, e\.g\. \{ daily: 7, weekly: 4, monthly: 6 \}/],
    ["null", null, "retention", /required/],
  ];
  it.each(rejected)("rejects %s", (_name, policy, field, message) => {
    const error = inputError(() => validateRetentionPolicy(policy));
    expect(error.field).toBe(field);
    expect(error.reason).toMatch(message);
  });

  it("selectRetention validates the policy, the time zone and the backups", () => {
    const ok = [backup("a", "2025-06-01T02:00:00Z")];
    expect(inputError(() => selectRetention(ok, { daily: -1 }, "UTC")).field).toBe("retention.daily");
    expect(inputError(() => selectRetention(ok, { daily: 1 }, "Mars/Olympus")).field).toBe("schedule.timeZone");
    expect(inputError(() => selectRetention(ok, { daily: 1 }, "")).field).toBe("schedule.timeZone");
    expect(
      inputError(() => selectRetention([...ok, backup("a", "2025-06-02T02:00:00Z")], { daily: 1 }, "UTC")).field,
    ).toBe("backups[1].name");
    expect(inputError(() => selectRetention([backup("x", Number.NaN)], { daily: 1 }, "UTC")).field).toBe(
      "backups[0].startedAt",
    );
    expect(
      inputError(() => selectRetention([{ ...ok[0]!, phase: "Running" as BackupPhase }], { daily: 1 }, "UTC")).field,
    ).toBe("backups[0].phase");
    expect(inputError(() => selectRetention([{ ...ok[0]!, name: "" }], { daily: 1 }, "UTC")).field).toBe(
      "backups[0].name",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Asia/Tokyo",
  "Asia/Kolkata",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
];
const BASE = Date.UTC(2025, 0, 1);

const phaseArb = fc.oneof(
  { arbitrary: fc.constant<BackupPhase>("Completed"), weight: 5 },
  { arbitrary: fc.constant<BackupPhase>("PartiallyFailed"), weight: 2 },
  { arbitrary: fc.constant<BackupPhase>("Failed"), weight: 3 },
);
/** Start times on a 15-minute grid over ~2 years; small values are frequent, so ties and near times occur. */
const backupsArb = fc
  .array(
    fc.record({
      slot: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 * 365 * 96 })),
      phase: phaseArb,
      locked: fc.oneof({ arbitrary: fc.constant(false), weight: 6 }, { arbitrary: fc.constant(true), weight: 1 }),
    }),
    { maxLength: 60 },
  )
  .map((items) =>
    items.map((item, i): RetentionCandidate => ({
      name: `b${String(i).padStart(2, "0")}`,
      startedAt: new Date(BASE + item.slot * 15 * 60_000),
      phase: item.phase,
      locked: item.locked,
    })),
  );
const count = fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined });
const policyArb = fc
  .record(
    { last: count, hourly: count, daily: count, weekly: count, monthly: count, yearly: count, keepFailed: count },
    { requiredKeys: [] },
  )
  .map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as RetentionPolicy)
  .filter((p) => RETENTION_RULES.some((rule) => (p[rule] ?? 0) > 0));
const zoneArb = fc.constantFrom(...ZONES);

/** Newest first, ties by greater name (the documented order). */
function newestFirst(backups: readonly RetentionCandidate[]): RetentionCandidate[] {
  return [...backups].sort(
    (a, b) => b.startedAt.getTime() - a.startedAt.getTime() || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  );
}

describe("selectRetention properties", () => {
  it("the newest Completed backup (else the newest good one) is never pruned", () => {
    fc.assert(
      fc.property(backupsArb, policyArb, zoneArb, (backups, policy, zone) => {
        const sorted = newestFirst(backups);
        const anchor = sorted.find((b) => b.phase === "Completed") ?? sorted.find((b) => b.phase !== "Failed");
        const r = selectRetention(backups, policy, zone);
        if (anchor) {
          expect(pruned(r)).not.toContain(anchor.name);
          expect(reasons(r, anchor.name)?.[0]).toMatch(/always kept/);
        }
      }),
    );
  });

  it("keep and prune partition the input; locked backups are never pruned; both lists are newest first", () => {
    fc.assert(
      fc.property(backupsArb, policyArb, zoneArb, (backups, policy, zone) => {
        const r = selectRetention(backups, policy, zone);
        const all = [...kept(r), ...pruned(r)];
        expect(new Set(all).size).toBe(all.length);
        expect([...all].sort()).toEqual(backups.map((b) => b.name).sort());
        const locked = new Set(backups.filter((b) => b.locked).map((b) => b.name));
        expect(pruned(r).filter((n) => locked.has(n))).toEqual([]);
        const order = newestFirst(backups).map((b) => b.name);
        expect(kept(r)).toEqual(order.filter((n) => kept(r).includes(n)));
        expect(pruned(r)).toEqual(order.filter((n) => pruned(r).includes(n)));
        for (const k of r.keep) expect(k.reasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it("the result does not depend on the input order", () => {
    fc.assert(
      fc.property(backupsArb, policyArb, zoneArb, fc.infiniteStream(fc.nat()), (backups, policy, zone, random) => {
        const shuffled = [...backups];
        const iterator = random[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = iterator.next().value! % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(selectRetention(shuffled, policy, zone)).toEqual(selectRetention(backups, policy, zone));
        expect(selectRetention([...backups].reverse(), policy, zone)).toEqual(selectRetention(backups, policy, zone));
      }),
    );
  });

  it("is monotonic: raising any count never prunes more", () => {
    const keys = [...RETENTION_RULES, "keepFailed"] as const;
    fc.assert(
      fc.property(
        backupsArb,
        policyArb,
        zoneArb,
        fc.constantFrom(...keys),
        fc.integer({ min: 1, max: 5 }),
        (backups, policy, zone, key, raise) => {
          const current = policy[key] ?? (key === "keepFailed" ? DEFAULT_KEEP_FAILED : 0);
          const before = new Set(pruned(selectRetention(backups, policy, zone)));
          const after = pruned(selectRetention(backups, { ...policy, [key]: current + raise }, zone));
          for (const name of after) expect(before.has(name)).toBe(true);
        },
      ),
    );
  });

  it(
    "with last=N only, exactly the N newest good backups are kept, plus the always-kept one, failed rules and " +
      "locks",
    () => {
      fc.assert(
        fc.property(
          backupsArb,
          fc.integer({ min: 1, max: 10 }),
          fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
          zoneArb,
          (backups, n, keepFailed, zone) => {
            const policy: RetentionPolicy = keepFailed === undefined ? { last: n } : { last: n, keepFailed };
            const sorted = newestFirst(backups);
            const good = sorted.filter((b) => b.phase !== "Failed");
            const anchor = good.find((b) => b.phase === "Completed") ?? good[0];
            const newestGood = good[0];
            const failedKept = sorted
              .filter(
                (b) => b.phase === "Failed" && (!newestGood || b.startedAt.getTime() > newestGood.startedAt.getTime()),
              )
              .slice(0, keepFailed ?? DEFAULT_KEEP_FAILED);
            const expected = new Set(
              [...good.slice(0, n), ...(anchor ? [anchor] : []), ...failedKept].map((b) => b.name),
            );
            for (const b of backups) if (b.locked) expected.add(b.name);
            const r = selectRetention(backups, policy, zone);
            expect(new Set(kept(r))).toEqual(expected);
            const keptGoodByRule = r.keep
              .filter((k) => k.reasons.some((reason) => reason.startsWith("last ")))
              .map((k) => k.name);
            expect(keptGoodByRule).toEqual(good.slice(0, n).map((b) => b.name));
          },
        ),
      );
    },
  );

  it("each period rule keeps at most N backups, one per distinct period", () => {
    const rules = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;
    fc.assert(
      fc.property(
        backupsArb,
        fc.constantFrom(...rules),
        fc.integer({ min: 1, max: 6 }),
        zoneArb,
        (backups, rule, n, zone) => {
          const r = selectRetention(backups, { [rule]: n, keepFailed: 0 }, zone);
          const periods = r.keep.flatMap((k) => k.reasons.filter((reason) => reason.startsWith(`${rule} `)));
          const goodPeriods = new Set(
            backups.filter((b) => b.phase !== "Failed").map((b) => periodKeys(b.startedAt, zone)[rule]),
          );
          expect(periods).toHaveLength(Math.min(n, goodPeriods.size));
          expect(new Set(periods).size).toBe(periods.length);
        },
      ),
    );
  });
});
