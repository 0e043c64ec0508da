/**
 * Cuts a file into fixed-size chunks (the last one shorter) and names them: a chunk's blob id is the
 * SHA-256 of its plaintext (why convergent: format/volume-data.ts). Fixed-size, not content-defined,
 * chunking: simple, and a volume snapshot's typical change (a database page rewritten in place) keeps
 * chunk boundaries where they were.
 */
import * as crypto from "node:crypto";
import * as fsp from "node:fs/promises";

/** SHA-256 of `data`, lowercase hex: the blob id. */
export function blobIdOf(data: Uint8Array): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

let zeros = Buffer.alloc(0);

/** True when every byte of `data` is zero (a hole on restore; never stored). */
export function isAllZero(data: Buffer): boolean {
  if (zeros.length < data.length) zeros = Buffer.alloc(data.length);
  return data.equals(zeros.subarray(0, data.length));
}

/**
 * The chunks of file `file`, each `chunkSize` bytes except the last; nothing for an empty file. Each
 * chunk is a fresh buffer the caller may keep. Reads what is there: the size is what was read, not
 * what `stat` said before.
 */
export async function* readChunks(file: string, chunkSize: number): AsyncGenerator<Buffer> {
  const fh = await fsp.open(file, "r");
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      let filled = 0;
      while (filled < chunkSize) {
        const { bytesRead } = await fh.read(buf, filled, chunkSize - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      // A short chunk is copied out: a view would pin the whole chunk-size buffer while it waits in a pack.
      if (filled > 0) yield filled === chunkSize ? buf : Buffer.from(buf.subarray(0, filled));
      if (filled < chunkSize) return;
    }
  } finally {
    await fh.close();
  }
}
