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
  const labels = {
    "app.kubernetes.io/managed-by": "hks-backup",
    "app.kubernetes.io/component": "volume-data-mover",
    [MOVER_LABEL]: moverLabelValue(r.backup),
  };
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
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(true),
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsUser: 0, runAsGroup: 0 },
      containers: [
        {
          name: "mover",
          image: r.image,
          imagePullPolicy: "IfNotPresent",
          args: moverArgs(r),
          env: moverEnv(r.location),
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false },
          volumeMounts: [
            { name: "source", mountPath: MOVER_PATHS.source, readOnly: true },
            { name: "location", mountPath: MOVER_PATHS.location, readOnly: true },
            ...nfsMount(r.location).mounts,
          ],
          terminationMessagePath: MOVER_PATHS.summary,
          // A crash before the summary is written leaves the log's tail as the reason.
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes: [
        { name: "source", persistentVolumeClaim: { claimName: name, readOnly: true } },
        { name: "location", configMap: { name: configMapName(r.location.name) } },
        ...nfsMount(r.location).volumes,
      ],
    },
  };
  return { content, snapshot, claim, pod };
}

/** The arguments after the runner image's entrypoint (`hks`). */
export function moverArgs(r: Pick<MoverRequest, "backup" | "namespace" | "pvc">): string[] {
  return [
    "volume-data",
    "push",
    "--source",
    MOVER_PATHS.source,
    "--pvc",
    `${r.namespace}/${r.pvc}`,
    "--backup",
    r.backup,
    "--location-file",
    `${MOVER_PATHS.location}/location.json`,
    "--summary-file",
    MOVER_PATHS.summary,
  ];
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
  const labels = {
    "app.kubernetes.io/managed-by": "hks-backup",
    "app.kubernetes.io/component": "volume-data-mover",
    [MOVER_LABEL]: moverLabelValue(r.restoreName),
  };
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
  const nfs = nfsMount(r.location);
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta,
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsUser: 0, runAsGroup: 0 },
      containers: [
        {
          name: "mover",
          image: r.image,
          imagePullPolicy: "IfNotPresent",
          args: [
            "volume-data",
            "pull",
            "--target",
            MOVER_PATHS.source,
            "--pvc",
            `${r.sourceNamespace}/${r.sourcePvc}`,
            "--backup",
            r.backup,
            "--location-file",
            `${MOVER_PATHS.location}/location.json`,
            "--summary-file",
            MOVER_PATHS.summary,
          ],
          env,
          securityContext: { allowPrivilegeEscalation: false },
          volumeMounts: [
            { name: "target", mountPath: MOVER_PATHS.source },
            { name: "location", mountPath: MOVER_PATHS.location, readOnly: true },
            ...nfs.mounts,
          ],
          terminationMessagePath: MOVER_PATHS.summary,
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes: [
        { name: "target", persistentVolumeClaim: { claimName: r.claim } },
        { name: "location", secret: { secretName: name, items: [{ key: "location.json", path: "location.json" }] } },
        ...nfs.volumes,
      ],
    },
  };
  return { secret, pod };
}
