/**
 * The outcome of a backup as data: its phase and the durable records (manifest.ts formats). Pure.
 *
 * Phases (velero keeps the same split between total and partial failure):
 * 1. `Failed`: the backup cannot be trusted at all (a plan pre hook with onError Fail failed, the
 *    archive or its upload broke, the run was aborted). Only `failure.json` is written.
 * 2. `PartiallyFailed`: the archive is complete and usable, but some items are missing or some
 *    steps failed (a type that could not be listed, a snapshot that failed, a hook error); each
 *    one is listed with its reason in `errors`.
 * 3. `Completed`: everything asked for is in the backup. Warnings do not change the phase.
 */
import { recipientFingerprint } from "../../format/age-keys";
import { formatBytes } from "../progress";
import {
  MANIFEST_FORMAT_VERSION,
  type ArtifactRecord,
  type BackupFailure,
  type BackupManifest,
  type BackupPhase,
  type BackupRecordIdentity,
  type BackupTarget,
  type HookRecord,
  type ItemError,
  type VolumeDataRecord,
  type VolumeSnapshotRecord,
} from "../../format/manifest";

/** The phase of a backup from its fatal error (if any) and item errors. */
export function computePhase(fatal: string | undefined, errors: readonly ItemError[]): BackupPhase {
  if (fatal !== undefined) return "Failed";
  return errors.length > 0 ? "PartiallyFailed" : "Completed";
}

/** What every record of a backup shares. */
export interface BackupIdentity {
  readonly name: string;
  readonly plan?: string;
  readonly labels: Record<string, string>;
  readonly storageLocation: string;
  readonly sourceCluster: string;
  readonly target: BackupTarget;
  readonly startedAt: Date;
}

/** What a finished (Completed or PartiallyFailed) backup wrote and found. */
export interface BackupOutcome {
  readonly completedAt: Date;
  readonly counts: { total: number; byResource: Record<string, number> };
  readonly uncompressedBytes: number;
  readonly resources: ArtifactRecord & { encrypted: boolean; objects: number };
  readonly volumes?: ArtifactRecord;
  readonly recipients: readonly string[];
  readonly volumeSnapshots: VolumeSnapshotRecord[];
  /** Absent when the target asked for no volume data. */
  readonly volumeData?: VolumeDataRecord[];
  readonly hooks: HookRecord[];
  readonly warnings: string[];
  readonly errors: ItemError[];
}

/** Sorts a string-keyed map by key, so the manifest is stable and diffable. */
function sortedRecord(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The manifest of a Completed or PartiallyFailed backup. */
export function buildManifest(id: BackupIdentity, o: BackupOutcome): BackupManifest {
  const phase = computePhase(undefined, o.errors) as Exclude<BackupPhase, "Failed">;
  return {
    ...recordIdentity(id, o),
    phase,
    completedAt: o.completedAt.toISOString(),
    counts: { total: o.counts.total, byResource: sortedRecord(o.counts.byResource) },
    uncompressedBytes: o.uncompressedBytes,
    artifacts: { resources: o.resources, ...(o.volumes ? { volumes: o.volumes } : {}) },
    ...(o.recipients.length
      ? { encryption: { format: "age" as const, recipientFingerprints: o.recipients.map(recipientFingerprint) } }
      : {}),
    volumeSnapshots: o.volumeSnapshots,
    ...(o.volumeData ? { volumeData: o.volumeData } : {}),
  };
}

/** The fields a manifest and a failure record share. */
function recordIdentity(
  id: BackupIdentity,
  r: { errors: ItemError[]; hooks: HookRecord[]; warnings: string[] },
): BackupRecordIdentity {
  return {
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: id.name,
    ...(id.plan ? { plan: id.plan } : {}),
    labels: id.labels,
    storageLocation: id.storageLocation,
    sourceCluster: id.sourceCluster,
    target: id.target,
    startedAt: id.startedAt.toISOString(),
    hooks: r.hooks,
    warnings: r.warnings,
    errors: r.errors,
  };
}

/** The record of a Failed backup: the fatal cause first, then every other error. */
export function buildFailure(
  id: BackupIdentity,
  failedAt: Date,
  fatal: string,
  rest: { errors: ItemError[]; hooks: HookRecord[]; warnings: string[] },
): BackupFailure {
  return {
    ...recordIdentity(id, { ...rest, errors: [{ item: "backup", reason: fatal }, ...rest.errors] }),
    phase: "Failed",
    failedAt: failedAt.toISOString(),
  };
}

/** One line for people: `42 objects (7 types), 1 volume snapshot, 1 volume copied (1.2 MiB read, 0 B new)`. */
export function summarizeBackupCounts(m: Pick<BackupManifest, "counts" | "volumeSnapshots" | "volumeData">): string {
  const types = Object.keys(m.counts.byResource).length;
  const snaps = m.volumeSnapshots.filter((s) => s.readyToUse).length;
  const v = volumeDataTotals(m.volumeData);
  return (
    `${m.counts.total} objects (${types} ` +
    `types)${snaps ? `, ${snaps} volume snapshot${snaps === 1 ? "" : "s"}` : ""}` +
    (v.copied.length
      ? `, ${v.copied.length} volume${v.copied.length === 1 ? "" : "s"} copied (${formatBytes(v.read)} read, ` +
        `${formatBytes(v.uploaded)} uploaded)`
      : "")
  );
}

/** What a backup's volume data records add up to: the copies made (failed ones left out) and their bytes. */
export function volumeDataTotals(records: readonly VolumeDataRecord[] = []): {
  copied: VolumeDataRecord[];
  read: number;
  uploaded: number;
} {
  const copied = records.filter((v) => !v.error);
  return {
    copied,
    read: copied.reduce((n, v) => n + (v.bytes ?? 0), 0),
    uploaded: copied.reduce((n, v) => n + (v.uploadedBytes ?? 0), 0),
  };
}
