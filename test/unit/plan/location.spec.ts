import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../../provider/kinds";
import { bucketNameProblem, checkLocation, diffLocation } from "../../../provider/plan/location";
import type { BackupStorageLocationInputs } from "../../../provider/types";

const RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const base = (over: Partial<BackupStorageLocationInputs> = {}): Partial<BackupStorageLocationInputs> => ({
  locationName: "s3-main-storage",
  objectStorage: { bucket: "my-hexabase-backups", region: "us-east-1" },
  ...over,
});

describe("checkLocation: defaults", () => {
  it("fills the seed's S3 shape with documented defaults", () => {
    const { inputs, failures } = checkLocation(base());
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({
      resourceKind: "BackupStorageLocation",
      provider: "aws",
      createBucket: true,
      accessMode: "ReadWrite",
      deletionPolicy: "Retain",
      default: false,
      namespace: "hks-system",
      objectStorage: { bucket: "my-hexabase-backups", region: "us-east-1", prefix: "" },
    });
  });
  it("defaults provider to generic for the seed's NFS shape", () => {
    const { inputs, failures } = checkLocation({
      locationName: "nfs-onprem-storage",
      nfs: { server: "192.168.1.100", path: "/exports/backups" },
    });
    expect(failures).toEqual([]);
    expect(inputs.provider).toBe("generic");
  });
  it("accepts unknown values during preview without failing", () => {
    const { failures } = checkLocation(
      base({
        objectStorage: { bucket: UNKNOWN, region: UNKNOWN },
        credentials: { accessKeyId: UNKNOWN, secretAccessKey: UNKNOWN },
      }),
    );
    expect(failures).toEqual([]);
  });
});

