/** The engine request of a backup, from checked inputs and, for a backup of a plan, the installed plan. */
import { describe, expect, it } from "vitest";
import type { PlanSpec } from "../../../provider/format/plan-spec";
import { checkBackup } from "../../../provider/plan/backup";
import { backupRequestOf } from "../../../provider/prepare/backup";
import type { BackupInputs } from "../../../provider/types";

const base: Partial<BackupInputs> = {
  resourceKind: "Backup",
  resourceName: "pre-migration",
  target: { namespaces: ["production"] },
};

describe("backupRequestOf: what a backup of a plan runs", () => {
  const spec: PlanSpec = {
    formatVersion: 1,
    name: "production-db-daily",
    namespace: "backups",
    storageLocation: "offsite",
    copies: [],
    target: { namespaces: ["production"], selector: "app=postgres-db", snapshotVolumes: true },
    volumeSnapshotClass: "csi-snap",
    retention: {
      last: 0,
      hourly: 0,
      daily: 7,
      weekly: 0,
      monthly: 0,
      yearly: 0,
      keepFailed: 1,
    } as PlanSpec["retention"],
    schedule: { cron: "0 2 * * *", timeZone: "UTC" },
    hooks: {
      pre: [
        {
          name: "checkpoint",
          selector: "app=postgres-db",
          container: "postgres",
          command: ["psql", "-c", "CHECKPOINT"],
        },
      ],
      post: [],
    },
    labels: { env: "production", tier: "db" },
    lockTtlSeconds: 3600,
  };
  const planOnly = checkBackup({
    resourceKind: "Backup",
    resourceName: "pre-migration",
    plan: spec.name,
    labels: { tier: "migration" },
  }).inputs;

  it("takes the plan's target, snapshot class and hooks, and its labels under the backup's", () => {
    const r = backupRequestOf(planOnly, "production-db-daily-20250101020000", "offsite", spec);
    expect(r).toMatchObject({
      name: "production-db-daily-20250101020000",
      storageLocation: "offsite",
      plan: "production-db-daily",
      target: spec.target,
      volumeSnapshotClass: "csi-snap",
      hooks: spec.hooks,
      labels: { env: "production", tier: "migration" },
    });
  });

  it("the backup's own hooks replace the plan's", () => {
    const own = checkBackup({
      ...planOnly,
      hooks: { post: [{ selector: { app: "web" }, container: "nginx", command: ["true"] }] },
    }).inputs;
    expect(backupRequestOf(own, "n", "offsite", spec).hooks).toEqual({
      pre: [],
      post: [{ selector: "app=web", container: "nginx", command: ["true"] }],
    });
  });

  it("a given target wins and the plan is only recorded", () => {
    const both = checkBackup({ ...base, plan: spec.name }).inputs;
    expect(backupRequestOf(both, "n", "main")).toMatchObject({
      plan: spec.name,
      target: { namespaces: ["production"], snapshotVolumes: false },
    });
  });

  it("without a target and without the plan's spec there is nothing to back up", () => {
    expect(() => backupRequestOf(planOnly, "n", "offsite")).toThrow(/target: is required/);
  });
});
