/**
 * BackupStorageLocation through the real Pulumi CLI, against the real MinIO and kube-apiserver:
 * create, refresh after out-of-band changes, update in place, replace, destroy with both deletion
 * policies, object lock, SSE-KMS, a filesystem (NFS) location, and bad inputs rejected by `check`.
 */
import {
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { pulumiProject, type PulumiProject } from "../support/pulumi";

const stack = inject("stack");
const s3 = new S3Client({
  endpoint: stack.s3Endpoint,
  region: stack.s3Region,
  forcePathStyle: true,
  credentials: { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey },
});
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const PROGRAM = path.resolve(__dirname, "../fixtures/programs/location");
const unique = (p: string) => `${p}-${crypto.randomBytes(4).toString("hex")}`;
const projects: PulumiProject[] = [];

async function project(args: object, extra: Record<string, string> = {}): Promise<PulumiProject> {
  const p = await pulumiProject(PROGRAM);
  projects.push(p);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
  for (const [k, v] of Object.entries(extra)) await p.setConfig(k, v);
  await p.setConfig("args", JSON.stringify(args));
  return p;
}

async function bucketExists(Bucket: string): Promise<boolean> {
  return s3.send(new HeadBucketCommand({ Bucket })).then(
    () => true,
    () => false,
  );
}

async function configMap(name: string): Promise<k8s.V1ConfigMap | undefined> {
  return core.readNamespacedConfigMap({ name, namespace: "hks-system" }).catch(() => undefined);
}

afterAll(async () => {
  for (const p of projects) await p.dispose();
});

describe("BackupStorageLocation on S3 (MinIO)", () => {
  it("creates, refreshes after out-of-band changes, updates in place, replaces and destroys (Retain)", async () => {
    const bucket = unique("e2e-loc");
    const name = unique("main");
    const args = {
      name,
      objectStorage: { bucket, endpoint: stack.s3Endpoint, prefix: "cluster-a" },
      versioning: true,
      serverSideEncryption: { type: "SSE-S3" },
      tags: { team: "platform" },
    };
    const p = await project(args);

    // create
    const up = await p.up();
    expect(up.stdout).toMatch(/BackupStorageLocation loc created/);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      "AES256",
    );
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toContainEqual({
      Key: "team",
      Value: "platform",
    });
    const outs = await p.outputs();
    expect(outs.phase).toBe("Available");
    expect(outs.url).toBe(`s3://${bucket}/cluster-a`);
    expect(outs.capabilities).toMatchObject({
      versioning: "Enabled",
      encryption: { type: "AES256" },
      clientSideEncryption: false,
    });

    // the in-cluster record: config in a ConfigMap, keys only in a Secret
    const cm = await configMap(`hks-location-${name}`);
    expect(cm?.data?.["location.json"]).toBeDefined();
    const loc = JSON.parse(cm!.data!["location.json"]);
    expect(loc).toMatchObject({
      name,
      objectStorage: { bucket, prefix: "cluster-a" },
      credentials: { kind: "secret" },
    });
    expect(cm!.data!["location.json"]).not.toContain(stack.s3SecretAccessKey);
    const secret = await core.readNamespacedSecret({
      name: `hks-location-${name}-credentials`,
      namespace: "hks-system",
    });
    expect(Buffer.from(secret.data!.AWS_SECRET_ACCESS_KEY, "base64").toString()).toBe(stack.s3SecretAccessKey);

    // state: type token, thin serialized provider, no plain-text secret
    const state = await p.exportState();
    const res = state.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/hks:BackupStorageLocation");
    expect(res).toBeDefined();
    const provider = String(res!.inputs!.__provider);
    expect(provider).toContain('require("hks-backup/provider")');
    console.log(`serialized provider in state: ${provider.length} bytes`);
    expect(provider.length).toBeLessThan(4096);
    expect(JSON.stringify(state)).not.toContain(stack.s3SecretAccessKey);

    // out-of-band: versioning suspended, tag removed → refresh notices, up repairs
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [{ Key: "other", Value: "x" }] } }));
    await p.refresh();
    const refreshed = (await p.exportState()).deployment.resources.find((r) =>
      r.type.endsWith(":BackupStorageLocation"),
    )!;
    expect(refreshed.outputs!.capabilities).toMatchObject({ versioning: "Suspended" });
    expect(refreshed.inputs!.versioning).toBe(false);
    const preview = await p.preview(["--expect-no-changes"]).catch((e: Error) => e);
    expect(preview).toBeInstanceOf(Error); // the drift is now a pending change
    await p.up();
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toContainEqual({
      Key: "team",
      Value: "platform",
    });
    await p.preview(["--expect-no-changes"]);

    // update in place: tags
    await p.setConfig("args", JSON.stringify({ ...args, tags: { team: "storage" } }));
    const upd = await p.up();
    expect(upd.stdout).toMatch(/BackupStorageLocation loc updated/);
    expect(upd.stdout).not.toMatch(/replaced/);
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }))).TagSet).toContainEqual({
      Key: "team",
      Value: "storage",
    });

    // replace: prefix change; the in-cluster record survives the replacement
    await p.setConfig(
      "args",
      JSON.stringify({
        ...args,
        tags: { team: "storage" },
        objectStorage: { ...args.objectStorage, prefix: "cluster-b" },
      }),
    );
    const rep = await p.up();
    expect(rep.stdout).toMatch(/BackupStorageLocation loc replaced/);
    expect((await p.outputs()).url).toBe(`s3://${bucket}/cluster-b`);
    expect(JSON.parse((await configMap(`hks-location-${name}`))!.data!["location.json"]).objectStorage.prefix).toBe(
      "cluster-b",
    );

    // destroy with Retain: bucket and data stay, in-cluster record goes
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: "cluster-b/hks/v1/backups/b1/manifest.json", Body: "{}" }),
    );
    const destroy = await p.destroy();
    expect(destroy.stdout).toMatch(/kept with its backups/);
    expect(await bucketExists(bucket)).toBe(true);
    expect(await configMap(`hks-location-${name}`)).toBeUndefined();
  }, 420_000); // nine Pulumi CLI runs in one lifecycle: minutes on a busy machine

  it("deletionPolicy Delete removes the bucket it created", async () => {
    const bucket = unique("e2e-del");
    const p = await project({
      name: unique("del"),
      objectStorage: { bucket, endpoint: stack.s3Endpoint },
      deletionPolicy: "Delete",
    });
    await p.up();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hks/v1/backups/b1/manifest.json", Body: "{}" }));
    const d = await p.destroy();
    expect(d.stdout).toMatch(/deleted 1 object versions/);
    expect(await bucketExists(bucket)).toBe(false);
  });

  it(
    "credentialsSecretRef: up, refresh and destroy all use the Secret's keys, not the ambient " + "ones of the shell",
    async () => {
      const bucket = unique("e2e-ref");
      const secret = unique("e2e-ref-keys");
      await core.createNamespacedSecret({
        namespace: "hks-system",
        body: {
          metadata: { name: secret },
          stringData: { AWS_ACCESS_KEY_ID: stack.s3AccessKeyId, AWS_SECRET_ACCESS_KEY: stack.s3SecretAccessKey },
        },
      });
      const p = await project(
        {
          name: unique("ref"),
          objectStorage: { bucket, endpoint: stack.s3Endpoint },
          credentialsSecretRef: { name: secret },
          versioning: true,
          deletionPolicy: "Delete",
        },
        { inlineCredentials: "false" },
      );
      // Keys that MinIO does not know, where the SDK's default chain would find them.
      const wrongAmbient = {
        env: { AWS_ACCESS_KEY_ID: "not-the-location-key", AWS_SECRET_ACCESS_KEY: "not-the-location-secret" },
      };
      await p.run(["up", "--yes", "--skip-preview"], wrongAmbient);
      expect(await bucketExists(bucket)).toBe(true);

      // refresh reads the bucket with the Secret's keys: it sees the out-of-band change, and keeps the resource.
      await s3.send(
        new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
      );
      await p.run(["refresh", "--yes", "--skip-preview"], wrongAmbient);
      const refreshed = (await p.exportState()).deployment.resources.find((r) =>
        r.type.endsWith(":BackupStorageLocation"),
      );
      expect(refreshed?.outputs).toMatchObject({ versioning: false });

      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hks/v1/backups/b1/manifest.json", Body: "{}" }));
      const d = await p.run(["destroy", "--yes", "--skip-preview"], wrongAmbient);
      expect(d.stdout).toMatch(/deleted \d+ object versions/);
      expect(await bucketExists(bucket)).toBe(false);
      await core.deleteNamespacedSecret({ name: secret, namespace: "hks-system" });
    },
  );

  it("object lock: created with a default retention; Delete is refused while locked objects remain", async () => {
    const bucket = unique("e2e-lock");
    const p = await project({
      name: unique("lock"),
      objectStorage: { bucket, endpoint: stack.s3Endpoint },
      objectLock: { mode: "GOVERNANCE", days: 1 },
      deletionPolicy: "Delete",
    });
    await p.up();
    expect((await p.outputs()).capabilities).toMatchObject({
      versioning: "Enabled",
      objectLock: { mode: "GOVERNANCE", days: 1 },
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "hks/v1/backups/b1/manifest.json", Body: "{}" }));
    const d = await p.run(["destroy", "--yes", "--skip-preview"], { allowFailure: true });
    expect(d.code).not.toBe(0);
    expect(d.stdout + d.stderr).toMatch(/lock/i);
    expect(await bucketExists(bucket)).toBe(true);
  });

  it("adding object lock to an existing bucket is refused with a message saying why", async () => {
    const bucket = unique("e2e-nolock");
    const p = await project({ name: unique("nolock"), objectStorage: { bucket, endpoint: stack.s3Endpoint } });
    await p.up();
    await p.setConfig(
      "args",
      JSON.stringify({
        name: unique("nolock"),
        objectStorage: { bucket, endpoint: stack.s3Endpoint },
        objectLock: { mode: "COMPLIANCE", days: 1 },
      }),
    );
    const r = await p.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/object lock/i);
  });

  it("SSE-KMS with the server's key", async () => {
    const bucket = unique("e2e-kms");
    const p = await project({
      name: unique("kms"),
      objectStorage: { bucket, endpoint: stack.s3Endpoint },
      serverSideEncryption: { type: "SSE-KMS", kmsKeyId: stack.kmsKeyId },
    });
    await p.up();
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rule = enc.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault!;
    expect(rule.SSEAlgorithm).toBe("aws:kms");
    expect(rule.KMSMasterKeyID).toContain(stack.kmsKeyId);
    expect((await p.outputs()).capabilities).toMatchObject({ encryption: { type: "aws:kms" } });
  });

  it("rejects bad inputs in check, before anything is created", async () => {
    const name = unique("bad");
    const p = await project({
      name,
      objectStorage: { bucket: "Backups/Prod", endpoint: "minio:9000" },
      encryption: { recipients: ["AGE-SECRET-KEY-1XYZ"] },
    });
    const r = await p.run(["preview"], { allowFailure: true });
    expect(r.code).not.toBe(0);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(/objectStorage\.bucket/);
    expect(text).toMatch(/objectStorage\.endpoint/);
    expect(text).toMatch(/encryption\.recipients\[0\].*private identity/);
    const u = await p.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    expect(u.code).not.toBe(0);
    expect(await configMap(`hks-location-${name}`)).toBeUndefined();
    expect(await bucketExists("backups")).toBe(false);
  });
});

