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
 * 4. A PVC a push is writing right now is not collected (lease.ts): the push may be about to reuse
 *    a pack nothing names yet. The collector skips it with a warning; the next delete collects it.
 */
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import type { BlobTable } from "../../format/volume-data";
import { takeGcTurn } from "./lease";
import { readBlobList } from "./records";
import { listPacks, listVolumeRecords, pvcKey, type ListedVolumeRecords } from "./stored";

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
  /** PVCs left alone, and why (rules 2 and 4). */
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
  // Leases first, then the blob lists: a push that ended before its PVC's lease was taken has written
  // its list, and one that starts after it waits (lease.ts).
  const turns = new Map<string, { ref: PvcRef; release: () => Promise<void>; until: number }>();
  try {
    for (const { namespace, pvc } of pvcs) {
      const k = pvcKey(namespace, pvc);
      if (turns.has(k)) continue;
      const turn = await takeGcTurn(store, { namespace, pvc, now: () => opts.now ?? new Date() });
      if ("busy" in turn)
        result.warnings.push(`volume data of PVC ${k} not collected now: ${turn.busy}; a later delete collects it`);
      else turns.set(k, { ref: { namespace, pvc }, ...turn });
    }
    if (turns.size === 0) return result;
    const records = await listVolumeRecords(store);
    for (const [k, t] of turns) await collectPvc(store, t.ref, records.get(k) ?? [], cutoff, t.until, result);
  } finally {
    for (const t of turns.values()) await t.release();
  }
  return result;
}

/** Rules 1-3 for one PVC whose collector lease this process holds until `until` (epoch ms). */
async function collectPvc(
  store: ObjectStore,
  { namespace, pvc }: PvcRef,
  records: readonly ListedVolumeRecords[],
  cutoff: number,
  until: number,
  result: { deleted: string[]; bytes: number; young: number; warnings: string[] },
): Promise<void> {
  const k = pvcKey(namespace, pvc);
  const lists = [];
  let unsure: string | undefined;
  for (const r of records) {
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
    return;
  }
  const packs = await listPacks(store, namespace, pvc);
  const doomed = unreferencedPacks(packs.keys(), lists).map((id) => packs.get(id)!);
  const old = doomed.filter((p) => p.lastModified.getTime() < cutoff);
  result.young += doomed.length - old.length;
  if (Date.now() > until) {
    result.warnings.push(`volume data of PVC ${k} not collected: its collector lease ran out before the delete`);
    return;
  }
  await store.deleteMany(old.map((p) => p.key));
  result.deleted.push(...old.map((p) => p.key));
  result.bytes += old.reduce((n, p) => n + p.size, 0);
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
