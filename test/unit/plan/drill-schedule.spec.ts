/** A RestoreDrill's schedule, runner and runOnApply: defaults, and each mistake named with its fix. */
import { describe, expect, it } from "vitest";
import { checkDrillSchedule } from "../../../provider/plan/drill-schedule";
import { defaultRunnerImage } from "../../../provider/plan/plan-runner";

describe("checkDrillSchedule", () => {
  it("no schedule: runs on apply only, no runner", () => {
    expect(checkDrillSchedule({})).toEqual({ failures: [], spec: { runOnApply: true } });
  });

  it("a schedule: UTC by default, the default runner image, not run on apply unless asked", () => {
    const { spec } = checkDrillSchedule({ schedule: { cron: "0 5 * * 1" } });
    expect(spec).toMatchObject({
      schedule: { cron: "0 5 * * 1", timeZone: "UTC", suspend: false },
      runner: { image: defaultRunnerImage() },
      runOnApply: false,
    });
    expect(checkDrillSchedule({ schedule: { cron: "0 5 * * 1" }, runOnApply: true }).spec?.runOnApply).toBe(true);
  });

  it.each([
    { name: "a bad cron", raw: { schedule: { cron: "61 * * * *" } }, field: "schedule.cron" },
    { name: "a bad zone", raw: { schedule: { cron: "0 5 * * *", timeZone: "Mars/Base" } }, field: "schedule.timeZone" },
    { name: "a runner without a schedule", raw: { runner: { image: "x" } }, field: "runner" },
    { name: "runOnApply false without a schedule", raw: { runOnApply: false }, field: "runOnApply" },
    { name: "runOnApply not a boolean", raw: { runOnApply: "yes" }, field: "runOnApply" },
    {
      name: "a bad runner field",
      raw: { schedule: { cron: "0 5 * * *" }, runner: { imag: "x" } },
      field: "runner.imag",
    },
  ])("$name fails on $field", ({ raw, field }) => {
    const r = checkDrillSchedule(raw);
    expect(r.spec).toBeUndefined();
    expect(r.failures.map((f) => f.property)).toContain(field);
    for (const f of r.failures) expect(f.reason.length).toBeGreaterThan(10);
  });
});
