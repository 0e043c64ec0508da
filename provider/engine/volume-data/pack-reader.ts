/**
 * Reads blobs out of one stored pack: streams it once (decrypting when it is an age stream) and
 * yields each wanted blob after checking its SHA-256, so a damaged blob is never handed to a writer.
 * Every failure is an IntegrityError that names the pack and the files whose data it holds.
 */
import * as crypto from "node:crypto";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { IntegrityError } from "../../errors";
import type { ObjectStore } from "../../store";
import type { PackRecord } from "../../format/volume-data";
import { decryptStream } from "../archive/encrypt";
import { blobIdOf } from "./chunk";
import { filesOf, type BlobRead } from "./read-plan";

/** A pack to read. */
export interface PackSource {
  readonly id: string;
  readonly key: string;
  readonly record: PackRecord;
}

/** Options of {@link readPackBlobs}. */
export interface PackReadOptions {
  /** age identities, for an encrypted pack. */
  readonly identities: readonly string[];
  /**
   * Read to the end and check the stored object's size and SHA-256 against its record (verify). Without
   * it, reading stops after the last wanted blob.
   */
  readonly checkStored?: boolean;
  readonly signal?: AbortSignal;
}

/** The stored stream, counted and hashed, then decrypted when the pack is encrypted. */
function openStored(raw: Readable, encrypted: boolean, identities: readonly string[]) {
  const stored = { bytes: 0, hash: crypto.createHash("sha256") };
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      stored.bytes += chunk.length;
      stored.hash.update(chunk);
      cb(null, chunk);
    },
  });
  const last = encrypted ? decryptStream(identities) : counter;
  // An error anywhere destroys every stream; the reader of `last` then throws it.
  pipeline(raw, counter, ...(encrypted ? [last] : [])).catch(() => undefined);
  return { plain: last as AsyncIterable<Buffer>, stored };
}

/** Yields `{ read, data }` for each of `reads` (sorted by offset), checked; see the module comment. */
export async function* readPackBlobs(
  store: ObjectStore,
  pack: PackSource,
  reads: readonly BlobRead[],
  opts: PackReadOptions,
): AsyncGenerator<{ read: BlobRead; data: Buffer }> {
  let i = 0;
  const damaged = (why: string, cause?: unknown) =>
    new IntegrityError(
      `pack ${pack.id} (${pack.key}) is damaged: ${why}; it holds data of ${filesOf(reads.slice(i)).join(", ")}`,
      { cause },
    );
  // With nothing to extract (verify without an identity) the stored bytes are only counted and hashed.
  const decrypt = pack.record.encrypted && reads.length > 0;
  const { plain, stored } = openStored(await store.getStream(pack.key, opts), decrypt, opts.identities);
  let pos = 0;
  let parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of plain) {
      let off = 0;
      while (off < chunk.length && i < reads.length) {
        const r = reads[i]!;
        const wanted = r.offset + have; // next byte of r, in the pack's plaintext
        if (pos + off < wanted) {
          off = Math.min(chunk.length, wanted - pos);
          continue;
        }
        const take = Math.min(chunk.length - off, r.length - have);
        parts.push(chunk.subarray(off, off + take));
        have += take;
        off += take;
        if (have < r.length) continue;
        const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
        if (blobIdOf(data) !== r.id) throw damaged(`blob ${r.id} at offset ${r.offset} does not match its SHA-256`);
        yield { read: r, data };
        parts = [];
        have = 0;
        i++;
      }
      pos += chunk.length;
      if (i === reads.length && !opts.checkStored) return;
    }
  } catch (err) {
    if (err instanceof IntegrityError && err.message.startsWith(`pack ${pack.id} `)) throw err;
    if (err instanceof IntegrityError) throw damaged(err.message, err);
    throw err;
  }
  if (i < reads.length)
    throw damaged(`it ends at ${pos} bytes, before blob ${reads[i]!.id} (offset ${reads[i]!.offset})`);
  const sha = stored.hash.digest("hex");
  if (opts.checkStored && (stored.bytes !== pack.record.bytes || sha !== pack.record.sha256))
    throw damaged(
      `${stored.bytes} stored bytes with SHA-256 ${sha}, the record says ${pack.record.bytes} bytes with ` +
        `SHA-256 ${pack.record.sha256}`,
    );
}
