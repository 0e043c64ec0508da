/**
 * Builds backups in the durable format (manifest.ts + layout + archive paths) for restore tests,
 * without the backup engine: from objects read back from a real apiserver (`collectNamespaces`), or
 * given directly. `rawArchive` writes tar entries the real writer refuses (absolute paths, `..`,
 * links), for archive-safety tests. Everything goes through the real store port, so a test can
 * then corrupt or truncate the stored bytes. Also the integration tests' shared setup: the stack,
 * locations on its MinIO, CRDs, CSI classes, and readers of what a backup stored.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as nodePath from "node:path";
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import * as tar from "tar-stream";
import YAML from "yaml";
import * as k8s from "@kubernetes/client-node";
import { inject } from "vitest";
import { archivePathFor, groupResourceKey, parseArchivePath } from "../../provider/format/archive-paths";
import { createArchiveWriter, readArchive } from "../../provider/engine/archive/archive";
import { decryptStream, encryptStream } from "../../provider/engine/archive/encrypt";
import { recipientFingerprint } from "../../provider/format/age-keys";
import {
  MANIFEST_FORMAT_VERSION,
  type BackupManifest,
  type VolumeSnapshotRecord,
} from "../../provider/format/manifest";
import { sanitizeObject } from "../../provider/engine/collect/sanitize";
import { describeRef } from "../../provider/engine/transform/transform";
import {
  fetchVerifiedArchive,
  readBackupManifest,
  readVerifiedArchive,
} from "../../provider/engine/catalog/read-verified";
import { objectYaml } from "../../provider/format/object-yaml";
import {
  apiVersionOf,
  collectionPath,
  createKubeReader,
  discoverResources,
  type ApiResource,
  type KubeReader,
} from "../../provider/kube/discovery";
import { writeLocationConfig, type LocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import { STORE_LAYOUT, createS3Client, ensureBucket, type ObjectStore } from "../../provider/store";
import { waitFor } from "./wait";

type Json = Record<string, any>;

/** One object of a fixture backup, with the resource (plural) it is served as. */
export interface FixtureObject {
  readonly group: string;
  readonly resource: string;
  readonly object: Json;
}

/** What a fixture backup records. */
export interface FixtureOptions {
  readonly store: ObjectStore;
  readonly name: string;
  /** Namespaces recorded in `target.namespaces`. */
  readonly namespaces: string[];
  readonly objects: readonly FixtureObject[];
  readonly recipients?: string[];
  readonly plan?: string;
  readonly phase?: "Completed" | "PartiallyFailed";
  readonly completedAt?: Date;
  readonly volumeSnapshots?: VolumeSnapshotRecord[];
  readonly storageLocation?: string;
  /** When the backup started. @default a second before completedAt */
  readonly startedAt?: Date;
  /** Labels recorded in the manifest. @default {} */
  readonly labels?: Record<string, string>;
}

