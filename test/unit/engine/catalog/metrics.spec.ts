/** The Prometheus text of plans and locations: names, labels, units and state sets, exactly. */
import { describe, expect, it } from "vitest";
import type { BackupSummary } from "../../../../provider/engine/catalog/catalog";
import { catalogMetricsText, METRICS_CONTENT_TYPE } from "../../../../provider/engine/catalog/metrics";
import { planStatus } from "../../../../provider/engine/catalog/plan-status";
import type { DrillRecord } from "../../../../provider/format/drill";

const now = new Date("2026-03-10T10:00:00Z");
const spec = (name: string) => ({
  name,
  namespace: "hks-system",
  schedule: { cron: "0 2 * * *", timeZone: "UTC" },
  lockTtlSeconds: 3600,
});
const backup = (over: Partial<BackupSummary>): BackupSummary => ({
  name: "x",
  phase: "Completed",
  labels: {},
  bytes: 0,
  errors: 0,
  warnings: 0,
  storageLocation: "main",
  ...over,
});
const main: BackupSummary[] = [
  backup({
    name: "db-20260309020000",
    plan: "db",
    startedAt: "2026-03-09T02:00:00Z",
    completedAt: "2026-03-09T02:01:40Z",
    items: 42,
    bytes: 4096,
    warnings: 1,
  }),
  backup({
    name: "db-20260310020000",
    plan: "db",
    phase: "Failed",
    startedAt: "2026-03-10T02:00:00Z",
    completedAt: "2026-03-10T02:00:12Z",
    bytes: 300,
    errors: 2,
  }),
  backup({ name: "manual", startedAt: "2026-03-01T00:00:00Z", bytes: 1000 }),
];
const source = {
  namespace: "hks-system",
  plans: [
    { status: planStatus({ spec: spec("db"), backups: main, now }) },
    { status: planStatus({ spec: spec("empty"), backups: [], now, suspended: true }) },
  ],
  locations: [
    { name: "main", backups: main },
    { name: "gone", backups: [], error: "NoSuchBucket" },
  ],
};

/** The sample lines (no HELP/TYPE) of `text` that start with `name`. */
const samples = (text: string, name: string) =>
  text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

