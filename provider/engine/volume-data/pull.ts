/**
 * Pull: recreates a PVC's files from a backup into a directory (in the later step, a new volume mounted
 * in the mover Pod). index → tree (tree.ts) → each pack downloaded once, its blobs checked and written
 * where they go (pack-reader.ts, read-plan.ts) → symlinks, owners, modes, mtimes.
 *
 * A damaged pack fails the pull before the damaged blob is written (an encrypted pack fails at the
 * damaged 64 KiB age chunk, a plain one at the blob's SHA-256); other files may already hold their
 * data, but the pull never reports success, and the error names the pack and the files it feeds.
 */
import pLimit from "p-limit";
import type { ObjectStore } from "../../store";
import { STORE_LAYOUT } from "../../store";
import type { VolumeIndex } from "../../format/volume-data";
import { readPackBlobs } from "./pack-reader";
import { planPackReads, type BlobRead } from "./read-plan";
import { readVolumeIndex, type VolumeRef } from "./records";
import { finishTree, prepareTree, targetPath, writeAt } from "./tree";

/** Packs downloading at once. */
export const DOWNLOAD_CONCURRENCY = 4;

/** Options of {@link pullVolume}. */
export interface PullOptions extends VolumeRef {
  readonly store: ObjectStore;
  /** An existing directory; what the index names is created or replaced in it. */
  readonly target: string;
  /** age identities, for an encrypted location. */
  readonly identities: readonly string[];
  /** @default DOWNLOAD_CONCURRENCY */
  readonly concurrency?: number;
  /** Bytes of file content restored so far (holes count as restored) and the total. Not throttled. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly log?: (line: string) => void;
  /** Set owners. @default true when running as root */
  readonly chown?: boolean;
  readonly signal?: AbortSignal;
}

/** What a pull restored. */
export interface PullSummary {
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  /** Bytes of file content (holes included). */
  readonly bytes: number;
  /** Distinct blobs read. */
  readonly blobs: number;
  /** Packs downloaded. */
  readonly packs: number;
  readonly indexKey: string;
  readonly seconds: number;
  readonly warnings: string[];
}

/**
 * Downloads every pack of `plan` once (bounded concurrency) and writes each checked blob where it goes.
 * The first failure stops the other downloads (their data would not make the pull succeed); every
 * download settles before that error is thrown, so none keeps writing behind the caller.
 */
async function fillFiles(
  opts: PullOptions,
  packs: VolumeIndex["packs"],
  plan: Map<string, BlobRead[]>,
  wrote: (bytes: number) => void,
): Promise<void> {
  const limit = pLimit(opts.concurrency ?? DOWNLOAD_CONCURRENCY);
  const stop = new AbortController();
  let first: { err: unknown } | undefined;
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const jobs = [...plan].map(([packId, reads]) =>
    limit(async () => {
      signal.throwIfAborted();
      const record = packs[packId]!;
      const key = STORE_LAYOUT.volumePackKey(opts.namespace, opts.pvc, packId, { encrypted: record.encrypted });
      const blobs = readPackBlobs(opts.store, { id: packId, key, record }, reads, {
        identities: opts.identities,
        signal,
      });
      for await (const { read, data } of blobs) {
        for (const t of read.targets) {
          await writeAt(targetPath(opts.target, t.path), data, t.position);
          wrote(data.length);
        }
      }
    }).catch((err: unknown) => {
      first ??= { err };
      stop.abort(err);
    }),
  );
  await Promise.all(jobs);
  if (first) throw first.err;
}

/** Pulls PVC `namespace/pvc` of backup `backup` into `target`; see the module comment. */
export async function pullVolume(opts: PullOptions): Promise<PullSummary> {
  const started = Date.now();
  const { index, key } = await readVolumeIndex(opts.store, opts, opts.identities);
  const files = index.entries.filter((e) => e.type === "file");
  const total = files.reduce((n, e) => n + e.size, 0);
  const plan = planPackReads(index);
  // Holes need no writing: they count as done from the start.
  const stored = [...plan.values()].flat().reduce((n, r) => n + r.length * r.targets.length, 0);
  let done = total - stored;
  await prepareTree(opts.target, index.entries);
  opts.onProgress?.(done, total);
  await fillFiles(opts, index.packs, plan, (bytes) => {
    done += bytes;
    opts.onProgress?.(done, total);
  });
  const warnings = await finishTree(opts.target, index.entries, { chown: opts.chown });
  warnings.forEach((w) => opts.log?.(w));
  const count = (type: string) => index.entries.filter((e) => e.type === type).length;
  return {
    files: files.length,
    dirs: count("dir"),
    symlinks: count("symlink"),
    bytes: total,
    blobs: [...plan.values()].reduce((n, r) => n + r.length, 0),
    packs: plan.size,
    indexKey: key,
    seconds: (Date.now() - started) / 1000,
    warnings,
  };
}
