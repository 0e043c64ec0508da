import { describe, expect, it } from "vitest";
import { clockFrom } from "../../../../cli/plan/command";

describe("the run clock of `hks run-plan --now` / HKS_NOW", () => {
  it("reads the given instant on its first call, however late that call comes, then runs at real speed", async () => {
    const now = clockFrom("2025-01-06T02:00:00Z", "HKS_NOW")!;
    await new Promise((r) => setTimeout(r, 1100));
    expect(now().toISOString()).toBe("2025-01-06T02:00:00.000Z");
    await new Promise((r) => setTimeout(r, 50));
    const later = now().getTime() - Date.parse("2025-01-06T02:00:00Z");
    expect(later).toBeGreaterThanOrEqual(45);
    expect(later).toBeLessThan(1000);
  });

  it("is absent without a value, and refuses a time it cannot parse, naming where it came from", () => {
    expect(clockFrom(undefined, "--now")).toBeUndefined();
    expect(clockFrom("", "HKS_NOW")).toBeUndefined();
    expect(() => clockFrom("yesterday", "--now")).toThrow(/--now: "yesterday" is not an ISO 8601 time/);
  });
});