describe("catalogMetricsText", () => {
  it("per plan: last success, the last finished run's phase, duration, items, size; RPO and schedule", async () => {
    const text = await catalogMetricsText(source, now);
    const db = 'namespace="hks-system",plan="db"';
    expect(samples(text, "hks_backup_last_success_timestamp_seconds")).toEqual([
      `hks_backup_last_success_timestamp_seconds{${db}} ${Date.parse("2026-03-09T02:01:40Z") / 1000}`,
    ]);
    expect(samples(text, "hks_backup_last_success_age_seconds")).toEqual([
      `hks_backup_last_success_age_seconds{${db}} ${32 * 3600}`,
    ]);
    expect(samples(text, "hks_backup_last_run_phase")).toEqual([
      `hks_backup_last_run_phase{${db},phase="Completed"} 0`,
      `hks_backup_last_run_phase{${db},phase="PartiallyFailed"} 0`,
      `hks_backup_last_run_phase{${db},phase="Failed"} 1`,
    ]);
    expect(samples(text, "hks_backup_last_run_timestamp_seconds")).toEqual([
      `hks_backup_last_run_timestamp_seconds{${db}} ${Date.parse("2026-03-10T02:00:00Z") / 1000}`,
    ]);
    expect(samples(text, "hks_backup_last_run_duration_seconds")).toEqual([
      `hks_backup_last_run_duration_seconds{${db}} 12`,
    ]);
    expect(samples(text, "hks_backup_last_run_items")).toEqual([]); // a Failed run archived nothing
    expect(samples(text, "hks_backup_last_run_size_bytes")).toEqual([`hks_backup_last_run_size_bytes{${db}} 300`]);
    expect(samples(text, "hks_backup_last_run_errors")).toEqual([`hks_backup_last_run_errors{${db}} 2`]);
    expect(samples(text, "hks_plan_rpo_state")).toEqual([
      `hks_plan_rpo_state{${db},state="OK"} 0`,
      `hks_plan_rpo_state{${db},state="LATE"} 1`,
      `hks_plan_rpo_state{${db},state="MISSING"} 0`,
      `hks_plan_rpo_state{${db},state="PENDING"} 0`,
      `hks_plan_rpo_state{namespace="hks-system",plan="empty",state="OK"} 0`,
      `hks_plan_rpo_state{namespace="hks-system",plan="empty",state="LATE"} 0`,
      `hks_plan_rpo_state{namespace="hks-system",plan="empty",state="MISSING"} 1`,
      `hks_plan_rpo_state{namespace="hks-system",plan="empty",state="PENDING"} 0`,
    ]);
    expect(samples(text, "hks_plan_next_run_timestamp_seconds")).toEqual([
      `hks_plan_next_run_timestamp_seconds{${db}} ${Date.parse("2026-03-11T02:00:00Z") / 1000}`,
    ]);
    expect(samples(text, "hks_plan_suspended")).toEqual([
      `hks_plan_suspended{${db}} 0`,
      `hks_plan_suspended{namespace="hks-system",plan="empty"} 1`,
    ]);
    expect(samples(text, "hks_plan_info")).toEqual([
      `hks_plan_info{${db},cron="0 2 * * *",time_zone="UTC"} 1`,
      `hks_plan_info{namespace="hks-system",plan="empty",cron="0 2 * * *",time_zone="UTC"} 1`,
    ]);
    expect(samples(text, "hks_plan_schedule_interval_seconds")).toContain(
      `hks_plan_schedule_interval_seconds{${db}} 86400`,
    );
    expect(samples(text, "hks_plan_backups")).toContain(`hks_plan_backups{${db}} 2`);
  });

  it("per location: up, backups by phase, stored bytes; an unreadable location is down with no counts", async () => {
    const text = await catalogMetricsText(source, now);
    expect(samples(text, "hks_location_up")).toEqual([
      'hks_location_up{namespace="hks-system",location="main"} 1',
      'hks_location_up{namespace="hks-system",location="gone"} 0',
    ]);
    expect(samples(text, "hks_location_backups")).toEqual([
      'hks_location_backups{namespace="hks-system",location="main",phase="Completed"} 2',
      'hks_location_backups{namespace="hks-system",location="main",phase="PartiallyFailed"} 0',
      'hks_location_backups{namespace="hks-system",location="main",phase="Failed"} 1',
      'hks_location_backups{namespace="hks-system",location="main",phase="Incomplete"} 0',
    ]);
    expect(samples(text, "hks_location_stored_bytes")).toEqual([
      'hks_location_stored_bytes{namespace="hks-system",location="main"} 5396',
    ]);
    expect(samples(text, "hks_metrics_timestamp_seconds")).toEqual([
      `hks_metrics_timestamp_seconds ${now.getTime() / 1000}`,
    ]);
  });

  it("per restore drill: its newest run and phase, its newest passed run and RTO, across locations", async () => {
    const run = (drill: string, runId: string, phase: "Passed" | "Failed", rtoSeconds?: number): DrillRecord => ({
      format: 1,
      drill,
      runId,
      backupName: "db-20260309020000",
      storageLocation: "main",
      phase,
      startedAt: `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T${runId.slice(9, 11)}:00:00.000Z`,
      completedAt: `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T${runId.slice(9, 11)}:01:00.000Z`,
      ...(rtoSeconds !== undefined ? { rtoSeconds } : {}),
      namespaces: {},
      restored: { objects: 1, skipped: 0, failed: 0, archiveBytes: 1, volumes: 0, volumeBytes: 0 },
      unhealthy: [],
      checks: [],
      cleanup: { deleted: [], kept: [] },
    });
    const text = await catalogMetricsText(
      {
        namespace: "hks-system",
        plans: [],
        locations: [
          { name: "main", backups: [], drills: [run("orders", "20260309t030000z-aaaaaa", "Passed", 41.5)] },
          { name: "copy", backups: [], drills: [run("orders", "20260310t030000z-bbbbbb", "Failed")] },
        ],
      },
      now,
    );
    const l = 'namespace="hks-system",drill="orders"';
    expect(samples(text, "hks_drill_last_run_timestamp_seconds")).toEqual([
      `hks_drill_last_run_timestamp_seconds{${l}} ${Date.parse("2026-03-10T03:00:00Z") / 1000}`,
    ]);
    expect(samples(text, "hks_drill_last_run_phase")).toEqual([
      `hks_drill_last_run_phase{${l},phase="Passed"} 0`,
      `hks_drill_last_run_phase{${l},phase="Failed"} 1`,
    ]);
    expect(samples(text, "hks_drill_last_success_timestamp_seconds")).toEqual([
      `hks_drill_last_success_timestamp_seconds{${l}} ${Date.parse("2026-03-09T03:01:00Z") / 1000}`,
    ]);
    expect(samples(text, "hks_drill_last_success_rto_seconds")).toEqual([
      `hks_drill_last_success_rto_seconds{${l}} 41.5`,
    ]);
    // No drills, no drill metrics.
    expect(await catalogMetricsText(source, now)).not.toContain("hks_drill_");
  });

  it("every metric has HELP and TYPE gauge, names in base units, and the text content type", async () => {
    const text = await catalogMetricsText({ namespace: "n", plans: [], locations: [] }, now);
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(types.length).toBeGreaterThan(15);
    for (const [name, type] of types) {
      expect(type, name).toBe("gauge");
      expect(name).toMatch(/^hks_[a-z_]+$/);
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S`, "m"));
      expect(name).not.toMatch(/_(ms|milliseconds|minutes|kb|mb)$/);
    }
    expect(METRICS_CONTENT_TYPE).toMatch(/^text\/plain; version=0.0.4/);
  });
});
