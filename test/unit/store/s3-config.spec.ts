import { describe, expect, it } from "vitest";
import { InputError } from "../../../provider/errors";
import { storeFromConfig } from "../../../provider/store";
import { FsObjectStore } from "../../../provider/store/fs-store";
import {
  assertValidS3Config,
  bucketNameProblem,
  suggestBucketName,
  type S3StoreConfig,
} from "../../../provider/store/s3-config";
import { S3ObjectStore } from "../../../provider/store/s3-store";

const base: S3StoreConfig = { bucket: "my-backups", region: "us-east-1" };

describe("bucketNameProblem", () => {
  it.each(["abc", "my-hexabase-backups", "a.b-c1", "a".repeat(63)])("accepts %j", (b) => {
    expect(bucketNameProblem(b)).toBeUndefined();
  });
  it.each([
    {
      name: "slash points at the prefix field",
      b: "my-bucket/team-a/",
      why: `put only the bucket name here ("my-bucket") and the path in objectStorage.prefix ("team-a")`,
    },
    { name: "too short", b: "ab", why: "3 to 63" },
    { name: "too long", b: "a".repeat(64), why: "3 to 63" },
    { name: "upper case", b: "MyBucket", why: "lowercase" },
    { name: "underscore", b: "my_bucket", why: "lowercase" },
    { name: "dot-dot", b: "a..b", why: "adjacent periods" },
    { name: "trailing dash", b: "abc-", why: "starting and ending" },
  ])("rejects $name", ({ b, why }) => {
    expect(bucketNameProblem(b, "objectStorage.prefix")).toContain(why);
  });
});

describe("what a bucket-name message suggests is itself a valid name (issue 15)", () => {
  it.each([
    {
      name: "a path after an invalid name",
      b: "Shop_Backups/daily",
      why:
        `put only the bucket name here ("shop-backups", as "Shop_Backups" is not a valid bucket name) and the ` +
        `path in objectStorage.prefix ("daily")`,
    },
    { name: "capitals and '_'", b: "Shop_Backups", why: `, e.g. "shop-backups"` },
    { name: "spaces and runs of separators", b: " My  Team -- Backups.", why: `e.g. "my-team-backups"` },
    { name: "too long", b: `${"a".repeat(60)}_${"b".repeat(10)}`, why: `e.g. "${"a".repeat(60)}-bb"` },
    {
      name: "nothing usable left",
      b: "__/x",
      why: `put only the bucket name here (a name of 3-63 lowercase letters, digits, '-' and '.')`,
    },
  ])("$name", ({ b, why }) => {
    expect(bucketNameProblem(b, "objectStorage.prefix")).toContain(why);
  });

  it("every suggestion passes the rules it was made for", () => {
    const names = ["Shop_Backups", "A..B", "x_", "192.168.1.10", "XN--ab", "a-s3alias", "Ab", "é_backups_ü", "a.-b"];
    for (const n of names) {
      const s = suggestBucketName(n);
      if (s !== undefined) expect(bucketNameProblem(s), `${n} -> ${s}`).toBeUndefined();
    }
    expect(suggestBucketName("__")).toBeUndefined();
  });
});

describe("assertValidS3Config", () => {
  it("accepts a minimal and a full configuration", () => {
    expect(() => assertValidS3Config(base)).not.toThrow();
    expect(() =>
      assertValidS3Config({
        ...base,
        prefix: "/team-a/",
        endpoint: "https://minio.local:9000",
        forcePathStyle: true,
        credentials: { accessKeyId: "k", secretAccessKey: "s", sessionToken: "t" },
        sse: { type: "aws:kms", kmsKeyId: "key" },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
        listPageSize: 10,
        caBundle: "-----BEGIN CERTIFICATE-----",
      }),
    ).not.toThrow();
  });

  it.each([
    { name: "bucket", cfg: { ...base, bucket: "Bad" }, field: "objectStorage.bucket" },
    { name: "region", cfg: { ...base, region: "" }, field: "objectStorage.region" },
    { name: "endpoint", cfg: { ...base, endpoint: "minio:9000" }, field: "objectStorage.endpoint" },
    {
      name: "credentials",
      cfg: { ...base, credentials: { accessKeyId: "k", secretAccessKey: "" } },
      field: "objectStorage.credentials",
    },
    {
      name: "kms key",
      cfg: { ...base, sse: { type: "aws:kms" as const, kmsKeyId: "" } },
      field: "objectStorage.sse.kmsKeyId",
    },
    { name: "part size", cfg: { ...base, partSize: 1024 }, field: "objectStorage.partSize" },
    { name: "queue size", cfg: { ...base, queueSize: 0 }, field: "objectStorage.queueSize" },
    { name: "page size", cfg: { ...base, listPageSize: 1001 }, field: "objectStorage.listPageSize" },
  ])("rejects a bad $name naming the field", ({ cfg, field }) => {
    const err = (() => {
      try {
        assertValidS3Config(cfg, "objectStorage");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe(field);
  });

  it("never puts the secret in a message", () => {
    const cfg = {
      ...base,
      bucket: "x",
      credentials: { accessKeyId: "AKIAEXAMPLE", secretAccessKey: "very-secret-value" },
    };
    expect(() => assertValidS3Config(cfg)).toThrow(InputError);
    try {
      assertValidS3Config(cfg);
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("very-secret-value");
    }
  });
});

describe("storeFromConfig", () => {
  it("builds an S3 store rooted at bucket/prefix", () => {
    const s = storeFromConfig({ kind: "s3", ...base, prefix: "//team-a/nightly/" });
    expect(s).toBeInstanceOf(S3ObjectStore);
    expect(s.describe()).toBe("s3://my-backups/team-a/nightly");
    expect(storeFromConfig({ kind: "s3", ...base }).describe()).toBe("s3://my-backups");
  });

  it("builds a filesystem store", () => {
    const s = storeFromConfig({ kind: "filesystem", path: "/mnt/backups" });
    expect(s).toBeInstanceOf(FsObjectStore);
    expect(s.describe()).toBe("file:///mnt/backups");
  });

  it("rejects an invalid configuration before any I/O", () => {
    expect(() => storeFromConfig({ kind: "s3", ...base, bucket: "b/p" })).toThrow(InputError);
    expect(() => storeFromConfig({ kind: "filesystem", path: "" })).toThrow(/absolute path/);
    expect(() => storeFromConfig({ kind: "nfs" } as never)).toThrow(/"nfs" is not a storage kind/);
  });
});
