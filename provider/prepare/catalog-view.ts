/**
 * What the monitoring front ends read, in one place: the storage locations recorded in a namespace
 * with their backups, and the plans installed there with their status (engine/catalog/plan-status.ts).
 * `hks backup list`, `hks plan list | status`, `hks metrics` and the dashboard call these, so they
 * always agree. A location that cannot be read is reported with its error, not thrown: one broken
 * bucket must not hide every other plan's status.
 */
import type * as k8s from "@kubernetes/client-node";
import { scanLocation, type BackupSummary } from "../engine/catalog/catalog";
import { readDrillRecords } from "../engine/drill/records";
import type { DrillRecord } from "../format/drill";
import { planStatus, type PlanStatus } from "../engine/catalog/plan-status";
import { listLocationConfigs, type LocationConfig } from "../kube/location-config";
import { listInstalledPlans, readInstalledPlan, type InstalledPlan } from "../kube/plan-config";
import { openLocationStore } from "./location-store";
import { loadRecordCache, saveRecordCache } from "./record-cache-file";

/** One location and what it holds. */
export interface LocationBackups {
  readonly name: string;
  /** Absent when a plan names a location that is not recorded. */
  readonly config?: LocationConfig;
  /** Its backups, sorted by name; empty when it could not be read. */
  readonly backups: BackupSummary[];
  /** Restore drill runs recorded beside its backups, newest first. */
  readonly drills?: DrillRecord[];
  /** Why it could not be read. */
  readonly error?: string;
}

/** An installed plan, its status and what made the status incomplete. */
export interface PlanView {
  readonly installed: InstalledPlan;
  readonly status: PlanStatus;
  /** The plan's locations that could not be read (the status leaves their backups out). */
  readonly problems: string[];
}

/** Everything the monitoring views show of a namespace. */
export interface CatalogView {
  readonly namespace: string;
  readonly locations: LocationBackups[];
  readonly plans: PlanView[];
  /** Plans whose records could not be read. */
  readonly problems: string[];
}

/** The names of a plan's locations: the primary, then its copies. */
export function planLocations(p: InstalledPlan): string[] {
  return [p.spec.storageLocation, ...p.spec.copies.map((c) => c.storageLocation)];
}

/**
 * Lists the backups of each location, catching each location's error. What unchanged records said
 * comes from this machine's record cache (record-cache-file.ts), so only new records are read.
 */
export async function readLocationBackups(
  kc: k8s.KubeConfig,
  configs: readonly LocationConfig[],
): Promise<LocationBackups[]> {
  return Promise.all(
    configs.map(async (config): Promise<LocationBackups> => {
      try {
        const store = await openLocationStore(kc, config);
        const cache = loadRecordCache(config);
        const { backups, drillKeys } = await scanLocation(store, config.name, { cache });
        saveRecordCache(config, cache);
        const { records: drills } = await readDrillRecords(store, drillKeys);
        // A folder without records names no location: it is in this one.
        return {
          name: config.name,
          config,
          backups: backups.map((b) => ({ ...b, storageLocation: b.storageLocation ?? config.name })),
          drills,
        };
      } catch (err) {
        return { name: config.name, config, backups: [], error: (err as Error).message };
      }
    }),
  );
}

/** The status of `installed` from the listings (those of its locations), with what was unreadable. */
export function planView(installed: InstalledPlan, listings: readonly LocationBackups[], now: Date): PlanView {
  const names = planLocations(installed);
  const mine = names.map(
    (n): LocationBackups =>
      listings.find((l) => l.name === n) ?? {
        name: n,
        backups: [],
        error: `storage location "${n}" is not recorded in namespace ${installed.spec.namespace}`,
      },
  );
  const status = planStatus({
    spec: installed.spec,
    backups: mine.flatMap((l) => l.backups),
    now,
    ...(installed.installedAt ? { installedAt: installed.installedAt } : {}),
    ...(installed.suspended !== undefined ? { suspended: installed.suspended } : {}),
  });
  return { installed, status, problems: mine.filter((l) => l.error).map((l) => `${l.name}: ${l.error}`) };
}

/**
 * Reads the namespace's locations and plans (or only `opts.plan`, with only its locations) and
 * computes every plan's status at `now`.
 */
export async function readCatalogView(
  kc: k8s.KubeConfig,
  namespace: string,
  now: Date,
  opts: { plan?: string } = {},
): Promise<CatalogView> {
  const { plans, problems } = opts.plan
    ? {
        plans: [await readInstalledPlan(kc, namespace, opts.plan, { field: "<plan>", fix: "see 'hks plan list'" })],
        problems: [],
      }
    : await listInstalledPlans(kc, namespace);
  let configs = await listLocationConfigs(kc, namespace);
  if (opts.plan) {
    const wanted = new Set(plans.flatMap(planLocations));
    configs = configs.filter((c) => wanted.has(c.name));
  }
  const locations = await readLocationBackups(kc, configs);
  return { namespace, locations, plans: plans.map((p) => planView(p, locations, now)), problems };
}
