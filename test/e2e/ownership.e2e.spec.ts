/**
 * Issue 15 through the real Pulumi CLI: two stacks of one project in one cluster declare a
 * BackupStorageLocation with the same in-cluster name. The second stack's `pulumi preview` and
 * `pulumi up` are refused naming both stacks, and nothing of it is made; with `adopt: true` it
 * takes the record over; the first stack's refresh then reports the record as another stack's, its
 * destroy keeps that record, and the second stack's destroy removes it.
 */
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import * as crypto from "node:crypto";
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
const id = crypto.randomBytes(4).toString("hex");
const NAME = `shared-${id}`;
const projects: PulumiProject[] = [];

async function project(stackName: string, bucket: string, extra: object = {}): Promise<PulumiProject> {
  const p = await pulumiProject(PROGRAM, {}, { stack: stackName });
  projects.push(p);
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
  await setArgs(p, bucket, extra);
  return p;
}

const setArgs = (p: PulumiProject, bucket: string, extra: object = {}) =>
  p.setConfig("args", JSON.stringify({ name: NAME, objectStorage: { bucket, endpoint: stack.s3Endpoint }, ...extra }));

const record = () => core.readNamespacedConfigMap({ name: `hks-location-${NAME}`, namespace: "hks-system" });
const bucketExists = (Bucket: string) =>
  s3.send(new HeadBucketCommand({ Bucket })).then(
    () => true,
    () => false,
  );

afterAll(async () => {
  for (const p of projects) await p.destroy().catch(() => undefined);
  for (const p of projects) await p.dispose();
  s3.destroy();
});

describe("two stacks, one location name", () => {
  // Nine Pulumi runs: 180 s (the project's default) was too short on a loaded 2-core machine.
  it(
    "refuses the second stack at preview and up naming both stacks; adopt takes over; destroy keeps the other's",
    {
      timeout: 15 * 60_000,
    },
    async () => {
      const bucketA = `e2e-own-a-${id}`;
      const bucketB = `e2e-own-b-${id}`;
      const a = await project(`owner-a-${id}`, bucketA);
      await a.up();
      const urnA = `urn:pulumi:owner-a-${id}::hks-test-location::pulumi-nodejs:dynamic/hks:BackupStorageLocation::loc`;
      expect((await record()).metadata!.annotations).toMatchObject({
        "hks.io/owner": urnA,
        "hks.io/owner-stack": `hks-test-location/owner-a-${id}`,
      });

      const b = await project(`owner-b-${id}`, bucketB);
      const preview = await b.run(["preview", "--diff"], { allowFailure: true });
      const previewText = preview.stdout + preview.stderr;
      expect(preview.code).not.toBe(0);
      expect(previewText).toContain(`is owned by stack hks-test-location/owner-a-${id}`);
      expect(previewText).toContain(`stack hks-test-location/owner-b-${id}`);
      expect(previewText).toContain("adopt: true");
      const up = await b.run(["up", "--yes", "--skip-preview"], { allowFailure: true });
      expect(up.code).not.toBe(0);
      expect(up.stdout + up.stderr).toContain(`is owned by stack hks-test-location/owner-a-${id}`);
      expect(JSON.parse((await record()).data!["location.json"]).objectStorage.bucket).toBe(bucketA);
      expect(await bucketExists(bucketB)).toBe(false);

      await setArgs(b, bucketB, { adopt: true });
      await b.up();
      expect(JSON.parse((await record()).data!["location.json"]).objectStorage.bucket).toBe(bucketB);
      expect((await record()).metadata!.annotations!["hks.io/owner-stack"]).toBe(`hks-test-location/owner-b-${id}`);

      // The first stack notices that its record is now another stack's, and its destroy leaves it.
      await a.refresh();
      const drift = (await a.exportState()).deployment.resources.find((r) => r.type.endsWith(":BackupStorageLocation"))!
        .outputs!.drift as string[];
      expect(drift.join("\n")).toContain(`is now owned by stack hks-test-location/owner-b-${id}`);
      const destroyA = await a.destroy();
      expect(destroyA.stdout).toContain(`kept: ConfigMap hks-system/hks-location-${NAME} is owned by stack`);
      expect((await record()).metadata!.annotations!["hks.io/owner-stack"]).toBe(`hks-test-location/owner-b-${id}`);
      await b.destroy();
      await expect(record()).rejects.toMatchObject({ code: 404 });
    },
  );
});