/** [case name, inputs, failing property, words the reason must contain] */
const BAD: Array<[string, Partial<BackupStorageLocationInputs>, string, RegExp]> = [
  ["no storage at all", { locationName: "x" }, "objectStorage", /is required \(or nfs\)/],
  ["both storages", base({ nfs: { server: "h", path: "/p" } }), "nfs", /not both/],
  ["unknown provider", base({ provider: "azure" as never }), "provider", /"aws", "generic"/],
  [
    "aws provider on nfs",
    { locationName: "x", provider: "aws", nfs: { server: "h", path: "/p" } },
    "provider",
    /needs provider "generic"/,
  ],
  [
    "bucket with a path",
    base({ objectStorage: { bucket: "backups/prod" } }),
    "objectStorage.bucket",
    /objectStorage\.prefix.*"prod"/,
  ],
  ["bucket too short", base({ objectStorage: { bucket: "ab" } }), "objectStorage.bucket", /3 to 63/],
  ["bucket uppercase", base({ objectStorage: { bucket: "My-Backups" } }), "objectStorage.bucket", /lowercase/],
  ["bucket as IP", base({ objectStorage: { bucket: "192.168.1.1" } }), "objectStorage.bucket", /IP address/],
  ["bucket double dot", base({ objectStorage: { bucket: "a..b" } }), "objectStorage.bucket", /adjacent periods/],
  ["bucket missing", base({ objectStorage: {} as never }), "objectStorage.bucket", /is required/],
  ["bad region", base({ objectStorage: { bucket: "abc", region: "US East" } }), "objectStorage.region", /us-east-1/],
  [
    "endpoint not a URL",
    base({ objectStorage: { bucket: "abc", endpoint: "minio:9000" } }),
    "objectStorage.endpoint",
    /http or https|URL/,
  ],
  [
    "endpoint with path",
    base({ objectStorage: { bucket: "abc", endpoint: "http://h:9000/bucket" } }),
    "objectStorage.endpoint",
    /objectStorage\.prefix/,
  ],
  [
    "endpoint with credentials",
    base({ objectStorage: { bucket: "abc", endpoint: "http://u:p@h:9000" } }),
    "objectStorage.endpoint",
    /credentials input/,
  ],
  [
    "prefix with slashes",
    base({ objectStorage: { bucket: "abc", prefix: "/cluster-a/" } }),
    "objectStorage.prefix",
    /use "cluster-a"/,
  ],
  ["prefix with ..", base({ objectStorage: { bucket: "abc", prefix: "a/../b" } }), "objectStorage.prefix", /"\.\."/],
  [
    "caBundle not PEM",
    base({ objectStorage: { bucket: "abc", caBundle: "hello" } }),
    "objectStorage.caBundle",
    /BEGIN CERTIFICATE/,
  ],
  [
    "idle timeout 0",
    base({ objectStorage: { bucket: "abc", idleTimeoutSeconds: 0 } }),
    "objectStorage.idleTimeoutSeconds",
    /whole number of seconds from 1 to 3600, got 0; leave it out for 60/,
  ],
  [
    "idle timeout 1.5",
    base({ objectStorage: { bucket: "abc", idleTimeoutSeconds: 1.5 } }),
    "objectStorage.idleTimeoutSeconds",
    /whole number of seconds from 1 to 3600, got 1\.5/,
  ],
  [
    "idle timeout as text",
    base({ objectStorage: { bucket: "abc", idleTimeoutSeconds: "60s" as never } }),
    "objectStorage.idleTimeoutSeconds",
    /got "60s"/,
  ],
  ["nfs relative path", { locationName: "x", nfs: { server: "h", path: "exports" } }, "nfs.path", /absolute/],
  ["nfs missing server", { locationName: "x", nfs: { path: "/exports" } as never }, "nfs.server", /is required/],
  [
    "nfs localPath relative",
    { locationName: "x", nfs: { server: "h", path: "/e", localPath: "mnt" } },
    "nfs.localPath",
    /absolute/,
  ],
  [
    "credentials and ref",
    base({ credentials: { accessKeyId: "a", secretAccessKey: "b" }, credentialsSecretRef: { name: "s" } }),
    "credentialsSecretRef",
    /not both/,
  ],
  [
    "credentials half given",
    base({ credentials: { accessKeyId: "a" } as never }),
    "credentials.secretAccessKey",
    /is required/,
  ],
  [
    "secret ref bad name",
    base({ credentialsSecretRef: { name: "Bad_Name" } }),
    "credentialsSecretRef.name",
    /DNS-1123/,
  ],
  [
    "SSE-KMS without key",
    base({ serverSideEncryption: { type: "SSE-KMS" } as never }),
    "serverSideEncryption.kmsKeyId",
    /KMS key id/,
  ],
  [
    "SSE unknown type",
    base({ serverSideEncryption: { type: "SSE-C" } as never }),
    "serverSideEncryption.type",
    /"SSE-S3", "SSE-KMS"/,
  ],
  [
    "SSE on nfs",
    { locationName: "x", nfs: { server: "h", path: "/e" }, serverSideEncryption: { type: "SSE-S3" } },
    "serverSideEncryption",
    /encryption\.recipients/,
  ],
  ["object lock bad mode", base({ objectLock: { mode: "LEGAL" as never, days: 3 } }), "objectLock.mode", /GOVERNANCE/],
  ["object lock zero days", base({ objectLock: { mode: "GOVERNANCE", days: 0 } }), "objectLock.days", /1 to 36500/],
  [
    "object lock without versioning",
    base({ objectLock: { mode: "GOVERNANCE", days: 3 }, versioning: false }),
    "versioning",
    /needs versioning/,
  ],
  [
    "lifecycle shorter than lock",
    base({ objectLock: { mode: "COMPLIANCE", days: 30 }, lifecycle: { expireDays: 7 } }),
    "lifecycle.expireDays",
    /shorter than objectLock\.days/,
  ],
  ["lifecycle fractional days", base({ lifecycle: { expireDays: 1.5 } }), "lifecycle.expireDays", /whole number/],
  [
    "too many tags",
    base({ tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }),
    "tags",
    /at most 50/,
  ],
  [
    "recipient is an identity",
    base({ encryption: { recipients: ["AGE-SECRET-KEY-1QQQ"] } }),
    "encryption.recipients[0]",
    /private identity/,
  ],
  [
    "recipient malformed",
    base({ encryption: { recipients: [RECIPIENT, "age1short"] } }),
    "encryption.recipients[1]",
    /58 characters/,
  ],
  ["recipients empty", base({ encryption: { recipients: [] } }), "encryption.recipients", /non-empty/],
  ["bad access mode", base({ accessMode: "WriteOnly" as never }), "accessMode", /"ReadWrite", "ReadOnly"/],
  ["delete on read-only", base({ accessMode: "ReadOnly", deletionPolicy: "Delete" }), "deletionPolicy", /ReadOnly/],
  ["bad namespace", base({ namespace: "Hks_System" }), "namespace", /DNS-1123/],
  ["location name too long", base({ locationName: "a".repeat(64) }), "locationName", /at most 63/],
  ["createBucket not boolean", base({ createBucket: "yes" as never }), "createBucket", /true or false/],
];

