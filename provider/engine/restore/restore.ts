/**
 * The restore engine (design.md, "Restore pipeline"): one function used by the Restore resource and
 * by `hks restore create`.
 *
 *   read manifest → check identity → download + verify SHA-256 → decrypt + read + transform every
 *   object into a spill folder → (only now touch the cluster) apply tier by tier → owner references
 *   → result.
 *
 * Everything before the apply pass is read-only on the cluster: a missing or failed backup, a bad
 * checksum, a truncated archive, a wrong identity or a tampered entry stops the restore with the
 * cluster unchanged. Per-object failures are collected (PartiallyFailed); only a failure that stops
 * the restore as a whole makes it Failed (velero: `Backup` returns only total failure).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../../errors";
import type { ObjectStore } from "../../store";
import type { BackupManifest, VolumeDataRecord } from "../../format/manifest";
import { NO_PROGRESS } from "../progress";
import { OwnerTracker } from "./owners";
import { restorePhase, RestoreOutcomes } from "./result";
import { spillArchive, type SpillIndex } from "./spill";
import { applyTiers } from "./tiers";
import type { CreatedNamespace, RestoreOptions, RestoreResult } from "./types";
import type { RestoreCluster } from "../../kube/target-cluster";
import { chooseVolumeSource, snapshotInPlace, VolumeRestorer } from "./volumes";
import type { FillDeps } from "../volume-data/fill";
import { parseLabelSelector } from "../../format/label-selector";
import type { TransformOptions } from "../transform/transform";
import { storedVolumeData, verifyVolumeData } from "../catalog/verify-backup";
import {
  checkIdentities,
  fetchVerifiedArchive,
  readBackupManifest,
  readVerifiedArchive,
} from "../catalog/read-verified";

/** Objects applied at once within a tier, unless the options say otherwise. */
export const DEFAULT_RESTORE_CONCURRENCY = 16;
/** How long restored CRDs may take to become Established. */
export const DEFAULT_CRD_TIMEOUT_MS = 60_000;

/** Where the backup is read from and where it is restored to. */
export interface RestoreDeps {
  /** The storage location's store (rooted at its prefix). */
  readonly store: ObjectStore;
  /** The location's name, for the result. */
  readonly storageLocation: string;
  readonly cluster: RestoreCluster;
  /** How claims are filled from volume data (mover Pods); without it only snapshots are used. */
  readonly filler?: () => Promise<FillDeps>;
}

function transformOptionsOf(opts: RestoreOptions, manifest: BackupManifest): TransformOptions {
  return {
    namespaceMapping: opts.namespaceMapping ?? {},
    backupNamespaces: manifest.target?.namespaces?.length ? manifest.target.namespaces : undefined,
    includeNamespaces: opts.includeNamespaces?.length ? opts.includeNamespaces : undefined,
    includeResources: opts.includeResources,
    excludeResources: opts.excludeResources,
    selector: opts.selector ? parseLabelSelector(opts.selector) : undefined,
    patches: opts.patches,
    preserveNodePorts: opts.preserveNodePorts,
    namespacedOnly: opts.namespacedOnly,
  };
}

/**
 * Refuses a mapping that cannot mean what the user wants, before anything is applied: a source
 * namespace the backup does not hold, or two source namespaces restored into one target.
 */
export function checkMapping(opts: RestoreOptions, manifest: BackupManifest, index: SpillIndex): void {
  const mapping = opts.namespaceMapping ?? {};
  const held = new Set([...(manifest.target?.namespaces ?? []), ...index.sourceNamespaces]);
  for (const src of Object.keys(mapping)) {
    if (!held.has(src))
      throw new InputError(
        `namespaceMapping.${src}`,
        `backup ${manifest.name} holds no namespace ${src} (it holds: ${[...held].sort().join(", ") || "none"})`,
      );
  }
  for (const ns of opts.includeNamespaces ?? []) {
    if (!held.has(ns))
      throw new InputError(
        "includeNamespaces",
        `backup ${manifest.name} holds no namespace ${ns} (it holds: ${[...held].sort().join(", ") || "none"})`,
      );
  }
  const into = new Map<string, string>();
  for (const src of [...held].filter((n) => !opts.includeNamespaces?.length || opts.includeNamespaces.includes(n))) {
    const target = mapping[src] ?? src;
    const other = into.get(target);
    if (other)
      throw new InputError(
        "namespaceMapping",
        `namespaces ${other} and ${src} would both be restored into ${target}; map them to different namespaces`,
      );
    into.set(target, src);
  }
}

