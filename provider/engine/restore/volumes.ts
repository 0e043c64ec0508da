/**
 * PVCs from snapshots (`restoreVolumes`). For each archived claim with a ready snapshot record:
 * 1. same namespace, and the backup's VolumeSnapshot exists there → `dataSource` names it;
 * 2. otherwise (another namespace, or another cluster) → a pre-bound VolumeSnapshotContent that
 *    refers to the recorded snapshot handle (`deletionPolicy: Retain`, so deleting the clone never
 *    deletes the source's snapshot), a VolumeSnapshot in the target namespace bound to it, and the
 *    claim's `dataSource` names that VolumeSnapshot.
 * The source's PV is never re-bound (transform dropped `spec.volumeName`). A claim that already
 * exists in the target is left to the existing-resource policy and gets no snapshot objects.
 * @see https://kubernetes.io/docs/concepts/storage/volume-snapshots/#provisioning-volume-snapshot
 */
import * as crypto from "node:crypto";
import type { VolumeDataRecord, VolumeSnapshotRecord } from "../../format/manifest";
import { fillClaim, type FillDeps } from "../volume-data/fill";
import type { MoverRunOptions } from "../volume-data/mover-pod";
import { formatBytes, type ProgressSink } from "../progress";
import { largerQuantity, quantityToUnits } from "../../format/quantity";
import type { RestoreOutcomes } from "./result";
import type { VolumeRestoreRecord, VolumeSource } from "./types";
import { ClusterCallError, type RestoreCluster } from "../../kube/target-cluster";
import type { KubeObject } from "../../format/kube-object";

/** apiVersion of the snapshot objects a restore creates. */
export const SNAPSHOT_API = "snapshot.storage.k8s.io/v1";
/** Annotation naming the restore that created a snapshot object (restore names can exceed a label's 63). */
export const RESTORE_ANNOTATION = "hks.io/restore";

/** A DNS-1123 name from parts, shortened with a hash suffix when longer than `max`. */
export function boundedName(base: string, max = 253): string {
  const clean = base
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  if (clean.length <= max) return clean;
  const hash = crypto.createHash("sha256").update(base).digest("hex").slice(0, 10);
  return `${clean.slice(0, max - 11).replace(/[^a-z0-9]+$/, "")}-${hash}`;
}

/**
 * A claim from a snapshot must ask for at least the snapshot's `restoreSize`, or the CSI provisioner
 * refuses it ("requested volume size is less than the size of the source snapshot"): the source
 * volume may have been expanded after its claim was written, or rounded up by the driver. Raises
 * `spec.resources.requests.storage` in place when needed; returns a note saying so, else undefined.
 */
export function raiseToRestoreSize(spec: Record<string, unknown>, restoreSize: string | undefined): string | undefined {
  if (!restoreSize || quantityToUnits(restoreSize) === undefined) return undefined;
  const resources = (spec.resources ??= {}) as { requests?: Record<string, string> };
  const requests = (resources.requests ??= {});
  const requested = requests.storage;
  if (requested !== undefined && largerQuantity(requested, restoreSize) === requested) return undefined;
  requests.storage = restoreSize;
  return `storage request raised from ${requested ?? "none"} to ${restoreSize}, the snapshot's restoreSize`;
}

/**
 * Where a claim's data comes from (pure): `volume-data` when asked for and the backup holds it, or,
 * with `auto`, when it holds it and the snapshot is not usable in place; `snapshot` otherwise (which
 * may still find no usable snapshot); `none` when volume data was asked for and there is none.
 */
export function chooseVolumeSource(
  mode: VolumeSource,
  hasVolumeData: boolean,
  snapshotInPlace: () => boolean,
): "volume-data" | "snapshot" | "none" {
  if (mode === "volume-data") return hasVolumeData ? "volume-data" : "none";
  if (mode === "auto" && hasVolumeData && !snapshotInPlace()) return "volume-data";
  return "snapshot";
}

/**
 * True when the claim's VolumeSnapshot can be bound as it is: the claim is restored into its source
 * namespace, the snapshot was ready at backup time, and it still exists there.
 */
export async function snapshotInPlace(
  cluster: Pick<RestoreCluster, "get">,
  rec: VolumeSnapshotRecord | undefined,
  targetNamespace: string,
): Promise<boolean> {
  if (!rec?.readyToUse || rec.namespace !== targetNamespace) return false;
  const found = await cluster.get({
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshot",
    name: rec.volumeSnapshot,
    namespace: targetNamespace,
  });
  return found !== undefined;
}

function recordKey(ns: string, pvc: string): string {
  return `${ns}/${pvc}`;
}

/** What filling claims from volume data needs (restore.ts builds it from its deps and options). */
export interface VolumeDataSource {
  readonly backup: string;
  readonly records: readonly VolumeDataRecord[];
  readonly identities: readonly string[];
  /** Opened once, when the first claim needs it. */
  readonly deps: () => Promise<FillDeps>;
  readonly run?: MoverRunOptions;
}

interface PendingFill {
  readonly claim: string;
  readonly namespace: string;
  readonly name: string;
  readonly sourceNamespace: string;
  readonly record: VolumeDataRecord;
  readonly volume: VolumeRestoreRecord;
}

