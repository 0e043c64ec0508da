/**
 * BackupStorageLocation: provisions an S3 bucket (or checks an NFS folder), proves access with a
 * probe, and records the location in the cluster. Order inside each method: parse, plan, apply,
 * shape outputs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InputError, StorageError } from "../errors";
import { s3Code } from "../store/s3-errors";
import { loadKubeConfig } from "../kube/client";
import {
  configMapName,
  deleteLocationConfig,
  locationRecords,
  readLocationCredentials,
  writeLocationConfig,
} from "../kube/location-config";
import { claimRecords } from "../kube/ownership";
import { claimantOf, deleteStaleCredentials, previewOwnership, readRecord, recordVerdict } from "./location-record";
import { locationConfigOf, storeConfigOf } from "../prepare/location-store";
import { checkLocation, diffLocation } from "../plan/location";
import {
  createS3Client,
  deleteBucketContents,
  ensureBucket,
  inspectBucket,
  probeAccess,
  storeFromConfig,
  type BucketInspection,
  type StoreConfig,
} from "../store";
import type { BackupStorageLocationInputs as Inputs, BackupStorageLocationOutputs as Outputs } from "../types";
import type { HandlerContext, ResourceHandler } from "./handler";

const idOf = (i: Inputs) => `${i.namespace}/${i.locationName}`;

function storeConfigFor(i: Inputs, credentials: Inputs["credentials"] = i.credentials): StoreConfig {
  const cfg = locationConfigOf(i);
  return storeConfigOf(cfg, credentials);
}

/**
 * The keys the location will use: inline, else those in `credentialsSecretRef`'s Secret, read
 * before anything is created so a missing Secret or key is an input error on that field (not a
 * recorded location whose every backup later fails), and so the access probe tests those keys.
 */
async function credentialsFor(kc: ReturnType<typeof loadKubeConfig>, i: Inputs): Promise<Inputs["credentials"]> {
  if (i.credentials || !i.credentialsSecretRef || !i.objectStorage) return i.credentials;
  return readLocationCredentials(kc, locationConfigOf(i));
}

/** The folder an NFS location is read and written through on this machine. */
function localFolder(i: Inputs): string {
  return i.nfs!.localPath ?? i.nfs!.path;
}

function capabilitiesOf(i: Inputs, b?: BucketInspection): Outputs["capabilities"] {
  return {
    versioning: b ? b.versioning : "n/a",
    objectLock: b?.objectLock ? { mode: b.objectLock.mode, days: b.objectLock.days } : undefined,
    encryption: b?.encryption ? { type: b.encryption.type, kmsKeyId: b.encryption.kmsKeyId } : undefined,
    clientSideEncryption: (i.encryption?.recipients.length ?? 0) > 0,
  };
}

/** Network failures that mean nothing answers at the endpoint the inputs point to. */
const NETWORK_CODES = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"];

/**
 * A network failure while provisioning is a bad `objectStorage.endpoint` (or, without one, a
 * region whose AWS endpoint is unreachable): reported on that field; anything else as it is.
 */
function unreachableEndpoint(i: Inputs, err: unknown): unknown {
  const code = s3Code((err as { cause?: unknown }).cause ?? err);
  if (!code || !NETWORK_CODES.includes(code)) return err;
  return new InputError(
    i.objectStorage?.endpoint ? "objectStorage.endpoint" : "objectStorage.region",
    (err as Error).message.replace(/^StorageError: /, ""),
  );
}

/** Creates or re-applies the bucket settings; returns what the bucket looks like afterwards. */
async function provisionBucket(
  i: Inputs,
  ctx: HandlerContext,
  credentials: Inputs["credentials"],
): Promise<{ inspection: BucketInspection; created: boolean }> {
  const os = i.objectStorage!;
  const client = createS3Client(storeConfigFor(i, credentials) as Extract<StoreConfig, { kind: "s3" }>);
  const where = `s3://${os.bucket}`;
  if (i.accessMode === "ReadOnly" || !i.createBucket) {
    const found = await inspectBucket(client, os.bucket);
    if (!found.exists) {
      const why =
        i.accessMode === "ReadOnly"
          ? " (a ReadOnly location never creates it)"
          : " and createBucket is false: create it, or set createBucket: true";
      throw new InputError("objectStorage.bucket", `bucket "${os.bucket}" does not exist${why}`);
    }
    if (i.accessMode === "ReadOnly") return { inspection: found, created: false };
  }
  const res = await ensureBucket(client, {
    bucket: os.bucket,
    region: os.region ?? "us-east-1",
    objectLock: i.objectLock,
    versioning: i.versioning,
    sse: i.serverSideEncryption
      ? i.serverSideEncryption.type === "SSE-KMS"
        ? { type: "aws:kms", kmsKeyId: i.serverSideEncryption.kmsKeyId }
        : { type: "AES256" }
      : undefined,
    lifecycle: i.lifecycle ? { prefix: os.prefix ? `${os.prefix}/` : "", ...i.lifecycle } : undefined,
    tags: i.tags,
  });
  ctx.log(
    `${where}: ${res.created ? "created" : "found"}${res.applied.length ? `; set ${res.applied.join(", ")}` : ""}`,
  );
  return { inspection: await inspectBucket(client, os.bucket), created: res.created };
}

