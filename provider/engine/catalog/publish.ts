/**
 * Publishing one backup from the runner's local spill to a storage location, encrypted for THAT
 * location's recipients. The backup is taken once, unencrypted, into a private spill folder (the
 * Job's emptyDir); each location then gets its own ciphertext from that plaintext. The runner holds
 * public keys only, so this is the only way to give each location (3-2-1 copies) its own keys
 * without ever decrypting anything.
 *
 * Per location the write order is the backup's own: archive, volumes.json, volume data (copies:
 * `copyVolumeData`), manifest.json LAST (the commit marker). A failed publish removes what it
 * wrote there, so a location never shows a half-copied backup as complete.
 */
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import { abortBackupUploads, parseBackupRecord } from "./catalog";
import { encryptStream } from "../archive/encrypt";
import { recipientFingerprint } from "../../format/age-keys";
import type { BackupFailure, BackupManifest, ItemError, VolumeDataRecord } from "../../format/manifest";
import { computePhase } from "../backup/result";

/** Where to publish and how. */
export interface PublishTarget {
  /** Location name, recorded in the published manifest's `storageLocation`. */
  readonly location: string;
  readonly store: ObjectStore;
  /** age recipients of the location; empty = stored unencrypted. */
  readonly recipients: readonly string[];
  readonly signal?: AbortSignal;
  /**
   * Copies the backup's volume data into this location (a copy location: its own packs, encrypted
   * for its recipients, by mover Pods), before the manifest is written; its records replace the
   * source's. Without it the source's volume data records are kept (the primary, where they are).
   */
  readonly copyVolumeData?: (source: BackupManifest) => Promise<{ records: VolumeDataRecord[]; errors: ItemError[] }>;
}

/** What a publish wrote. */
export interface PublishedBackup {
  readonly location: string;
  /** `s3://bucket/prefix/hks/v1/backups/<name>/`. */
  readonly url: string;
  /** The manifest written there (null for a Failed backup, whose failure.json was written). */
  readonly manifest: BackupManifest | null;
  readonly bytes: number;
}

/**
 * Copies backup `name` from `spill` (an unencrypted backup written by runBackup) to `to`. A Failed
 * backup (failure.json, no manifest) publishes its failure record, so the location's history and
 * retention (`keepFailed`) see the failed run too.
 */
export async function publishBackup(spill: ObjectStore, name: string, to: PublishTarget): Promise<PublishedBackup> {
  const url = `${to.store.describe()}/${STORE_LAYOUT.backupPrefix(name)}`;
  const manifestBuf = await spill.tryGet(STORE_LAYOUT.backupManifestKey(name));
  if (!manifestBuf) {
    const failureBuf = await spill.tryGet(STORE_LAYOUT.backupFailureKey(name));
    if (!failureBuf)
      throw new Error(
        `backup ${name} left neither manifest.json nor failure.json in the spill folder ${spill.describe()}`,
      );
    const failure = parseBackupRecord<BackupFailure>(failureBuf, STORE_LAYOUT.backupFailureKey(name));
    const body = JSON.stringify({ ...failure, storageLocation: to.location }, null, 2);
    await to.store.put(STORE_LAYOUT.backupFailureKey(name), body, {
      contentType: "application/json",
      signal: to.signal,
    });
    return { location: to.location, url, manifest: null, bytes: Buffer.byteLength(body) };
  }
  const source = parseBackupRecord<BackupManifest>(manifestBuf, STORE_LAYOUT.backupManifestKey(name));
  const encrypted = to.recipients.length > 0;
  const resourcesKey = STORE_LAYOUT.backupResourcesKey(name, { encrypted });
  try {
    let body: Readable = await spill.getStream(source.artifacts.resources.key, { signal: to.signal });
    if (encrypted) {
      const enc = encryptStream(to.recipients);
      // An error on either side destroys both; putStream then rejects with it.
      pipeline(body, enc).catch(() => undefined);
      body = enc;
    }
    const put = await to.store.putStream(resourcesKey, body, {
      contentType: encrypted ? "application/age" : "application/gzip",
      signal: to.signal,
    });
    let volumes = source.artifacts.volumes;
    if (volumes) {
      const buf = await spill.tryGet(volumes.key);
      if (!buf) throw new Error(`volumes.json of backup ${name} is missing from the spill folder`);
      const v = await to.store.put(STORE_LAYOUT.backupVolumesKey(name), buf, {
        contentType: "application/json",
        signal: to.signal,
      });
      volumes = { key: STORE_LAYOUT.backupVolumesKey(name), bytes: v.bytes, sha256: v.sha256 };
    }
    const manifest: BackupManifest = {
      ...source,
      storageLocation: to.location,
      artifacts: {
        resources: {
          ...source.artifacts.resources,
          key: resourcesKey,
          bytes: put.bytes,
          sha256: put.sha256,
          encrypted,
        },
        ...(volumes ? { volumes } : {}),
      },
    };
    if (encrypted)
      manifest.encryption = { format: "age", recipientFingerprints: to.recipients.map(recipientFingerprint) };
    else delete manifest.encryption;
    if (to.copyVolumeData && source.volumeData?.length) {
      const copied = await to.copyVolumeData(source);
      manifest.volumeData = copied.records;
      manifest.errors = [...source.errors.filter((e) => !e.item.startsWith("volume-data/")), ...copied.errors];
      manifest.phase = computePhase(undefined, manifest.errors) as BackupManifest["phase"];
    }
    // The commit marker, last.
    await to.store.put(STORE_LAYOUT.backupManifestKey(name), JSON.stringify(manifest, null, 2), {
      contentType: "application/json",
      signal: to.signal,
    });
    return { location: to.location, url, manifest, bytes: put.bytes + (volumes?.bytes ?? 0) };
  } catch (err) {
    await discard(to.store, name);
    throw err;
  }
}

/** Compensation: removes everything under the backup's folder in `store` (best effort). */
async function discard(store: ObjectStore, name: string): Promise<void> {
  const prefix = STORE_LAYOUT.backupPrefix(name);
  try {
    const keys: string[] = [];
    for await (const e of store.list(prefix)) keys.push(e.key);
    await store.deleteMany(keys);
  } catch {
    // The original error matters more; a leftover without manifest never looks complete.
  }
  await abortBackupUploads(store, name).catch(() => undefined);
}
