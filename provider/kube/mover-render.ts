/**
 * The objects of one volume data copy, as data (kube/mover.ts creates and removes them). Pure.
 *
 * All of them live in the storage location's namespace, next to the location's ConfigMap and
 * credentials Secret, so the application's namespace never receives a credential:
 * 1. a VolumeSnapshotContent pre-bound to the backup's snapshot handle (`deletionPolicy: Retain`:
 *    removing the copy never deletes the backup's snapshot), and a VolumeSnapshot bound to it;
 * 2. a PersistentVolumeClaim made from that snapshot;
 * 3. the mover Pod: the runner image running `hks volume-data push`, the claim mounted read-only,
 *    the location's ConfigMap mounted as a file, its S3 keys as environment variables from the
 *    Secret (never in the spec), no service account token (it needs no API access), root so it can
 *    read every file whatever its owner, and its summary in the termination message.
 */
import * as crypto from "node:crypto";
import type { KubeObject } from "../format/kube-object";
import type { VolumeSnapshotRecord } from "../format/manifest";
import { InputError } from "../errors";
import { configMapName, type LocationConfig } from "./location-config";

/** Label on every object of a copy: the backup it belongs to (hashed when longer than a label). */
export const MOVER_LABEL = "hks.io/volume-data-mover";
/** Where the Pod finds the volume, the location's record, and writes its summary. */
export const MOVER_PATHS = {
  source: "/data",
  location: "/etc/hks/location",
  summary: "/dev/termination-log",
} as const;

/** One copy to render. */
export interface MoverRequest {
  readonly backup: string;
  readonly namespace: string;
  readonly pvc: string;
  /** The PVC's requested size, used when the snapshot reports no restoreSize. */
  readonly requestedStorage?: string;
  readonly snapshot: VolumeSnapshotRecord;
  readonly location: LocationConfig;
  readonly image: string;
}

/** The objects of one copy, in creation order (removal goes the other way). */
export interface MoverObjects {
  readonly content: KubeObject;
  readonly snapshot: KubeObject;
  readonly claim: KubeObject;
  readonly pod: KubeObject;
}

/** `hks-mover-<pvc>-<hash of backup/namespace/pvc>`, a valid name for every kind used here. */
export function moverName(backup: string, namespace: string, pvc: string): string {
  const hash = crypto.createHash("sha256").update(`${backup}\0${namespace}\0${pvc}`).digest("hex").slice(0, 10);
  const base = pvc
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 40)
    .replace(/-+$/, "");
  return `hks-mover-${base}-${hash}`;
}

/** The label value for a backup name (labels hold 63 characters). */
export function moverLabelValue(backup: string): string {
  if (backup.length <= 63 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(backup)) return backup;
  return crypto.createHash("sha256").update(backup).digest("hex").slice(0, 40);
}

/**
 * Why a location cannot receive volume data from a mover Pod, or undefined. Checked before any
 * object is created: the Pod reads the credentials Secret as environment variables, which only
 * works for a Secret in its own namespace.
 */
export function moverLocationProblem(location: LocationConfig): string | undefined {
  if (location.accessMode === "ReadOnly")
    return `storage location "${location.name}" is ReadOnly (restore only): volume data cannot be written there`;
  const c = location.credentials;
  if (c.kind === "secret" && c.namespace !== location.namespace)
    return (
      `storage location "${location.name}" reads its credentials from Secret ${c.namespace}/${c.name}, outside the ` +
      `location's namespace ${location.namespace}: the mover Pod runs there and can only read a Secret of its own ` +
      `namespace; put the Secret in ${location.namespace}`
    );
  return undefined;
}

