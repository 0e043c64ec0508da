/**
 * Check failures reach the engine so that its message never shows `value {<nil>}` (issue 15): the
 * engine prints the value of a failure's property looked up as a top-level input.
 */
import { describe, expect, it } from "vitest";
import { engineCheckFailures } from "../../../provider/check-failures";
import { backupPlanHandler } from "../../../provider/handlers/backup-plan";

describe("engineCheckFailures", () => {
  const news = { existingResourcePolicy: "overwrite", schedule: { cron: "0 2 * *" }, target: undefined };
  it.each([
    {
      name: "a top-level input with a value keeps its property (the engine prints the value)",
      failure: { property: "existingResourcePolicy", reason: 'must be "none" or "update"' },
      want: { property: "existingResourcePolicy", reason: 'must be "none" or "update"' },
    },
    {
      name: "a nested path goes into the reason",
      failure: { property: "schedule.cron", reason: "expected 5 fields, got 4" },
      want: { property: "", reason: "schedule.cron: expected 5 fields, got 4" },
    },
    {
      name: "an input left out goes into the reason",
      failure: { property: "target", reason: "required" },
      want: { property: "", reason: "target: required" },
    },
    {
      name: "an element path goes into the reason",
      failure: { property: "copies[0].storageLocation", reason: "required" },
      want: { property: "", reason: "copies[0].storageLocation: required" },
    },
    { name: "no property stays so", failure: { property: "", reason: "x" }, want: { property: "", reason: "x" } },
  ])("$name", ({ failure, want }) => expect(engineCheckFailures([failure], news)).toEqual([want]));
});

describe("a BackupPlan's check, as dispatch sends it to the engine", () => {
  it("a bad cron names its path in the reason, without a property the engine would print as {<nil>}", async () => {
    const news = {
      resourceKind: "BackupPlan" as const,
      planName: "daily",
      target: { namespace: "app" },
      storageLocation: "main",
      schedule: { cron: "0 2 * *" },
      retention: { daily: 7 },
    };
    const r = await backupPlanHandler.check({}, news as unknown as Parameters<typeof backupPlanHandler.check>[1]);
    expect(engineCheckFailures(r.failures ?? [], news)).toEqual([
      { property: "", reason: expect.stringMatching(/^schedule\.cron: expected 5 fields, got 4 in "0 2 \* \*"/) },
    ]);
  });
});