/** Provision (or check), probe access, record in the cluster; returns the outputs. */
async function apply(i: Inputs, ctx: HandlerContext, createdBefore: boolean, olds?: Inputs): Promise<Outputs> {
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  // Before any side effect: never provision for, nor overwrite, a record another stack owns.
  await claimRecords(kc, locationRecords(i.namespace, i.locationName, !!i.credentials), claimantOf(i, olds), ctx.log);
  const credentials = await credentialsFor(kc, i);
  let inspection: BucketInspection | undefined;
  let created = createdBefore;
  if (i.objectStorage) {
    const r = await provisionBucket(i, ctx, credentials).catch((err: unknown) => {
      throw unreachableEndpoint(i, err);
    });
    inspection = r.inspection;
    created = created || r.created;
  } else {
    const dir = localFolder(i);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new InputError(
        i.nfs!.localPath ? "nfs.localPath" : "nfs.path",
        `${dir} is not a folder on this machine: mount ${i.nfs!.server}:${i.nfs!.path} there, or set ` +
          `nfs.localPath to where it is mounted`,
      );
    }
  }
  const store = storeFromConfig(storeConfigFor(i, credentials));
  if (i.accessMode === "ReadOnly") {
    for await (const _ of store.list("hks/")) break; // reading is all a ReadOnly location needs
    ctx.log(`${store.describe()}: readable (ReadOnly: nothing written)`);
  } else {
    const probe = await probeAccess(store, { objectLocked: !!inspection?.objectLock });
    ctx.log(`${probe.location}: access checked (${probe.checks.join(", ")})${probe.note ? `; ${probe.note}` : ""}`);
  }
  const written = await writeLocationConfig(kc, locationConfigOf(i), i.credentials, i.owner);
  if (!i.credentials) {
    // Credentials were removed (or never inline): no Secret of ours may linger with old keys.
    await deleteStaleCredentials(kc, i, olds);
  }
  ctx.log(
    `location "${i.locationName}" recorded in ConfigMap ` +
      `${i.namespace}/${written.configMap}${written.secret ? ` (credentials in Secret ${written.secret})` : ""}`,
  );
  return {
    ...i,
    phase: "Available",
    url: store.describe(),
    bucket: i.objectStorage?.bucket,
    endpoint: i.objectStorage?.endpoint,
    bucketCreated: created,
    capabilities: capabilitiesOf(i, inspection),
    configMapName: configMapName(i.locationName),
    credentialsSecretName: written.secret,
    drift: [],
  };
}

