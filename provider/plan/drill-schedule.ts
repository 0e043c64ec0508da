/**
 * Pure validation of a RestoreDrill's schedule: when its CronJob runs (`schedule`, the plan's
 * format), how its Job runs (`runner`, the plan's rules and defaults), and whether `pulumi up` also
 * runs the drill once (`runOnApply`). Errors name the field and the fix, before anything is created.
 */
import { validateSchedule } from "../format/schedule";
import type { BackupPlanInputs, BackupPlanRunnerInputs } from "../types";
import { capture } from "./plan-fields";
import { checkRunner } from "./plan-runner";
import { Checker, type CheckFailure } from "./validate";

/** A drill's validated schedule (absent: the drill runs on `pulumi up` only). */
export interface DrillScheduleSpec {
  readonly schedule?: BackupPlanInputs["schedule"];
  readonly runner?: BackupPlanRunnerInputs;
  /** Run once during `pulumi up` (create and replace). @default true without a schedule, false with one */
  readonly runOnApply: boolean;
}

/** Validates `schedule`, `runner` and `runOnApply` of a RestoreDrill and applies their defaults. */
export function checkDrillSchedule(raw: { schedule?: unknown; runner?: unknown; runOnApply?: unknown }): {
  spec?: DrillScheduleSpec;
  failures: CheckFailure[];
} {
  const c = new Checker();
  c.boolean("runOnApply", raw.runOnApply);
  const scheduled = c.present(raw.schedule);
  if (!scheduled && c.present(raw.runner))
    c.fail("runner", 'applies to a scheduled drill only: add schedule (e.g. { cron: "0 5 * * 1" }) or remove runner');
  if (!scheduled && raw.runOnApply === false)
    c.fail("runOnApply", "false leaves nothing to do without a schedule: add schedule, or remove runOnApply");
  const schedule = scheduled ? capture(c, () => validateSchedule(raw.schedule)) : undefined;
  const runner = scheduled ? checkRunner(c, raw.runner) : undefined;
  if (c.failures.length) return { failures: c.failures };
  return {
    failures: [],
    spec: {
      ...(schedule
        ? {
            schedule: {
              cron: schedule.cron,
              timeZone: schedule.timeZone,
              suspend: schedule.suspend,
              ...(schedule.startingDeadlineSeconds !== undefined
                ? { startingDeadlineSeconds: schedule.startingDeadlineSeconds }
                : {}),
            },
          }
        : {}),
      ...(runner ? { runner } : {}),
      runOnApply: typeof raw.runOnApply === "boolean" ? raw.runOnApply : !scheduled,
    },
  };
}
