/**
 * What a location already holds of a PVC's data: its packs (one listing) and the blob lists of its
 * backups (one listing of the backups folder). A push learns from them which blobs it need not upload;
 * garbage collection which packs are still needed.
 *
 * A blob list is a claim, not a fact: a pack it names may have been deleted since (by garbage
 * collection, or by hand). So a push trusts a blob's place only when the pack is listed right now with
 * the size the blob list recorded and the same encryption (trustedPlaces).
 */
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import { encryptionKeyOf, type BlobPlace, type PackRecord, type VolumeBlobList } from "../../format/volume-data";

/** One pack as listed. */
export interface ListedPack {
  readonly id: string;
  readonly key: string;
  readonly encrypted: boolean;
  readonly size: number;
  readonly lastModified: Date;
}

/** Every pack of a PVC, by id. */
export async function listPacks(store: ObjectStore, namespace: string, pvc: string): Promise<Map<string, ListedPack>> {
  const out = new Map<string, ListedPack>();
  for await (const e of store.list(STORE_LAYOUT.volumePacksPrefix(namespace, pvc))) {
    const p = STORE_LAYOUT.parsePackKey(e.key);
    if (p)
      out.set(p.packId, {
        id: p.packId,
        key: e.key,
        encrypted: p.encrypted,
        size: e.size,
        lastModified: e.lastModified,
      });
  }
  return out;
}

/** A PVC's records in one backup folder, as listed. */
export interface ListedVolumeRecords {
  readonly backup: string;
  /** The blob list's key, when the folder has one. */
  readonly blobListKey?: string;
  /** When the blob list was written. */
  readonly lastModified?: Date;
  /** True when the folder has the PVC's index (plain or encrypted). */
  readonly hasIndex: boolean;
}

/** `namespace/pvc`: the dedup scope within a location. */
export const pvcKey = (namespace: string, pvc: string): string => `${namespace}/${pvc}`;

/** Every backup's records of every PVC, in one listing of the backups folder, by {@link pvcKey}. */
export async function listVolumeRecords(store: ObjectStore): Promise<Map<string, ListedVolumeRecords[]>> {
  const byPvc = new Map<string, Map<string, ListedVolumeRecords>>();
  for await (const e of store.list(STORE_LAYOUT.backupsPrefix)) {
    const r = STORE_LAYOUT.parseVolumeRecordKey(e.key);
    if (!r) continue;
    const k = pvcKey(r.namespace, r.pvc);
    const backups = byPvc.get(k) ?? new Map<string, ListedVolumeRecords>();
    byPvc.set(k, backups);
    const prev = backups.get(r.backupName) ?? { backup: r.backupName, hasIndex: false };
    backups.set(
      r.backupName,
      r.file === "blobs" ? { ...prev, blobListKey: e.key, lastModified: e.lastModified } : { ...prev, hasIndex: true },
    );
  }
  return new Map([...byPvc].map(([k, v]) => [k, [...v.values()]]));
}

/** A blob's trusted place and its pack's record. */
export interface StoredBlob {
  readonly place: BlobPlace;
  readonly pack: PackRecord;
}

/**
 * The blobs a push may reference without uploading: those of `lists` whose pack is in `listed` with
 * the recorded size, and whose list has the push's encryption (`encryption`: an empty key is
 * plaintext). A pack encrypted for other recipients is never reused: the restore would need another
 * identity. Earlier lists win when two name the same blob.
 */
export function trustedPlaces(
  lists: readonly VolumeBlobList[],
  listed: ReadonlyMap<string, Pick<ListedPack, "encrypted" | "size">>,
  encryption: VolumeBlobList["encryption"],
): Map<string, StoredBlob> {
  const want = encryptionKeyOf(encryption);
  const out = new Map<string, StoredBlob>();
  for (const list of lists) {
    if (encryptionKeyOf(list.encryption) !== want) continue;
    for (const [id, place] of Object.entries(list.blobs)) {
      if (out.has(id)) continue;
      const pack = list.packs[place.pack];
      const seen = listed.get(place.pack);
      if (!pack || !seen || seen.encrypted !== pack.encrypted || seen.size !== pack.bytes) continue;
      if (pack.encrypted !== (want !== "")) continue;
      out.set(id, { place, pack });
    }
  }
  return out;
}
