import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inputError } from "../../support/input-error";
import {
  DEFAULT_TIME_ZONE,
  minIntervalSeconds,
  nextRuns,
  previousRuns,
  validateCron,
  validateSchedule,
  validateTimeZone,
  zonedDateTime,
} from "../../../provider/format/schedule";

/** Calls `fn` and returns the InputError it throws (fails the test otherwise). */

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("validateCron: accepted expressions (Kubernetes CronJob grammar)", () => {
  const cases: [string, string, string][] = [
    ["daily at 02:00 (seed)", "0 2 * * *", "0 2 * * *"],
    ["every 15 minutes", "*/15 * * * *", "0,15,30,45 * * * *"],
    ["every 6 hours", "0 */6 * * *", "0 0,6,12,18 * * *"],
    ["weekday range", "0 2 * * 1-5", "0 2 * * 1,2,3,4,5"],
    ["weekday names, any case", "0 2 * * mon-Fri", "0 2 * * 1,2,3,4,5"],
    ["month names in a list", "0 2 1 JAN,jul *", "0 2 1 1,7 *"],
    ["? as any value", "30 3 ? * SUN", "30 3 * * 0"],
    ["N/step means N-max/step", "5/15 * * * *", "5,20,35,50 * * * *"],
    ["range with step", "0-30/10 * * * *", "0,10,20,30 * * * *"],
    ["*/1 keeps the star (AND of day fields)", "0 0 */1 * 1", "0 0 * * 1"],
    ["*/2 in day-of-month is restricted", "0 0 */2 * *", "0 0 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * *"],
    ["full range is not a star", "0 0 1-31 * 1", "0 0 1-31 * 1"],
    ["Feb 29 (leap years)", "0 0 29 2 *", "0 0 29 2 *"],
    ["day 30 in February is fine when OR-ed with a weekday", "0 0 30 2 1", "0 0 30 2 1"],
    ["surrounding and inner whitespace", "  0  2 *\t* *  ", "0 2 * * *"],
    ["@hourly", "@hourly", "0 * * * *"],
    ["@daily", "@daily", "0 0 * * *"],
    ["@midnight", "@midnight", "0 0 * * *"],
    ["@weekly", "@weekly", "0 0 * * 0"],
    ["@monthly", "@monthly", "0 0 1 * *"],
    ["@yearly", "@yearly", "0 0 1 1 *"],
    ["@annually", "@annually", "0 0 1 1 *"],
  ];
  it.each(cases)("%s: %j -> %j", (_name, cron, expression) => {
    const spec = validateCron(cron);
    expect(spec.expression).toBe(expression);
    expect(spec.source).toBe(cron.trim());
  });
});

