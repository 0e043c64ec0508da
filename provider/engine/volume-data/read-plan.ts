/**
 * Which blobs to read from which pack, and where each goes: pure, from an index. Reading pack by pack
 * (each pack downloaded once, blobs in offset order) is what makes a pull of many small files cheap;
 * a blob shared by several files, or by several chunks of one file, is read once and written to each.
 */
import type { FileEntry, VolumeIndex } from "../../format/volume-data";

/** One place a blob's bytes go: a file of the tree and the offset in it. */
export interface BlobTarget {
  /** Tree path of the file. */
  readonly path: string;
  readonly position: number;
}

/** One blob to read from a pack. */
export interface BlobRead {
  readonly id: string;
  /** Offset in the pack's plaintext. */
  readonly offset: number;
  readonly length: number;
  readonly targets: BlobTarget[];
}

/** Every pack the index's files need, by id, each with its blobs in offset order. */
export function planPackReads(index: Pick<VolumeIndex, "blobs" | "chunkSize" | "entries">): Map<string, BlobRead[]> {
  const byBlob = new Map<string, BlobRead>();
  for (const e of index.entries) {
    if (e.type !== "file") continue;
    (e as FileEntry).blobs.forEach((id, i) => {
      if (id === null) return;
      let read = byBlob.get(id);
      if (!read) {
        const place = index.blobs[id]!; // format/volume-data-check.ts guarantees the place
        read = { id, offset: place.offset, length: place.length, targets: [] };
        byBlob.set(id, read);
      }
      read.targets.push({ path: e.path, position: i * index.chunkSize });
    });
  }
  const byPack = new Map<string, BlobRead[]>();
  for (const read of byBlob.values()) {
    const pack = index.blobs[read.id]!.pack;
    const reads = byPack.get(pack) ?? [];
    reads.push(read);
    byPack.set(pack, reads);
  }
  for (const reads of byPack.values()) reads.sort((a, b) => a.offset - b.offset);
  return new Map([...byPack].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Up to `max` distinct file paths among `reads`' targets, for messages ("it holds data of ..."). */
export function filesOf(reads: readonly BlobRead[], max = 5): string[] {
  const out = new Set<string>();
  for (const r of reads) for (const t of r.targets) if (out.size < max) out.add(t.path);
  return [...out];
}