/** Stores `archive` (already gzip'd tar, or age-encrypted) and a manifest describing it. */
export async function storeBackup(
  opts: Omit<FixtureOptions, "objects">,
  archive: Buffer,
  objects: number,
  byResource: Record<string, number> = {},
): Promise<BackupManifest> {
  const encrypted = (opts.recipients?.length ?? 0) > 0;
  const key = STORE_LAYOUT.backupResourcesKey(opts.name, { encrypted });
  const put = await opts.store.put(key, archive);
  const now = opts.completedAt ?? new Date();
  const manifest: BackupManifest = {
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: opts.name,
    phase: opts.phase ?? "Completed",
    ...(opts.plan ? { plan: opts.plan } : {}),
    labels: opts.labels ?? {},
    storageLocation: opts.storageLocation ?? "fixture",
    sourceCluster: "https://fixture.invalid",
    target: { namespaces: opts.namespaces },
    startedAt: (opts.startedAt ?? new Date(now.getTime() - 1000)).toISOString(),
    completedAt: now.toISOString(),
    counts: { total: objects, byResource },
    uncompressedBytes: 0,
    artifacts: { resources: { key, bytes: put.bytes, sha256: put.sha256, encrypted, objects } },
    ...(encrypted
      ? { encryption: { format: "age" as const, recipientFingerprints: opts.recipients!.map(recipientFingerprint) } }
      : {}),
    volumeSnapshots: opts.volumeSnapshots ?? [],
    hooks: [],
    warnings: [],
    errors: [],
  };
  await opts.store.put(STORE_LAYOUT.backupManifestKey(opts.name), JSON.stringify(manifest, null, 2));
  return manifest;
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The archive bytes (gzip'd tar, encrypted when `recipients` are given) of `objects`. */
export async function archiveOf(objects: readonly FixtureObject[], recipients: string[] = []): Promise<Buffer> {
  const w = createArchiveWriter();
  const out = recipients.length ? w.stream.pipe(encryptStream(recipients)) : w.stream;
  const done = drain(out);
  for (const f of objects) {
    const path = archivePathFor({
      group: f.group,
      resource: f.resource,
      namespace: f.object.metadata?.namespace,
      name: f.object.metadata.name,
    });
    await w.addEntry(path, YAML.stringify(f.object));
  }
  await w.finish();
  return done;
}

/** Replaces a stored object's bytes with `f` of them (stores are write-once: delete, then write). */
export async function rewriteStored(store: ObjectStore, key: string, f: (b: Buffer) => Buffer): Promise<void> {
  const body = await store.tryGet(key);
  if (!body) throw new Error(`rewriteStored: ${key} is not in ${store.describe()}`);
  await store.delete(key);
  await store.put(key, f(Buffer.from(body)));
}

/** Writes a complete fixture backup (archive + manifest, manifest last) and returns its manifest. */
export async function writeBackupFixture(opts: FixtureOptions): Promise<BackupManifest> {
  const byResource: Record<string, number> = {};
  for (const f of opts.objects) {
    const k = f.group ? `${f.resource}.${f.group}` : f.resource;
    byResource[k] = (byResource[k] ?? 0) + 1;
  }
  return storeBackup(opts, await archiveOf(opts.objects, opts.recipients), opts.objects.length, byResource);
}

/** One raw tar entry, for archives the real writer would refuse. */
export interface RawEntry {
  readonly name: string;
  readonly type?: "file" | "symlink" | "link" | "directory";
  readonly content?: string;
  readonly linkname?: string;
}

/** A gzip'd tar of exactly `entries`, unchecked. */
export async function rawArchive(entries: readonly RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const done = drain(pack.pipe(zlib.createGzip()));
  for (const e of entries) {
    const body = e.content === undefined ? undefined : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        { name: e.name, type: e.type ?? "file", linkname: e.linkname, size: body?.length ?? 0 },
        body ?? Buffer.alloc(0),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
  pack.finalize();
  return done;
}

/**
 * Reads every object of `namespaces` (every listable namespaced type, plus the Namespace objects)
 * back from the apiserver of `kc` as the backup would store it: sanitized, `status` kept only for
 * types without a status subresource.
 */
export async function collectNamespaces(kc: k8s.KubeConfig, namespaces: string[]): Promise<FixtureObject[]> {
  const reader = createKubeReader(kc);
  const { resources } = await discoverResources(reader);
  const out: FixtureObject[] = [];
  for (const ns of namespaces) {
    const nsObj = await reader.getJson<Json>(`/api/v1/namespaces/${ns}`);
    out.push({
      group: "",
      resource: "namespaces",
      object: sanitizeObject({ apiVersion: "v1", kind: "Namespace", ...nsObj }),
    });
    for (const r of resources.filter((x) => x.namespaced && x.verbs.includes("list"))) {
      const list = await reader.getJson<{ items?: Json[] }>(collectionPath(r, ns));
      for (const item of list.items ?? []) {
        const object = sanitizeObject(
          { ...item, apiVersion: apiVersionOf(r), kind: r.kind },
          { keepStatus: !r.hasStatusSubresource },
        );
        out.push({ group: r.group, resource: r.resource, object });
      }
    }
  }
  return out;
}

/** A name with a random suffix, unique in tests. */
export function uniq(prefix: string): string {
  return `${prefix}-${rand()}`;
}

/** Where a test's storage location points: the bucket on a stack's MinIO. */
export interface TestLocationSpec {
  readonly name: string;
  readonly namespace: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly accessMode?: "ReadWrite" | "ReadOnly";
  readonly s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  readonly recipients?: string[];
  /** objectStorage.idleTimeoutSeconds of the location. @default unset (60 s) */
  readonly idleTimeoutSeconds?: number;
  /** The namespace's default location. @default false */
  readonly isDefault?: boolean;
  /** Default object lock retention of a new bucket (versioned). @default none */
  readonly objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
}

/**
 * Creates the bucket (unless ReadOnly) and records the location in the cluster of `kc`, as a
 * BackupStorageLocation would; returns its config and its store (rooted at the prefix).
 */
export async function createTestLocation(
  kc: k8s.KubeConfig,
  spec: TestLocationSpec,
): Promise<{ config: LocationConfig; store: ObjectStore }> {
  const credentials = { accessKeyId: spec.s3.accessKeyId, secretAccessKey: spec.s3.secretAccessKey };
  if (spec.accessMode !== "ReadOnly") {
    const client = createS3Client({ region: spec.s3.region, endpoint: spec.s3.endpoint, credentials });
    try {
      await ensureBucket(client, { bucket: spec.bucket, region: spec.s3.region, objectLock: spec.objectLock });
    } finally {
      client.destroy();
    }
  }
  const config: LocationConfig = {
    name: spec.name,
    namespace: spec.namespace,
    provider: "aws",
    objectStorage: {
      bucket: spec.bucket,
      region: spec.s3.region,
      endpoint: spec.s3.endpoint,
      prefix: spec.prefix,
      forcePathStyle: true,
      idleTimeoutSeconds: spec.idleTimeoutSeconds,
    },
    recipients: spec.recipients ?? [],
    accessMode: spec.accessMode ?? "ReadWrite",
    default: spec.isDefault ?? false,
    credentials: {
      kind: "secret",
      name: `hks-location-${spec.name}-credentials`,
      namespace: spec.namespace,
      accessKeyIdKey: "AWS_ACCESS_KEY_ID",
      secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
    },
  };
  await writeLocationConfig(kc, config, credentials);
  return { config, store: await openLocationStore(kc, config) };
}

/** The objects a stored backup's archive holds, as `resource.group/namespace/name` (read and verified). */
export async function archiveItems(store: ObjectStore, name: string, identities: string[] = []): Promise<Set<string>> {
  const tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), "hks-test-archive-"));
  try {
    const m = await readBackupManifest(store, name);
    const items = new Set<string>();
    for await (const e of readVerifiedArchive(
      await fetchVerifiedArchive(store, m, tmp),
      m.artifacts.resources.encrypted,
      identities,
    ))
      items.add(describeRef(e.ref));
    return items;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `f`'s item name, as results and {@link archiveItems} write it. */
export function itemOf(f: FixtureObject): string {
  return describeRef({
    group: f.group,
    resource: f.resource,
    namespace: f.object.metadata?.namespace,
    name: f.object.metadata.name,
  });
}

export const stack = inject("stack");

/** The stack's admin kubeconfig. */
export function adminKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  return kc;
}

/** A short random suffix for unique names. */
export const rand = () => crypto.randomBytes(3).toString("hex");

/** The namespace where test locations are recorded (each test file uses its own). */
export function locationNamespace(): string {
  return `hks-loc-${rand()}`;
}

/**
 * Creates a real bucket on the stack's MinIO and records a location for it in the cluster, exactly as
 * the BackupStorageLocation resource does (ConfigMap + credentials Secret). Returns config and store.
 */
export async function createLocation(
  kc: k8s.KubeConfig,
  opts: {
    namespace: string;
    name?: string;
    recipients?: string[];
    isDefault?: boolean;
    /** The S3 URL recorded in the location (pods on the node use the node's address). */
    endpoint?: string;
    objectLock?: TestLocationSpec["objectLock"];
  },
): Promise<{ config: LocationConfig; store: ObjectStore; bucket: string }> {
  const bucket = `hks-it-backup-${rand()}`;
  const s3 = {
    endpoint: opts.endpoint ?? stack.s3Endpoint,
    region: stack.s3Region,
    accessKeyId: stack.s3AccessKeyId,
    secretAccessKey: stack.s3SecretAccessKey,
  };
  const name = opts.name ?? `loc-${rand()}`;
  const location = await createTestLocation(kc, {
    name,
    namespace: opts.namespace,
    bucket,
    prefix: "team-a",
    s3,
    recipients: opts.recipients,
    isDefault: opts.isDefault,
    objectLock: opts.objectLock,
  });
  return { ...location, bucket };
}

/** The names of the backups a store holds (from its keys alone), sorted. */
export async function storedBackupNames(store: ObjectStore): Promise<string[]> {
  const names = new Set<string>();
  for await (const e of store.list(STORE_LAYOUT.backupsPrefix)) {
    const parsed = STORE_LAYOUT.parseBackupKey(e.key);
    if (parsed) names.add(parsed.backupName);
  }
  return [...names].sort();
}

/** Reads a backup's manifest from the store. */
export async function readManifest(store: ObjectStore, name: string): Promise<BackupManifest> {
  const buf = await store.tryGet(STORE_LAYOUT.backupManifestKey(name));
  if (!buf) throw new Error(`backup ${name} has no manifest`);
  return JSON.parse(buf.toString("utf8")) as BackupManifest;
}

/** Every entry of a backup's archive, parsed: path → object. Decrypts with `identities` when given. */
export async function readBackupObjects(
  store: ObjectStore,
  manifest: BackupManifest,
  identities?: string[],
): Promise<Map<string, Record<string, unknown>>> {
  let source: Readable = await store.getStream(manifest.artifacts.resources.key);
  if (identities) source = source.pipe(decryptStream(identities));
  const out = new Map<string, Record<string, unknown>>();
  for await (const e of readArchive(source))
    out.set(e.path, YAML.parse(e.content.toString("utf8")) as Record<string, unknown>);
  return out;
}

/** Bytes that are not valid UTF-8 (and a NUL), for binary Secret/ConfigMap data. */
export const BINARY = Buffer.from([
  0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc,
]);

/** A CRD for `plural.group` with an open schema; `statusSubresource` decides who owns status. */
export function crdBody(
  group: string,
  plural: string,
  kind: string,
  statusSubresource: boolean,
): k8s.V1CustomResourceDefinition {
  return {
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural, singular: plural.replace(/s$/, ""), kind, listKind: `${kind}List` },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } },
          ...(statusSubresource ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  };
}

