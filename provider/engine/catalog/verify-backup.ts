/**
 * Verifies a stored backup without touching any cluster ("an untested backup is no backup", velero
 * #1688, #9543): the manifest is readable, the archive's size and SHA-256 match it, volumes.json
 * matches its record, and, when the archive can be read (unencrypted, or an identity is given),
 * every entry is a regular file on the path scheme (archive.ts, which also refuses a path seen
 * twice) holding one YAML object that is what its path names (the restore's own check,
 * `checkArchivedIdentity`), with exactly the counts the manifest claims. Volume data: each PVC's
 * index has the SHA-256 its manifest record says, every pack its size and SHA-256, and with an
 * identity every blob is checked.
 *
 * Stages reuse the restore's own checks (read-verified.ts, archive.ts), so a backup that verifies is one
 * the restore will read.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IntegrityError } from "../../errors";
import type { ObjectStore } from "../../store";
import { groupResourceKey } from "../../format/archive-paths";
import { parseObjectYaml } from "../../format/object-yaml";
import type { BackupManifest, VolumeDataRecord } from "../../format/manifest";
import { NO_PROGRESS, type ProgressSink } from "../progress";
import { verifyVolume } from "../volume-data/verify";
import { checkArchivedIdentity, describeRef } from "../transform/transform";
import { checkIdentities, fetchVerifiedArchive, readBackupManifest, readVerifiedArchive } from "./read-verified";

/** Options of {@link verifyBackup}. */
export interface VerifyOptions {
  /**
   * age identities for an encrypted backup. Without one, only the checksums are verified and
   * `contentsChecked` is false.
   * @default none
   */
  readonly identities?: readonly string[];
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
}

/** What was verified. Any mismatch throws instead (IntegrityError, or BackupNotRestorableError). */
export interface VerifyResult {
  readonly name: string;
  readonly manifest: BackupManifest;
  /** Stored archive bytes and SHA-256, as checked. */
  readonly archiveBytes: number;
  readonly sha256: string;
  /** True when every entry was read and parsed; false for an encrypted backup without identity. */
  readonly contentsChecked: boolean;
  /** Objects read from the archive, per `resource.group` (empty when contents were not checked). */
  readonly byResource: Record<string, number>;
  /** Objects read (0 when contents were not checked). */
  readonly objects: number;
  /** YAML bytes read (before compression). */
  readonly uncompressedBytes: number;
  /** volumes.json checked against its record (false when the backup has none). */
  readonly volumesChecked: boolean;
  /** Each PVC's volume data checked: its index against the manifest, every pack's size and SHA-256. */
  readonly volumeData: VolumeDataCheck[];
}

/** One PVC's volume data, as checked. */
export interface VolumeDataCheck {
  /** `namespace/pvc` in the source. */
  readonly pvc: string;
  readonly packs: number;
  readonly storedBytes: number;
  /** Blobs whose plaintext SHA-256 was checked (0 without the identity of an encrypted location). */
  readonly blobs: number;
  readonly contentsChecked: boolean;
}

/**
 * The stored index of one PVC's volume data against the SHA-256 its manifest record says, readable
 * or not (encrypted without an identity): one GET. Throws an IntegrityError.
 */
async function checkVolumeIndex(store: ObjectStore, r: VolumeDataRecord): Promise<void> {
  const index = r.indexKey ? await store.tryGet(r.indexKey) : undefined;
  const sha = index && crypto.createHash("sha256").update(index).digest("hex");
  if (!index || (r.indexSha256 && sha !== r.indexSha256))
    throw new IntegrityError(
      `its index ${r.indexKey} is ${index ? `SHA-256 ${sha}, the manifest records ${r.indexSha256}` : "missing"}`,
    );
}

/** The volume data records of `manifest` that hold data (not failed copies). */
export function storedVolumeData(manifest: Pick<BackupManifest, "volumeData">): VolumeDataRecord[] {
  return (manifest.volumeData ?? []).filter((x) => !x.error && x.indexKey);
}

/**
 * Checks the volume data of `records` (of backup `manifest`): the stored index has the SHA-256
 * recorded, every pack is there with its size and SHA-256, and, when readable, every blob's plaintext
 * SHA-256. Reads every pack once. Throws an IntegrityError naming the PVC and what differs. Restore
 * runs it without identities before it writes anything; verify with them.
 */
