/** What `hks plan list | status` print, exactly, from a plan status. */
import { describe, expect, it } from "vitest";
import { planJson, planRows, planStatusText } from "../../../../cli/plan/format";
import { planStatus } from "../../../../provider/engine/catalog/plan-status";
import type { PlanSpec } from "../../../../provider/format/plan-spec";
import type { PlanView } from "../../../../provider/prepare/catalog-view";

const spec = {
  name: "db",
  namespace: "hks-system",
  storageLocation: "main",
  copies: [{ storageLocation: "offsite" }],
  schedule: { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
  lockTtlSeconds: 3600,
} as unknown as PlanSpec;

const view = (suspended: boolean, problems: string[] = []): PlanView => ({
  installed: { spec },
  problems,
  status: planStatus({
    spec,
    suspended,
    now: new Date("2026-03-10T10:00:00Z"),
    backups: [
      {
        name: "db-20260310010005",
        phase: "Completed",
        plan: "db",
        labels: {},
        startedAt: "2026-03-10T01:00:05Z",
        completedAt: "2026-03-10T01:00:35Z",
        items: 42,
        bytes: 2048,
        errors: 0,
        warnings: 1,
        storageLocation: "main",
      },
    ],
  }),
});

const LINE =
  "db-20260310010005 Completed, started 2026-03-10T01:00:05Z, took 30.0s, 42 items, 2.0 KiB, 1 warning, in main";

describe("plan output", () => {
  it("list rows: schedule, last run, age of the last good backup, next run in the zone, RPO", () => {
    expect(planRows([view(false).status, view(true).status])).toEqual({
      headers: ["NAME", "SCHEDULE", "TIME ZONE", "LAST RUN", "LAST GOOD", "NEXT RUN", "RPO"],
      rows: [
        [
          "db",
          "0 2 * * *",
          "Europe/Berlin",
          "Completed 2026-03-10T01:00:05Z",
          "8h 59m ago",
          "2026-03-11 02:00 +01:00",
          "OK",
        ],
        ["db", "0 2 * * *", "Europe/Berlin", "Completed 2026-03-10T01:00:05Z", "8h 59m ago", "suspended", "OK"],
      ],
    });
  });

  it("status text, with the problems of unreadable locations", () => {
    expect(planStatusText(view(false, ["offsite: access denied"]))).toBe(
      [
        "Plan:         db (namespace hks-system)",
        "Schedule:     0 2 * * * (Europe/Berlin)",
        "Locations:    main (primary), offsite (copy)",
        `Last run:     ${LINE}`,
        `Last good:    ${LINE} (8h 59m ago)`,
        "Next run:     2026-03-11 02:00 +01:00 (2026-03-11T01:00:00.000Z)",
        "Interval:     1d",
        "Backups:      1",
        "RPO:          OK: the newest Completed backup, db-20260310010005, started 8h 59m ago, at or after the run " +
          "of 2026-03-10T01:00:00.000Z (2026-03-10 02:00 +01:00)",
        "Problem:      offsite: access denied",
        "",
      ].join("\n"),
    );
    expect(planStatusText(view(true))).toMatch(/^Schedule: +0 2 \* \* \* \(Europe\/Berlin\), suspended$/m);
    expect(planStatusText(view(true))).toMatch(/^Next run: +- \(suspended\)$/m);
  });

  it("JSON is the status plus the problems", () => {
    const v = view(false, ["x"]);
    expect(planJson(v)).toEqual({ ...v.status, problems: ["x"] });
  });
});
