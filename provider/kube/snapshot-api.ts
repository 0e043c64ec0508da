/**
 * The cluster side of volume snapshots: the port the snapshot stage waits through, and its
 * implementation with client-node (raw reads through the reader, writes through CustomObjectsApi).
 */
import type * as k8s from "@kubernetes/client-node";
import type { ListedObject } from "../format/kube-object";
import { isNotFound, kubeError } from "./client";
import type { KubeReader } from "./discovery";
import { listObjects } from "./list-objects";

/** Annotation marking the default VolumeSnapshotClass. */
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";
/** Annotation marking the default StorageClass (what a PVC without `storageClassName` gets). */
export const DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

export interface SnapshotClassInfo {
  readonly name: string;
  readonly driver: string;
  readonly isDefault: boolean;
}

export interface StorageClassInfo {
  readonly name: string;
  readonly provisioner: string;
  readonly isDefault: boolean;
}

const annotations = (o: ListedObject) =>
  (o.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};

/** Reads a VolumeSnapshotClass object. */
export function snapshotClassInfo(o: ListedObject): SnapshotClassInfo {
  return {
    name: String(o.metadata?.name),
    driver: String(o.driver ?? ""),
    isDefault: annotations(o)[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === "true",
  };
}

/** Reads a StorageClass object. */
export function storageClassInfo(o: ListedObject): StorageClassInfo {
  return {
    name: String(o.metadata?.name),
    provisioner: String(o.provisioner ?? ""),
    isDefault: annotations(o)[DEFAULT_STORAGE_CLASS_ANNOTATION] === "true",
  };
}

const SNAPSHOT_GROUP = { group: "snapshot.storage.k8s.io", version: "v1" } as const;

/** The cluster side of snapshots (a seam, so the waiting logic can run against any API). */
export interface SnapshotApi {
  create(namespace: string, body: ListedObject): Promise<void>;
  /** The VolumeSnapshot, or undefined when it is gone. */
  get(namespace: string, name: string): Promise<ListedObject | undefined>;
  /** Deletes; absent is success. */
  delete(namespace: string, name: string): Promise<void>;
  /** The VolumeSnapshotContent, or undefined. */
  getContent(name: string): Promise<ListedObject | undefined>;
  storageClasses(): Promise<StorageClassInfo[]>;
  snapshotClasses(): Promise<SnapshotClassInfo[]>;
}

/** The real API: raw reads through `reader`, writes through client-node's CustomObjectsApi. */
export async function kubeSnapshotApi(kc: k8s.KubeConfig, reader: KubeReader): Promise<SnapshotApi> {
  const { CustomObjectsApi } = await import("@kubernetes/client-node");
  const custom = kc.makeApiClient(CustomObjectsApi);
  const tryGet = async (path: string): Promise<ListedObject | undefined> => {
    try {
      return await reader.getJson<ListedObject>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const base = `/apis/${SNAPSHOT_GROUP.group}/${SNAPSHOT_GROUP.version}`;
  return {
    async create(namespace, body) {
      await custom
        .createNamespacedCustomObject({ ...SNAPSHOT_GROUP, namespace, plural: "volumesnapshots", body })
        .catch((e: unknown) => {
          throw kubeError(`creating VolumeSnapshot ${namespace}/${body.metadata?.name}`, e);
        });
    },
    get: (ns, name) => tryGet(`${base}/namespaces/${ns}/volumesnapshots/${name}`),
    async delete(namespace, name) {
      await custom
        .deleteNamespacedCustomObject({ ...SNAPSHOT_GROUP, namespace, plural: "volumesnapshots", name })
        .catch((e: unknown) => {
          if (!isNotFound(e)) throw kubeError(`deleting VolumeSnapshot ${namespace}/${name}`, e);
        });
    },
    getContent: (name) => tryGet(`${base}/volumesnapshotcontents/${name}`),
    async storageClasses() {
      const out: StorageClassInfo[] = [];
      for await (const o of listObjects(reader, { group: "storage.k8s.io", version: "v1", resource: "storageclasses" }))
        out.push(storageClassInfo(o));
      return out;
    },
    async snapshotClasses() {
      const out: SnapshotClassInfo[] = [];
      for await (const o of listObjects(reader, { ...SNAPSHOT_GROUP, resource: "volumesnapshotclasses" }))
        out.push(snapshotClassInfo(o));
      return out;
    },
  };
}
