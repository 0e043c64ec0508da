/**
 * One streaming, write-once upload to S3 through lib-storage `Upload` (multipart, bounded memory,
 * abort on failure), with SHA-256 computed on the way.
 *
 * Write-once: `IfNoneMatch: "*"` goes into the params. lib-storage spreads its params into
 * PutObject (bodies smaller than one part) and into CompleteMultipartUpload (checked in
 * @aws-sdk/lib-storage 3.1175 `__doMultipartUpload`), so the condition is enforced on whichever
 * request creates the object; CreateMultipartUpload and UploadPart have no such member and the
 * serializer drops it. A losing writer gets 412 PreconditionFailed, and lib-storage then aborts the
 * multipart upload so no parts are stranded.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { pipeline, type Readable } from "node:stream";
import { DigestStream } from "./digest-stream";
import type { PutOptions, PutResult } from "./object-store";
import type { S3Sse } from "./s3-config";

/** Everything one upload needs. */
export interface S3UploadRequest {
  /** The client to send with. */
  readonly client: S3Client;
  /** Target bucket. */
  readonly bucket: string;
  /** Full object key (store prefix included). */
  readonly key: string;
  /** The body; consumed, or destroyed on failure. */
  readonly body: Readable;
  /** Server-side encryption for the object. */
  readonly sse?: S3Sse;
  /** Bytes per part (≥ 5 MiB). Memory ≈ (queueSize + 1) × partSize. */
  readonly partSize: number;
  /** Parts in flight. */
  readonly queueSize: number;
}

/** S3 request parameters for server-side encryption. */
export function sseParams(sse: S3Sse | undefined): {
  ServerSideEncryption?: "AES256" | "aws:kms";
  SSEKMSKeyId?: string;
} {
  if (!sse) return {};
  return sse.type === "aws:kms"
    ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: sse.kmsKeyId }
    : { ServerSideEncryption: "AES256" };
}

/**
 * Streams `req.body` to `req.key` with `If-None-Match: *`. Rejects with the SDK error as is (the
 * caller maps it); on failure or abort lib-storage has sent AbortMultipartUpload before this rejects.
 */
export async function uploadStream(req: S3UploadRequest, opts: PutOptions): Promise<PutResult> {
  const digest = new DigestStream();
  // pipeline (not pipe) so a failing body errors the digest stream, which fails the upload.
  pipeline(req.body, digest, () => undefined);
  // Cancel by failing the body rather than `upload.abort()`: lib-storage's abort() rejects done()
  // before the multipart abort is sent, while a body error makes done() wait for all part uploads
  // and send AbortMultipartUpload first.
  const onAbort = () =>
    req.body.destroy(opts.signal?.reason ?? Object.assign(new Error("upload aborted"), { name: "AbortError" }));
  opts.signal?.throwIfAborted();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const upload = new Upload({
      client: req.client,
      partSize: req.partSize,
      queueSize: req.queueSize,
      leavePartsOnError: false,
      params: {
        Bucket: req.bucket,
        Key: req.key,
        Body: digest,
        ContentType: opts.contentType ?? "application/octet-stream",
        IfNoneMatch: "*",
        ...sseParams(req.sse),
      },
    });
    if (opts.onProgress) {
      const report = opts.onProgress;
      upload.on("httpUploadProgress", (p) => report(p.loaded ?? 0));
    }
    await upload.done();
    return { bytes: digest.bytes, sha256: digest.sha256() };
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
