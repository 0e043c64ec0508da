/**
 * The S3 store at command level: a real S3Client whose requests are answered by a middleware, so
 * these tests assert which commands are sent with which inputs (lib-storage `Upload.spec.ts` tier).
 * Behaviour against a real service is covered by test/integration/store-s3.integ.spec.ts.
 */
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import * as crypto from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ConflictError, StorageError } from "../../../provider/errors";
import { S3ObjectStore } from "../../../provider/store/s3-store";
import { listAll } from "./store-contract";

type Call = { command: string; input: Record<string, unknown> };
type Answer = (input: Record<string, unknown>) => Record<string, unknown>;

function s3Exception(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: status },
    message: `${name} (canned)`,
  });
}

/** A client that records every command and answers from `answers` (a missing answer means `{}`). */
function fakeClient(answers: Record<string, Answer>): { client: S3Client; calls: Call[] } {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake-secret" },
  });
  const calls: Call[] = [];
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = context.commandName as string;
      const input = args.input as Record<string, unknown>;
      calls.push({ command, input });
      const output = answers[command]?.(input) ?? {};
      return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: {} };
    },
    { step: "initialize", name: "cannedAnswers" },
  );
  return { client, calls };
}

const notFound: Answer = () => {
  throw s3Exception("NotFound", 404);
};
const names = (calls: Call[]) => calls.map((c) => c.command.replace(/Command$/, ""));
const MiB = 1024 * 1024;

