/**
 * A pass-through stream that counts bytes and computes SHA-256 as data flows, so a store can report
 * the checksum of what it wrote without a second read (the manifest records it; restore verifies it).
 */
import * as crypto from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** A Transform that passes data through unchanged while hashing it. */
export class DigestStream extends Transform {
  private readonly hash = crypto.createHash("sha256");
  private count = 0;

  /** @param onBytes called after each chunk with the bytes seen so far. */
  constructor(private readonly onBytes?: (bytesSoFar: number) => void) {
    super();
  }

  /** Bytes that have passed through so far. */
  get bytes(): number {
    return this.count;
  }

  /** The SHA-256 of everything that passed through, lowercase hex. Call once, after the end. */
  sha256(): string {
    return this.hash.digest("hex");
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    this.hash.update(buf);
    this.count += buf.length;
    this.onBytes?.(this.count);
    cb(null, buf);
  }
}

/** SHA-256 of a whole in-memory body, lowercase hex. */
export function sha256Hex(body: Buffer | string): string {
  return crypto.createHash("sha256").update(body).digest("hex");
}