describe("validateCron: rejected expressions name schedule.cron and give the fix", () => {
  const cases: [string, unknown, RegExp][] = [
    ["empty", "", /required.*5 fields: minute hour day-of-month month day-of-week, e\.g\. "0 2 \* \* \*"/],
    ["blank", "   ", /required/],
    ["not a string", 42, /required.*got number 42/],
    ["undefined", undefined, /required/],
    ["6 fields (seconds)", "0 0 2 * * *", /6 fields given.*no seconds field.*use 5 fields.*"0 2 \* \* \*"/],
    ["7 fields (Quartz year)", "0 0 2 * * ? 2025", /expected 5 fields, got 7/],
    ["4 fields", "0 2 * *", /expected 5 fields, got 4.*"0 2 \* \* \*"/],
    ["CRON_TZ prefix", "CRON_TZ=Europe/Berlin 0 2 * * *", /CRON_TZ= prefix.*schedule\.timeZone: "Europe\/Berlin"/],
    ["TZ prefix", "TZ=UTC 0 2 * * *", /TZ= prefix.*schedule\.timeZone: "UTC"/],
    ["TZ elsewhere", "0 2 * * * TZ", /containing "TZ".*schedule\.timeZone/],
    ["@every", "@every 1h", /"@every" is not supported.*"\*\/15 \* \* \* \*"/],
    ["@reboot", "@reboot", /unknown macro "@reboot".*@daily/],
    ["macro in upper case", "@Daily", /case-sensitive; write "@daily"/],
    ["minute 60", "60 * * * *", /minute field "60": 60 is out of range 0-59/],
    ["hour 24", "0 24 * * *", /hour field "24": 24 is out of range 0-23/],
    ["day-of-month 0", "0 0 0 * *", /day-of-month field "0": 0 is out of range 1-31/],
    ["month 13", "0 0 1 13 *", /month field "13": 13 is out of range 1-12/],
    ["day-of-week 7", "0 0 * * 7", /out of range 0-6; use 0 \(or SUN\) for Sunday/],
    ["day-of-week range to 7", "0 0 * * 5-7", /out of range 0-6; use 0 \(or SUN\) for Sunday/],
    ["L (last day)", "0 0 L * *", /"L" \(last day\) is not supported/],
    ["# (nth weekday)", "0 0 * * MON#2", /"#" \(nth weekday of the month\) is not supported/],
    ["W (nearest weekday)", "0 0 15W * *", /"W" \(nearest weekday\) is not supported/],
    ["H (hashed)", "H * * * *", /"H" \(hashed value\) is not supported/],
    ["step 0", "*/0 * * * *", /step must be a positive integer/],
    ["step not a number", "*/x * * * *", /step must be a positive integer/],
    ["backwards range", "0 0 * * FRI-MON", /goes backwards \(5 > 1\).*"5-6,0-1"/],
    ["never fires: Feb 30", "0 0 30 2 *", /never runs: day 30 does not exist/],
    ["never fires: 31st of 30-day months", "0 0 31 4,6,9,11 *", /never runs/],
    ["empty list item", "1,,2 * * * *", /empty list item/],
    ["two hyphens", "1-2-3 * * * *", /more than one "-"/],
    ["two slashes", "*/5/2 * * * *", /more than one "\/"/],
    ["star in a range", "*-5 * * * *", /"\*" cannot be part of a range/],
    ["not a number", "abc * * * *", /minute field "abc": "abc" is not a number/],
    ["unknown month name", "0 0 1 foo *", /"foo" is not a number or a name JAN, FEB/],
    ["full month name", "0 0 1 January *", /not a number or a name JAN/],
    ["negative number", "-1 * * * *", /minute field "-1"/],
  ];
  it.each(cases)("%s: %j", (_name, cron, message) => {
    const error = inputError(() => validateCron(cron));
    expect(error.field).toBe("schedule.cron");
    expect(error.reason).toMatch(message);
    expect(error.message).toMatch(/^InputError: schedule\.cron: /);
  });

  it("uses the given field name", () => {
    expect(inputError(() => validateCron("bad", "spec.cron")).field).toBe("spec.cron");
  });
});

describe("validateTimeZone", () => {
  const accepted = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Argentina/Buenos_Aires",
    "America/Port-au-Prince",
    "Etc/GMT-1",
    "US/Eastern",
    "GMT",
  ];
  it.each(accepted)("accepts %j and returns it unchanged", (tz) => {
    expect(validateTimeZone(tz)).toBe(tz);
  });

  const rejected: [string, unknown, RegExp][] = [
    ["empty", "", /IANA time zone name/],
    ["not a string", 1, /got number 1/],
    ["Local", "Local", /"Local" is not allowed/],
    ["local", "local", /"Local" is not allowed/],
    ["offset", "+01:00", /is an offset.*"Etc\/GMT-1"/],
    ["negative offset", "-05:00", /is an offset/],
    ["UTC+1", "UTC+1", /is an offset/],
    ["GMT-05:00", "GMT-05:00", /is an offset/],
    ["unknown", "Mars/Olympus", /unknown time zone "Mars\/Olympus"/],
    ["wrong case", "europe/berlin", /case-sensitive; did you mean "Europe\/Berlin"\?/],
    ["lower-case utc", "utc", /did you mean "UTC"\?/],
  ];
  it.each(rejected)("rejects %s: %j", (_name, tz, message) => {
    const error = inputError(() => validateTimeZone(tz));
    expect(error.field).toBe("schedule.timeZone");
    expect(error.reason).toMatch(message);
  });
});

