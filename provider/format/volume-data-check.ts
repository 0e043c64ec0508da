/**
 * Reading the volume records (format/volume-data.ts) back, trusting nothing: a pull writes files where
 * the index says, so every path is checked the way an archive extractor must (velero
 * `sanitizeArchivePath`), every parent must be a directory of the tree (so a stored symlink can never
 * redirect a later write), and every blob a file names must have a place in a pack the record lists.
 */
import { IntegrityError } from "../errors";
import {
  VOLUME_DATA_FORMAT_VERSION,
  type BlobTable,
  type VolumeBlobList,
  type VolumeEntry,
  type VolumeIndex,
} from "./volume-data";

const SHA256_HEX = /^[0-9a-f]{64}$/;
const PACK_ID = /^[0-9a-f]{32}$/;

/**
 * Why `p` cannot be a path of the tree, or `undefined` when it can: '/'-separated, relative, no empty,
 * `.` or `..` segment, no NUL. `""` is the root.
 */
export function entryPathProblem(p: string): string | undefined {
  if (p === "") return undefined;
  if (p.includes("\0")) return "contains NUL";
  if (p.startsWith("/")) return "is absolute";
  for (const seg of p.split("/")) {
    if (seg === "") return "has an empty segment";
    if (seg === "." || seg === "..") return `has a '${seg}' segment`;
  }
  return undefined;
}

/** The parent path of a tree path (`""` for a top-level name). */
export function parentOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i < 0 ? "" : p.slice(0, i);
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

function parseRecord(body: Buffer, what: string, kind: string): Record<string, unknown> {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new IntegrityError(`${what} is not valid JSON (${(err as Error).message}); the record is damaged`);
  }
  if (typeof rec !== "object" || rec === null || rec.kind !== kind)
    throw new IntegrityError(`${what} is not a ${kind} record`);
  if (typeof rec.formatVersion !== "number" || rec.formatVersion > VOLUME_DATA_FORMAT_VERSION)
    throw new IntegrityError(
      `${what} has format version ${JSON.stringify(rec.formatVersion)}; this hks-backup reads up to ` +
        `${VOLUME_DATA_FORMAT_VERSION}: upgrade hks-backup`,
    );
  return rec;
}

function checkTable(t: BlobTable, what: string): void {
  if (typeof t.blobs !== "object" || t.blobs === null || typeof t.packs !== "object" || t.packs === null)
    throw new IntegrityError(`${what} has no blob or pack table`);
  for (const [id, p] of Object.entries(t.packs)) {
    if (!PACK_ID.test(id) || !isCount(p?.bytes) || typeof p.sha256 !== "string" || typeof p.encrypted !== "boolean")
      throw new IntegrityError(`${what}: pack ${id} has a malformed record`);
  }
  for (const [id, b] of Object.entries(t.blobs)) {
    if (!SHA256_HEX.test(id) || !isCount(b?.offset) || !isCount(b.length) || b.length === 0)
      throw new IntegrityError(`${what}: blob ${id} has a malformed place`);
    if (!t.packs[b.pack]) throw new IntegrityError(`${what}: blob ${id} is in pack ${b.pack}, which is not listed`);
  }
}

function checkEntry(e: VolumeEntry, index: VolumeIndex, dirs: Set<string>, what: string): void {
  const problem = entryPathProblem(e.path);
  if (problem) throw new IntegrityError(`${what}: path ${JSON.stringify(e.path)} ${problem}`);
  if (e.path !== "" && !dirs.has(parentOf(e.path)))
    throw new IntegrityError(`${what}: ${JSON.stringify(e.path)} comes before, or without, its parent directory`);
  if (![e.mode, e.uid, e.gid].every(isCount) || !/^\d+$/.test(String(e.mtimeNs)))
    throw new IntegrityError(`${what}: ${JSON.stringify(e.path)} has malformed metadata`);
  if (e.type === "dir") dirs.add(e.path);
  else if (e.type === "symlink") {
    if (typeof e.target !== "string" || e.target === "")
      throw new IntegrityError(`${what}: symlink ${JSON.stringify(e.path)} has no target`);
  } else if (e.type === "file") {
    if (!isCount(e.size) || !Array.isArray(e.blobs))
      throw new IntegrityError(`${what}: file ${JSON.stringify(e.path)} has a malformed size or blob list`);
    const chunks = Math.ceil(e.size / index.chunkSize);
    if (e.blobs.length !== chunks)
      throw new IntegrityError(`${what}: file ${JSON.stringify(e.path)} has ${e.blobs.length} blobs for ${chunks}`);
    e.blobs.forEach((id, i) => {
      if (id === null) return;
      const want = Math.min(index.chunkSize, e.size - i * index.chunkSize);
      const place = index.blobs[id];
      if (!place || place.length !== want)
        throw new IntegrityError(
          `${what}: file ${JSON.stringify(e.path)} chunk ${i} names blob ${id}, which has no place of ${want} bytes`,
        );
    });
  } else throw new IntegrityError(`${what}: entry ${JSON.stringify((e as VolumeEntry).path)} has an unknown type`);
}

/**
 * Parses and checks an index (see the module comment); IntegrityError naming `what` and the entry.
 * @param what the key, for messages.
 */
export function parseVolumeIndex(body: Buffer, what: string): VolumeIndex {
  const index = parseRecord(body, what, "hks-volume-index") as unknown as VolumeIndex;
  if (!isCount(index.chunkSize) || index.chunkSize === 0 || !Array.isArray(index.entries))
    throw new IntegrityError(`${what} has no chunk size or entry list`);
  checkTable(index, what);
  const seen = new Set<string>();
  const dirs = new Set<string>();
  index.entries.forEach((e, i) => {
    if (i === 0 && (e.path !== "" || e.type !== "dir"))
      throw new IntegrityError(`${what}: the first entry must be the root directory`);
    if (seen.has(e.path)) throw new IntegrityError(`${what}: ${JSON.stringify(e.path)} is listed twice`);
    seen.add(e.path);
    checkEntry(e, index, dirs, what);
  });
  return index;
}

/** Parses and checks a blob list; IntegrityError naming `what`. */
export function parseVolumeBlobList(body: Buffer, what: string): VolumeBlobList {
  const list = parseRecord(body, what, "hks-volume-blobs") as unknown as VolumeBlobList;
  checkTable(list, what);
  return list;
}