/** Renders the objects of one copy. Throws an InputError for a location the mover cannot use. */
export function renderMover(r: MoverRequest): MoverObjects {
  const problem = moverLocationProblem(r.location);
  if (problem) throw new InputError("storageLocation", problem);
  if (!r.snapshot.snapshotHandle || !r.snapshot.driver)
    throw new Error(`the snapshot record of ${r.namespace}/${r.pvc} lacks its handle or driver`);
  const ns = r.location.namespace;
  const name = moverName(r.backup, r.namespace, r.pvc);
  const labels = moverLabels(r.backup);
  const annotations = { "hks.io/backup-name": r.backup, "hks.io/source": `${r.namespace}/${r.pvc}` };
  const meta = (namespaced: boolean) => ({
    name,
    ...(namespaced ? { namespace: ns } : {}),
    labels,
    annotations,
  });
  const api = "snapshot.storage.k8s.io/v1";
  const content: KubeObject = {
    apiVersion: api,
    kind: "VolumeSnapshotContent",
    metadata: meta(false),
    spec: {
      deletionPolicy: "Retain",
      driver: r.snapshot.driver,
      source: { snapshotHandle: r.snapshot.snapshotHandle },
      ...(r.snapshot.volumeSnapshotClass ? { volumeSnapshotClassName: r.snapshot.volumeSnapshotClass } : {}),
      volumeSnapshotRef: { apiVersion: api, kind: "VolumeSnapshot", name, namespace: ns },
    },
  };
  const snapshot: KubeObject = {
    apiVersion: api,
    kind: "VolumeSnapshot",
    metadata: meta(true),
    spec: {
      ...(r.snapshot.volumeSnapshotClass ? { volumeSnapshotClassName: r.snapshot.volumeSnapshotClass } : {}),
      source: { volumeSnapshotContentName: name },
    },
  };
  const size = r.snapshot.restoreSize ?? r.requestedStorage;
  if (!size) throw new Error(`neither the snapshot of ${r.namespace}/${r.pvc} nor the PVC says how large it is`);
  const claim: KubeObject = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: meta(true),
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(r.snapshot.storageClass ? { storageClassName: r.snapshot.storageClass } : {}),
      resources: { requests: { storage: size } },
      dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name },
    },
  };
  const pod = moverPod(meta(true), {
    image: r.image,
    args: moverArgs("push", r.backup, `${r.namespace}/${r.pvc}`, "--source"),
    env: moverEnv(r.location),
    location: r.location,
    data: { name: "source", readOnly: true, claimName: name },
    record: { name: "location", configMap: { name: configMapName(r.location.name) } },
  });
  return { content, snapshot, claim, pod };
}

/**
 * The arguments after the runner image's entrypoint (`hks`): `volume-data push --source` (a copy) or
 * `volume-data pull --target` (a fill) of `pvc` (`namespace/name` in the source) in `backup`.
 */
export function moverArgs(
  verb: "push" | "pull",
  backup: string,
  pvc: string,
  dirFlag: "--source" | "--target",
): string[] {
  return [
    "volume-data",
    verb,
    dirFlag,
    MOVER_PATHS.source,
    "--pvc",
    pvc,
    "--backup",
    backup,
    "--location-file",
    `${MOVER_PATHS.location}/location.json`,
    "--summary-file",
    MOVER_PATHS.summary,
  ];
}

/** The labels of every mover object: what it is, and the backup or restore it belongs to. */
function moverLabels(owner: string): Record<string, string> {
  return {
    "app.kubernetes.io/managed-by": "hks-backup",
    "app.kubernetes.io/component": "volume-data-mover",
    [MOVER_LABEL]: moverLabelValue(owner),
  };
}

/** What differs between a copy's Pod and a fill's. */
interface MoverPodSpec {
  readonly image: string;
  readonly args: string[];
  readonly env: Record<string, unknown>[];
  readonly location: LocationConfig;
  /** The claim mounted at MOVER_PATHS.source. */
  readonly data: { readonly name: string; readonly claimName: string; readonly readOnly: boolean };
  /** The volume holding location.json, mounted at MOVER_PATHS.location. */
  readonly record: Record<string, unknown> & { readonly name: string };
}

/**
 * A mover Pod: the runner image as root (every owner's files), no service account token (it needs no
 * API access), restarted never, its summary as the termination message (the log's tail when it
 * crashes first), an NFS location's share mounted where its record says.
 */
function moverPod(metadata: KubeObject["metadata"], p: MoverPodSpec): KubeObject {
  const nfs = nfsMount(p.location);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata,
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsUser: 0, runAsGroup: 0 },
      containers: [
        {
          name: "mover",
          image: p.image,
          imagePullPolicy: "IfNotPresent",
          args: p.args,
          env: p.env,
          securityContext: { allowPrivilegeEscalation: false },
          volumeMounts: [
            { name: p.data.name, mountPath: MOVER_PATHS.source, ...(p.data.readOnly ? { readOnly: true } : {}) },
            { name: p.record.name, mountPath: MOVER_PATHS.location, readOnly: true },
            ...nfs.mounts,
          ],
          terminationMessagePath: MOVER_PATHS.summary,
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes: [
        {
          name: p.data.name,
          persistentVolumeClaim: { claimName: p.data.claimName, ...(p.data.readOnly ? { readOnly: true } : {}) },
        },
        p.record,
        ...nfs.volumes,
      ],
    },
  };
}

