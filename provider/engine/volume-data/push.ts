/**
 * Push: copies a directory (a volume made from a CSI snapshot, mounted read-only in the mover Pod) into
 * a storage location, deduplicated per PVC and encrypted like the location's backups.
 *
 * walk → read each file in chunks → hash → skip zero chunks (holes) and blobs already stored → pack →
 * upload (bounded concurrency, pack.ts) → check the reused packs still exist → blob list → index LAST.
 *
 * A push that fails removes the packs it uploaded, best effort; a leftover pack
 * is unreferenced and garbage collection (gc.ts) removes it once it is past the grace period.
 */
import * as fsp from "node:fs/promises";
import { ConflictError, StorageError } from "../../errors";
import type { ObjectStore } from "../../store";
import {
  DEFAULT_CHUNK_SIZE,
  VOLUME_DATA_FORMAT_VERSION,
  type BlobTable,
  type VolumeEntry,
  type VolumeIndex,
} from "../../format/volume-data";
import { blobIdOf, isAllZero, readChunks } from "./chunk";
import { PackWriter } from "./pack";
import {
  encryptionOf,
  readBlobList,
  volumeRecordKeys,
  writeVolumeRecords,
  type VolumeRef,
  type WrittenRecords,
} from "./records";
import { listPacks, listVolumeRecords, pvcKey, trustedPlaces, type StoredBlob } from "./stored";
import { takePushLease } from "./lease";
import { walkVolume, type WalkedEntry } from "./walk";

/** Blob lists of the newest earlier backups a push reads to learn what is stored: enough for dedup. */
export const BLOB_LISTS_READ = 5;

/** Options of {@link pushVolume}. */
export interface PushOptions extends VolumeRef {
  readonly store: ObjectStore;
  /** The directory to copy (its root's owner, mode and mtime are recorded too). */
  readonly source: string;
  /** The location's age recipients; empty = stored plain. */
  readonly recipients: readonly string[];
  /** @default DEFAULT_CHUNK_SIZE (4 MiB) */
  readonly chunkSize?: number;
  /** @default PACK_TARGET_SIZE (16 MiB) */
  readonly packSize?: number;
  /** Pack uploads at once. @default UPLOAD_CONCURRENCY (4) */
  readonly concurrency?: number;
  /** Bytes of file content read so far and the total (by the walk's lstat). Not throttled. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Warnings (skipped special files), one line each, as they happen. */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** What a push stored: the later manifest entry of the PVC. */
export interface PushSummary {
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  /** Bytes of file content read. */
  readonly bytes: number;
  /** Distinct blobs the index references (holes are not blobs). */
  readonly blobs: number;
  /** Blobs this push uploaded. */
  readonly newBlobs: number;
  /** Stored bytes this push uploaded in packs (after encryption). */
  readonly uploadedBytes: number;
  /** Plaintext bytes of the distinct blobs found already stored by earlier backups. */
  readonly reusedBytes: number;
  /** Packs this push uploaded. */
  readonly packs: number;
  readonly indexKey: string;
  /** SHA-256 of the stored index. */
  readonly indexSha256: string;
  readonly seconds: number;
  /** What was skipped, and why. */
  readonly warnings: string[];
}

/** The blobs of earlier backups of this PVC the push may reference (see stored.ts). */
async function storedBlobs(opts: PushOptions, warn: (line: string) => void): Promise<Map<string, StoredBlob>> {
  const listed = await listPacks(opts.store, opts.namespace, opts.pvc);
  const records = (await listVolumeRecords(opts.store)).get(pvcKey(opts.namespace, opts.pvc)) ?? [];
  const newest = records
    .filter((r) => r.blobListKey && r.backup !== opts.backup)
    .sort((a, b) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0))
    .slice(0, BLOB_LISTS_READ);
  const lists = [];
  for (const r of newest) {
    try {
      const list = await readBlobList(opts.store, r.blobListKey!);
      if (list) lists.push(list);
    } catch (err) {
      warn(`blob list of backup ${r.backup} not used (${(err as Error).message}); its blobs are uploaded again`);
    }
  }
  return trustedPlaces(lists, listed, encryptionOf(opts.recipients));
}

/** Refuses to push into a backup that already has this PVC's records (objects are never rewritten). */
async function assertFree(opts: PushOptions): Promise<void> {
  const keys = volumeRecordKeys(opts);
  for (const key of [keys.index, keys.indexEncrypted, keys.blobs]) {
    if (await opts.store.head(key))
      throw new ConflictError(
        `backup ${opts.backup} already holds volume data of PVC ${opts.namespace}/${opts.pvc} (${key}) and ` +
          `objects are never overwritten; push into a new backup name`,
      );
  }
}

/** The running state of one push. */
interface Tally {
  readonly table: BlobTable;
  readonly stored: Map<string, StoredBlob>;
  readonly writer: PackWriter;
  readonly reusedPacks: Set<string>;
  done: number;
  newBlobs: number;
  reusedBytes: number;
}

/** Small files read ahead of the one being packed: per-file latency (open, read, close) overlaps. */
const READ_AHEAD = 16;

/** `content` cut into chunks (a small file read whole, or one that grew after the walk). */
async function* chunksOf(content: Buffer, chunkSize: number): AsyncGenerator<Buffer> {
  for (let o = 0; o < content.length; o += chunkSize) yield content.subarray(o, o + chunkSize);
}

