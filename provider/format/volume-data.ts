/**
 * The records of a volume's data in a storage location (issue #16): the index (a PVC's file tree, with
 * each file's blobs) and the blob list (which blobs a backup uses and where they are stored, without
 * file names). Both are part of the durable storage contract (store/layout.ts has their keys): fields
 * may be added, never renamed or removed, without a new `formatVersion`.
 *
 * Data model: a file is cut into fixed-size chunks (`chunkSize`, the last one shorter). A chunk whose
 * bytes are all zero is a hole and is not stored (`null` in `blobs`); any other chunk is a blob, named by
 * the SHA-256 of its plaintext and stored once per PVC and location inside a pack (a few MiB of blobs
 * end to end, one age stream when the location has recipients). Offsets and lengths are in the pack's
 * plaintext.
 *
 * Blob ids are convergent (plain SHA-256), so whoever can list and read the bucket can tell whether a
 * blob they already know (say, a well-known file) is present in a PVC's data. A keyed hash would hide
 * that, but the key would have to be a secret the cluster holds, and the cluster holds only age
 * public keys (restores need the identity, backups must not). That is the trade-off taken.
 */

/** Version of both records; readers refuse a higher one with an "upgrade hks-backup" message. */
export const VOLUME_DATA_FORMAT_VERSION = 1;

/** The chunk size of new pushes: 4 MiB. The index records its own, so a later change reads old data. */
export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

/** What every entry of the tree records (as `lstat` gave it). */
interface EntryBase {
  /** '/'-separated, relative to the volume root; `""` is the root itself. */
  path: string;
  /** Permission bits incl. setuid/setgid/sticky (`mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Modification time in nanoseconds since the epoch, as a decimal string (exact beyond 2^53). */
  mtimeNs: string;
}

/** A directory. */
export interface DirEntry extends EntryBase {
  type: "dir";
}

/** A regular file. Hard links are stored as separate files (their blobs are shared, so they cost nothing). */
export interface FileEntry extends EntryBase {
  type: "file";
  /** Size in bytes. */
  size: number;
  /** One id per chunk, in order; `null` for an all-zero chunk (restored as a hole). */
  blobs: (string | null)[];
}

/** A symbolic link, stored as its target text (never followed). */
export interface SymlinkEntry extends EntryBase {
  type: "symlink";
  target: string;
}

/** One entry of a volume's tree. */
export type VolumeEntry = DirEntry | FileEntry | SymlinkEntry;

/** Where a blob is stored. */
export interface BlobPlace {
  /** Pack id (32 hex). */
  pack: string;
  /** Offset in the pack's plaintext. */
  offset: number;
  /** Length in bytes. */
  length: number;
}

/** A stored pack, as written. */
export interface PackRecord {
  /** True when stored as one age stream (`.pack.age`). */
  encrypted: boolean;
  /** Stored bytes (after encryption). */
  bytes: number;
  /** SHA-256 of the stored bytes, lowercase hex. */
  sha256: string;
}

/** Blob id → place, and every pack those places name. */
export interface BlobTable {
  blobs: Record<string, BlobPlace>;
  packs: Record<string, PackRecord>;
}

/** Which PVC of which backup a record belongs to. */
export interface VolumeRecordIdentity {
  formatVersion: typeof VOLUME_DATA_FORMAT_VERSION;
  backup: string;
  namespace: string;
  pvc: string;
  createdAt: string;
}

/** `<pvc>.index.json[.age]`: the volume's tree. Encrypted like the packs: it holds file names. */
export interface VolumeIndex extends VolumeRecordIdentity, BlobTable {
  kind: "hks-volume-index";
  chunkSize: number;
  /** Parents before children (sorted by path); the root (`""`) first. */
  entries: VolumeEntry[];
}

/** `<pvc>.blobs.json`: always plaintext, no file names. */
export interface VolumeBlobList extends VolumeRecordIdentity, BlobTable {
  kind: "hks-volume-blobs";
  /** How the packs are encrypted: fingerprints of the recipients (never keys), or null for plaintext. */
  encryption: { format: "age"; recipientFingerprints: string[] } | null;
}

/** The blob list of an index: the same table without the tree. */
export function blobListOf(index: VolumeIndex, encryption: VolumeBlobList["encryption"]): VolumeBlobList {
  const { backup, namespace, pvc, createdAt, blobs, packs } = index;
  return {
    formatVersion: VOLUME_DATA_FORMAT_VERSION,
    kind: "hks-volume-blobs",
    backup,
    namespace,
    pvc,
    createdAt,
    encryption,
    blobs,
    packs,
  };
}

/** The sorted fingerprint list that identifies an encryption setting (empty = plaintext). */
export function encryptionKeyOf(e: VolumeBlobList["encryption"]): string {
  return e ? [...e.recipientFingerprints].sort().join(",") : "";
}