/** S3 keys from the location's Secret by reference (the AWS SDK reads these variables). */
function moverEnv(location: LocationConfig): Record<string, unknown>[] {
  const c = location.credentials;
  if (c.kind !== "secret") return [];
  const ref = (env: string, key: string) => ({ name: env, valueFrom: { secretKeyRef: { name: c.name, key } } });
  return [
    ref("AWS_ACCESS_KEY_ID", c.accessKeyIdKey),
    ref("AWS_SECRET_ACCESS_KEY", c.secretAccessKeyKey),
    ...(c.sessionTokenKey
      ? [
          {
            name: "AWS_SESSION_TOKEN",
            valueFrom: { secretKeyRef: { name: c.name, key: c.sessionTokenKey, optional: true } },
          },
        ]
      : []),
  ];
}

/** An NFS location's share, mounted where its record says the runner opens it. */
function nfsMount(location: LocationConfig): { volumes: Record<string, unknown>[]; mounts: Record<string, unknown>[] } {
  if (!location.nfs) return { volumes: [], mounts: [] };
  return {
    volumes: [{ name: "nfs", nfs: { server: location.nfs.server, path: location.nfs.path } }],
    mounts: [{ name: "nfs", mountPath: location.nfs.localPath ?? location.nfs.path }],
  };
}

/** One restored claim to fill from a backup's volume data. */
export interface FillRequest {
  readonly restoreName: string;
  readonly backup: string;
  /** Where the data was backed up from. */
  readonly sourceNamespace: string;
  readonly sourcePvc: string;
  /** The restored claim, already created (its Pod binds it). */
  readonly namespace: string;
  readonly claim: string;
  readonly location: LocationConfig;
  /** The location's S3 keys; undefined for an NFS location or ambient credentials. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** age identities for an encrypted location. */
  readonly identities: readonly string[];
  readonly image: string;
}

/** The objects of one fill, in creation order: a short-lived Secret, then the Pod. */
export interface FillObjects {
  readonly secret: KubeObject;
  readonly pod: KubeObject;
}

/**
 * Renders the fill of a restored claim: a Pod in the claim's namespace running `hks volume-data
 * pull` into it (read-write, as root so owners come back), before any workload of the restore
 * starts. The location's record, its S3 keys and the age identity cannot be referenced across
 * namespaces, so they travel in a Secret of the restore, created just before the Pod and deleted
 * with it; nothing secret is in the Pod's spec.
 */
export function renderFill(r: FillRequest): FillObjects {
  const name = moverName(`${r.restoreName}\0${r.backup}`, r.namespace, r.claim);
  const labels = moverLabels(r.restoreName);
  const annotations = { "hks.io/restore": r.restoreName, "hks.io/source": `${r.sourceNamespace}/${r.sourcePvc}` };
  const meta = { name, namespace: r.namespace, labels, annotations };
  const stringData: Record<string, string> = { "location.json": JSON.stringify(r.location) };
  if (r.credentials) {
    stringData.AWS_ACCESS_KEY_ID = r.credentials.accessKeyId;
    stringData.AWS_SECRET_ACCESS_KEY = r.credentials.secretAccessKey;
    if (r.credentials.sessionToken) stringData.AWS_SESSION_TOKEN = r.credentials.sessionToken;
  }
  if (r.identities.length) stringData.HKS_AGE_IDENTITY = r.identities.join("\n");
  const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: meta, type: "Opaque", stringData };
  const env = Object.keys(stringData)
    .filter((k) => k !== "location.json")
    .map((k) => ({ name: k, valueFrom: { secretKeyRef: { name, key: k } } }));
  const pod = moverPod(meta, {
    image: r.image,
    args: moverArgs("pull", r.backup, `${r.sourceNamespace}/${r.sourcePvc}`, "--target"),
    env,
    location: r.location,
    data: { name: "target", readOnly: false, claimName: r.claim },
    record: {
      name: "location",
      secret: { secretName: name, items: [{ key: "location.json", path: "location.json" }] },
    },
  });
  return { secret, pod };
}
