/**
 * Check failures as the Pulumi engine prints them.
 *
 * Why (issue 15): for a failure with a property the engine prints
 * `<type> resource '<name>'s property '<property>' value <inputs[property]> has a problem: <reason>`,
 * looking the value up as a TOP-LEVEL input. A nested path such as `schedule.cron` finds nothing
 * there, nor does a required input left out, and the person reads `value {<nil>}`. Such failures are sent
 * without a property, their path leading the reason instead:
 * `<type> resource '<name>' has a problem: schedule.cron: <reason>`.
 */
import type { CheckFailure } from "./plan/validate";

/** Failures whose property is not a top-level input with a value: the property moved into the reason. */
export function engineCheckFailures(failures: readonly CheckFailure[], news: object): CheckFailure[] {
  const values = news as Record<string, unknown>;
  return failures.map((f) =>
    f.property === "" || (Object.prototype.hasOwnProperty.call(values, f.property) && values[f.property] != null)
      ? f
      : { property: "", reason: `${f.property}: ${f.reason}` },
  );
}