/** Creates a CRD and waits until it is Established (custom resources are refused before). */
export async function createCrd(kc: k8s.KubeConfig, body: k8s.V1CustomResourceDefinition): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({ body });
  await waitFor(`CRD ${body.metadata!.name} Established`, 30_000, async () => {
    const c = await ext.readCustomResourceDefinition({ name: body.metadata!.name! });
    return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True") ? true : undefined;
  });
}

/** The resource key (archive folder) of an object's apiVersion + plural. */
export function keyOf(group: string, resource: string): string {
  return groupResourceKey({ group, resource });
}

/** Reads live objects the way the backup writes them (sanitized, YAML round-tripped), by archive path. */
export async function liveReader(reader: KubeReader): Promise<(archivePath: string) => Promise<unknown>> {
  const resources = new Map<string, ApiResource>(
    (await discoverResources(reader)).resources.map((r) => [keyOf(r.group, r.resource), r]),
  );
  return async (archivePath) => {
    const ref = parseArchivePath(archivePath);
    const r = resources.get(keyOf(ref.group, ref.resource));
    if (!r) throw new Error(`no discovered resource for ${archivePath}`);
    const live = await reader.getJson<Record<string, unknown>>(
      `${collectionPath(r, ref.namespace)}/${encodeURIComponent(ref.name)}`,
    );
    return YAML.parse(objectYaml(sanitizeObject(live, { keepStatus: !r.hasStatusSubresource })));
  };
}

/**
 * A StorageClass `sc-<id>` and a VolumeSnapshotClass `vsc-<id>` for a made-up CSI `driver` (no
 * driver runs here: tests play its snapshot controller). Returns their removal, for afterAll.
 */
export async function createCsiClasses(kc: k8s.KubeConfig, id: string, driver: string): Promise<() => Promise<void>> {
  const storage = kc.makeApiClient(k8s.StorageV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const vsc = { group: "snapshot.storage.k8s.io", version: "v1", plural: "volumesnapshotclasses" };
  await storage.createStorageClass({ body: { metadata: { name: `sc-${id}` }, provisioner: driver } });
  await custom.createClusterCustomObject({
    ...vsc,
    body: {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: `vsc-${id}` },
      driver,
      deletionPolicy: "Delete",
    },
  });
  return async () => {
    await storage.deleteStorageClass({ name: `sc-${id}` }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...vsc, name: `vsc-${id}` }).catch(() => undefined);
  };
}