export async function verifyVolumeData(
  store: ObjectStore,
  manifest: Pick<BackupManifest, "name">,
  records: readonly VolumeDataRecord[],
  identities: readonly string[],
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<VolumeDataCheck[]> {
  const out: VolumeDataCheck[] = [];
  for (const r of records) {
    const pvc = `${r.namespace}/${r.persistentVolumeClaim}`;
    try {
      // Without an identity the stored index is first compared with its record as bytes, so a damaged
      // one is reported as such (verifyVolume cannot read an encrypted one, and would report a plain
      // one only as unparseable); with one, verifyVolume reads it once and compares the same.
      if (identities.length === 0) await checkVolumeIndex(store, r);
      const v = await verifyVolume({
        namespace: r.namespace,
        pvc: r.persistentVolumeClaim,
        backup: manifest.name,
        store,
        identities,
        indexSha256: r.indexSha256,
        signal,
        onProgress: (done, total) =>
          progress({ step: "volume-data", done, total, bytes: done, message: `${pvc}: packs` }),
      });
      out.push({ pvc, packs: v.packs, storedBytes: v.storedBytes, blobs: v.blobs, contentsChecked: v.contentsChecked });
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      const why = e.message.replace(/^IntegrityError: /, "");
      throw new IntegrityError(`the volume data of ${pvc} in backup ${manifest.name} is damaged: ${why}`);
    }
  }
  return out;
}

/** Compares the counts read with the manifest's; returns the differences, or [] when they agree. */
export function countMismatches(
  manifest: Pick<BackupManifest, "counts">,
  total: number,
  byResource: Record<string, number>,
): string[] {
  const out: string[] = [];
  if (total !== manifest.counts.total) out.push(`${total} objects, the manifest says ${manifest.counts.total}`);
  const keys = new Set([...Object.keys(manifest.counts.byResource), ...Object.keys(byResource)]);
  for (const k of [...keys].sort()) {
    const [have, want] = [byResource[k] ?? 0, manifest.counts.byResource[k] ?? 0];
    if (have !== want) out.push(`${k}: ${have}, the manifest says ${want}`);
  }
  return out;
}

/** Downloads volumes.json and checks it against its record in the manifest. */
async function verifyVolumes(store: ObjectStore, manifest: BackupManifest): Promise<boolean> {
  const rec = manifest.artifacts.volumes;
  if (!rec) return false;
  const body = await store.tryGet(rec.key);
  if (!body)
    throw new IntegrityError(
      `${rec.key} of backup ${manifest.name} is missing; its VolumeSnapshot references are lost (the manifest ` +
        `records ${rec.bytes} bytes)`,
    );
  const sha = crypto.createHash("sha256").update(body).digest("hex");
  if (body.length !== rec.bytes || sha !== rec.sha256) {
    throw new IntegrityError(
      `${rec.key} of backup ${manifest.name} does not match its manifest: ${body.length} bytes with SHA-256 ` +
        `${sha}, expected ${rec.bytes} bytes with SHA-256 ${rec.sha256}`,
    );
  }
  return true;
}

/**
 * Verifies backup `name` in `store`; see the module comment. Downloads the archive into a private
 * temporary folder, removed before returning.
 * @throws BackupNotRestorableError when the backup is absent, failed or incomplete;
 *   IntegrityError for any mismatch, naming the entry or record and what was expected.
 */
export async function verifyBackup(store: ObjectStore, name: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const progress = opts.progress ?? NO_PROGRESS;
  const identities = opts.identities ?? [];
  const manifest = await readBackupManifest(store, name);
  const encrypted = manifest.artifacts.resources.encrypted;
  const readContents = !encrypted || identities.length > 0;
  if (readContents) await checkIdentities(manifest, identities);
  const volumesChecked = await verifyVolumes(store, manifest);
  const volumeData = await verifyVolumeData(
    store,
    manifest,
    storedVolumeData(manifest),
    identities,
    progress,
    opts.signal,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-verify-"));
  try {
    const file = await fetchVerifiedArchive(store, manifest, tmp, {
      progress,
      signal: opts.signal,
      advice:
        "this backup cannot be restored from this location. Use a replica of it (a plan's copy location) or " +
        "another backup, and check the storage",
    });
    const base = {
      name,
      manifest,
      archiveBytes: manifest.artifacts.resources.bytes,
      sha256: manifest.artifacts.resources.sha256,
      volumesChecked,
      volumeData,
    };
    if (!readContents) return { ...base, contentsChecked: false, byResource: {}, objects: 0, uncompressedBytes: 0 };
    const byResource: Record<string, number> = {};
    let objects = 0;
    let uncompressedBytes = 0;
    for await (const entry of readVerifiedArchive(file, encrypted, identities)) {
      opts.signal?.throwIfAborted();
      let parsed: unknown;
      try {
        parsed = parseObjectYaml(entry.content.toString("utf8"));
      } catch (e) {
        throw new IntegrityError(
          `archive entry ${entry.path} (${describeRef(entry.ref)}) does not parse as YAML: ` +
            `${(e as Error).message.split("\n")[0]}`,
        );
      }
      checkArchivedIdentity(parsed, entry.ref); // the restore's own check: what verifies, restores
      const key = groupResourceKey(entry.ref);
      byResource[key] = (byResource[key] ?? 0) + 1;
      objects++;
      uncompressedBytes += entry.content.length;
      if (objects % 5000 === 0)
        progress({ step: "read", done: objects, total: manifest.counts.total, bytes: uncompressedBytes });
    }
    const mismatches = countMismatches(manifest, objects, byResource);
    if (mismatches.length)
      throw new IntegrityError(
        `the archive of backup ${name} does not hold what its manifest lists: ${mismatches.join("; ")}`,
      );
    progress({
      step: "read",
      done: objects,
      total: objects,
      bytes: uncompressedBytes,
      message: "every object read back",
    });
    return { ...base, contentsChecked: true, byResource, objects, uncompressedBytes };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
