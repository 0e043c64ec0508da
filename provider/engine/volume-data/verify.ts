/**
 * Verifies a PVC's data in a backup without restoring it: every pack the backup references is read
 * whole, its stored size and SHA-256 compared with the record, and, when the contents can be read
 * (plain, or an identity is given), every blob's SHA-256 checked. A mismatch throws an IntegrityError
 * naming the pack and the files whose data it holds.
 *
 * Without an identity for an encrypted location only the blob list (plaintext) can be read: the
 * packs' stored checksums are still checked, `contentsChecked` is false.
 */
import pLimit from "p-limit";
import { IntegrityError } from "../../errors";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import type { BlobTable } from "../../format/volume-data";
import { readPackBlobs } from "./pack-reader";
import { planPackReads, type BlobRead } from "./read-plan";
import { readBlobList, readVolumeIndex, volumeRecordKeys, type VolumeRef } from "./records";

/** Options of {@link verifyVolume}. */
export interface VerifyVolumeOptions extends VolumeRef {
  readonly store: ObjectStore;
  /** age identities; without one an encrypted PVC is checked at the stored level only. */
  readonly identities?: readonly string[];
  /** When given, the stored index must have this SHA-256 (the manifest's record). */
  readonly indexSha256?: string;
  /** @default 4 */
  readonly concurrency?: number;
  /** Stored bytes of packs read so far, and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** What was verified; any mismatch throws instead. */
export interface VerifyVolumeResult {
  /** The index's key, or the blob list's when the contents were not read. */
  readonly recordKey: string;
  readonly packs: number;
  /** Stored bytes read. */
  readonly storedBytes: number;
  /** Blobs whose SHA-256 was checked (0 when contents were not checked). */
  readonly blobs: number;
  readonly contentsChecked: boolean;
}

/** The table and read plan to verify: from the index when readable, else from the blob list. */
async function whatToRead(opts: VerifyVolumeOptions) {
  const keys = volumeRecordKeys(opts);
  const identities = opts.identities ?? [];
  const encrypted = (await opts.store.head(keys.indexEncrypted)) !== undefined;
  if (!encrypted || identities.length) {
    const { index, key, sha256 } = await readVolumeIndex(opts.store, opts, identities);
    if (opts.indexSha256 && sha256 !== opts.indexSha256)
      throw new IntegrityError(`${key} has SHA-256 ${sha256}, the manifest records ${opts.indexSha256}`);
    return { recordKey: key, table: index as BlobTable, plan: planPackReads(index), contentsChecked: true };
  }
  const list = await readBlobList(opts.store, keys.blobs);
  if (!list)
    throw new IntegrityError(`${keys.blobs} is missing: the PVC's data of backup ${opts.backup} cannot be checked`);
  const plan = new Map<string, BlobRead[]>(Object.keys(list.packs).map((id) => [id, []]));
  return { recordKey: keys.blobs, table: list as BlobTable, plan, contentsChecked: false };
}

/** Verifies PVC `namespace/pvc` of backup `backup`; see the module comment. */
export async function verifyVolume(opts: VerifyVolumeOptions): Promise<VerifyVolumeResult> {
  const { recordKey, table, plan, contentsChecked } = await whatToRead(opts);
  const total = [...plan.keys()].reduce((n, id) => n + table.packs[id]!.bytes, 0);
  let done = 0;
  let blobs = 0;
  const limit = pLimit(opts.concurrency ?? 4);
  let first: { err: unknown } | undefined;
  await Promise.all(
    [...plan].map(([id, reads]) =>
      limit(async () => {
        const record = table.packs[id]!;
        const key = STORE_LAYOUT.volumePackKey(opts.namespace, opts.pvc, id, { encrypted: record.encrypted });
        if (!(await opts.store.head(key)))
          throw new IntegrityError(`pack ${id} (${key}) is missing; backup ${opts.backup} cannot be restored whole`);
        const source = { id, key, record };
        const it = readPackBlobs(opts.store, source, contentsChecked ? reads : [], {
          identities: opts.identities ?? [],
          checkStored: true,
          signal: opts.signal,
        });
        for await (const _ of it) blobs++;
        done += record.bytes;
        opts.onProgress?.(done, total);
      }).catch((err: unknown) => {
        first ??= { err };
      }),
    ),
  );
  // Every read has settled before the first mismatch is reported.
  if (first) throw first.err;
  return { recordKey, packs: plan.size, storedBytes: total, blobs, contentsChecked };
}
