/**
 * The S3 store and bucket provisioning against the real MinIO of the local stack (no mocks).
 * Every test uses its own bucket or key prefix; afterAll removes every bucket this file created
 * (bypassing GOVERNANCE retention, which the root user may do).
 */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import * as crypto from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import pLimit from "p-limit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ConflictError, InputError, StorageError } from "../../provider/errors";
import {
  deleteBucketContents,
  ensureBucket,
  inspectBucket,
  ObjectLockedError,
  probeAccess,
} from "../../provider/store/s3-bucket";
import { createS3Client as newS3Client } from "../../provider/store/s3-client";
import type { S3ClientConfig, S3StoreConfig } from "../../provider/store/s3-config";
import { S3ObjectStore } from "../../provider/store/s3-store";
import { describeStoreContract, listAll, readAll } from "../unit/store/store-contract";

const stack = inject("stack");
const clientConfig: S3ClientConfig = {
  region: stack.s3Region,
  endpoint: stack.s3Endpoint,
  credentials: { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey },
};
// Every client is destroyed in afterAll: open keep-alive sockets would hold the test worker.
const clients: S3Client[] = [];
function createS3Client(config: S3ClientConfig): S3Client {
  const c = newS3Client(config);
  clients.push(c);
  return c;
}
const client = createS3Client(clientConfig);
const MiB = 1024 * 1024;
const created: string[] = [];
const sha = (b: Buffer) => crypto.createHash("sha256").update(b).digest("hex");

/** A fresh bucket name, remembered for cleanup. */
function bucketName(purpose: string): string {
  const name = `hks-it-${purpose}-${crypto.randomBytes(4).toString("hex")}`;
  created.push(name);
  return name;
}

/** A client that records the name of every command it sends, and the error (if any) it got. */
function recordingClient(): { client: S3Client; sent: { command: string; error?: string }[] } {
  const c = createS3Client(clientConfig);
  const sent: { command: string; error?: string }[] = [];
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const entry: { command: string; error?: string } = {
        command: (context.commandName as string).replace(/Command$/, ""),
      };
      sent.push(entry);
      try {
        return await next(args);
      } catch (err) {
        entry.error = (err as Error).name;
        throw err;
      }
    },
    { step: "initialize", name: "recordCommands" },
  );
  return { client: c, sent };
}

// Filtered here, not by Prefix: MinIO treats a non-empty prefix as an exact object name.
async function incompleteUploads(bucket: string, prefix: string): Promise<number> {
  const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (res.Uploads ?? []).filter((u) => u.Key?.startsWith(prefix)).length;
}

/** Removes a bucket whatever it holds, bypassing GOVERNANCE retention. */
async function destroyBucket(bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket })).catch(() => undefined);
    const all = [...(page?.Versions ?? []), ...(page?.DeleteMarkers ?? [])];
    if (!all.length) break;
    await client.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        BypassGovernanceRetention: true,
        Delete: { Objects: all.map((v) => ({ Key: v.Key, VersionId: v.VersionId })) },
      }),
    );
  }
  const ups = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket })).catch(() => undefined);
  for (const u of ups?.Uploads ?? [])
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
  await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
}

const mainBucket = bucketName("store");
const storeConfig: S3StoreConfig = {
  ...clientConfig,
  bucket: mainBucket,
  prefix: "team-a",
  partSize: 5 * MiB,
  queueSize: 2,
};
let store: S3ObjectStore;

beforeAll(async () => {
  await ensureBucket(client, { bucket: mainBucket, region: stack.s3Region });
  store = new S3ObjectStore(createS3Client(clientConfig), storeConfig);
});
afterAll(async () => {
  for (const b of created) await destroyBucket(b);
  for (const c of clients) c.destroy();
});

describeStoreContract("s3 (MinIO)", () => store);

