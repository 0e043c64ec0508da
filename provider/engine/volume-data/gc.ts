/**
 * Garbage collection of volume data: after a backup folder is deleted, the packs of its PVCs that no
 * remaining backup's blob list names are deleted. Rules, in the order they protect data:
 *
 * 1. Every blob list in the location counts, whatever its backup's phase (Completed, Failed,
 *    Incomplete or a push in progress that has written it): a pack anything names is kept.
 * 2. When a backup has the PVC's index but its blob list is missing or cannot be read, nothing of that
 *    PVC is collected (a warning says why): unknown references are not "no references".
 * 3. A pack written less than `graceMs` ago is never collected: a push running now has uploaded it
 *    but not yet written the blob list that will name it.
 *
 * A push that reuses an old pack checks, just before writing its index, that the pack is still there
 * (push.ts), so a delete running at the same time makes that push fail rather than lose data; the
 * remaining window (a delete collecting between that check and the index write) is closed only by
 * running deletes and pushes under the plan's run lock.
 */
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import type { BlobTable } from "../../format/volume-data";
import { readBlobList } from "./records";
import { listPacks, listVolumeRecords, pvcKey } from "./stored";

/** Packs younger than this (1 hour) are never collected: see rule 3 of the module comment. */
export const GC_GRACE_MS = 60 * 60 * 1000;

/**
 * The ids of `allPackIds` that none of `blobLists` names, in the order given. A pack counts as named when
 * a blob's place is in it or the list's pack table records it.
 */
export function unreferencedPacks(
  allPackIds: Iterable<string>,
  blobLists: Iterable<Pick<BlobTable, "blobs" | "packs">>,
): string[] {
  const named = new Set<string>();
  for (const list of blobLists) {
    for (const id of Object.keys(list.packs)) named.add(id);
    for (const place of Object.values(list.blobs)) named.add(place.pack);
  }
  return [...allPackIds].filter((id) => !named.has(id));
}

/** A PVC whose packs to collect. */
export interface PvcRef {
  readonly namespace: string;
  readonly pvc: string;
}

/** What {@link collectVolumeGarbage} did. */
export interface VolumeGcResult {
  /** Keys of the packs deleted. */
  readonly deleted: string[];
  /** Their stored bytes. */
  readonly bytes: number;
  /** Unreferenced packs kept because they are younger than the grace period. */
  readonly young: number;
  /** PVCs left alone, and why (rule 2). */
  readonly warnings: string[];
}

/** Options of {@link collectVolumeGarbage}. */
export interface GcOptions {
  /** @default GC_GRACE_MS */
  readonly graceMs?: number;
  /** @default new Date() */
  readonly now?: Date;
}

/** Deletes the packs of `pvcs` no blob list in `store` names; see the module comment. */
export async function collectVolumeGarbage(
  store: ObjectStore,
  pvcs: readonly PvcRef[],
  opts: GcOptions = {},
): Promise<VolumeGcResult> {
  const result = { deleted: [] as string[], bytes: 0, young: 0, warnings: [] as string[] };
  if (pvcs.length === 0) return result;
  const cutoff = (opts.now ?? new Date()).getTime() - (opts.graceMs ?? GC_GRACE_MS);
  const records = await listVolumeRecords(store);
  const seen = new Set<string>();
  for (const { namespace, pvc } of pvcs) {
    const k = pvcKey(namespace, pvc);
    if (seen.has(k)) continue;
    seen.add(k);
    const lists = [];
    let unsure: string | undefined;
    for (const r of records.get(k) ?? []) {
      try {
        const list = r.blobListKey ? await readBlobList(store, r.blobListKey) : undefined;
        if (list) lists.push(list);
        else if (r.hasIndex) unsure = `backup ${r.backup} has an index of it but no blob list`;
      } catch (err) {
        unsure = `the blob list of backup ${r.backup} cannot be read (${(err as Error).message})`;
      }
      if (unsure) break;
    }
    if (unsure) {
      result.warnings.push(`volume data of PVC ${k} not collected: ${unsure}`);
      continue;
    }
    const packs = await listPacks(store, namespace, pvc);
    const doomed = unreferencedPacks(packs.keys(), lists).map((id) => packs.get(id)!);
    const old = doomed.filter((p) => p.lastModified.getTime() < cutoff);
    result.young += doomed.length - old.length;
    await store.deleteMany(old.map((p) => p.key));
    result.deleted.push(...old.map((p) => p.key));
    result.bytes += old.reduce((n, p) => n + p.size, 0);
  }
  return result;
}

/** The PVCs whose records are among `keys` (a backup folder's listing), each once. */
export function pvcsOfBackupKeys(keys: Iterable<string>): PvcRef[] {
  const out = new Map<string, PvcRef>();
  for (const key of keys) {
    const r = STORE_LAYOUT.parseVolumeRecordKey(key);
    if (r) out.set(pvcKey(r.namespace, r.pvc), { namespace: r.namespace, pvc: r.pvc });
  }
  return [...out.values()];
}
