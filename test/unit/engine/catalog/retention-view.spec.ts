/** The retention timeline: the run's own selection, per location, with every reason. */
import { describe, expect, it } from "vitest";
import type { BackupSummary } from "../../../../provider/engine/catalog/catalog";
import { retentionTimeline } from "../../../../provider/engine/catalog/retention-view";
import type { PlanSpec } from "../../../../provider/format/plan-spec";

const R = { last: 0, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0, keepFailed: 0 };
const spec = {
  name: "db",
  storageLocation: "main",
  copies: [{ storageLocation: "offsite", retention: { ...R, last: 1 } }],
  retention: { ...R, daily: 2, keepFailed: 1 },
  schedule: { cron: "0 2 * * *", timeZone: "Europe/Berlin" },
} as unknown as PlanSpec;
const b = (
  name: string,
  startedAt: string,
  phase: BackupSummary["phase"] = "Completed",
  plan = "db",
): BackupSummary => ({
  name,
  phase,
  plan,
  startedAt,
  labels: {},
  bytes: 1,
  errors: 0,
  warnings: 0,
});

describe("retentionTimeline", () => {
  const backups = [
    b("db-3", "2026-03-10T01:00:00Z"),
    b("db-2", "2026-03-09T01:00:00Z"),
    b("db-1", "2026-03-08T01:00:00Z"),
    b("db-f", "2026-03-10T05:00:00Z", "Failed"),
    b("other", "2026-03-10T01:00:00Z", "Completed", "web"),
    b("db-incomplete", "2026-03-10T06:00:00Z", "Incomplete"),
  ];

  it("the primary: daily 2 keeps the newest of two days, the third day goes; a newer failure is kept", () => {
    const t = retentionTimeline(spec, "main", backups);
    expect(t.policy).toBe("daily 2, keepFailed 1");
    expect(t.points.map((p) => [p.name, p.kept])).toEqual([
      ["db-f", true],
      ["db-3", true],
      ["db-2", true],
      ["db-1", false],
    ]);
    expect(t.points.find((p) => p.name === "db-3")!.why).toEqual(
      expect.arrayContaining([expect.stringMatching(/daily 2026-03-10/)]),
    );
    expect(t.points.find((p) => p.name === "db-1")!.why[0]).toMatch(/not selected by any retention rule/);
  });

  it("a copy location uses the copy's own retention", () => {
    const t = retentionTimeline(spec, "offsite", backups.slice(0, 3));
    expect(t.policy).toBe("last 1");
    expect(t.points.filter((p) => p.kept).map((p) => p.name)).toEqual(["db-3"]);
  });

  it("a location that is not the plan's is an error", () => {
    expect(() => retentionTimeline(spec, "elsewhere", backups)).toThrow(/not one of plan db's/);
  });
});