describe("BackupStorageLocation on NFS (a local folder standing in for the mount)", () => {
  it("checks the folder, probes it, records it, and keeps the data on destroy", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-nfs-"));
    const name = unique("nfs");
    const p = await project({ name, nfs: { server: "192.168.1.100", path: "/exports/backups", localPath: dir } });
    await p.up();
    const outs = await p.outputs();
    expect(outs).toMatchObject({ phase: "Available", url: `file://${dir}` });
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith("."))).toEqual([]); // the probe left nothing
    const loc = JSON.parse((await configMap(`hks-location-${name}`))!.data!["location.json"]);
    expect(loc).toMatchObject({
      provider: "generic",
      nfs: { server: "192.168.1.100", path: "/exports/backups" },
      credentials: { kind: "ambient" },
    });
    fs.mkdirSync(path.join(dir, "hks"), { recursive: true });
    fs.writeFileSync(path.join(dir, "hks", "keep"), "data");
    await p.destroy();
    expect(fs.existsSync(path.join(dir, "hks", "keep"))).toBe(true);
  });

  it("fails clearly when the share is not mounted", async () => {
    const p = await project({
      name: unique("nfs-missing"),
      nfs: { server: "h", path: "/exports/x", localPath: "/nonexistent/hks-mount" },
    });
    const r = await p.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/nfs\.localPath.*not a folder on this machine/);
  });
});