describe("checkLocation: bad inputs are rejected with the field and the fix", () => {
  it.each(BAD)("%s", (_name, inputs, property, reason) => {
    const { failures } = checkLocation(inputs);
    const f = failures.find((x) => x.property === property);
    expect(f, `failures were: ${JSON.stringify(failures)}`).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });
});

describe("bucketNameProblem", () => {
  it.each(["abc", "my-hexabase-backups", "a.b-c", "a".repeat(63)])("accepts %s", (b) =>
    expect(bucketNameProblem(b)).toBeUndefined(),
  );
  it.each(["-abc", "abc-", "xn--abc", "abc-s3alias", "a_b", "a".repeat(64)])("rejects %s", (b) =>
    expect(bucketNameProblem(b)).toBeDefined(),
  );
});

describe("diffLocation", () => {
  const olds = checkLocation(base({ tags: { team: "a" } })).inputs;
  const cases: Array<[string, Partial<BackupStorageLocationInputs>, string[], string[]]> = [
    ["nothing", {}, [], []],
    ["bucket", { objectStorage: { ...olds.objectStorage!, bucket: "other" } }, ["objectStorage.bucket"], []],
    ["prefix", { objectStorage: { ...olds.objectStorage!, prefix: "p" } }, ["objectStorage.prefix"], []],
    ["provider", { provider: "generic" }, ["provider"], []],
    ["tags", { tags: { team: "b" } }, [], ["tags"]],
    ["credentials", { credentials: { accessKeyId: "a", secretAccessKey: "b" } }, [], ["credentials"]],
    ["recipients", { encryption: { recipients: [RECIPIENT] } }, [], ["encryption"]],
    ["versioning", { versioning: true }, [], ["versioning"]],
    ["object lock added", { objectLock: { mode: "GOVERNANCE", days: 1 } }, ["objectLock.mode"], ["objectLock.days"]],
    ["unknown bucket", { objectStorage: { ...olds.objectStorage!, bucket: UNKNOWN } }, ["objectStorage.bucket"], []],
    // Issue 15: who owns the record never makes a new location (a renamed stack, an alias, adopt).
    ["owner", { owner: "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:BackupStorageLocation::x" }, [], ["owner"]],
    ["adopt", { adopt: true }, [], ["adopt"]],
  ];
  it.each(cases)("%s", (_n, change, replaces, updates) => {
    const d = diffLocation(olds, { ...olds, ...change });
    expect(d.replaces.sort()).toEqual(replaces.sort());
    expect(d.updates.sort()).toEqual(updates.sort());
    expect(d.changes).toBe(replaces.length + updates.length > 0);
  });
  it("ignores key order", () => {
    const reordered = JSON.parse(
      JSON.stringify({ ...olds, objectStorage: { region: "us-east-1", prefix: "", bucket: "my-hexabase-backups" } }),
    );
    expect(diffLocation(olds, reordered).changes).toBe(false);
  });
});
