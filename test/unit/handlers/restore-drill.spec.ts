/** The RestoreDrill handler's pure methods: check (fields by the resource's names, unknowns at preview) and diff. */
import { describe, expect, it } from "vitest";
import { restoreDrillHandler } from "../../../provider/handlers/restore-drill";
import { UNKNOWN } from "../../../provider/kinds";
import type { RestoreDrillInputs, RestoreDrillOutputs } from "../../../provider/types";

const base = { resourceKind: "RestoreDrill", drillName: "orders", plan: "nightly" } as Partial<RestoreDrillInputs>;

describe("RestoreDrill check", () => {
  it("defaults the location namespace and passes a valid drill", async () => {
    const r = await restoreDrillHandler.check({}, base);
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ drillName: "orders", plan: "nightly", locationNamespace: "hks-system" });
  });

  it("names failures by the resource's inputs (drillName, not the drill file's name)", async () => {
    const r = await restoreDrillHandler.check({}, { ...base, drillName: "Orders", deadlineSeconds: 1 });
    expect(r.failures?.map((f) => f.property).sort()).toEqual(["deadlineSeconds", "drillName"]);
  });

  it("at preview, an unknown backup name (a Backup resource's output) is not a failure, nor a plan beside it", async () => {
    const r = await restoreDrillHandler.check(
      {},
      { resourceKind: "RestoreDrill", drillName: "orders", backupName: UNKNOWN },
    );
    expect(r.failures).toEqual([]);
    const both = await restoreDrillHandler.check({}, { ...base, backupName: "b-1" });
    expect(both.failures?.map((f) => f.property)).toEqual(["plan"]);
  });
});

describe("RestoreDrill diff", () => {
  const olds = { ...base, locationNamespace: "hks-system", owner: "urn:a" } as RestoreDrillOutputs & { owner: string };
  it.each([
    { name: "nothing changed", news: {}, replaces: [] },
    {
      name: "a check changed",
      news: { checks: [{ name: "x", http: { service: "w", port: 80 } }] },
      replaces: ["checks"],
    },
    { name: "the backup changed", news: { backupName: "b-2" }, replaces: ["backupName"] },
    { name: "triggers changed", news: { triggers: [1] }, replaces: ["triggers"] },
    { name: "only the owner changed", news: { owner: "urn:b" }, replaces: [] },
  ])("$name: replaces $replaces", async ({ news, replaces }) => {
    const d = await restoreDrillHandler.diff("orders/run", olds, { ...olds, ...news } as RestoreDrillInputs);
    expect(d.replaces).toEqual(replaces);
    expect(d.changes).toBe(replaces.length > 0);
  });
});

describe("RestoreDrill diff with a schedule", () => {
  const olds = {
    ...base,
    locationNamespace: "hks-system",
    schedule: { cron: "0 5 * * 1", timeZone: "UTC", suspend: false },
    installed: [{ apiVersion: "batch/v1", kind: "CronJob", name: "hks-drill-orders", namespace: "hks-system" }],
  } as unknown as RestoreDrillOutputs;
  it("a new schedule, runner or runOnApply updates in place (nothing runs)", async () => {
    for (const news of [
      { schedule: { cron: "0 6 * * 1", timeZone: "UTC", suspend: false } },
      { runner: { image: "r:2" } },
      { runOnApply: true },
    ]) {
      const d = await restoreDrillHandler.diff("orders", olds, { ...olds, ...news } as RestoreDrillInputs);
      expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });
  it("another change replaces it, deleting the installed objects first (the new ones have the same names)", async () => {
    const d = await restoreDrillHandler.diff("orders", olds, { ...olds, namespacePrefix: "x" } as RestoreDrillInputs);
    expect(d).toEqual({ changes: true, replaces: ["namespacePrefix"], deleteBeforeReplace: true });
  });
  it("check refuses a runner without a schedule, naming the field", async () => {
    const r = await restoreDrillHandler.check({}, { ...base, runner: { image: "x" } } as Partial<RestoreDrillInputs>);
    expect(r.failures?.map((f) => f.property)).toEqual(["runner"]);
  });
});
