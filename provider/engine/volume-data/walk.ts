/**
 * Walks a volume's directory into tree entries (format/volume-data.ts), parents before children,
 * names sorted, never following a symlink. What a file tree cannot carry is skipped with a warning:
 * devices, sockets and FIFOs (a PVC of application data should not hold any), and names that are not
 * valid UTF-8 (Node reads names as UTF-8, so such a name cannot be opened again by the name it got).
 */
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { BigIntStats } from "node:fs";
import type { DirEntry, FileEntry, SymlinkEntry } from "../../format/volume-data";

/** A walked entry: the tree entry without blobs, and the absolute path to read a file from. */
export type WalkedEntry = (DirEntry | Omit<FileEntry, "blobs"> | SymlinkEntry) & { readonly abs: string };

/** What a walk found. */
export interface WalkResult {
  /** Parents before children, the root (`""`) first. */
  readonly entries: WalkedEntry[];
  /** Bytes of all regular files, by lstat (the progress total). */
  readonly fileBytes: number;
  /** What was skipped and why, one line each. */
  readonly warnings: string[];
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The kind of a special file, for the warning. */
function specialKind(st: BigIntStats): string {
  if (st.isSocket()) return "socket";
  if (st.isFIFO()) return "FIFO";
  if (st.isCharacterDevice()) return "character device";
  if (st.isBlockDevice()) return "block device";
  return "special file";
}

function base(rel: string, abs: string, st: BigIntStats) {
  return {
    path: rel,
    abs,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtimeNs: st.mtimeNs.toString(),
  };
}

/**
 * Walks `root` (an existing directory). A file that vanishes during the walk is skipped with a
 * warning; any other error (e.g. EACCES) throws, because a backup that silently misses data is worse
 * than a failed one.
 */
export async function walkVolume(root: string): Promise<WalkResult> {
  const entries: WalkedEntry[] = [];
  const warnings: string[] = [];
  let fileBytes = 0;
  const rootStat = await fsp.lstat(root, { bigint: true });
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory`);
  entries.push({ type: "dir", ...base("", root, rootStat) });

  const visit = async (dirRel: string, dirAbs: string): Promise<void> => {
    const names = (await fsp.readdir(dirAbs)).sort();
    for (const name of names) {
      const rel = dirRel ? `${dirRel}/${name}` : name;
      const abs = path.join(dirAbs, name);
      let st: BigIntStats;
      try {
        st = await fsp.lstat(abs, { bigint: true });
      } catch (e) {
        if (errno(e) !== "ENOENT") throw e;
        warnings.push(
          name.includes("\uFFFD")
            ? `${JSON.stringify(rel)}: skipped, its name is not valid UTF-8`
            : `${JSON.stringify(rel)}: skipped, it vanished during the walk`,
        );
        continue;
      }
      if (st.isDirectory()) {
        entries.push({ type: "dir", ...base(rel, abs, st) });
        await visit(rel, abs);
      } else if (st.isFile()) {
        entries.push({ type: "file", size: Number(st.size), ...base(rel, abs, st) });
        fileBytes += Number(st.size);
      } else if (st.isSymbolicLink()) {
        entries.push({ type: "symlink", target: await fsp.readlink(abs), ...base(rel, abs, st) });
      } else {
        warnings.push(`${JSON.stringify(rel)}: skipped, a ${specialKind(st)} is not volume data`);
      }
    }
  };
  await visit("", root);
  return { entries, fileBytes, warnings };
}