describe("validateSchedule", () => {
  it("applies defaults: timeZone UTC, suspend false, no deadline", () => {
    expect(validateSchedule({ cron: "0 2 * * *" })).toEqual({
      cron: "0 2 * * *",
      expression: "0 2 * * *",
      timeZone: DEFAULT_TIME_ZONE,
      suspend: false,
    });
    expect(DEFAULT_TIME_ZONE).toBe("UTC");
  });

  it("keeps every given field and treats null as absent", () => {
    expect(
      validateSchedule({ cron: " @weekly ", timeZone: "Europe/Berlin", suspend: true, startingDeadlineSeconds: 300 }),
    ).toEqual({
      cron: "@weekly",
      expression: "0 0 * * 0",
      timeZone: "Europe/Berlin",
      suspend: true,
      startingDeadlineSeconds: 300,
    });
    expect(validateSchedule({ cron: "@daily", timeZone: null, suspend: null, startingDeadlineSeconds: null })).toEqual({
      cron: "@daily",
      expression: "0 0 * * *",
      timeZone: "UTC",
      suspend: false,
    });
  });

  it.each([10, 60, 86_400])("accepts startingDeadlineSeconds %d", (seconds) => {
    expect(validateSchedule({ cron: "@daily", startingDeadlineSeconds: seconds }).startingDeadlineSeconds).toBe(
      seconds,
    );
  });

  const rejected: [string, unknown, string, RegExp][] = [
    ["missing schedule", undefined, "schedule", /required: an object \{ cron, timeZone\?/],
    ["schedule as a string", "0 2 * * *", "schedule", /got "0 2 \* \* \*"/],
    ["schedule as an array", ["0 2 * * *"], "schedule", /got an array/],
    ["missing cron", {}, "schedule.cron", /required/],
    [
      "misspelt timeZone",
      { cron: "@daily", timezone: "UTC" },
      "schedule.timezone",
      /unknown field; did you mean timeZone\?/,
    ],
    [
      "unknown field",
      { cron: "@daily", retention: {} },
      "schedule.retention",
      /known fields are cron, timeZone, suspend, startingDeadlineSeconds/,
    ],
    ["bad time zone", { cron: "@daily", timeZone: "Berlin" }, "schedule.timeZone", /unknown time zone/],
    ["suspend as a string", { cron: "@daily", suspend: "yes" }, "schedule.suspend", /must be true or false/],
    [
      "deadline 0",
      { cron: "@daily", startingDeadlineSeconds: 0 },
      "schedule.startingDeadlineSeconds",
      /positive whole number of seconds, e\.g\. 300/,
    ],
    [
      "deadline negative",
      { cron: "@daily", startingDeadlineSeconds: -5 },
      "schedule.startingDeadlineSeconds",
      /positive whole number/,
    ],
    [
      "deadline fractional",
      { cron: "@daily", startingDeadlineSeconds: 1.5 },
      "schedule.startingDeadlineSeconds",
      /positive whole number/,
    ],
    [
      "deadline as a string",
      { cron: "@daily", startingDeadlineSeconds: "60" },
      "schedule.startingDeadlineSeconds",
      /positive whole number/,
    ],
    [
      "deadline NaN",
      { cron: "@daily", startingDeadlineSeconds: Number.NaN },
      "schedule.startingDeadlineSeconds",
      /positive whole number/,
    ],
    [
      "deadline below 10",
      { cron: "@daily", startingDeadlineSeconds: 5 },
      "schedule.startingDeadlineSeconds",
      /less than 10.*might never start/,
    ],
  ];
  it.each(rejected)("rejects %s", (_name, schedule, field, message) => {
    const error = inputError(() => validateSchedule(schedule));
    expect(error.field).toBe(field);
    expect(error.reason).toMatch(message);
  });
});

describe("nextRuns", () => {
  const cases: [string, { cron: string; timeZone?: string }, string, string[]][] = [
    [
      "daily UTC",
      { cron: "0 2 * * *" },
      "2025-01-01T00:00:00Z",
      ["2025-01-01T02:00:00.000Z", "2025-01-02T02:00:00.000Z", "2025-01-03T02:00:00.000Z"],
    ],
    [
      "strictly after from",
      { cron: "0 2 * * *" },
      "2025-01-01T02:00:00Z",
      ["2025-01-02T02:00:00.000Z", "2025-01-03T02:00:00.000Z"],
    ],
    [
      "sub-second from",
      { cron: "* * * * *" },
      "2025-01-01T02:00:00.500Z",
      ["2025-01-01T02:01:00.000Z", "2025-01-01T02:02:00.000Z"],
    ],
    [
      "Europe/Berlin winter (UTC+1)",
      { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
      "2025-01-01T00:00:00Z",
      ["2025-01-01T01:00:00.000Z", "2025-01-02T01:00:00.000Z"],
    ],
    [
      "Europe/Berlin summer (UTC+2)",
      { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
      "2025-06-30T12:00:00Z",
      ["2025-07-01T00:00:00.000Z", "2025-07-02T00:00:00.000Z"],
    ],
    [
      "Asia/Kolkata (UTC+5:30): 02:00 is 20:30 UTC the day before",
      { cron: "0 2 * * *", timeZone: "Asia/Kolkata" },
      "2025-01-01T00:00:00Z",
      ["2025-01-01T20:30:00.000Z", "2025-01-02T20:30:00.000Z"],
    ],
    [
      "Berlin spring forward: 02:30 does not exist, runs at 03:30 CEST",
      { cron: "30 2 * * *", timeZone: "Europe/Berlin" },
      "2025-03-29T00:00:00Z",
      ["2025-03-29T01:30:00.000Z", "2025-03-30T01:30:00.000Z", "2025-03-31T00:30:00.000Z"],
    ],
    [
      "Berlin fall back: daily 02:30 runs once",
      { cron: "30 2 * * *", timeZone: "Europe/Berlin" },
      "2025-10-25T00:00:00Z",
      ["2025-10-25T00:30:00.000Z", "2025-10-26T00:30:00.000Z", "2025-10-27T01:30:00.000Z"],
    ],
    [
      "Berlin fall back: hourly runs in both 02:30s",
      { cron: "30 * * * *", timeZone: "Europe/Berlin" },
      "2025-10-26T00:00:00Z",
      ["2025-10-26T00:30:00.000Z", "2025-10-26T01:30:00.000Z", "2025-10-26T02:30:00.000Z"],
    ],
    [
      "New York fall back: 01:30 runs once (EDT)",
      { cron: "30 1 * * *", timeZone: "America/New_York" },
      "2025-11-01T12:00:00Z",
      ["2025-11-02T05:30:00.000Z", "2025-11-03T06:30:00.000Z"],
    ],
    [
      "@weekly is Sunday midnight",
      { cron: "@weekly", timeZone: "America/New_York" },
      "2025-01-01T00:00:00Z",
      ["2025-01-05T05:00:00.000Z", "2025-01-12T05:00:00.000Z"],
    ],
    [
      "@monthly",
      { cron: "@monthly" },
      "2025-01-15T00:00:00Z",
      ["2025-02-01T00:00:00.000Z", "2025-03-01T00:00:00.000Z"],
    ],
    [
      "Feb 29 only in leap years",
      { cron: "0 0 29 2 *" },
      "2025-01-01T00:00:00Z",
      ["2028-02-29T00:00:00.000Z", "2032-02-29T00:00:00.000Z"],
    ],
    [
      "day-of-month OR day-of-week when both restricted (13th or Monday)",
      { cron: "0 0 13 * 1" },
      "2025-01-01T00:00:00Z",
      [
        "2025-01-06T00:00:00.000Z",
        "2025-01-13T00:00:00.000Z",
        "2025-01-20T00:00:00.000Z",
        "2025-01-27T00:00:00.000Z",
        "2025-02-03T00:00:00.000Z",
        "2025-02-10T00:00:00.000Z",
        "2025-02-13T00:00:00.000Z",
      ],
    ],
    [
      "*/2 day-of-month OR Monday",
      { cron: "0 0 */2 * 1" },
      "2025-01-01T00:00:00Z",
      ["2025-01-03T00:00:00.000Z", "2025-01-05T00:00:00.000Z", "2025-01-06T00:00:00.000Z", "2025-01-07T00:00:00.000Z"],
    ],
    [
      "*/1 day-of-month AND Monday (star kept)",
      { cron: "0 0 */1 * 1" },
      "2025-01-01T00:00:00Z",
      ["2025-01-06T00:00:00.000Z", "2025-01-13T00:00:00.000Z"],
    ],
    [
      "Lord Howe fall back (30 minutes) does not break cron-parser",
      { cron: "0 2 * * *", timeZone: "Australia/Lord_Howe" },
      "2025-04-03T00:00:00Z",
      ["2025-04-03T15:00:00.000Z", "2025-04-04T15:00:00.000Z", "2025-04-05T15:30:00.000Z", "2025-04-06T15:30:00.000Z"],
    ],
  ];
  it.each(cases)("%s", (_name, schedule, from, expected) => {
    expect(iso(nextRuns(schedule, new Date(from), expected.length))).toEqual(expected);
  });

  it("returns [] for n = 0 and ignores suspend", () => {
    expect(nextRuns({ cron: "@daily" }, new Date("2025-01-01T00:00:00Z"), 0)).toEqual([]);
    expect(iso(nextRuns({ cron: "@daily", suspend: true }, new Date("2025-01-01T00:00:00Z"), 1))).toEqual([
      "2025-01-02T00:00:00.000Z",
    ]);
  });

  it("validates its arguments", () => {
    expect(inputError(() => nextRuns({ cron: "0 0 2 * * *" }, new Date(), 1)).field).toBe("schedule.cron");
    expect(inputError(() => nextRuns({ cron: "@daily", timeZone: "Nowhere/City" }, new Date(), 1)).field).toBe(
      "schedule.timeZone",
    );
    expect(() => nextRuns({ cron: "@daily" }, new Date(Number.NaN), 1)).toThrow(RangeError);
    expect(() => nextRuns({ cron: "@daily" }, new Date(), -1)).toThrow(RangeError);
    expect(() => nextRuns({ cron: "@daily" }, new Date(), 1.5)).toThrow(RangeError);
    expect(() => nextRuns({ cron: "@daily" }, new Date(), 10_001)).toThrow(RangeError);
  });

  it("property: runs are ascending, after `from`, and match the fields in the local wall clock", () => {
    const values = (min: number, max: number) =>
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 });
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant("*"),
        values(min, max).map((v) => v.join(",")),
      );
    fc.assert(
      fc.property(
        values(0, 59),
        values(0, 23),
        field(1, 28),
        field(1, 12),
        field(0, 6),
        fc.constantFrom("UTC", "Asia/Tokyo", "Asia/Kolkata"),
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2030, 0, 1) }),
        (minutes, hours, dom, month, dow, timeZone, from) => {
          const cron = `${minutes.join(",")} ${hours.join(",")} ${dom} ${month} ${dow}`;
          const runs = nextRuns({ cron, timeZone }, new Date(from), 5);
          expect(runs).toHaveLength(5);
          let previous = from;
          for (const run of runs) {
            expect(run.getTime()).toBeGreaterThan(previous);
            previous = run.getTime();
            const z = zonedDateTime(run, timeZone);
            expect(minutes).toContain(z.minute);
            expect(hours).toContain(z.hour);
            if (month !== "*") expect(month.split(",").map(Number)).toContain(z.month);
            const domMatch = dom === "*" || dom.split(",").map(Number).includes(z.day);
            const weekday = new Date(Date.UTC(z.year, z.month - 1, z.day)).getUTCDay();
            const dowMatch = dow === "*" || dow.split(",").map(Number).includes(weekday);
            expect(dom !== "*" && dow !== "*" ? domMatch || dowMatch : domMatch && dowMatch).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("previousRuns", () => {
  const cases: [string, { cron: string; timeZone?: string }, string, number, string[]][] = [
    [
      "daily UTC, newest first",
      { cron: "0 2 * * *" },
      "2025-01-03T10:00:00Z",
      3,
      ["2025-01-03T02:00:00.000Z", "2025-01-02T02:00:00.000Z", "2025-01-01T02:00:00.000Z"],
    ],
    ["a run exactly at `at` counts", { cron: "0 2 * * *" }, "2025-01-03T02:00:00Z", 1, ["2025-01-03T02:00:00.000Z"]],
    [
      "every minute: a short look-back",
      { cron: "* * * * *" },
      "2025-01-01T00:00:30Z",
      2,
      ["2025-01-01T00:00:00.000Z", "2024-12-31T23:59:00.000Z"],
    ],
    [
      "weekdays: Monday's previous run is Friday",
      { cron: "0 2 * * 1-5" },
      "2025-01-06T01:00:00Z",
      2,
      ["2025-01-03T02:00:00.000Z", "2025-01-02T02:00:00.000Z"],
    ],
    [
      "Berlin spring forward: 02:30 does not exist, ran at 03:30 CEST",
      { cron: "30 2 * * *", timeZone: "Europe/Berlin" },
      "2025-03-30T12:00:00Z",
      2,
      ["2025-03-30T01:30:00.000Z", "2025-03-29T01:30:00.000Z"],
    ],
    [
      "New York fall back: 01:30 ran once (EDT)",
      { cron: "30 1 * * *", timeZone: "America/New_York" },
      "2025-11-03T12:00:00Z",
      2,
      ["2025-11-03T06:30:00.000Z", "2025-11-02T05:30:00.000Z"],
    ],
    ["@yearly looks back a year", { cron: "@yearly" }, "2025-06-01T00:00:00Z", 1, ["2025-01-01T00:00:00.000Z"]],
    [
      "Feb 29 only: back to the last leap years",
      { cron: "0 0 29 2 *" },
      "2025-06-01T00:00:00Z",
      2,
      ["2024-02-29T00:00:00.000Z", "2020-02-29T00:00:00.000Z"],
    ],
    ["n = 0", { cron: "0 2 * * *" }, "2025-01-03T10:00:00Z", 0, []],
  ];
  it.each(cases)("%s", (_name, schedule, at, n, expected) => {
    expect(iso(previousRuns(schedule, new Date(at), n))).toEqual(expected);
  });

  it("is nextRuns backwards: no run between the newest and `at`, and the same runs forward", () => {
    const schedules = [
      { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
      { cron: "30 * * * *", timeZone: "America/New_York" },
      { cron: "0 */6 * * 1-5", timeZone: "Asia/Kolkata" },
      { cron: "15 3 1 * *", timeZone: "UTC" },
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...schedules),
        fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
        (schedule, at) => {
          const back = previousRuns(schedule, new Date(at), 3);
          expect(back).toHaveLength(3);
          expect(back[0]!.getTime()).toBeLessThanOrEqual(at);
          expect(nextRuns(schedule, back[0]!, 1)[0]!.getTime()).toBeGreaterThan(at);
          expect(iso(nextRuns(schedule, new Date(back[2]!.getTime() - 1), 3))).toEqual(iso([...back].reverse()));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses a bad schedule, instant or count", () => {
    expect(() => previousRuns({ cron: "0 2 * *" }, new Date(), 1)).toThrow(/schedule.cron/);
    expect(() => previousRuns({ cron: "0 2 * * *" }, new Date(NaN), 1)).toThrow(RangeError);
    expect(() => previousRuns({ cron: "0 2 * * *" }, new Date(), -1)).toThrow(RangeError);
  });
});

describe("minIntervalSeconds", () => {
  const cases: [string, string, string, number][] = [
    ["every minute", "* * * * *", "UTC", 60],
    ["every 15 minutes", "*/15 * * * *", "UTC", 900],
    ["every 2 minutes across DST", "*/2 * * * *", "Europe/Berlin", 120],
    ["hourly", "@hourly", "UTC", 3600],
    ["twice a day", "0 0,12 * * *", "UTC", 43_200],
    ["uneven minutes in one hour", "0,59 0 * * *", "UTC", 3540],
    ["daily in UTC", "0 2 * * *", "UTC", 86_400],
    ["daily in Europe/Berlin: the 23-hour spring-forward day", "0 3 * * *", "Europe/Berlin", 82_800],
    ["daily 01:30 in America/New_York (23 hours in March)", "30 1 * * *", "America/New_York", 82_800],
    ["daily in Asia/Tokyo (no DST)", "0 2 * * *", "Asia/Tokyo", 86_400],
    ["01:00 and 03:00 in UTC", "0 1,3 * * *", "UTC", 7200],
    ["01:00 and 03:00 in America/New_York: 1 hour on the spring-forward day", "0 1,3 * * *", "America/New_York", 3600],
    ["weekdays", "0 9 * * 1-5", "UTC", 86_400],
    ["@weekly", "@weekly", "UTC", 604_800],
    ["@monthly (February 2025)", "@monthly", "UTC", 28 * 86_400],
    ["@yearly", "@yearly", "UTC", 365 * 86_400],
    ["Feb 29 only: 4 years", "0 0 29 2 *", "UTC", 1461 * 86_400],
    ["every 30 minutes in a 30-minute-DST zone", "*/30 * * * *", "Australia/Lord_Howe", 1800],
  ];
  it.each(cases)("%s: %j in %s -> %d s", (_name, cron, timeZone, expected) => {
    expect(minIntervalSeconds(cron, timeZone)).toBe(expected);
  });

  it("defaults to UTC and accepts another window", () => {
    expect(minIntervalSeconds("0 3 * * *")).toBe(86_400);
    // A window in summer only sees no DST change.
    expect(
      minIntervalSeconds("0 3 * * *", "Europe/Berlin", { from: new Date("2025-05-01T00:00:00Z"), windowDays: 60 }),
    ).toBe(86_400);
  });

  it("rejects invalid input with field names", () => {
    expect(inputError(() => minIntervalSeconds("0 0 2 * * *", "UTC")).field).toBe("schedule.cron");
    expect(inputError(() => minIntervalSeconds("@daily", "Berlin")).field).toBe("schedule.timeZone");
    expect(() => minIntervalSeconds("@daily", "UTC", { windowDays: 0 })).toThrow(RangeError);
  });
});

describe("zonedDateTime", () => {
  const cases: [string, string, object][] = [
    [
      "2025-01-31T23:30:00Z",
      "Asia/Tokyo",
      { year: 2025, month: 2, day: 1, hour: 8, minute: 30, second: 0, offsetMinutes: 540 },
    ],
    [
      "2025-10-26T00:30:00Z",
      "Europe/Berlin",
      { year: 2025, month: 10, day: 26, hour: 2, minute: 30, offsetMinutes: 120 },
    ],
    [
      "2025-10-26T01:30:00Z",
      "Europe/Berlin",
      { year: 2025, month: 10, day: 26, hour: 2, minute: 30, offsetMinutes: 60 },
    ],
    [
      "2025-11-03T03:30:00Z",
      "America/New_York",
      { year: 2025, month: 11, day: 2, hour: 22, minute: 30, offsetMinutes: -300 },
    ],
    ["2025-01-01T00:00:00Z", "Asia/Kolkata", { year: 2025, month: 1, day: 1, hour: 5, minute: 30, offsetMinutes: 330 }],
    ["2025-01-01T00:00:00Z", "UTC", { year: 2025, month: 1, day: 1, hour: 0, minute: 0, offsetMinutes: 0 }],
  ];
  it.each(cases)("%s in %s", (instant, timeZone, expected) => {
    expect(zonedDateTime(new Date(instant), timeZone)).toMatchObject(expected);
  });
});