/** Runs a restore; see the module comment. Never throws for a restore failure: the result says. */
export async function runRestore(deps: RestoreDeps, opts: RestoreOptions): Promise<RestoreResult> {
  const startedAt = new Date().toISOString();
  const outcomes = new RestoreOutcomes();
  const created: CreatedNamespace[] = [];
  const progress = opts.progress ?? NO_PROGRESS;
  let volumes: VolumeRestorer | undefined;
  let error: string | undefined;
  let applyMs = 0;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-restore-"));
  try {
    const { manifest, index } = await verifyAndSpill(deps, opts, tmp, outcomes);
    // ---- Nothing in the cluster has been touched up to here. ----
    if (opts.restoreVolumes)
      volumes = new VolumeRestorer(
        deps.cluster,
        opts.restoreName,
        manifest.volumeSnapshots ?? [],
        outcomes,
        opts.volumeSource,
        deps.filler && {
          backup: manifest.name,
          records: manifest.volumeData ?? [],
          identities: opts.identities ?? [],
          deps: deps.filler,
        },
      );
    const pvcs = index.types.get("persistentvolumeclaims")?.count ?? 0;
    if (pvcs && !opts.restoreVolumes)
      outcomes.warn(
        `${pvcs} PVC(s) restored without their data (restoreVolumes is off): each gets a new empty volume from ` +
          `its StorageClass`,
      );
    const t0 = Date.now();
    await applyTiers(index, {
      cluster: deps.cluster,
      policy: opts.existingResourcePolicy ?? "none",
      outcomes,
      owners: new OwnerTracker(deps.cluster),
      created,
      volumes,
      concurrency: opts.concurrency ?? DEFAULT_RESTORE_CONCURRENCY,
      crdTimeoutMs: opts.crdTimeoutMs ?? DEFAULT_CRD_TIMEOUT_MS,
      progress,
      signal: opts.signal,
    });
    applyMs = Date.now() - t0;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return resultOf(deps, opts, { startedAt, outcomes, created, volumes, error, applyMs });
}

/**
 * Reads the manifest, checks the identities, downloads and verifies the archive, and spills it into
 * `tmp` transformed (index by type); then refuses a mapping that cannot hold. Touches no cluster.
 */
async function verifyAndSpill(
  deps: RestoreDeps,
  opts: RestoreOptions,
  tmp: string,
  outcomes: RestoreOutcomes,
): Promise<{ manifest: BackupManifest; index: SpillIndex }> {
  const progress = opts.progress ?? NO_PROGRESS;
  const manifest = await readBackupManifest(deps.store, opts.backupName);
  await checkIdentities(manifest, opts.identities ?? []);
  const file = await fetchVerifiedArchive(deps.store, manifest, tmp, { progress, signal: opts.signal });
  const entries = readVerifiedArchive(file, manifest.artifacts.resources.encrypted, opts.identities ?? []);
  const index = await spillArchive(entries, transformOptionsOf(opts, manifest), tmp, outcomes, progress);
  checkMapping(opts, manifest, index);
  // Volume data a claim may be filled from: its index and every pack are as recorded before the
  // cluster is touched, so a damaged copy is refused whole rather than half restored (the fill then
  // checks every blob's plaintext before writing it).
  if (opts.restoreVolumes && opts.volumeSource !== "snapshot" && deps.filler)
    await verifyVolumeData(deps.store, manifest, await claimsToFill(deps, opts, manifest), [], progress, opts.signal);
  fs.rmSync(file, { force: true }); // the spill holds what is needed now
  return { manifest, index };
}

/**
 * The volume data records the restore will fill claims from (VolumeRestorer decides the same per
 * claim): every one asked for with `volume-data`; with `auto`, those whose snapshot cannot be bound
 * in place. Reads the cluster, writes nothing.
 */
async function claimsToFill(
  deps: RestoreDeps,
  opts: RestoreOptions,
  manifest: BackupManifest,
): Promise<VolumeDataRecord[]> {
  const snapshots = new Map(
    (manifest.volumeSnapshots ?? []).map((s) => [`${s.namespace}/${s.persistentVolumeClaim}`, s]),
  );
  const out: VolumeDataRecord[] = [];
  for (const r of storedVolumeData(manifest)) {
    if (opts.includeNamespaces?.length && !opts.includeNamespaces.includes(r.namespace)) continue;
    const target = opts.namespaceMapping?.[r.namespace] ?? r.namespace;
    const rec = snapshots.get(`${r.namespace}/${r.persistentVolumeClaim}`);
    // A snapshot that cannot be looked up counts as not in place: its packs are checked (the safe side).
    const inPlace =
      opts.volumeSource !== "volume-data" && (await snapshotInPlace(deps.cluster, rec, target).catch(() => false));
    if (chooseVolumeSource(opts.volumeSource ?? "auto", true, () => inPlace) === "volume-data") out.push(r);
  }
  return out;
}

/** The durable result of a restore run. */
function resultOf(
  deps: RestoreDeps,
  opts: RestoreOptions,
  run: {
    startedAt: string;
    outcomes: RestoreOutcomes;
    created: CreatedNamespace[];
    volumes?: VolumeRestorer;
    error?: string;
    applyMs: number;
  },
): RestoreResult {
  const { outcomes, volumes, error, applyMs } = run;
  const counts = outcomes.counts();
  const attempted = counts.created + counts.updated + counts.unchanged + counts.failed;
  return {
    restoreName: opts.restoreName,
    backupName: opts.backupName,
    storageLocation: deps.storageLocation,
    targetCluster: deps.cluster.describe(),
    phase: restorePhase({ restored: counts.restored, failed: counts.failed, fatal: error !== undefined }),
    startedAt: run.startedAt,
    completedAt: new Date().toISOString(),
    counts,
    skipped: outcomes.skippedGroups(),
    failed: outcomes.failedGroups(),
    warnings: outcomes.warnings(),
    ...(error !== undefined ? { error } : {}),
    createdNamespaces: run.created,
    createdSnapshotContents: volumes?.createdContents ?? [],
    volumes: volumes?.volumes ?? [],
    namespaceMapping: { ...(opts.namespaceMapping ?? {}) },
    objectsPerSecond: applyMs > 0 ? Math.round((attempted / applyMs) * 1000 * 10) / 10 : 0,
  };
}
