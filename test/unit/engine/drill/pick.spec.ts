import { describe, expect, it } from "vitest";
import { chooseDrillBackup } from "../../../../provider/engine/drill/pick";

const now = new Date("2026-12-02T12:00:00Z");
const b = (name: string, completedAt: string | undefined, phase = "Completed") => ({ name, phase, completedAt });
const candidates = [
  b("n-1", "2026-12-01T02:00:00Z"),
  b("n-2", "2026-11-20T02:00:00Z"),
  b("n-3", "2026-12-02T02:00:00Z", "PartiallyFailed"),
  b("n-4", "2026-11-30T02:00:00Z"),
  b("n-5", undefined, "Failed"),
];

describe("chooseDrillBackup", () => {
  it("newest: the newest Completed one, never a PartiallyFailed newer one", () => {
    expect(chooseDrillBackup(candidates, "newest", { windowDays: 7, now, random: 0.5 })?.name).toBe("n-1");
  });

  it.each([
    { random: 0, want: "n-1" },
    { random: 0.49, want: "n-1" },
    { random: 0.5, want: "n-4" },
    { random: 0.999, want: "n-4" },
  ])("random $random within 7 days: $want (n-2 is older, n-3 PartiallyFailed)", ({ random, want }) => {
    expect(chooseDrillBackup(candidates, "random", { windowDays: 7, now, random })?.name).toBe(want);
  });

  it("random with a wider window reaches older backups", () => {
    expect(chooseDrillBackup(candidates, "random", { windowDays: 30, now, random: 0.5 })?.name).toBe("n-2");
  });

  it("nothing Completed (or nothing in the window) is undefined", () => {
    expect(
      chooseDrillBackup([b("x", undefined, "Failed")], "newest", { windowDays: 7, now, random: 0 }),
    ).toBeUndefined();
    expect(
      chooseDrillBackup([b("x", "2026-01-01T00:00:00Z")], "random", { windowDays: 7, now, random: 0 }),
    ).toBeUndefined();
    expect(chooseDrillBackup([], "random", { windowDays: 7, now, random: 0 })).toBeUndefined();
  });
});