/** Reads one file's chunks into the tally (from `content` when it was read ahead); returns its entry. */
async function pushFile(
  e: Extract<WalkedEntry, { type: "file" }>,
  t: Tally,
  opts: PushOptions,
  total: number,
  content?: Buffer,
): Promise<VolumeEntry> {
  const blobs: (string | null)[] = [];
  let size = 0;
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  for await (const chunk of content ? chunksOf(content, chunkSize) : readChunks(e.abs, chunkSize)) {
    opts.signal?.throwIfAborted();
    size += chunk.length;
    t.done += chunk.length;
    opts.onProgress?.(t.done, Math.max(total, t.done));
    if (isAllZero(chunk)) {
      blobs.push(null);
      continue;
    }
    const id = blobIdOf(chunk);
    blobs.push(id);
    if (t.table.blobs[id]) continue;
    const known = t.stored.get(id);
    if (known) {
      t.table.blobs[id] = known.place;
      t.table.packs[known.place.pack] = known.pack;
      t.reusedPacks.add(known.place.pack);
      t.reusedBytes += chunk.length;
    } else {
      t.table.blobs[id] = await t.writer.add(chunk);
      t.newBlobs++;
    }
  }
  const { abs: _abs, ...meta } = e;
  return { ...meta, size, blobs };
}

/**
 * A reused pack may have been collected while this push ran (a backup of this PVC deleted meanwhile):
 * list again and refuse to write an index that names a pack which is gone.
 */
async function assertReusedPacksExist(opts: PushOptions, reused: ReadonlySet<string>): Promise<void> {
  if (reused.size === 0) return;
  const listed = await listPacks(opts.store, opts.namespace, opts.pvc);
  const gone = [...reused].filter((id) => !listed.has(id));
  if (gone.length)
    throw new StorageError(
      `${gone.length} pack(s) of PVC ${opts.namespace}/${opts.pvc} this push reuses were deleted while it ran ` +
        `(${gone.slice(0, 5).join(", ")}): a backup of this PVC was deleted meanwhile; run the push again`,
    );
}

/** Reads every file, uploads the new blobs and writes the records; returns the tree and the records' keys. */
async function storeTree(
  walked: Awaited<ReturnType<typeof walkVolume>>,
  t: Tally,
  opts: PushOptions,
): Promise<{ entries: VolumeEntry[]; written: WrittenRecords }> {
  const entries: VolumeEntry[] = [];
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  // Files of at most one chunk are read whole, READ_AHEAD at a time ahead of the one being packed
  // (each is one blob anyway); larger files stream chunk by chunk. Bounded: READ_AHEAD chunks.
  const ahead = new Map<number, Promise<Buffer>>();
  let scheduled = 0;
  const all = walked.entries;
  for (let i = 0; i < all.length; i++) {
    for (; scheduled < all.length && scheduled <= i + READ_AHEAD; scheduled++) {
      const s = all[scheduled]!;
      if (s.type !== "file" || s.size > chunkSize || s.size === 0) continue;
      const p = fsp.readFile(s.abs);
      p.catch(() => undefined); // awaited in order below; a failure surfaces there
      ahead.set(scheduled, p);
    }
    const e = all[i]!;
    const content = ahead.get(i);
    ahead.delete(i);
    if (e.type === "file") entries.push(await pushFile(e, t, opts, walked.fileBytes, content && (await content)));
    else entries.push(stripAbs(e));
  }
  Object.assign(t.table.packs, await t.writer.finish());
  await assertReusedPacksExist(opts, t.reusedPacks);
  const index: VolumeIndex = {
    formatVersion: VOLUME_DATA_FORMAT_VERSION,
    kind: "hks-volume-index",
    backup: opts.backup,
    namespace: opts.namespace,
    pvc: opts.pvc,
    createdAt: new Date().toISOString(),
    chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
    entries,
    ...t.table,
  };
  return { entries, written: await writeVolumeRecords(opts.store, index, opts.recipients) };
}

/** Pushes `opts.source` as PVC `namespace/pvc` of backup `backup`; see the module comment. */
export async function pushVolume(opts: PushOptions): Promise<PushSummary> {
  const started = Date.now();
  const warnings: string[] = [];
  const warn = (line: string) => {
    warnings.push(line);
    opts.log?.(line);
  };
  await assertFree(opts);
  const walked = await walkVolume(opts.source);
  walked.warnings.forEach(warn);
  // From choosing packs to reuse until the index names them, no collector deletes this PVC's packs.
  const release = await takePushLease(opts.store, opts.backup, { ...opts, log: opts.log });
  const writer = new PackWriter({ ...opts, targetSize: opts.packSize });
  let t: Tally;
  let stored: Awaited<ReturnType<typeof storeTree>>;
  try {
    t = {
      table: { blobs: {}, packs: {} },
      stored: await storedBlobs(opts, warn),
      writer,
      reusedPacks: new Set(),
      done: 0,
      newBlobs: 0,
      reusedBytes: 0,
    };
    stored = await storeTree(walked, t, opts);
  } catch (err) {
    await writer.settle();
    await opts.store.deleteMany(writer.keys).catch(() => undefined);
    throw err;
  } finally {
    await release();
  }
  const count = (type: VolumeEntry["type"]) => stored.entries.filter((e) => e.type === type).length;
  return {
    files: count("file"),
    dirs: count("dir"),
    symlinks: count("symlink"),
    bytes: t.done,
    blobs: Object.keys(t.table.blobs).length,
    newBlobs: t.newBlobs,
    uploadedBytes: writer.uploadedBytes,
    reusedBytes: t.reusedBytes,
    packs: writer.keys.length,
    indexKey: stored.written.indexKey,
    indexSha256: stored.written.indexSha256,
    seconds: (Date.now() - started) / 1000,
    warnings,
  };
}

function stripAbs(e: Exclude<WalkedEntry, { type: "file" }>): VolumeEntry {
  const { abs: _abs, ...entry } = e;
  return entry as VolumeEntry;
}
