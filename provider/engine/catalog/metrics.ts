/**
 * Prometheus metrics of a namespace's plans and locations, in the text exposition format, built with
 * prom-client from what the monitoring views read (plan statuses from plan-status.ts, location
 * listings from catalog.ts). Pure apart from prom-client's own registry: every call builds a fresh
 * registry, so one process can serve several namespaces and nothing leaks between scrapes.
 *
 * Conventions (https://prometheus.io/docs/practices/naming/): base units (seconds, bytes), `_seconds`
 * timestamps since the epoch, gauges only (each value is a snapshot read from storage, not a counter
 * this process increments), enumerations as one series per value set to 1 or 0 (like
 * kube-state-metrics' `kube_pod_status_phase`). `namespace` is the namespace the plans and locations
 * are recorded in (`-n`); a plan is identified by `namespace` and `plan`.
 *
 * Restore drills (engine/drill) are identified by `namespace` and `drill`: their last run, its phase,
 * the last passed run and its measured RTO ({@link addDrillMetrics}).
 */
import { Gauge, Registry } from "prom-client";
import type { BackupSummary, CatalogPhase } from "./catalog";
import { CATALOG_PHASES } from "./search";
import { RPO_STATES, type PlanBackup, type PlanStatus } from "./plan-status";
import type { DrillRecord } from "../../format/drill";

/** What the metrics are computed from (provider/prepare/catalog-view.ts `CatalogView` fits). */
export interface MetricsSource {
  readonly namespace: string;
  readonly plans: readonly { readonly status: PlanStatus }[];
  readonly locations: readonly {
    readonly name: string;
    readonly backups: readonly BackupSummary[];
    /** Drill runs recorded in the location. */
    readonly drills?: readonly DrillRecord[];
    readonly error?: string;
  }[];
}

const FINISHED_PHASES: readonly CatalogPhase[] = ["Completed", "PartiallyFailed", "Failed"];

const seconds = (iso: string | undefined): number | undefined => {
  const ms = iso === undefined ? NaN : Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
};

function gauge(registry: Registry, name: string, help: string, labelNames: readonly string[]): Gauge<string> {
  return new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
}

function addPlanMetrics(registry: Registry, source: MetricsSource): void {
  const L = ["namespace", "plan"] as const;
  const g = {
    lastSuccess: gauge(
      registry,
      "hks_backup_last_success_timestamp_seconds",
      "When the newest Completed backup of the plan completed, in seconds since the epoch",
      L,
    ),
    lastSuccessAge: gauge(
      registry,
      "hks_backup_last_success_age_seconds",
      "Seconds from the start of the newest Completed backup of the plan to the time these metrics were read",
      L,
    ),
    lastRunStart: gauge(
      registry,
      "hks_backup_last_run_timestamp_seconds",
      "When the plan's last finished run (Completed, PartiallyFailed or Failed) started",
      L,
    ),
    lastRunPhase: gauge(
      registry,
      "hks_backup_last_run_phase",
      "The phase of the plan's last finished run: 1 for its phase, 0 for the others",
      [...L, "phase"],
    ),
    lastRunDuration: gauge(
      registry,
      "hks_backup_last_run_duration_seconds",
      "How long the plan's last finished run took, from start to completion or failure",
      L,
    ),
    lastRunItems: gauge(
      registry,
      "hks_backup_last_run_items",
      "Objects in the archive of the plan's last finished run (absent for a Failed run)",
      L,
    ),
    lastRunBytes: gauge(
      registry,
      "hks_backup_last_run_size_bytes",
      "Bytes stored for the plan's last finished run (one copy)",
      L,
    ),
    lastRunErrors: gauge(registry, "hks_backup_last_run_errors", "Errors recorded by the plan's last finished run", L),
    lastRunWarnings: gauge(
      registry,
      "hks_backup_last_run_warnings",
      "Warnings recorded by the plan's last finished run",
      L,
    ),
    rpo: gauge(
      registry,
      "hks_plan_rpo_state",
      "The plan's RPO state (OK, LATE, MISSING, PENDING; see hks plan status): 1 for its state, 0 for the others",
      [...L, "state"],
    ),
    nextRun: gauge(
      registry,
      "hks_plan_next_run_timestamp_seconds",
      "The plan's next scheduled run (absent while suspended)",
      L,
    ),
    interval: gauge(
      registry,
      "hks_plan_schedule_interval_seconds",
      "Seconds between the plan's last two scheduled runs",
      L,
    ),
    suspended: gauge(registry, "hks_plan_suspended", "1 when the plan's CronJob is suspended", L),
    backups: gauge(registry, "hks_plan_backups", "Backups of the plan over its locations, each counted once", L),
    info: gauge(registry, "hks_plan_info", "The plan's schedule, always 1", [...L, "cron", "time_zone"]),
  };
  for (const { status: s } of source.plans) {
    const l = { namespace: source.namespace, plan: s.plan };
    g.info.set({ ...l, cron: s.schedule.cron, time_zone: s.schedule.timeZone }, 1);
    g.suspended.set(l, s.suspended ? 1 : 0);
    g.backups.set(l, s.backups);
    for (const state of RPO_STATES) g.rpo.set({ ...l, state }, s.rpo.state === state ? 1 : 0);
    setIf(g.nextRun, l, seconds(s.nextRun));
    setIf(g.interval, l, s.intervalSeconds);
    setIf(g.lastSuccess, l, seconds(s.lastGood?.completedAt));
    setIf(g.lastSuccessAge, l, s.lastGoodAgeSeconds);
    const run: PlanBackup | undefined = s.lastFinishedRun;
    if (!run) continue;
    for (const phase of FINISHED_PHASES) g.lastRunPhase.set({ ...l, phase }, run.phase === phase ? 1 : 0);
    setIf(g.lastRunStart, l, seconds(run.startedAt));
    setIf(g.lastRunDuration, l, run.durationSeconds);
    setIf(g.lastRunItems, l, run.items);
    g.lastRunBytes.set(l, run.bytes);
    g.lastRunErrors.set(l, run.errors);
    g.lastRunWarnings.set(l, run.warnings);
  }
}

