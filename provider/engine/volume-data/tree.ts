/**
 * Recreates a volume's tree in a target directory, in two passes around the data:
 *
 * 1. `prepareTree`, before any data: directories (parents first), then every regular file created
 *    empty and truncated to its size, so a chunk never written (a hole) reads back as zeros without
 *    taking space. Whatever is in the way is removed first, and files are created with O_EXCL, so a
 *    symlink already in the target can never redirect a write outside it.
 * 2. `finishTree`, after the data: symlinks, then owners (only as root: otherwise one warning),
 *    permission bits and mtimes, children before parents, so creating a child never moves a restored
 *    directory's mtime, and a read-only directory is made read-only only once it is filled.
 *
 * The index is checked beforehand (format/volume-data-check.ts): paths are relative without `..`, and
 * every parent is a directory of the tree, never a symlink.
 */
import * as fsp from "node:fs/promises";
import * as path from "node:path";
import type { VolumeEntry } from "../../format/volume-data";

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** The absolute path of tree path `rel` under `target`. */
export function targetPath(target: string, rel: string): string {
  return rel === "" ? target : path.join(target, ...rel.split("/"));
}

/** Removes whatever is at `abs` unless it is a directory and `keepDir` (absent is fine). */
async function clear(abs: string, keepDir: boolean): Promise<boolean> {
  try {
    const st = await fsp.lstat(abs);
    if (keepDir && st.isDirectory()) return true;
    await fsp.rm(abs, { recursive: true, force: true });
  } catch (e) {
    if (errno(e) !== "ENOENT") throw e;
  }
  return false;
}

/** Pass 1: directories and empty, sized files (see the module comment). */
export async function prepareTree(target: string, entries: readonly VolumeEntry[]): Promise<void> {
  for (const e of entries) {
    const abs = targetPath(target, e.path);
    if (e.type === "dir") {
      if (e.path === "") await fsp.mkdir(abs, { recursive: true, mode: 0o700 });
      else if (!(await clear(abs, true))) await fsp.mkdir(abs, { mode: 0o700 });
    } else if (e.type === "file") {
      await clear(abs, false);
      const fh = await fsp.open(abs, "wx", 0o600);
      try {
        await fh.truncate(e.size);
      } finally {
        await fh.close();
      }
    }
  }
}

/** Writes `data` at `position` of the file at `abs` (created by prepareTree). */
export async function writeAt(abs: string, data: Buffer, position: number): Promise<void> {
  const fh = await fsp.open(abs, "r+");
  try {
    let off = 0;
    while (off < data.length) off += (await fh.write(data, off, data.length - off, position + off)).bytesWritten;
  } finally {
    await fh.close();
  }
}

/** Options of {@link finishTree}. */
export interface FinishOptions {
  /** Set owners (lchown). @default true when running as root */
  readonly chown?: boolean;
}

/** What finishTree could not do, one line each. */
export type TreeWarnings = string[];

/**
 * Seconds for utimes from nanoseconds. Node passes a double and libuv truncates it to nanoseconds; a
 * double near 1.7e9 s is only exact to about 240 ns, so `12.123000` could land at `12.122999…` and the
 * file would read back a microsecond (and, rounded down, a millisecond) early. Aiming at the middle of
 * the microsecond keeps the restored time within the recorded microsecond.
 */
export function nsToSeconds(ns: string): number {
  const n = BigInt(ns);
  return Number(n / 1_000_000_000n) + (Number((n % 1_000_000_000n) / 1000n) + 0.5) / 1e6;
}

/** Pass 2: symlinks, owners, modes, mtimes (see the module comment). Returns warnings. */
export async function finishTree(
  target: string,
  entries: readonly VolumeEntry[],
  opts: FinishOptions = {},
): Promise<TreeWarnings> {
  const warnings: string[] = [];
  for (const e of entries) {
    if (e.type !== "symlink") continue;
    const abs = targetPath(target, e.path);
    await clear(abs, false);
    await fsp.symlink(e.target, abs);
  }
  const chown = opts.chown ?? process.getuid?.() === 0;
  if (!chown) {
    const uid = process.getuid?.();
    const gid = process.getgid?.();
    const others = entries.filter((e) => e.uid !== uid || e.gid !== gid).length;
    if (others)
      warnings.push(
        `not running as root: owners not restored (${others} entr${others === 1 ? "y is" : "ies are"} owned by ` +
          `another user or group); files belong to uid ${uid}`,
      );
  }
  for (const e of [...entries].reverse()) {
    const abs = targetPath(target, e.path);
    if (chown) await fsp.lchown(abs, e.uid, e.gid);
    const t = nsToSeconds(e.mtimeNs);
    if (e.type === "symlink") {
      await fsp.lutimes(abs, t, t);
      continue;
    }
    // After chown: chown clears setuid/setgid bits.
    await fsp.chmod(abs, e.mode);
    await fsp.utimes(abs, t, t);
  }
  return warnings;
}