export const backupStorageLocationHandler: ResourceHandler<Inputs, Outputs> = {
  applyDeadlineMs: 10 * 60_000,

  async check(olds, news) {
    const { inputs, failures } = checkLocation(news);
    // At preview too: a record another stack owns is refused before anything is planned on it.
    return { inputs, failures: failures.length ? failures : await previewOwnership(inputs, olds) };
  },

  async diff(_id, olds, news) {
    const d = diffLocation(olds, news);
    // Same in-cluster name: the old resource's delete would remove the record the new one wrote.
    const sameRecord = !d.replaces.includes("locationName") && !d.replaces.includes("namespace");
    // Drift of the record found by refresh is a change: `up` writes the record again.
    const changes = d.changes || (olds.drift?.length ?? 0) > 0;
    return { changes, replaces: d.replaces, deleteBeforeReplace: d.replaces.length > 0 && sameRecord };
  },

  async create(inputs, ctx) {
    const outs = await apply(inputs, ctx, false);
    return { id: idOf(inputs), outs };
  },

  async read(id, props, _ctx) {
    const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
    const record = await readRecord(kc, props);
    const withRecord = <T extends Inputs>(p: T): T => ({ ...p, ...record.reflected });
    if (!props.objectStorage) {
      const dir = props.nfs?.localPath ?? props.nfs?.path;
      if (!dir || !fs.existsSync(dir)) return {};
      const outs = { ...withRecord(props), drift: record.messages };
      return { id, props: outs, inputs: withRecord(stripOutputs(props)) };
    }
    // The keys the location uses (its credentialsSecretRef's Secret too), never the ambient ones of
    // whoever runs `pulumi refresh`: other keys could see another account, or nothing at all.
    const client = createS3Client(
      storeConfigFor(props, await credentialsFor(kc, props)) as Extract<StoreConfig, { kind: "s3" }>,
    );
    const found = await inspectBucket(client, props.objectStorage.bucket);
    if (!found.exists) return {}; // deleted out of band: the resource is gone
    // Reflect out-of-band changes in the inputs so the next `pulumi up` shows and repairs them.
    const inputs: Inputs = withRecord(stripOutputs(props));
    if (props.versioning === true && found.versioning !== "Enabled") inputs.versioning = false;
    if (props.tags) {
      inputs.tags = Object.fromEntries(
        Object.keys(props.tags)
          .filter((k) => k in found.tags)
          .map((k) => [k, found.tags[k]]),
      );
    }
    if (props.serverSideEncryption) {
      const want = props.serverSideEncryption.type === "SSE-KMS" ? "aws:kms" : "AES256";
      if (found.encryption?.type !== want) delete inputs.serverSideEncryption;
    }
    // diff compares the program against the outputs, so the outputs carry the drift too.
    const drifted = {
      ...withRecord(props),
      versioning: inputs.versioning,
      tags: inputs.tags,
      serverSideEncryption: inputs.serverSideEncryption,
      drift: record.messages,
    };
    return { id, props: { ...drifted, capabilities: capabilitiesOf(props, found) }, inputs };
  },

  async update(_id, olds, news, ctx) {
    return { outs: await apply(news, ctx, olds.bucketCreated ?? false, olds) };
  },

  async delete(_id, props, ctx) {
    const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
    // A record another stack took over (adopt) means its data is that stack's now: never delete it.
    const taken = (await recordVerdict(kc, props)) === "foreign";
    if (props.deletionPolicy === "Delete" && props.accessMode !== "ReadOnly" && !taken) {
      if (props.objectStorage) {
        const os = props.objectStorage;
        // As in read: the location's own keys (a missing Secret is an error naming it, not a guess).
        const client = createS3Client(
          storeConfigFor(props, await credentialsFor(kc, props)) as Extract<StoreConfig, { kind: "s3" }>,
        );
        // Only what this resource created: the whole bucket if it made it, else its hks/ tree.
        const prefix = props.bucketCreated ? "" : `${os.prefix ? `${os.prefix}/` : ""}hks/`;
        const found = await inspectBucket(client, os.bucket);
        if (found.exists) {
          const r = await deleteBucketContents(client, os.bucket, { prefix });
          ctx.log(
            `s3://${os.bucket}/${prefix}: deleted ${r.versions} object versions, ${r.deleteMarkers} delete markers, ${r.uploads} incomplete uploads (deletionPolicy Delete)`,
          );
          if (props.bucketCreated) {
            const s3 = await import("@aws-sdk/client-s3");
            await client.send(new s3.DeleteBucketCommand({ Bucket: os.bucket })).catch((err) => {
              throw new StorageError(`deleting bucket ${os.bucket}: ${(err as Error).message}`, { cause: err });
            });
            ctx.log(`s3://${os.bucket}: bucket deleted`);
          }
        }
      } else {
        const dir = path.join(localFolder(props), "hks");
        fs.rmSync(dir, { recursive: true, force: true });
        ctx.log(`${dir}: deleted (deletionPolicy Delete)`);
      }
    } else {
      const why = taken ? "its record is another owner's now" : `deletionPolicy ${props.deletionPolicy}`;
      ctx.log(`${props.url}: kept with its backups (${why}${props.accessMode === "ReadOnly" ? ", ReadOnly" : ""})`);
    }
    const records = await deleteLocationConfig(kc, props.namespace, props.locationName, claimantOf(props, props));
    for (const k of records.kept) ctx.log(`kept: ${k}`);
  },
};

const OUTPUT_ONLY: readonly string[] = [
  "phase",
  "url",
  "bucket",
  "endpoint",
  "bucketCreated",
  "capabilities",
  "configMapName",
  "credentialsSecretName",
  "drift",
];

function stripOutputs(o: Outputs): Inputs {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !OUTPUT_ONLY.includes(k))) as unknown as Inputs;
}
