/**
 * Proves the local S3 server is a real MinIO with the features hks-backup relies on: versioning,
 * object lock, SSE-S3 and SSE-KMS, tagging and multipart uploads read back byte for byte.
 */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import * as crypto from "node:crypto";
import { describe, expect, inject, it } from "vitest";

const stack = inject("stack");
const s3 = new S3Client({
  endpoint: stack.s3Endpoint,
  region: stack.s3Region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey },
});
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString("hex")}`;

describe("local MinIO", () => {
  it("versions objects in a versioned bucket", async () => {
    const Bucket = unique("smoke-ver");
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe("Enabled");
    const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "one" }));
    const v2 = await s3.send(new PutObjectCommand({ Bucket, Key: "k", Body: "two" }));
    expect(v1.VersionId).toBeTruthy();
    expect(v2.VersionId).not.toBe(v1.VersionId);
    const old = await s3.send(new GetObjectCommand({ Bucket, Key: "k", VersionId: v1.VersionId }));
    expect(await old.Body!.transformToString()).toBe("one");
  });

  it("refuses to delete a locked object version before its retention ends", async () => {
    const Bucket = unique("smoke-lock");
    await s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "locked",
        Body: "keep me",
        ObjectLockMode: "GOVERNANCE",
        ObjectLockRetainUntilDate: new Date(Date.now() + 3600_000),
      }),
    );
    const err = await s3
      .send(new DeleteObjectCommand({ Bucket, Key: "locked", VersionId: put.VersionId }))
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/WORM protected|AccessDenied|ObjectLocked/);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: "locked", VersionId: put.VersionId }));
    expect(head.ObjectLockMode).toBe("GOVERNANCE");
  });

  it("encrypts with SSE-S3 and SSE-KMS and tags objects", async () => {
    const Bucket = unique("smoke-sse");
    await s3.send(new CreateBucketCommand({ Bucket }));
    const a = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "s3",
        Body: "x",
        ServerSideEncryption: "AES256",
        Tagging: "plan=daily&tier=gold",
      }),
    );
    expect(a.ServerSideEncryption).toBe("AES256");
    const b = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: "kms",
        Body: "y",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: stack.kmsKeyId,
      }),
    );
    expect(b.ServerSideEncryption).toBe("aws:kms");
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: "kms" }))).SSEKMSKeyId).toContain(stack.kmsKeyId);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: "s3" }));
    expect(Object.fromEntries(tags.TagSet!.map((t) => [t.Key, t.Value]))).toEqual({ plan: "daily", tier: "gold" });
  });

  it("assembles a multipart upload and returns it byte for byte", async () => {
    const Bucket = unique("smoke-mpu");
    await s3.send(new CreateBucketCommand({ Bucket }));
    const parts = [crypto.randomBytes(5 << 20), crypto.randomBytes(5 << 20), crypto.randomBytes(1234)];
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: "big" }));
    const etags = [];
    for (const [i, Body] of parts.entries()) {
      const r = await s3.send(new UploadPartCommand({ Bucket, Key: "big", UploadId, PartNumber: i + 1, Body }));
      etags.push({ ETag: r.ETag, PartNumber: i + 1 });
    }
    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket, Key: "big", UploadId, MultipartUpload: { Parts: etags } }),
    );
    const got = Buffer.from(
      await (await s3.send(new GetObjectCommand({ Bucket, Key: "big" }))).Body!.transformToByteArray(),
    );
    const want = Buffer.concat(parts);
    expect(got.length).toBe(want.length);
    expect(crypto.createHash("sha256").update(got).digest("hex")).toBe(
      crypto.createHash("sha256").update(want).digest("hex"),
    );
  });
});