function setIf(g: Gauge<string>, labels: Record<string, string>, value: number | undefined): void {
  if (value !== undefined) g.set(labels, value);
}

function addLocationMetrics(registry: Registry, source: MetricsSource): void {
  const L = ["namespace", "location"] as const;
  const up = gauge(registry, "hks_location_up", "1 when the location's backups could be listed, else 0", L);
  const backups = gauge(registry, "hks_location_backups", "Backups stored in the location, by phase", [...L, "phase"]);
  const bytes = gauge(registry, "hks_location_stored_bytes", "Bytes stored by every backup in the location", L);
  for (const loc of source.locations) {
    const l = { namespace: source.namespace, location: loc.name };
    up.set(l, loc.error ? 0 : 1);
    if (loc.error) continue;
    for (const phase of CATALOG_PHASES)
      backups.set({ ...l, phase }, loc.backups.filter((b) => b.phase === phase).length);
    bytes.set(
      l,
      loc.backups.reduce((n, b) => n + b.bytes, 0),
    );
  }
}

/** Restore drills: per drill name, its newest run and its newest passed run (across locations). */
function addDrillMetrics(registry: Registry, source: MetricsSource): void {
  const runs = source.locations.flatMap((l) => l.drills ?? []);
  if (runs.length === 0) return;
  const L = ["namespace", "drill"] as const;
  const lastRun = gauge(registry, "hks_drill_last_run_timestamp_seconds", "When the drill's newest run started", L);
  const phase = gauge(
    registry,
    "hks_drill_last_run_phase",
    "1 for the phase of the drill's newest run (Passed or Failed), 0 for the other",
    [...L, "phase"],
  );
  const lastPass = gauge(
    registry,
    "hks_drill_last_success_timestamp_seconds",
    "When the drill's newest passed run completed, in seconds since the epoch",
    L,
  );
  const rto = gauge(
    registry,
    "hks_drill_last_success_rto_seconds",
    "The measured RTO of the drill's newest passed run: restore start until every workload was healthy",
    L,
  );
  const byDrill = new Map<string, DrillRecord[]>();
  for (const r of runs) byDrill.set(r.drill, [...(byDrill.get(r.drill) ?? []), r]);
  for (const [drill, list] of byDrill) {
    // Run ids start with the UTC start time: the largest is the newest.
    const newest = (rs: DrillRecord[]) => rs.reduce((a, b) => (b.runId > a.runId ? b : a));
    const l = { namespace: source.namespace, drill };
    const last = newest(list);
    lastRun.set(l, seconds(last.startedAt) ?? 0);
    for (const p of ["Passed", "Failed"]) phase.set({ ...l, phase: p }, last.phase === p ? 1 : 0);
    const passed = list.filter((r) => r.phase === "Passed");
    if (passed.length) {
      const p = newest(passed);
      lastPass.set(l, seconds(p.completedAt) ?? 0);
      if (p.rtoSeconds !== undefined) rto.set(l, p.rtoSeconds);
    }
  }
}

/** A fresh registry holding every metric of `source`, read at `now`. */
export function catalogRegistry(source: MetricsSource, now: Date): Registry {
  const registry = new Registry();
  addPlanMetrics(registry, source);
  addLocationMetrics(registry, source);
  addDrillMetrics(registry, source);
  gauge(
    registry,
    "hks_metrics_timestamp_seconds",
    "When these metrics were read from the cluster and the locations",
    [],
  ).set(now.getTime() / 1000);
  return registry;
}

/** The Prometheus text format (version 0.0.4) of `source`'s metrics. */
export function catalogMetricsText(source: MetricsSource, now: Date): Promise<string> {
  return catalogRegistry(source, now).metrics();
}

/** The content type of {@link catalogMetricsText}, for an HTTP endpoint. */
export const METRICS_CONTENT_TYPE = new Registry().contentType;