describe("S3ObjectStore against MinIO", () => {
  it("streams a 30 MiB body as a multipart upload and reads it back byte for byte with the same sha256", async () => {
    const data = crypto.randomBytes(30 * MiB);
    const chunks = Array.from({ length: 30 }, (_, i) => data.subarray(i * MiB, (i + 1) * MiB));
    let progress = 0;
    const res = await store.putStream("big/resources.tar.gz", Readable.from(chunks), {
      onProgress: (b) => (progress = b),
    });
    expect(res).toEqual({ bytes: data.length, sha256: sha(data) });
    expect(progress).toBe(data.length);
    const head = await client.send(new HeadObjectCommand({ Bucket: mainBucket, Key: "team-a/big/resources.tar.gz" }));
    expect(head.ETag).toMatch(/-6"$/); // 6 parts of 5 MiB: it really was a multipart upload
    const back = await readAll(await store.getStream("big/resources.tar.gz"));
    expect(back.length).toBe(data.length);
    expect(back.equals(data)).toBe(true);
    expect(sha(back)).toBe(res.sha256);
    expect(await incompleteUploads(mainBucket, "team-a/big/")).toBe(0);
  });

  it(
    "write-once, single part: a writer that passed the HEAD check loses on the server's " + "If-None-Match (412)",
    async () => {
      const rec = recordingClient();
      const racing = new S3ObjectStore(rec.client, storeConfig);
      const body = new PassThrough();
      const loser = racing.putStream("race/single.json", body).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300)); // the HEAD pre-check has passed by now
      await store.put("race/single.json", "winner");
      body.end("loser");
      expect(await loser).toBeInstanceOf(ConflictError);
      expect(rec.sent.find((s) => s.command === "PutObject")).toEqual({
        command: "PutObject",
        error: "PreconditionFailed",
      });
      expect((await store.tryGet("race/single.json"))?.toString()).toBe("winner");
    },
  );

  it(
    "write-once, multipart: a conflicting Complete is refused (412), the parts are aborted and " + "the winner stays",
    async () => {
      const rec = recordingClient();
      const racing = new S3ObjectStore(rec.client, storeConfig);
      const body = new PassThrough();
      let uploaded = 0;
      const loser = racing
        .putStream("race/multi.bin", body, { onProgress: (b) => (uploaded = b) })
        .catch((e: unknown) => e);
      body.write(crypto.randomBytes(6 * MiB));
      while (uploaded < 5 * MiB) await new Promise((r) => setTimeout(r, 50)); // part 1 is stored
      await store.put("race/multi.bin", "winner");
      body.end(crypto.randomBytes(6 * MiB));
      expect(await loser).toBeInstanceOf(ConflictError);
      expect(rec.sent.find((s) => s.command === "CompleteMultipartUpload")?.error).toBe("PreconditionFailed");
      expect(rec.sent.at(-1)?.command).toBe("AbortMultipartUpload");
      expect((await store.tryGet("race/multi.bin"))?.toString()).toBe("winner");
      expect(await incompleteUploads(mainBucket, "team-a/race/")).toBe(0);
    },
  );

  it("write-once, multipart: an existing key is refused by the HEAD pre-check before any part is sent", async () => {
    const rec = recordingClient();
    const s = new S3ObjectStore(rec.client, storeConfig);
    await store.put("exists/archive.bin", "original");
    await expect(
      s.putStream("exists/archive.bin", Readable.from([crypto.randomBytes(12 * MiB)])),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(rec.sent.map((x) => x.command)).toEqual(["HeadObject"]);
    expect((await store.tryGet("exists/archive.bin"))?.toString()).toBe("original");
  });

  it("lists more than 1000 keys across pages in order, and deleteMany removes them in batches", async () => {
    const keys = Array.from({ length: 1050 }, (_, i) => `many/${String(i).padStart(4, "0")}`);
    const limit = pLimit(32);
    await Promise.all(keys.map((k) => limit(() => store.put(k, k))));
    expect(await listAll(store, "many/")).toEqual(keys);
    const rec = recordingClient();
    const small = new S3ObjectStore(rec.client, { ...storeConfig, listPageSize: 100 });
    expect(await listAll(small, "many/")).toEqual(keys);
    expect(rec.sent.filter((s) => s.command === "ListObjectsV2")).toHaveLength(11);
    await small.deleteMany(keys);
    expect(rec.sent.filter((s) => s.command === "DeleteObjects")).toHaveLength(2);
    expect(await listAll(store, "many/")).toEqual([]);
  });

  it("abortIncompleteUploads removes a deliberately abandoned multipart upload and counts it", async () => {
    const Key = "team-a/abandoned/resources.tar.gz";
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: mainBucket, Key }));
    await client.send(
      new UploadPartCommand({ Bucket: mainBucket, Key, UploadId, PartNumber: 1, Body: crypto.randomBytes(5 * MiB) }),
    );
    expect(await incompleteUploads(mainBucket, "team-a/abandoned/")).toBe(1);
    expect(await store.abortIncompleteUploads("abandoned/", { olderThan: new Date(Date.now() - 3600_000) })).toBe(0);
    expect(await store.abortIncompleteUploads("other/")).toBe(0);
    expect(await store.abortIncompleteUploads("abandoned/")).toBe(1);
    expect(await incompleteUploads(mainBucket, "team-a/abandoned/")).toBe(0);
    expect(await store.head("abandoned/resources.tar.gz")).toBeUndefined();
  });

  it("a missing bucket is a StorageError saying so, not an absent object", async () => {
    const s = new S3ObjectStore(client, { ...storeConfig, bucket: "hks-it-never-created" });
    await expect(s.head("x")).rejects.toThrow(/bucket "hks-it-never-created" does not exist/);
    await expect(s.tryGet("x")).rejects.toThrow(/NoSuchBucket/);
  });

  it("wrong credentials give a StorageError with the fix, and never the secret", async () => {
    const s = new S3ObjectStore(
      createS3Client({ ...clientConfig, credentials: { accessKeyId: "nobody", secretAccessKey: "wrong-secret-xyz" } }),
      storeConfig,
    );
    const err = await s.tryGet("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/InvalidAccessKeyId.*check the credentials/);
    expect((err as Error).message).not.toContain("wrong-secret-xyz");
  });
});