/** Prepares claims for restore from snapshots or volume data; see the module comment. */
export class VolumeRestorer {
  private readonly records = new Map<string, VolumeSnapshotRecord>();
  private readonly dataRecords = new Map<string, VolumeDataRecord>();
  private readonly pending: PendingFill[] = [];
  readonly volumes: VolumeRestoreRecord[] = [];
  readonly createdContents: string[] = [];

  constructor(
    private readonly cluster: RestoreCluster,
    private readonly restoreName: string,
    records: readonly VolumeSnapshotRecord[],
    private readonly outcomes: RestoreOutcomes,
    private readonly source: VolumeSource = "auto",
    private readonly data?: VolumeDataSource,
  ) {
    for (const r of records) this.records.set(recordKey(r.namespace, r.persistentVolumeClaim), r);
    for (const r of data?.records ?? [])
      if (!r.error && r.indexKey) this.dataRecords.set(recordKey(r.namespace, r.persistentVolumeClaim), r);
  }

  /**
   * A claim to fill from volume data after the claims' tier (`fillPending`), applied without a data
   * source: the Pod that fills it binds it.
   */
  private fromVolumeData(pvc: KubeObject, sourceNamespace: string, record: VolumeDataRecord): KubeObject {
    const ns = pvc.metadata.namespace!;
    const claim = `${ns}/${pvc.metadata.name}`;
    const volume: VolumeRestoreRecord = {
      claim,
      source: `volume data of ${record.namespace}/${record.persistentVolumeClaim} (to be copied in)`,
    };
    this.volumes.push(volume);
    this.pending.push({ claim, namespace: ns, name: pvc.metadata.name, sourceNamespace, record, volume });
    const out = structuredClone(pvc);
    const spec = (out.spec ??= {}) as Record<string, unknown>;
    delete spec.dataSource;
    delete spec.dataSourceRef;
    return out;
  }

  /**
   * Copies volume data into the claims prepared for it, one after another, before the next tier
   * (the workloads) is applied. A fill that fails is a failed item (`volume-data/<ns>/<claim>`): the
   * claim exists but is empty, and the restore is PartiallyFailed.
   */
  async fillPending(progress?: ProgressSink, signal?: AbortSignal): Promise<void> {
    const jobs = this.pending.splice(0);
    if (jobs.length === 0 || !this.data) return;
    let deps: FillDeps | undefined;
    let done = 0;
    for (const p of jobs) {
      const item = `volume-data/${p.claim}`;
      progress?.({ step: "volume-data", done, total: jobs.length, message: `filling ${p.claim}` });
      try {
        if (
          !(await this.cluster.get({
            apiVersion: "v1",
            kind: "PersistentVolumeClaim",
            name: p.name,
            namespace: p.namespace,
          }))
        )
          throw new Error("the claim was not created (see its own failure)");
        deps ??= await this.data.deps();
        const s = await fillClaim(
          deps,
          {
            restoreName: this.restoreName,
            backup: this.data.backup,
            sourceNamespace: p.record.namespace,
            sourcePvc: p.record.persistentVolumeClaim,
            namespace: p.namespace,
            claim: p.name,
            identities: this.data.identities,
          },
          { ...this.data.run, progress, signal },
        );
        p.volume.source =
          `volume data of ${p.record.namespace}/${p.record.persistentVolumeClaim}: ${s.files} files, ` +
          `${formatBytes(s.bytes)}, every blob checked`;
      } catch (e) {
        const reason = `filling the claim from volume data failed: ${(e as Error).message}`;
        p.volume.source = `none: ${reason}`;
        this.outcomes.failed(item, reason);
      }
      progress?.({ step: "volume-data", done: ++done, total: jobs.length, message: `${p.claim} filled` });
    }
  }

  private noData(claim: string, why: string): void {
    this.volumes.push({ claim, source: `none: ${why}` });
    this.outcomes.warn(`PVC ${claim}: ${why}; it gets a new empty volume`);
  }

