/**
 * The item backupper (velero `item_backupper.go`): for each listed object, the inclusion checks that
 * the server could not do, sanitizing, the YAML file at its archive path, and the bookkeeping the
 * later stages need (counts, PVCs to snapshot, custom resource types whose CRDs to add).
 *
 * It keeps counters and small references only, never the objects: memory stays flat.
 */
import type { ApiResource } from "../../kube/discovery";
import { archivePathFor, groupResourceKey } from "../../format/archive-paths";
import type { ArchiveUpload } from "./upload";
import { isNamespaceIncluded, isOptedOut } from "../collect/filter";
import type { CollectSink } from "../collect/collect";
import type { ListedObject } from "../../format/kube-object";
import type { BackupTarget, ItemError } from "../../format/manifest";
import type { ProgressSink } from "../progress";
import { sanitizedView } from "../collect/sanitize";
import { objectYaml } from "../../format/object-yaml";

/** A PVC that was backed up, with what snapshotting needs to know about it. */
export interface PvcRef {
  readonly namespace: string;
  readonly name: string;
  readonly storageClassName?: string;
  /** What the volume data selection reads (engine/volume-data/select.ts). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** `spec.resources.requests.storage`. */
  readonly requestedStorage?: string;
  /** `status.phase` when the listed object had it: a claim that is not `Bound` has no volume yet. */
  readonly phase?: string;
}

/** Collects counts while writing objects into the archive; the sink of the collector. */
export class ItemBackupper implements CollectSink {
  /** Objects written, per `resource.group`. */
  readonly byResource: Record<string, number> = {};
  total = 0;
  /** YAML bytes written (before compression). */
  uncompressedBytes = 0;
  /** Objects skipped because of the opt-out label. */
  excludedByLabel = 0;
  readonly errors: ItemError[] = [];
  readonly warnings: string[] = [];
  readonly pvcs: PvcRef[] = [];
  /** Namespaces that had at least one object backed up. */
  readonly namespacesSeen = new Set<string>();
  /** `resource.group` keys of the types with at least one object backed up. */
  readonly typesSeen = new Set<string>();
  private readonly remaining = new Map<string, number>();

  constructor(
    private readonly upload: ArchiveUpload,
    private readonly target: BackupTarget,
    private readonly progress: ProgressSink,
    private readonly log: (line: string) => void,
  ) {}

  async onPage(
    r: ApiResource,
    ns: string | undefined,
    items: ListedObject[],
    remaining: number | undefined,
  ): Promise<void> {
    for (const obj of items) await this.backupItem(r, obj);
    this.remaining.set(`${groupResourceKey(r)}/${ns ?? ""}`, remaining ?? 0);
    if (items.length > 0) this.report();
  }

  onListError(r: ApiResource, ns: string | undefined, reason: string, gone: boolean): void {
    if (gone) {
      this.warnings.push(
        `${groupResourceKey(r)} is no longer served (deleted during the backup?); nothing of it was backed up`,
      );
      return;
    }
    this.errors.push({ item: `${groupResourceKey(r)}${ns ? `/${ns}` : ""}`, reason: `listing failed: ${reason}` });
  }

  /** Writes a cluster-scoped object found outside the LIST pass (a CRD, a Namespace). */
  async addClusterObject(
    r: Pick<ApiResource, "group" | "resource" | "hasStatusSubresource">,
    obj: ListedObject,
  ): Promise<void> {
    await this.write(r, obj, undefined);
  }

  private async backupItem(r: ApiResource, obj: ListedObject): Promise<void> {
    const ns = obj.metadata?.namespace;
    if (ns === undefined || !isNamespaceIncluded(ns, this.target)) return;
    if (isOptedOut(obj)) {
      this.excludedByLabel++;
      this.log(`skipped ${groupResourceKey(r)} ${ns}/${obj.metadata?.name}: labelled hks.io/exclude-from-backup=true`);
      return;
    }
    if (await this.write(r, obj, ns)) {
      this.namespacesSeen.add(ns);
      if (r.group === "" && r.resource === "persistentvolumeclaims") {
        const spec = obj.spec as
          { storageClassName?: string; resources?: { requests?: { storage?: string } } } | undefined;
        const meta = obj.metadata as
          { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
        const status = obj.status as { phase?: string } | undefined;
        this.pvcs.push({
          namespace: ns,
          name: String(obj.metadata?.name),
          storageClassName: spec?.storageClassName,
          labels: meta?.labels,
          annotations: meta?.annotations,
          requestedStorage: spec?.resources?.requests?.storage,
          phase: status?.phase,
        });
      }
    }
  }

  /** Returns false when the object could not be encoded (recorded as an item error). */
  private async write(
    r: Pick<ApiResource, "group" | "resource" | "hasStatusSubresource">,
    obj: ListedObject,
    ns: string | undefined,
  ): Promise<boolean> {
    const key = groupResourceKey(r);
    const name = String(obj.metadata?.name ?? "");
    let path: string;
    let body: Buffer;
    try {
      path = archivePathFor({ group: r.group, resource: r.resource, namespace: ns, name });
      // Without a /status subresource, status is user data written through the main endpoint.
      body = Buffer.from(objectYaml(sanitizedView(obj, { keepStatus: !r.hasStatusSubresource })), "utf8");
    } catch (err) {
      this.errors.push({ item: `${key}/${ns ? `${ns}/` : ""}${name}`, reason: (err as Error).message });
      return false;
    }
    await this.upload.add(path, body); // an upload failure is fatal: let it propagate
    this.byResource[key] = (this.byResource[key] ?? 0) + 1;
    this.typesSeen.add(key);
    this.total++;
    this.uncompressedBytes += body.length;
    return true;
  }

  /**
   * Reports objects done; the total is known only while the server still announces remaining items
   * (`remainingItemCount`), and exactly at the end ({@link reportDone}).
   */
  private report(): void {
    let rest = 0;
    for (const n of this.remaining.values()) rest += n;
    this.progress({
      step: "backup",
      done: this.total,
      total: rest > 0 ? this.total + rest : undefined,
      bytes: this.uncompressedBytes,
    });
  }

  /** The final progress event of the stage: every object is written. */
  reportDone(): void {
    this.progress({ step: "backup", done: this.total, total: this.total, bytes: this.uncompressedBytes });
  }
}
