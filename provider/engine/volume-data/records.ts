/**
 * Reads and writes a PVC's records in a backup folder: the blob list (plaintext, no names) and the
 * index (age-encrypted like the packs when the location has recipients: it holds file names). The
 * blob list is written before the index, and the index last: the index's presence means the PVC's
 * data is complete, as the manifest does for a backup.
 */
import * as crypto from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { IntegrityError } from "../../errors";
import { STORE_LAYOUT, type ObjectStore } from "../../store";
import { recipientFingerprint } from "../../format/age-keys";
import { blobListOf, type VolumeBlobList, type VolumeIndex } from "../../format/volume-data";
import { parseVolumeBlobList, parseVolumeIndex } from "../../format/volume-data-check";
import { decryptStream, encryptStream } from "../archive/encrypt";

/** Which PVC of which backup. */
export interface VolumeRef {
  readonly backup: string;
  readonly namespace: string;
  readonly pvc: string;
}

/** The keys of a PVC's records in backup `ref.backup`. */
export function volumeRecordKeys(ref: VolumeRef): { index: string; indexEncrypted: string; blobs: string } {
  const key = (f: "index" | "indexEncrypted" | "blobs") =>
    STORE_LAYOUT.backupVolumeRecordKey(ref.backup, ref.namespace, ref.pvc, f);
  return { index: key("index"), indexEncrypted: key("indexEncrypted"), blobs: key("blobs") };
}

/** The blob list's encryption field for `recipients` (null when there are none). */
export function encryptionOf(recipients: readonly string[]): VolumeBlobList["encryption"] {
  return recipients.length
    ? { format: "age", recipientFingerprints: recipients.map(recipientFingerprint).sort() }
    : null;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** Encrypts a small buffer into an age file for `recipients`. */
export function encryptBuffer(plain: Buffer, recipients: readonly string[]): Promise<Buffer> {
  const enc = encryptStream(recipients);
  pipeline(Readable.from([plain]), enc).catch(() => undefined);
  return collect(enc);
}

/** Decrypts a small age file with `identities` (IntegrityError for a wrong key or damage). */
export function decryptBuffer(cipher: Buffer, identities: readonly string[]): Promise<Buffer> {
  return collect(Readable.from([cipher]).pipe(decryptStream(identities)));
}

/** What {@link writeVolumeRecords} stored. */
export interface WrittenRecords {
  readonly indexKey: string;
  /** SHA-256 of the stored index (after encryption): the later manifest entry records it. */
  readonly indexSha256: string;
  readonly indexBytes: number;
  readonly blobListKey: string;
}

/**
 * Writes the blob list, then the index (encrypted for `recipients` when there are any); removes the blob
 * list again when the index cannot be written.
 */
export async function writeVolumeRecords(
  store: ObjectStore,
  index: VolumeIndex,
  recipients: readonly string[],
): Promise<WrittenRecords> {
  const keys = volumeRecordKeys(index);
  const json = { contentType: "application/json" };
  await store.put(keys.blobs, JSON.stringify(blobListOf(index, encryptionOf(recipients))), json);
  const plain = Buffer.from(JSON.stringify(index));
  const encrypted = recipients.length > 0;
  const indexKey = encrypted ? keys.indexEncrypted : keys.index;
  const body = encrypted ? await encryptBuffer(plain, recipients) : plain;
  let put;
  try {
    put = await store.put(indexKey, body, encrypted ? { contentType: "application/age" } : json);
  } catch (err) {
    await store.delete(keys.blobs).catch(() => undefined); // ours: written just above
    throw err;
  }
  return { indexKey, indexSha256: put.sha256, indexBytes: put.bytes, blobListKey: keys.blobs };
}

/** A PVC's index as read back, with the stored object's key and SHA-256. */
export interface ReadIndex {
  readonly index: VolumeIndex;
  readonly key: string;
  readonly sha256: string;
}

/**
 * Reads and checks a PVC's index. IntegrityError when it is absent (naming the backup and PVC), when
 * it is encrypted and no identity opens it, or when it is malformed.
 */
export async function readVolumeIndex(
  store: ObjectStore,
  ref: VolumeRef,
  identities: readonly string[],
): Promise<ReadIndex> {
  const keys = volumeRecordKeys(ref);
  const encryptedBody = await store.tryGet(keys.indexEncrypted);
  const body = encryptedBody ?? (await store.tryGet(keys.index));
  const key = encryptedBody ? keys.indexEncrypted : keys.index;
  if (!body)
    throw new IntegrityError(
      `backup ${ref.backup} in ${store.describe()} holds no volume data of PVC ${ref.namespace}/${ref.pvc} ` +
        `(no ${keys.index}[.age]): check the backup and PVC names, or the push did not finish`,
    );
  const sha256 = crypto.createHash("sha256").update(body).digest("hex");
  const plain = encryptedBody ? await decryptBuffer(body, identities) : body;
  return { index: parseVolumeIndex(plain, key), key, sha256 };
}

/** Reads and checks a blob list; `undefined` when it is absent. */
export async function readBlobList(store: ObjectStore, key: string): Promise<VolumeBlobList | undefined> {
  const body = await store.tryGet(key);
  return body ? parseVolumeBlobList(body, key) : undefined;
}