describe("bucket provisioning against MinIO", () => {
  it(
    "ensureBucket creates with versioning, SSE-S3, tags and lifecycle; a second call finds it " + "all in place",
    async () => {
      const bucket = bucketName("full");
      const spec = {
        bucket,
        region: stack.s3Region,
        versioning: true,
        sse: { type: "AES256" as const },
        tags: { team: "a", app: "hks" },
        lifecycle: { expireDays: 30 },
      };
      expect(await ensureBucket(client, spec)).toEqual({
        created: true,
        applied: ["versioning", "encryption", "lifecycle", "tags"],
        unchanged: [],
      });
      expect(await inspectBucket(client, bucket)).toEqual({
        exists: true,
        versioning: "Enabled",
        encryption: { type: "AES256" },
        lifecycle: { expireDays: 30 },
        tags: { team: "a", app: "hks" },
      });
      expect(await ensureBucket(client, spec)).toEqual({
        created: false,
        applied: [],
        unchanged: ["versioning", "encryption", "lifecycle", "tags"],
      });
      const s = new S3ObjectStore(client, { ...clientConfig, bucket });
      await s.put("x.json", "{}");
      expect((await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "x.json" }))).ServerSideEncryption).toBe(
        "AES256",
      );
    },
  );

  it("lifecycle.abortIncompleteUploadDays is applied, or refused with a message naming the setting", async () => {
    const bucket = bucketName("lc");
    const res = await ensureBucket(client, {
      bucket,
      region: stack.s3Region,
      lifecycle: { expireDays: 7, abortIncompleteUploadDays: 2 },
    }).catch((e: unknown) => e);
    if (res instanceof Error) {
      expect(res).toBeInstanceOf(StorageError);
      expect(res.message).toContain("remove lifecycle.abortIncompleteUploadDays");
    } else {
      expect((await inspectBucket(client, bucket)).lifecycle).toEqual({ expireDays: 7, abortIncompleteUploadDays: 2 });
    }
  });

  it("SSE-KMS: bucket default and per-object encryption use the stack's KMS key, and data reads back", async () => {
    const bucket = bucketName("kms");
    await ensureBucket(client, { bucket, region: stack.s3Region, sse: { type: "aws:kms", kmsKeyId: stack.kmsKeyId } });
    const enc = (await inspectBucket(client, bucket)).encryption;
    expect(enc?.type).toBe("aws:kms");
    expect(enc?.kmsKeyId).toContain(stack.kmsKeyId);
    const s = new S3ObjectStore(client, {
      ...clientConfig,
      bucket,
      sse: { type: "aws:kms", kmsKeyId: stack.kmsKeyId },
      partSize: 5 * MiB,
    });
    const data = crypto.randomBytes(11 * MiB);
    await s.putStream("enc.bin", Readable.from([data]));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "enc.bin" }));
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toContain(stack.kmsKeyId);
    expect((await readAll(await s.getStream("enc.bin"))).equals(data)).toBe(true);
  });

  it(
    "object lock: a locked version cannot be deleted, deleteBucketContents refuses and deletes nothing, probe " +
      "writes nothing",
    async () => {
      const bucket = bucketName("lock");
      const res = await ensureBucket(client, {
        bucket,
        region: stack.s3Region,
        objectLock: { mode: "GOVERNANCE", days: 1 },
      });
      expect(res).toEqual({ created: true, applied: ["objectLock"], unchanged: [] });
      const info = await inspectBucket(client, bucket);
      expect(info.objectLock).toEqual({ mode: "GOVERNANCE", days: 1 });
      expect(info.versioning).toBe("Enabled");
      const s = new S3ObjectStore(client, { ...clientConfig, bucket, prefix: "p" });
      await s.put("hks/v1/backups/b1/manifest.json", "{}");
      const versions = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      const VersionId = versions.Versions?.[0]?.VersionId;
      await expect(
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "p/hks/v1/backups/b1/manifest.json", VersionId })),
      ).rejects.toThrow();

      const err = await deleteBucketContents(client, bucket).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ObjectLockedError);
      expect((err as Error).message).toContain(`refusing to empty bucket "${bucket}"`);
      expect((err as Error).message).toContain("p/hks/v1/backups/b1/manifest.json");
      expect((err as Error).message).toMatch(/GOVERNANCE until \d{4}-/);
      expect((err as Error).message).toContain("nothing was deleted");
      expect((err as Error).message).toContain("deletionPolicy");
      expect((await s.tryGet("hks/v1/backups/b1/manifest.json"))?.toString()).toBe("{}");

      const probe = await probeAccess(s);
      expect(probe.mode).toBe("no-write");
      expect(probe.note).toContain("object lock");
      const after = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      expect([...(after.Versions ?? []), ...(after.DeleteMarkers ?? [])].map((v) => v.Key)).toEqual([
        "p/hks/v1/backups/b1/manifest.json",
      ]);
      expect(await incompleteUploads(bucket, "")).toBe(0);
    },
  );

  it("object lock cannot be added to an existing bucket: InputError before any change", async () => {
    const bucket = bucketName("nolock");
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const err = await ensureBucket(client, {
      bucket,
      region: stack.s3Region,
      objectLock: { mode: "COMPLIANCE", days: 1 },
      tags: { a: "b" },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe("objectLock");
    expect((err as Error).message).toContain(`bucket "${bucket}" already exists without Object Lock`);
    expect((err as Error).message).toContain("use a new bucket name");
    expect((await inspectBucket(client, bucket)).tags).toEqual({});
  });

  it("inspectBucket reflects out-of-band changes, and ensureBucket repairs only what it manages", async () => {
    const bucket = bucketName("oob");
    await ensureBucket(client, {
      bucket,
      region: stack.s3Region,
      versioning: true,
      sse: { type: "AES256" },
      tags: { team: "a" },
    });
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
    );
    await client.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "owner", Value: "ops" }] } }),
    );
    expect(await inspectBucket(client, bucket)).toEqual({
      exists: true,
      versioning: "Suspended",
      tags: { owner: "ops" },
    });
    const res = await ensureBucket(client, {
      bucket,
      region: stack.s3Region,
      versioning: true,
      sse: { type: "AES256" },
      tags: { team: "a" },
    });
    expect(res).toEqual({ created: false, applied: ["versioning", "encryption", "tags"], unchanged: [] });
    expect(await inspectBucket(client, bucket)).toMatchObject({
      versioning: "Enabled",
      encryption: { type: "AES256" },
      tags: { owner: "ops", team: "a" },
    });
    expect(await inspectBucket(client, "hks-it-absent-bucket")).toEqual({ exists: false, versioning: "Off", tags: {} });
  });

  it(
    "probeAccess on a normal versioned bucket writes, reads, lists and deletes, leaving no " + "version behind",
    async () => {
      const bucket = bucketName("probe");
      await ensureBucket(client, { bucket, region: stack.s3Region, versioning: true });
      const s = new S3ObjectStore(client, { ...clientConfig, bucket, prefix: "loc" });
      const res = await probeAccess(s);
      expect(res).toEqual({
        location: `s3://${bucket}/loc`,
        mode: "write-read-delete",
        checks: ["write", "read", "list", "delete"],
      });
      const v = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
      expect([...(v.Versions ?? []), ...(v.DeleteMarkers ?? [])]).toEqual([]);
    },
  );

  it("probeAccess with wrong credentials fails naming the step and the fix", async () => {
    const s = new S3ObjectStore(
      createS3Client({ ...clientConfig, credentials: { accessKeyId: "nobody", secretAccessKey: "nope-nope" } }),
      storeConfig,
    );
    await expect(probeAccess(s, { objectLocked: false })).rejects.toThrow(
      /access check of s3:\/\/.* failed at "write": .*HTTP 403.*check the access key and secret/s,
    );
  });

  it("deleteBucketContents empties a versioned bucket: versions, delete markers and incomplete uploads", async () => {
    const bucket = bucketName("empty");
    await ensureBucket(client, { bucket, region: stack.s3Region, versioning: true });
    for (const body of ["1", "2", "3"])
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k/a", Body: body }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "k/b", Body: "b" }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "k/b" })); // leaves a delete marker
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "other/c", Body: "c" }));
    await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "k/partial" }));
    expect(await deleteBucketContents(client, bucket, { prefix: "k/" })).toEqual({
      versions: 4,
      deleteMarkers: 1,
      uploads: 1,
    });
    const v = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect([...(v.Versions ?? []), ...(v.DeleteMarkers ?? [])].map((x) => x.Key)).toEqual(["other/c"]);
    expect((await client.send(new GetObjectCommand({ Bucket: bucket, Key: "other/c" }))).Body).toBeDefined();
  });
});
