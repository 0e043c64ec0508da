/**
 * Owners of what the resources record in the cluster (issue 15), on the real kube-apiserver and
 * MinIO, through the handlers the dynamic provider dispatches to: two "stacks" (two owner URNs) use
 * the same in-cluster names. The second is refused at check (preview) and at create, naming both
 * owners, before anything is written; `adopt: true` takes the record over; a delete keeps another
 * owner's record; refresh notices a record deleted or changed out of band; a failed Restore leaves
 * no result ConfigMap.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupStorageLocationHandler as locations } from "../../provider/handlers/backup-storage-location";
import { backupPlanHandler as plans } from "../../provider/handlers/backup-plan";
import { restoreHandler as restores } from "../../provider/handlers/restore";
import type { HandlerContext } from "../../provider/handlers/handler";
import { OWNER_ANNOTATION, OWNER_STACK_ANNOTATION } from "../../provider/format/owner";
import { checkLocation } from "../../provider/plan/location";
import { checkBackupPlan } from "../../provider/plan/plan";
import { checkRestore } from "../../provider/plan/restore";
import { createS3Client, inspectBucket, STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import type {
  BackupPlanInputs,
  BackupStorageLocationInputs,
  BackupStorageLocationOutputs,
  RestoreInputs,
} from "../../provider/types";
import { adminKubeConfig, createLocation, rand, stack, writeBackupFixture } from "../support/backup-fixture";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const id = rand();
const NS = `hks-own-${id}`;
const SRC = `own-src-${id}`;
const logs: string[] = [];
const ctx: HandlerContext = {
  signal: new AbortController().signal,
  log: (l) => logs.push(l),
  progress: () => undefined,
};
const urn = (stackName: string, kind: string, name: string) =>
  `urn:pulumi:${stackName}::shop::pulumi-nodejs:dynamic/hks:${kind}::${name}`;
const A = urn("stack-a", "BackupStorageLocation", "shared");
const B = urn("stack-b", "BackupStorageLocation", "shared");
const s3 = createS3Client({
  region: stack.s3Region,
  endpoint: stack.s3Endpoint,
  credentials: { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey },
});

function location(owner: string, bucket: string, over: Partial<BackupStorageLocationInputs> = {}) {
  const { inputs, failures } = checkLocation({
    locationName: "shared",
    namespace: NS,
    objectStorage: { bucket, endpoint: stack.s3Endpoint, region: stack.s3Region, forcePathStyle: true },
    credentials: { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey },
    owner,
    ...over,
  } as Partial<BackupStorageLocationInputs>);
  expect(failures).toEqual([]);
  return inputs;
}

const record = () => core.readNamespacedConfigMap({ name: "hks-location-shared", namespace: NS });
const recordedBucket = async () => JSON.parse((await record()).data!["location.json"]!).objectStorage.bucket;

let mainStore: ObjectStore;

beforeAll(async () => {
  for (const ns of [NS, SRC]) await core.createNamespace({ body: { metadata: { name: ns } } });
  // The location the plan and the restores use (recorded without owner, as a test fixture).
  ({ store: mainStore } = await createLocation(kc, { namespace: NS, name: "main" }));
});

afterAll(async () => {
  for (const ns of [NS, SRC]) await core.deleteNamespace({ name: ns }).catch(() => undefined);
  s3.destroy();
});

describe("BackupStorageLocation: one owner per in-cluster record", () => {
  const bucketA = `hks-it-own-a-${id}`;
  const bucketB = `hks-it-own-b-${id}`;
  let outsA: BackupStorageLocationOutputs;
  let outsB: BackupStorageLocationOutputs;

  it("records the owner on the ConfigMap and the credentials Secret", async () => {
    outsA = (await locations.create(location(A, bucketA), ctx)).outs!;
    const cm = await record();
    expect(cm.metadata!.annotations).toMatchObject({ [OWNER_ANNOTATION]: A, [OWNER_STACK_ANNOTATION]: "shop/stack-a" });
    const secret = await core.readNamespacedSecret({ name: "hks-location-shared-credentials", namespace: NS });
    expect(secret.metadata!.annotations![OWNER_ANNOTATION]).toBe(A);
  });

  it("refuses a second owner's location of the same name at preview and at create, naming both owners", async () => {
    const inputsB = location(B, bucketB);
    const checked = await locations.check({}, inputsB);
    expect(checked.failures).toHaveLength(1);
    expect(checked.failures![0]).toMatchObject({ property: "locationName" });
    const reason = checked.failures![0].reason;
    for (const s of ["stack shop/stack-a", A, "stack shop/stack-b", B, "different `name`", "adopt: true"])
      expect(reason).toContain(s);
    const err = await locations.create(inputsB, ctx).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^ConflictError: ConfigMap .*hks-location-shared is owned by stack shop\/stack-a/,
    );
    expect((err as Error).message).toContain(B);
    // Before any side effect: A's record is unchanged and B's bucket was never created.
    expect(await recordedBucket()).toBe(bucketA);
    expect((await record()).metadata!.annotations![OWNER_ANNOTATION]).toBe(A);
    expect((await inspectBucket(s3, bucketB)).exists).toBe(false);
  });

  it("adopt: true takes the record over; the former owner's delete then keeps it", async () => {
    const inputsB = location(B, bucketB, { adopt: true });
    expect((await locations.check({}, inputsB)).failures).toEqual([]);
    outsB = (await locations.create(inputsB, ctx)).outs!;
    expect(await recordedBucket()).toBe(bucketB);
    expect((await record()).metadata!.annotations).toMatchObject({
      [OWNER_ANNOTATION]: B,
      [OWNER_STACK_ANNOTATION]: "shop/stack-b",
    });
    expect(logs.some((l) => l.includes("adopted from stack shop/stack-a"))).toBe(true);
    logs.length = 0;
    await locations.delete(`${NS}/shared`, outsA, ctx);
    expect(await recordedBucket()).toBe(bucketB);
    expect(logs.some((l) => /^kept: ConfigMap .*hks-location-shared is owned by stack shop\/stack-b/.test(l))).toBe(
      true,
    );
  });

  it("refresh notices a record changed out of band (reflected or reported) and `up` writes it again", async () => {
    const cm = await record();
    const cfg = JSON.parse(cm.data!["location.json"]!);
    await core.replaceNamespacedConfigMap({
      name: "hks-location-shared",
      namespace: NS,
      body: {
        ...cm,
        data: {
          "location.json": JSON.stringify({
            ...cfg,
            default: true,
            objectStorage: { ...cfg.objectStorage, bucket: "elsewhere" },
          }),
        },
      },
    });
    const read = await locations.read(`${NS}/shared`, outsB, ctx);
    expect(read.inputs!.default).toBe(true);
    expect(read.props!.drift).toEqual([
      expect.stringMatching(
        /hks-location-shared: objectStorage is .*"bucket":"elsewhere".*the resource says .*"bucket":"hks-it-own-b-/,
      ),
    ]);
    const diff = await locations.diff(`${NS}/shared`, read.props!, location(B, bucketB, { adopt: true }));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    outsB = (await locations.update(`${NS}/shared`, read.props!, location(B, bucketB, { adopt: true }), ctx)).outs!;
    expect(await recordedBucket()).toBe(bucketB);
    expect((await locations.read(`${NS}/shared`, outsB, ctx)).props!.drift).toEqual([]);
  });

  it("refresh notices a record deleted out of band, and `up` records it again", async () => {
    await core.deleteNamespacedConfigMap({ name: "hks-location-shared", namespace: NS });
    const read = await locations.read(`${NS}/shared`, outsB, ctx);
    expect(read.props!.drift).toEqual([`ConfigMap ${NS}/hks-location-shared is missing (deleted out of band)`]);
    expect((await locations.diff(`${NS}/shared`, read.props!, location(B, bucketB))).changes).toBe(true);
    outsB = (await locations.update(`${NS}/shared`, read.props!, location(B, bucketB), ctx)).outs!;
    expect((await record()).metadata!.annotations![OWNER_ANNOTATION]).toBe(B);
    await locations.delete(`${NS}/shared`, outsB, ctx);
    await expect(record()).rejects.toMatchObject({ code: 404 });
  });
});

describe("BackupPlan: the same rule on every object it installs", () => {
  const PA = urn("stack-a", "BackupPlan", "nightly");
  const PB = urn("stack-b", "BackupPlan", "nightly");
  const plan = (owner: string, over: Partial<BackupPlanInputs> = {}) => {
    const { inputs, failures } = checkBackupPlan({
      planName: "nightly",
      namespace: NS,
      target: { namespace: SRC },
      storageLocation: "main",
      schedule: { cron: "0 2 * * *", suspend: true },
      retention: { daily: 7 },
      owner,
      ...over,
    } as unknown as Partial<BackupPlanInputs>);
    expect(failures).toEqual([]);
    return inputs;
  };

  it("refuses another stack's plan of the same name, then adopts it with adopt: true", async () => {
    const a = (await plans.create(plan(PA), ctx)).outs!;
    const cron = () =>
      kc.makeApiClient(k8s.BatchV1Api).readNamespacedCronJob({ name: "hks-plan-nightly", namespace: NS });
    expect((await cron()).metadata!.annotations![OWNER_ANNOTATION]).toBe(PA);
    const checked = await plans.check({}, plan(PB));
    expect(checked.failures![0].reason).toContain("stack shop/stack-a");
    const err = await plans.create(plan(PB, { schedule: { cron: "0 3 * * *" } } as never), ctx).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /is owned by stack shop\/stack-a .*not by this resource \(stack shop\/stack-b/,
    );
    expect((await cron()).spec!.schedule).toBe("0 2 * * *");
    const b = (await plans.create(plan(PB, { adopt: true }), ctx)).outs!;
    expect((await cron()).metadata!.annotations![OWNER_ANNOTATION]).toBe(PB);
    // A's refresh reports every object as B's now; A's destroy leaves B's plan alone.
    const drift = (await plans.read(`${NS}/nightly`, a, ctx)).props!.drift;
    expect(drift).toContain(`CronJob ${NS}/hks-plan-nightly is now owned by stack shop/stack-b (${PB})`);
    await plans.delete(`${NS}/nightly`, a, ctx);
    expect((await cron()).metadata!.annotations![OWNER_ANNOTATION]).toBe(PB);
    await plans.delete(`${NS}/nightly`, b, ctx);
    await expect(cron()).rejects.toMatchObject({ code: 404 });
  });
});

describe("Restore: its result record", () => {
  const RA = urn("stack-a", "Restore", "clone");
  const RB = urn("stack-b", "Restore", "clone");
  const restore = (owner: string, backupName: string, restoreName: string, over: Partial<RestoreInputs> = {}) => {
    const { inputs, failures } = checkRestore({
      restoreName,
      backupName,
      storageLocation: "main",
      namespace: NS,
      namespaceMapping: { [SRC]: `${SRC}-${restoreName}` },
      owner,
      ...over,
    } as Partial<RestoreInputs>);
    expect(failures).toEqual([]);
    return inputs;
  };
  const resultRecord = (name: string) => core.readNamespacedConfigMap({ name: `hks-restore-${name}`, namespace: NS });

  it("a failed Restore leaves no ConfigMap and no namespace behind", async () => {
    const store = mainStore;
    await writeBackupFixture({
      store,
      name: "b-corrupt",
      namespaces: [SRC],
      objects: [
        {
          group: "",
          resource: "configmaps",
          object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app", namespace: SRC }, data: { k: "v" } },
        },
      ],
    });
    const key = STORE_LAYOUT.backupResourcesKey("b-corrupt");
    const body = Buffer.from((await store.tryGet(key))!);
    body[body.length >> 1] ^= 0x10;
    await store.delete(key);
    await store.put(key, body);
    const err = await restores.create(restore(RA, "b-corrupt", "failed"), ctx).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/restore failed failed: IntegrityError/);
    await expect(resultRecord("failed")).rejects.toMatchObject({ code: 404 });
    await expect(core.readNamespace({ name: `${SRC}-failed` })).rejects.toMatchObject({ code: 404 });
  });

  it("refuses another owner's record before restoring, and its delete keeps that record", async () => {
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: {
        metadata: { name: "hks-restore-clone", annotations: { [OWNER_ANNOTATION]: "hks-cli" } },
        data: { "result.json": "{}" },
      },
    });
    const inputs = restore(RB, "b-corrupt", "clone");
    expect((await restores.check({}, inputs)).failures![0].reason).toContain("the hks CLI (hks-cli)");
    const err = await restores.create(inputs, ctx).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^ConflictError: ConfigMap .*hks-restore-clone is owned by the hks CLI/);
    logs.length = 0;
    // A Restore of this name that some other stack destroys: the CLI's record stays.
    const outs = { ...inputs, createdNamespaces: [], createdSnapshotContents: [] } as never;
    await restores.delete(`${NS}/clone`, outs, ctx);
    expect((await resultRecord("clone")).metadata!.annotations![OWNER_ANNOTATION]).toBe("hks-cli");
    expect(logs.some((l) => l.includes("kept its result record") && l.includes("hks-cli"))).toBe(true);
  });
});