describe("S3ObjectStore commands", () => {
  it(
    "small put: HEAD pre-check (and a one-time bucket check), then one PutObject with If-None-Match: * and the " +
      "SSE headers",
    async () => {
      const { client, calls } = fakeClient({ HeadObjectCommand: notFound });
      const store = new S3ObjectStore(client, {
        bucket: "bkt",
        region: "us-east-1",
        prefix: "p",
        sse: { type: "aws:kms", kmsKeyId: "k1" },
      });
      const res = await store.putStream("a/manifest.json", Readable.from([Buffer.from("{}")]), {
        contentType: "application/json",
      });
      expect(res).toEqual({ bytes: 2, sha256: crypto.createHash("sha256").update("{}").digest("hex") });
      // HeadBucket once per store: a 404 on HEAD must not hide a missing bucket.
      expect(names(calls)).toEqual(["HeadObject", "HeadBucket", "PutObject"]);
      expect(calls[2]?.input).toMatchObject({
        Bucket: "bkt",
        Key: "p/a/manifest.json",
        IfNoneMatch: "*",
        ContentType: "application/json",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: "k1",
      });
    },
  );

  it(
    "multipart put: If-None-Match reaches CompleteMultipartUpload; a 412 there is a ConflictError and the upload " +
      "is aborted",
    async () => {
      const { client, calls } = fakeClient({
        HeadObjectCommand: notFound,
        CreateMultipartUploadCommand: () => ({ UploadId: "u1" }),
        UploadPartCommand: (i) => ({ ETag: `"etag-${String(i.PartNumber)}"` }),
        CompleteMultipartUploadCommand: () => {
          throw s3Exception("PreconditionFailed", 412);
        },
      });
      const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1", partSize: 5 * MiB, queueSize: 2 });
      const err = await store
        .putStream("big.bin", Readable.from([crypto.randomBytes(12 * MiB)]))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as Error).message).toContain(`"big.bin" already exists in s3://bkt`);
      expect(names(calls)).toEqual([
        "HeadObject",
        "HeadBucket",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPart",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
      ]);
      const complete = calls.find((c) => c.command === "CompleteMultipartUploadCommand");
      expect(complete?.input).toMatchObject({ Bucket: "bkt", Key: "big.bin", UploadId: "u1", IfNoneMatch: "*" });
      expect(calls.at(-1)?.input).toMatchObject({ Key: "big.bin", UploadId: "u1" });
    },
  );

  it("a failed part aborts the multipart upload and the StorageError names key, store and code", async () => {
    const { client, calls } = fakeClient({
      HeadObjectCommand: notFound,
      CreateMultipartUploadCommand: () => ({ UploadId: "u2" }),
      UploadPartCommand: (i) => {
        if (i.PartNumber === 2) throw s3Exception("AccessDenied", 403);
        return { ETag: '"e"' };
      },
    });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1", partSize: 5 * MiB, queueSize: 1 });
    const err = await store
      .putStream("x/y.bin", Readable.from([crypto.randomBytes(11 * MiB)]))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(
      /writing "x\/y.bin" in s3:\/\/bkt failed \(AccessDenied, HTTP 403\).*bucket policy/,
    );
    expect(names(calls)).toContain("AbortMultipartUpload");
    expect(names(calls)).not.toContain("CompleteMultipartUpload");
  });

  it("an existing key fails on the HEAD pre-check before any byte is sent", async () => {
    const { client, calls } = fakeClient({ HeadObjectCommand: () => ({ ContentLength: 3, LastModified: new Date() }) });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1" });
    const body = Readable.from([Buffer.from("abc")]);
    await expect(store.putStream("k", body)).rejects.toBeInstanceOf(ConflictError);
    await expect(store.put("k", "abc")).rejects.toBeInstanceOf(ConflictError);
    expect(names(calls)).toEqual(["HeadObject", "HeadObject"]);
    expect(body.destroyed).toBe(true);
  });

  it("a 412 on a single PutObject (lost race after the HEAD) is a ConflictError", async () => {
    const { client } = fakeClient({
      HeadObjectCommand: notFound,
      PutObjectCommand: () => {
        throw s3Exception("PreconditionFailed", 412);
      },
    });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1" });
    await expect(store.put("k", "abc")).rejects.toBeInstanceOf(ConflictError);
    await expect(store.putStream("k", Readable.from([Buffer.from("abc")]))).rejects.toBeInstanceOf(ConflictError);
  });

  it("list pages with continuation tokens, strips the store prefix and skips folder markers", async () => {
    const pages: Record<
      string,
      { Contents: { Key: string; Size: number }[]; IsTruncated: boolean; NextContinuationToken?: string }
    > = {
      start: {
        Contents: [
          { Key: "root/a/", Size: 0 },
          { Key: "root/a/1", Size: 1 },
        ],
        IsTruncated: true,
        NextContinuationToken: "t2",
      },
      t2: { Contents: [{ Key: "root/a/2", Size: 2 }], IsTruncated: false },
    };
    const { client, calls } = fakeClient({
      ListObjectsV2Command: (i) => pages[(i.ContinuationToken as string | undefined) ?? "start"] ?? {},
    });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1", prefix: "root", listPageSize: 2 });
    expect(await listAll(store, "a/")).toEqual(["a/1", "a/2"]);
    expect(calls.map((c) => [c.input.Prefix, c.input.MaxKeys, c.input.ContinuationToken])).toEqual([
      ["root/a/", 2, undefined],
      ["root/a/", 2, "t2"],
    ]);
  });

  it("deleteMany sends batches of 1000, ignores NoSuchKey and aggregates the other errors", async () => {
    const { client, calls } = fakeClient({
      DeleteObjectsCommand: (i) => {
        const objs = (i.Delete as { Objects: { Key: string }[] }).Objects;
        return {
          Errors: objs
            .filter((o) => o.Key.endsWith("/7") || o.Key.endsWith("/1001"))
            .map((o) => ({ Key: o.Key, Code: o.Key.endsWith("/7") ? "NoSuchKey" : "AccessDenied", Message: "denied" })),
        };
      },
    });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1", prefix: "p" });
    const keys = Array.from({ length: 1500 }, (_, i) => `k/${i}`);
    const err = await store.deleteMany(keys).catch((e: unknown) => e);
    expect(names(calls)).toEqual(["DeleteObjects", "DeleteObjects"]);
    expect((calls[0]?.input.Delete as { Objects: unknown[] }).Objects).toHaveLength(1000);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toContain("could not delete 1 of 1500 objects in s3://bkt/p");
    expect((err as Error).message).toContain("k/1001: AccessDenied: denied");
  });

  it("a 404 on HEAD is 'absent' only once the bucket is known to exist", async () => {
    const { client } = fakeClient({ HeadObjectCommand: notFound, HeadBucketCommand: notFound });
    const store = new S3ObjectStore(client, { bucket: "missing-bucket", region: "us-east-1" });
    await expect(store.head("k")).rejects.toThrow(/bucket "missing-bucket" does not exist/);
    const ok = fakeClient({ HeadObjectCommand: notFound });
    expect(await new S3ObjectStore(ok.client, { bucket: "bkt", region: "us-east-1" }).head("k")).toBeUndefined();
  });

  it("tryGet maps NoSuchKey to undefined but NoSuchBucket to a StorageError with the fix", async () => {
    const { client } = fakeClient({
      GetObjectCommand: (i) => {
        throw s3Exception(i.Key === "gone" ? "NoSuchKey" : "NoSuchBucket", 404);
      },
    });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1" });
    expect(await store.tryGet("gone")).toBeUndefined();
    await expect(store.tryGet("other")).rejects.toThrow(/NoSuchBucket.*create it/);
  });

  it("abortIncompleteUploads pages through uploads, honours olderThan and tolerates NoSuchUpload", async () => {
    const old = new Date(Date.now() - 86_400_000);
    const { client, calls } = fakeClient({
      ListMultipartUploadsCommand: (i) =>
        i.KeyMarker
          ? { Uploads: [{ Key: "p/b", UploadId: "3", Initiated: old }], IsTruncated: false }
          : {
              Uploads: [
                { Key: "p/a", UploadId: "1", Initiated: old },
                { Key: "p/a", UploadId: "2", Initiated: new Date() },
              ],
              IsTruncated: true,
              NextKeyMarker: "p/a",
              NextUploadIdMarker: "2",
            },
      AbortMultipartUploadCommand: (i) => {
        if (i.UploadId === "3") throw s3Exception("NoSuchUpload", 404);
        return {};
      },
    });
    const store = new S3ObjectStore(client, { bucket: "bkt", region: "us-east-1", prefix: "p" });
    expect(await store.abortIncompleteUploads("", { olderThan: new Date(Date.now() - 3600_000) })).toBe(1);
    expect(calls.filter((c) => c.command === "AbortMultipartUploadCommand").map((c) => c.input.UploadId)).toEqual([
      "1",
      "3",
    ]);
  });
});
