import { describe, expect, it } from "vitest";
import { drillFileFields, drillNamespace, drillRunId, runIdRandom } from "../../../provider/format/drill";
import { checkDrill } from "../../../provider/plan/drill";
import { createLayout, isRunId } from "../../../provider/store/layout";
import { InputError } from "../../../provider/errors";

describe("drill names", () => {
  it("a run id is the UTC start time and the random part, and the layout accepts it", () => {
    const id = drillRunId(new Date("2026-12-02T03:04:05.678Z"), "a1b2c3");
    expect(id).toBe("20261202t030405z-a1b2c3");
    expect(isRunId(id)).toBe(true);
    expect(runIdRandom(id)).toBe("a1b2c3");
  });

  it("a drill namespace is <prefix>-<random>-<source>, cut to 63 characters with a hash when longer", () => {
    expect(drillNamespace("drill", "a1b2c3", "production")).toBe("drill-a1b2c3-production");
    const long = "x".repeat(60);
    const a = drillNamespace("drill", "a1b2c3", long);
    const b = drillNamespace("drill", "a1b2c3", `${long.slice(0, 59)}y`);
    expect(a).toHaveLength(63);
    expect(a).toMatch(/^drill-a1b2c3-x+-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    // A cut that ends on '-' does not leave '--' before the hash.
    expect(drillNamespace("drill", "a1b2c3", `${"y".repeat(42)}-${"z".repeat(30)}`)).not.toMatch(/--/);
  });
});

describe("drill record keys", () => {
  const l = createLayout("team");
  it("sit in the backup's folder and parse back", () => {
    const key = l.drillRecordKey("nightly-1", "orders", "20261202t030405z-a1b2c3");
    expect(key).toBe("team/hks/v1/backups/nightly-1/drills/orders/20261202t030405z-a1b2c3.json");
    expect(l.parseDrillKey(key)).toEqual({
      backupName: "nightly-1",
      drill: "orders",
      runId: "20261202t030405z-a1b2c3",
    });
    expect(l.isValidLayoutKey(key)).toBe(true);
    // Not a backup file: listings of backups skip it.
    expect(l.parseBackupKey(key)).toBeUndefined();
  });

  it.each([
    "team/hks/v1/backups/nightly-1/drills/orders/not-a-run.json",
    "team/hks/v1/backups/nightly-1/drills/orders/20261202t030405z-a1b2c3.txt",
    "team/hks/v1/backups/nightly-1/other/orders/20261202t030405z-a1b2c3.json",
    "team/hks/v1/backups/Nightly/drills/orders/20261202t030405z-a1b2c3.json",
  ])("refuses %s", (key) => {
    expect(l.parseDrillKey(key)).toBeUndefined();
    expect(l.isValidLayoutKey(key)).toBe(false);
  });

  it("refuses to build a key from a bad run id", () => {
    expect(() => l.drillRecordKey("b", "d", "../x")).toThrow(InputError);
  });
});

describe("drillFileFields: a validated drill back as a drill file", () => {
  it.each([
    { name: "orders", plan: "nightly" },
    { name: "orders", plan: "nightly", pick: "random", windowDays: 3, includeNamespaces: ["shop"] },
    { name: "orders", plan: "nightly", volumeSource: "volume-data" },
    {
      name: "web",
      backup: "b-1",
      storageLocation: "main",
      restoreVolumes: false,
      keepOnFailure: true,
      deadlineSeconds: 60,
      checks: [
        { name: "n", exec: { pod: "p-0", command: ["true"], expect: { stdout: "3" } } },
        { name: "h", http: { service: "web", port: "http", path: "/x", expect: { status: 204, bodyContains: "ok" } } },
      ],
    },
  ])("checks to the same spec: %o", (raw) => {
    const { spec } = checkDrill(raw);
    const again = checkDrill(drillFileFields(spec!));
    expect(again.failures).toEqual([]);
    expect(again.spec).toEqual(spec);
  });
});
