/**
 * Sorted, streaming directory walk for the filesystem store: yields files below a key prefix in the
 * same order S3 lists keys (UTF-8 byte order of the full key), holding one directory listing per
 * level in memory rather than the whole tree.
 */
import type { Dirent } from "node:fs";
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import { TEMP_FILE_PREFIX } from "./object-key";

/** One regular file found by `walkFiles`. */
export interface WalkedFile {
  /** Key of the file relative to the root ('/'-separated). */
  readonly key: string;
  /** Absolute path of the file. */
  readonly path: string;
  /** True for an in-progress (or abandoned) write: its name starts with TEMP_FILE_PREFIX. */
  readonly temp: boolean;
}

// Sorting a folder's entries by `name` for files and `name + "/"` for folders yields every key in
// global byte order with a depth-first walk: all keys below folder `d` share the prefix `d/`, and no
// sibling name contains '/', so the first difference always falls in the same place.
function sortKey(e: Dirent): Buffer {
  return Buffer.from(e.isDirectory() ? `${e.name}/` : e.name);
}

async function readSorted(dir: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    // A folder that vanished (pruned by a concurrent delete) or a prefix that names a file holds nothing.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw err;
  }
  return entries
    .map((e) => ({ e, k: sortKey(e) }))
    .sort((a, b) => Buffer.compare(a.k, b.k))
    .map((x) => x.e);
}

async function* walkDir(root: string, relDir: string, namePrefix: string): AsyncGenerator<WalkedFile> {
  const abs = relDir ? path.join(root, relDir) : root;
  for (const e of await readSorted(abs)) {
    const temp = e.name.startsWith(TEMP_FILE_PREFIX);
    // Temp files carry no target name, so they match a folder, not a name prefix.
    if (!(temp ? namePrefix === "" : e.name.startsWith(namePrefix))) continue;
    const key = relDir ? `${relDir}/${e.name}` : e.name;
    // Symlinks and special files are skipped: a store never creates them, and following a link
    // could leave the store root.
    if (e.isDirectory() && !temp) yield* walkDir(root, key, "");
    else if (e.isFile()) yield { key, path: path.join(root, key), temp };
  }
}

/**
 * Every regular file whose key starts with `prefix`, in ascending key order, including temp files
 * (flagged `temp`) in folders the prefix covers entirely.
 * @param root absolute path of the store root.
 * @param prefix a plain key prefix (`""`, `"a/"` or `"a/b"`), already checked for traversal.
 */
export function walkFiles(root: string, prefix: string): AsyncGenerator<WalkedFile> {
  const cut = prefix.lastIndexOf("/");
  return walkDir(root, cut < 0 ? "" : prefix.slice(0, cut), prefix.slice(cut + 1));
}
