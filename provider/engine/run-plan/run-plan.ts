/**
 * The plan runner behind `hks run-plan` (the CronJob's command): one scheduled run of a plan.
 *
 * 1. Open the primary location and every copy location (records in the plan's namespace).
 * 2. Take the run lock in the primary location (lock.ts); a held lock stops here. When
 *    it breaks the expired lock of a run that died, it first removes that run's incomplete uploads
 *    in every location (a kill or an outage mid-publish leaves one; nothing else would remove it).
 * 3. Back up ONCE with the shared engine (backup/backup.ts) into a private spill folder, unencrypted,
 *    named `<plan>-YYYYMMDDHHMMSS` (unique in every location).
 * 4. Publish it to the primary, then to each copy, each encrypted for its own recipients (catalog/publish.ts);
 *    volume data goes into the primary during the backup, and into each copy by mover Pods of its own;
 *    with `verifyAfterBackup`, read each published copy back (catalog/verify-backup.ts).
 *    A Failed backup publishes its failure record to the primary only: a copy holds restorable
 *    backups, and the primary's history shows the failure.
 * 5. Apply retention in every location with its own policy (catalog/prune.ts), also after a failed backup:
 *    it never deletes the newest Completed backup, and it prunes superseded failures.
 * 6. Release the lock and remove the spill folder, whatever happened.
 * Errors after step 2 are collected per step, so one broken copy location does not stop the
 * primary's backup or retention; the exit code says whether everything succeeded.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LocationConfig } from "../../kube/location-config";
import { FsObjectStore, type ObjectStore } from "../../store";
import { runBackup } from "../backup/backup";
import type { BackupDeps, MoverDeps } from "../backup/types";
import { copyVolumes } from "../volume-data/mover";
import { deleteSnapshotsAfterCopy } from "../snapshot/snapshot";
import { backupExists, generateBackupName } from "../backup/name";
import { verifyBackup } from "../catalog/verify-backup";
import { abortBackupUploads } from "../catalog/catalog";
import { publishBackup, type PublishedBackup } from "../catalog/publish";
import { summarizeBackupCounts } from "../backup/result";
import type { BackupManifest, BackupPhase, ItemError, VolumeDataRecord } from "../../format/manifest";
import { applyRetention, type PruneResult } from "../catalog/prune";
import type { ProgressSink } from "../progress";
import { acquireRunLock, releaseRunLock } from "./lock";
import type { PlanSpec } from "../../format/plan-spec";

/** A location opened for a run. */
export interface OpenedLocation {
  readonly config: LocationConfig;
  readonly store: ObjectStore;
}

/** The collaborators of a run (the CLI wires the real ones; tests pass memory stores). */
export interface RunPlanDeps {
  /** Opens a location by name; throws an error naming it when it is missing or unreadable. */
  openLocation(name: string): Promise<OpenedLocation>;
  /** Cluster side of the backup (reader, executor, snapshots, sourceCluster). */
  readonly backup: Omit<BackupDeps, "store" | "recipients" | "progress" | "log" | "now" | "signal" | "mover">;
  /** Mover Pods writing volume data into `location` (a plan whose target has `volumeData`). */
  readonly mover?: (location: LocationConfig) => Promise<MoverDeps>;
  /** The run's clock (`--now` / HKS_NOW make it start at a given instant). */
  readonly now: () => Date;
  /** Lock holder identity: the Job's Pod name, else `<host>:<pid>`. */
  readonly holder: string;
  readonly log: (line: string) => void;
  readonly progress?: ProgressSink;
  /** Parent folder of the spill folder. @default os.tmpdir() (the Job's emptyDir at /tmp) */
  readonly spillDir?: string;
  /** Object-lock checker per store (prune-lock.ts), if the store supports it. */
  readonly lockChecker?: (store: ObjectStore) => ((name: string) => Promise<boolean>) | undefined;
  readonly signal?: AbortSignal;
}

