/**
 * Shared fixtures of the backup integration tests, all against the real stack: a storage location
 * (a real MinIO bucket + the location ConfigMap/Secret the BackupStorageLocation writes), a seeded
 * namespace with every kind issue 4 names, and helpers that read a backup back from the bucket.
 */
import * as crypto from "node:crypto";
import type { Readable } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import * as YAML from "yaml";
import { inject } from "vitest";
import { readArchive } from "../../provider/engine/archive";
import { groupResourceKey, parseArchivePath } from "../../provider/engine/archive-paths";
import { objectYaml } from "../../provider/engine/backup-items";
import { sanitizeObject } from "../../provider/engine/sanitize";
import { collectionPath, discoverResources, type ApiResource, type KubeReader } from "../../provider/kube/discovery";
import { decryptStream } from "../../provider/engine/encrypt";
import type { BackupManifest } from "../../provider/engine/manifest";
import { writeLocationConfig, type LocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/location/store";
import { createLayout, createS3Client, ensureBucket, type ObjectStore } from "../../provider/store";
import { waitFor } from "../support/wait";

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
 * Creates a real bucket and records a location for it in the cluster, exactly as the
 * BackupStorageLocation resource does (ConfigMap + credentials Secret). Returns its config and store.
 */
export async function createLocation(kc: k8s.KubeConfig, opts: { namespace: string; name?: string; recipients?: string[]; isDefault?: boolean; endpoint?: string }): Promise<{ config: LocationConfig; store: ObjectStore; bucket: string }> {
  const bucket = `hks-it-backup-${rand()}`;
  const creds = { accessKeyId: stack.s3AccessKeyId, secretAccessKey: stack.s3SecretAccessKey };
  await ensureBucket(createS3Client({ region: stack.s3Region, endpoint: stack.s3Endpoint, credentials: creds }), { bucket, region: stack.s3Region });
  const name = opts.name ?? `loc-${rand()}`;
  const config: LocationConfig = {
    name, namespace: opts.namespace, provider: "aws",
    objectStorage: { bucket, region: stack.s3Region, endpoint: opts.endpoint ?? stack.s3Endpoint, prefix: "team-a", forcePathStyle: true },
    recipients: opts.recipients ?? [], accessMode: "ReadWrite", default: opts.isDefault ?? false,
    credentials: { kind: "secret", name: `hks-location-${name}-credentials`, namespace: opts.namespace, accessKeyIdKey: "AWS_ACCESS_KEY_ID", secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY" },
  };
  await writeLocationConfig(kc, config, creds);
  return { config, store: await openLocationStore(kc, config), bucket };
}

/** Reads a backup's manifest from the store. */
export async function readManifest(store: ObjectStore, name: string): Promise<BackupManifest> {
  const buf = await store.tryGet(createLayout().backupManifestKey(name));
  if (!buf) throw new Error(`backup ${name} has no manifest`);
  return JSON.parse(buf.toString("utf8")) as BackupManifest;
}

/** Every entry of a backup's archive, parsed: path → object. Decrypts with `identities` when given. */
export async function readBackupObjects(store: ObjectStore, manifest: BackupManifest, identities?: string[]): Promise<Map<string, Record<string, unknown>>> {
  let source: Readable = await store.getStream(manifest.artifacts.resources.key);
  if (identities) source = source.pipe(decryptStream(identities));
  const out = new Map<string, Record<string, unknown>>();
  for await (const e of readArchive(source)) out.set(e.path, YAML.parse(e.content.toString("utf8")) as Record<string, unknown>);
  return out;
}


/** Bytes that are not valid UTF-8 (and a NUL), for binary Secret/ConfigMap data. */
export const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]);

/** A CRD for `plural.group` with an open schema; `statusSubresource` decides who owns status. */
export function crdBody(group: string, plural: string, kind: string, statusSubresource: boolean): k8s.V1CustomResourceDefinition {
  return {
    metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: "Namespaced",
      names: { plural, singular: plural.replace(/s$/, ""), kind, listKind: `${kind}List` },
      versions: [{
        name: "v1", served: true, storage: true,
        schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } },
        ...(statusSubresource ? { subresources: { status: {} } } : {}),
      }],
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
  const resources = new Map<string, ApiResource>((await discoverResources(reader)).resources.map((r) => [keyOf(r.group, r.resource), r]));
  return async (archivePath) => {
    const ref = parseArchivePath(archivePath);
    const r = resources.get(keyOf(ref.group, ref.resource));
    if (!r) throw new Error(`no discovered resource for ${archivePath}`);
    const live = await reader.getJson<Record<string, unknown>>(`${collectionPath(r, ref.namespace)}/${encodeURIComponent(ref.name)}`);
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
  await custom.createClusterCustomObject({ ...vsc, body: {
    apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", metadata: { name: `vsc-${id}` }, driver, deletionPolicy: "Delete",
  } });
  return async () => {
    await storage.deleteStorageClass({ name: `sc-${id}` }).catch(() => undefined);
    await custom.deleteClusterCustomObject({ ...vsc, name: `vsc-${id}` }).catch(() => undefined);
  };
}
