/** Finding backups: label selector, plan, phase, age, location; newest first; `--since` and `--phase` text. */
import { describe, expect, it } from "vitest";
import type { BackupSummary } from "../../../../provider/engine/catalog/catalog";
import {
  backupTime,
  belongsToPlan,
  filterBackups,
  parsePhases,
  parseSince,
  type BackupFilter,
} from "../../../../provider/engine/catalog/search";
import { parseLabelSelector } from "../../../../provider/format/label-selector";
import { inputError } from "../../../support/input-error";

const b = (name: string, over: Partial<BackupSummary> = {}): BackupSummary => ({
  name,
  phase: "Completed",
  labels: {},
  bytes: 1,
  errors: 0,
  warnings: 0,
  ...over,
});

const LIST: BackupSummary[] = [
  b("nightly-20260101020000", {
    plan: "nightly",
    labels: { env: "prod", team: "db" },
    startedAt: "2026-01-01T02:00:01Z",
    storageLocation: "main",
  }),
  b("nightly-20260102020000", {
    plan: "nightly",
    phase: "Failed",
    labels: { env: "prod" },
    startedAt: "2026-01-02T02:00:01Z",
    storageLocation: "main",
  }),
  b("nightly-20260103020000", { phase: "Incomplete", storageLocation: "main" }),
  b("adhoc", { labels: { env: "staging" }, startedAt: "2026-01-02T12:00:00Z", storageLocation: "offsite" }),
  b("nightly-copy", {
    plan: "nightly",
    phase: "PartiallyFailed",
    labels: { env: "prod", team: "db" },
    completedAt: "2026-01-01T12:00:00Z",
    storageLocation: "offsite",
  }),
  b("nameless-time"),
];

describe("filterBackups", () => {
  const cases: [string, BackupFilter, string[]][] = [
    [
      "no filter: everything, newest first, backups without a time last",
      {},
      [
        "nightly-20260103020000",
        "adhoc",
        "nightly-20260102020000",
        "nightly-copy",
        "nightly-20260101020000",
        "nameless-time",
      ],
    ],
    [
      "selector k=v",
      { selector: parseLabelSelector("env=prod") },
      ["nightly-20260102020000", "nightly-copy", "nightly-20260101020000"],
    ],
    [
      "selector k=v,k2=v2 (AND)",
      { selector: parseLabelSelector("env=prod,team=db") },
      ["nightly-copy", "nightly-20260101020000"],
    ],
    ["selector with != and set ops", { selector: parseLabelSelector("env notin (prod),env") }, ["adhoc"]],
    [
      "plan: its records, or an Incomplete backup with its generated name",
      { plan: "nightly" },
      ["nightly-20260103020000", "nightly-20260102020000", "nightly-copy", "nightly-20260101020000"],
    ],
    ["phase", { phases: ["Completed"] }, ["adhoc", "nightly-20260101020000", "nameless-time"]],
    ["several phases", { phases: ["Failed", "Incomplete"] }, ["nightly-20260103020000", "nightly-20260102020000"]],
    [
      "since: start time, else end time, else the name's stamp; no time is left out",
      { since: new Date("2026-01-01T12:00:00Z") },
      ["nightly-20260103020000", "adhoc", "nightly-20260102020000", "nightly-copy"],
    ],
    ["location", { storageLocation: "offsite" }, ["adhoc", "nightly-copy"]],
    [
      "every criterion together",
      {
        selector: parseLabelSelector("env=prod"),
        plan: "nightly",
        phases: ["Completed", "PartiallyFailed"],
        since: new Date("2026-01-01T03:00:00Z"),
      },
      ["nightly-copy"],
    ],
    ["nothing matches", { plan: "weekly" }, []],
  ];
  it.each(cases)("%s", (_name, filter, names) => {
    expect(filterBackups(LIST, filter).map((x) => x.name)).toEqual(names);
  });

  it("orders equal times by name, descending (a -2 suffix comes first)", () => {
    const t = "2026-01-01T00:00:00Z";
    expect(filterBackups([b("p-1", { startedAt: t }), b("p-1-2", { startedAt: t })]).map((x) => x.name)).toEqual([
      "p-1-2",
      "p-1",
    ]);
  });
});

describe("backupTime and belongsToPlan", () => {
  it("reads start, then end, then the UTC stamp of a generated name", () => {
    expect(backupTime(b("x", { startedAt: "2026-01-01T00:00:00Z", completedAt: "2026-01-01T00:01:00Z" }))).toBe(
      Date.parse("2026-01-01T00:00:00Z"),
    );
    expect(backupTime(b("x", { completedAt: "2026-01-01T00:01:00Z" }))).toBe(Date.parse("2026-01-01T00:01:00Z"));
    expect(backupTime(b("p-20260101020304-3"))).toBe(Date.parse("2026-01-01T02:03:04Z"));
    expect(backupTime(b("x", { startedAt: "garbage" }))).toBeUndefined();
  });

  it("attributes an Incomplete backup to a plan by its generated name only", () => {
    expect(belongsToPlan(b("daily-20260101020000", { phase: "Incomplete" }), "daily")).toBe(true);
    expect(belongsToPlan(b("Daily_DB-20260101020000", { phase: "Incomplete" }), "Daily_DB")).toBe(false);
    expect(belongsToPlan(b("daily-db-20260101020000", { phase: "Incomplete" }), "daily-db")).toBe(true);
    expect(belongsToPlan(b("daily-db-20260101020000", { phase: "Incomplete" }), "daily")).toBe(false);
    expect(belongsToPlan(b("daily-20260101020000", { phase: "Completed" }), "daily")).toBe(false);
    expect(belongsToPlan(b("other", { plan: "daily" }), "daily")).toBe(true);
  });
});

describe("parseSince", () => {
  const now = new Date("2026-01-10T00:00:00Z");
  const cases: [string, string][] = [
    ["7d", "2026-01-03T00:00:00.000Z"],
    ["2w", "2025-12-27T00:00:00.000Z"],
    ["12h", "2026-01-09T12:00:00.000Z"],
    ["1h30m", "2026-01-09T22:30:00.000Z"],
    ["90", "2026-01-09T23:58:30.000Z"],
    ["1.5d", "2026-01-08T12:00:00.000Z"],
    ["2026-01-05", "2026-01-05T00:00:00.000Z"],
    ["2026-01-05T02:00:00+02:00", "2026-01-05T00:00:00.000Z"],
  ];
  it.each(cases)("%s", (text, expected) => {
    expect(parseSince(text, now).toISOString()).toBe(expected);
  });

  it.each(["yesterday", "7y", "-7d", "", "2026-13-45"])("refuses %j naming --since", (text) => {
    const e = inputError(() => parseSince(text, now));
    expect(e.field).toBe("--since");
    expect(e.message).toMatch(/7d, 2w, 12h, 30m/);
  });
});

describe("parsePhases", () => {
  it("takes a list in any case, once each", () => {
    expect(parsePhases("completed,PartiallyFailed,Completed")).toEqual(["Completed", "PartiallyFailed"]);
  });
  it("refuses an unknown phase naming the field and the phases", () => {
    const e = inputError(() => parsePhases("Done"));
    expect(e.field).toBe("--phase");
    expect(e.message).toMatch(/Completed, PartiallyFailed, Failed, Incomplete/);
  });
});