/** What happened in one location. */
export interface LocationOutcome {
  readonly location: string;
  readonly role: "primary" | "copy";
  readonly published?: PublishedBackup;
  /** The copy read back after publishing (`verifyAfterBackup`). */
  readonly verified?: { readonly objects: number; readonly contentsChecked: boolean };
  readonly retention?: PruneResult;
  readonly errors: string[];
}

/** The outcome of a run. */
export interface RunPlanResult {
  readonly plan: string;
  readonly backupName?: string;
  readonly phase?: BackupPhase;
  /** `Completed: 42 objects (7 types)` style summary of the backup itself. */
  readonly backupSummary?: string;
  readonly locations: LocationOutcome[];
  /** Errors not tied to one location (the backup's fatal error, a lock problem at release). */
  readonly errors: string[];
  readonly warnings: string[];
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A name `<plan>-YYYYMMDDHHMMSS` free in every store (`-2`, `-3`, ... on a collision). */
async function freeBackupName(plan: string, now: Date, stores: readonly ObjectStore[]): Promise<string> {
  const first = generateBackupName(plan, now);
  for (let i = 1; i < 100; i++) {
    const candidate = i === 1 ? first : `${first}-${i}`;
    const taken = await Promise.all(stores.map((s) => backupExists(s, candidate)));
    if (!taken.includes(true)) return candidate;
  }
  throw new Error(`no free backup name for ${first} in ${stores.map((s) => s.describe()).join(", ")}`);
}

/**
 * Aborts the incomplete uploads of `backup`, written by a run that died holding the lock, in every
 * store. Returns warnings for stores where that failed (the backup itself goes on).
 */
async function removeDeadRunUploads(
  stores: readonly ObjectStore[],
  backup: string,
  log: (line: string) => void,
): Promise<string[]> {
  const warnings: string[] = [];
  for (const store of stores) {
    try {
      const n = await abortBackupUploads(store, backup);
      if (n)
        log(
          `removed ${n} incomplete upload(s) of backup ${backup} from ${store.describe()}: left by the run that died`,
        );
    } catch (err) {
      warnings.push(
        `could not remove the incomplete uploads of backup ${backup} (left by a run that died) from ` +
          `${store.describe()}: ${message(err)}`,
      );
    }
  }
  return warnings;
}

/** Runs `spec` once (see the module comment). Throws only when nothing could start (primary or lock). */
export async function runPlan(spec: PlanSpec, deps: RunPlanDeps): Promise<RunPlanResult> {
  // The backup is named after the instant the run started, whatever opening locations costs.
  const runStart = deps.now();
  const targets = await openTargets(spec, deps);
  const [[, primary]] = targets as [[LocationOutcome, OpenedLocation], ...Target[]];
  const outcomes = targets.map(([outcome]) => outcome);
  const stores = targets.flatMap(([, loc]) => (loc ? [loc.store] : []));
  // Named before locking, so the lock records which backup this run writes.
  const name = await freeBackupName(spec.name, runStart, stores);
  const lock = await acquireRunLock(primary.store, spec.name, {
    holder: deps.holder,
    runId: crypto.randomBytes(8).toString("hex"),
    now: deps.now(),
    ttlSeconds: spec.lockTtlSeconds,
    backup: name,
    log: deps.log,
  });
  const errors: string[] = [];
  const warnings: string[] = [];
  const spillRoot = fs.mkdtempSync(path.join(deps.spillDir ?? os.tmpdir(), "hks-run-"));
  let result: RunPlanResult = { plan: spec.name, locations: outcomes, errors, warnings };
  try {
    if (lock.broken?.backup) warnings.push(...(await removeDeadRunUploads(stores, lock.broken.backup, deps.log)));
    deps.log(`plan ${spec.name}: backup ${name} (lock held by ${deps.holder} until ${lock.expiresAt})`);
    const spill = new FsObjectStore({ root: spillRoot });
    const backup = await runBackup(
      {
        name,
        storageLocation: primary.config.name,
        target: spec.target,
        volumeSnapshotClass: spec.volumeSnapshotClass,
        plan: spec.name,
        labels: { ...spec.labels },
        hooks: spec.hooks,
        // Copy locations read the snapshots after the backup: they go once every location has its copy.
        deferSnapshotRemoval: true,
      },
      {
        ...deps.backup,
        // Volume data goes straight into the primary location (the spill holds only the records).
        ...(deps.mover ? { mover: () => deps.mover!(primary.config) } : {}),
        store: spill,
        recipients: [],
        now: deps.now,
        log: deps.log,
        progress: deps.progress,
        signal: deps.signal,
      },
    );
    if (backup.phase === "Failed")
      errors.push(`backup ${name} Failed: ${backup.record.errors[0]?.reason ?? "unknown reason"}`);
    warnings.push(...backup.record.warnings);
    const backupSummary =
      backup.phase === "Failed" ? undefined : summarizeBackupCounts(backup.record as BackupManifest);
    result = { ...result, backupName: name, phase: backup.phase, backupSummary };
    for (const target of targets) await publishTo(target, spill, name, backup.phase, spec, deps);
    // `keepSnapshots: false`: the snapshots the backup marked go once every location has its copy.
    if (backup.phase !== "Failed" && deps.backup.snapshots)
      await deleteSnapshotsAfterCopy(deps.backup.snapshots, (backup.record as BackupManifest).volumeSnapshots, {
        warn: (w) => warnings.push(w),
        log: deps.log,
      });
    await applyRetentionEverywhere(targets, spec, deps);
    return result;
  } catch (err) {
    errors.push(message(err));
    return result;
  } finally {
    await releaseRunLock(primary.store, lock, deps.log).catch((err: unknown) =>
      errors.push(`releasing the run lock: ${message(err)}`),
    );
    fs.rmSync(spillRoot, { recursive: true, force: true });
  }
}

/**
 * A copy location's own volume data: the PVCs the primary got copies of are copied again from the
 * same snapshots (consistent with the same hooks), into this location, encrypted for its recipients.
 */
async function copyToLocation(
  m: BackupManifest,
  loc: OpenedLocation,
  deps: RunPlanDeps,
): Promise<{ records: VolumeDataRecord[]; errors: ItemError[] }> {
  const jobs = (m.volumeData ?? []).flatMap((r) => {
    const snapshot = m.volumeSnapshots.find(
      (s) => s.namespace === r.namespace && s.persistentVolumeClaim === r.persistentVolumeClaim,
    );
    return !r.error && snapshot ? [{ pvc: { namespace: r.namespace, name: r.persistentVolumeClaim }, snapshot }] : [];
  });
  const skipped = (m.volumeData ?? []).filter((r) => r.error);
  const errors: ItemError[] = skipped.map((r) => ({
    item: `volume-data/${r.namespace}/${r.persistentVolumeClaim}`,
    reason: `not copied here: the primary's copy failed (${r.error})`,
  }));
  if (!deps.mover) {
    const reason = "not copied here: this runner has no mover";
    return {
      records: (m.volumeData ?? []).map((r) => ({ ...r, error: reason })),
      errors: jobs.map((j) => ({ item: `volume-data/${j.pvc.namespace}/${j.pvc.name}`, reason })),
    };
  }
  const mover = await deps.mover(loc.config);
  const res = await copyVolumes(mover.cluster, jobs, {
    backup: m.name,
    location: loc.config,
    image: mover.image,
    log: deps.log,
    progress: deps.progress,
    signal: deps.signal,
  });
  return { records: [...res.records, ...skipped], errors: [...res.errors, ...errors] };
}

/** A location of the run and what happened there; the location is undefined when it could not be opened. */
type Target = [LocationOutcome, OpenedLocation | undefined];

/**
 * Opens the primary location (a failure stops the run) and every copy location (a failure is that
 * copy's error: the others go on). The primary comes first.
 */
async function openTargets(spec: PlanSpec, deps: RunPlanDeps): Promise<Target[]> {
  const primary = await deps.openLocation(spec.storageLocation);
  if (primary.config.accessMode === "ReadOnly") {
    throw new Error(
      `storage location "${primary.config.name}" is ReadOnly (restore only): a plan writes to a ReadWrite location`,
    );
  }
  const targets: Target[] = [[{ location: primary.config.name, role: "primary", errors: [] }, primary]];
  for (const c of spec.copies) {
    try {
      const opened = await deps.openLocation(c.storageLocation);
      if (opened.config.accessMode === "ReadOnly")
        throw new Error(`storage location "${c.storageLocation}" is ReadOnly: a copy needs a ReadWrite location`);
      targets.push([{ location: c.storageLocation, role: "copy", errors: [] }, opened]);
    } catch (err) {
      targets.push([
        { location: c.storageLocation, role: "copy", errors: [`cannot open: ${message(err)}`] },
        undefined,
      ]);
    }
  }
  return targets;
}

/**
 * Publishes the spilled backup to one location, encrypted for its recipients, and with
 * `verifyAfterBackup` reads it back. A Failed backup goes to the primary only. Errors are the location's.
 */
async function publishTo(
  [outcome, loc]: Target,
  spill: ObjectStore,
  name: string,
  phase: BackupPhase,
  spec: PlanSpec,
  deps: RunPlanDeps,
): Promise<void> {
  if (!loc || (phase === "Failed" && outcome.role === "copy")) return;
  try {
    const published = await publishBackup(spill, name, {
      location: loc.config.name,
      store: loc.store,
      recipients: loc.config.recipients ?? [],
      signal: deps.signal,
      ...(outcome.role === "copy" ? { copyVolumeData: (m: BackupManifest) => copyToLocation(m, loc, deps) } : {}),
    });
    Object.assign(outcome, { published });
    const recipients = loc.config.recipients?.length;
    const encrypted = recipients ? ` (encrypted for ${recipients} recipient(s))` : "";
    deps.log(`${outcome.role} ${loc.config.name}: ${published.url}${encrypted}`);
  } catch (err) {
    outcome.errors.push(`publishing ${name}: ${message(err)}`);
    return;
  }
  if (!spec.verifyAfterBackup || phase === "Failed") return;
  try {
    // The runner holds no identity: an encrypted copy is checked by size and SHA-256 only.
    const v = await verifyBackup(loc.store, name, { signal: deps.signal });
    Object.assign(outcome, { verified: { objects: v.objects, contentsChecked: v.contentsChecked } });
    const how = v.contentsChecked
      ? `${v.objects} objects read back`
      : "size and SHA-256 (encrypted; contents not read)";
    deps.log(`${outcome.role} ${loc.config.name}: verified ${how}`);
  } catch (err) {
    outcome.errors.push(`verifying ${name} after publishing: ${message(err)}`);
  }
}

/** Applies retention in every opened location with its own policy; errors are the location's. */
async function applyRetentionEverywhere(targets: readonly Target[], spec: PlanSpec, deps: RunPlanDeps): Promise<void> {
  const policies = [spec.retention, ...spec.copies.map((c) => c.retention)];
  for (const [n, [outcome, loc]] of targets.entries()) {
    if (!loc) continue;
    try {
      const retention = await applyRetention(loc.store, {
        plan: spec.name,
        policy: policies[n]!,
        timeZone: spec.schedule.timeZone,
        log: deps.log,
        isLocked: deps.lockChecker?.(loc.store),
      });
      Object.assign(outcome, { retention });
      outcome.errors.push(...retention.failed.map((f) => `retention could not delete ${f.name}: ${f.reason}`));
    } catch (err) {
      outcome.errors.push(`retention: ${message(err)}`);
    }
  }
}