  /**
   * Returns the claim to apply: `pvc` with `dataSource` set to its snapshot, or `pvc` unchanged when
   * there is no usable snapshot (a warning says so). Throws a ClusterCallError when a snapshot
   * object cannot be created; the caller fails the claim with it.
   */
  async prepare(pvc: KubeObject, sourceNamespace: string): Promise<KubeObject> {
    const ns = pvc.metadata.namespace!;
    const name = pvc.metadata.name;
    const claim = `${ns}/${name}`;
    if (await this.cluster.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", name, namespace: ns })) return pvc;
    const data = this.dataRecords.get(recordKey(sourceNamespace, name));
    const rec = this.records.get(recordKey(sourceNamespace, name));
    const inPlace = this.source === "auto" && data !== undefined && (await snapshotInPlace(this.cluster, rec, ns));
    const choice = chooseVolumeSource(this.source, data !== undefined, () => inPlace);
    if (choice === "none")
      return (this.noData(claim, "the backup holds no volume data of it (volumeSource volume-data)"), pvc);
    if (choice === "volume-data") return this.fromVolumeData(pvc, sourceNamespace, data!);
    if (!rec) return (this.noData(claim, "the backup holds no snapshot of it"), pvc);
    if (rec.deletedAfterCopy)
      return (
        this.noData(
          claim,
          `its snapshot ${rec.volumeSnapshot} was deleted once its data was copied (keepSnapshots: false); restore ` +
            `with volumeSource volume-data`,
        ),
        pvc
      );
    if (!rec.readyToUse || rec.error)
      return (
        this.noData(
          claim,
          `its snapshot ${rec.volumeSnapshot} was not ready at backup time${rec.error ? ` (${rec.error})` : ""}`,
        ),
        pvc
      );
    let snapshot: string;
    let source: string;
    if (
      ns === sourceNamespace &&
      (await this.cluster.get({
        apiVersion: SNAPSHOT_API,
        kind: "VolumeSnapshot",
        name: rec.volumeSnapshot,
        namespace: ns,
      }))
    ) {
      snapshot = rec.volumeSnapshot;
      source = `VolumeSnapshot ${ns}/${snapshot}`;
    } else {
      if (!rec.snapshotHandle || !rec.driver)
        return (
          this.noData(claim, `its snapshot record lacks the snapshot handle or driver needed to bind it here`),
          pvc
        );
      snapshot = boundedName(`${name}-${this.restoreName}`);
      const content = boundedName(`hks-${this.restoreName}-${ns}-${name}`);
      await this.ensureContent(content, rec, ns, snapshot);
      await this.ensureSnapshot(snapshot, ns, content, rec);
      source =
        `VolumeSnapshotContent ${content} (pre-bound, handle ${rec.snapshotHandle}) via VolumeSnapshot ` +
        `${ns}/${snapshot}`;
    }
    const out = structuredClone(pvc);
    const spec = (out.spec ??= {}) as Record<string, unknown>;
    delete spec.dataSourceRef; // the server derives it from dataSource; a stale one would conflict
    spec.dataSource = { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: snapshot };
    const raised = raiseToRestoreSize(spec, rec.restoreSize);
    this.volumes.push({ claim, source: raised ? `${source}; ${raised}` : source });
    return out;
  }

  private async ensureContent(name: string, rec: VolumeSnapshotRecord, ns: string, snapshot: string): Promise<void> {
    const body: KubeObject = {
      apiVersion: SNAPSHOT_API,
      kind: "VolumeSnapshotContent",
      metadata: {
        name,
        annotations: { [RESTORE_ANNOTATION]: this.restoreName },
        labels: { "app.kubernetes.io/managed-by": "hks-backup" },
      },
      spec: {
        // Retain: deleting the clone (and this content) must never delete the source's snapshot.
        deletionPolicy: "Retain",
        driver: rec.driver,
        source: { snapshotHandle: rec.snapshotHandle },
        ...(rec.volumeSnapshotClass ? { volumeSnapshotClassName: rec.volumeSnapshotClass } : {}),
        volumeSnapshotRef: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", name: snapshot, namespace: ns },
      },
    };
    try {
      await this.cluster.create(body);
      this.createdContents.push(name);
    } catch (e) {
      if (!(e instanceof ClusterCallError && e.status === 409)) throw e;
      const live = await this.cluster.get({ apiVersion: SNAPSHOT_API, kind: "VolumeSnapshotContent", name });
      const spec = live?.spec as
        { source?: { snapshotHandle?: string }; volumeSnapshotRef?: { name?: string; namespace?: string } } | undefined;
      if (
        spec?.source?.snapshotHandle !== rec.snapshotHandle ||
        spec?.volumeSnapshotRef?.name !== snapshot ||
        spec?.volumeSnapshotRef?.namespace !== ns
      ) {
        throw new ClusterCallError(
          409,
          `VolumeSnapshotContent ${name} exists with another snapshot handle or reference; delete it or ` +
            `restore under another name`,
        );
      }
    }
  }

  private async ensureSnapshot(name: string, ns: string, content: string, rec: VolumeSnapshotRecord): Promise<void> {
    const body: KubeObject = {
      apiVersion: SNAPSHOT_API,
      kind: "VolumeSnapshot",
      metadata: {
        name,
        namespace: ns,
        annotations: { [RESTORE_ANNOTATION]: this.restoreName },
        labels: { "app.kubernetes.io/managed-by": "hks-backup" },
      },
      spec: {
        ...(rec.volumeSnapshotClass ? { volumeSnapshotClassName: rec.volumeSnapshotClass } : {}),
        source: { volumeSnapshotContentName: content },
      },
    };
    try {
      await this.cluster.create(body);
    } catch (e) {
      if (!(e instanceof ClusterCallError && e.status === 409)) throw e;
      const live = await this.cluster.get({ apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", name, namespace: ns });
      if (
        (live?.spec as { source?: { volumeSnapshotContentName?: string } } | undefined)?.source
          ?.volumeSnapshotContentName !== content
      ) {
        throw new ClusterCallError(
          409,
          `VolumeSnapshot ${ns}/${name} exists and is not bound to ${content}; delete it or restore under another name`,
        );
      }
    }
  }
}
