/** Builds volume directories for the volume-data tests and reads them back for comparison. */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A fresh temporary directory; `cleanup` removes every one made. */
const made: string[] = [];
export function tempDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `hks-vd-${tag}-`));
  made.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of made.splice(0)) {
    // A restored read-only directory must be made writable before it can be removed.
    fs.chmodSync(d, 0o700);
    walkDirs(d, (p) => fs.chmodSync(p, 0o700));
    fs.rmSync(d, { recursive: true, force: true });
  }
}
function walkDirs(d: string, f: (p: string) => void): void {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) {
      f(p);
      walkDirs(p, f);
    }
  }
}

/** Writes `content` at `rel` under `root`, creating parents. */
export function write(root: string, rel: string, content: Buffer | string, mode?: number): void {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  if (mode !== undefined) fs.chmodSync(p, mode);
}

/** Deterministic pseudo-random bytes (incompressible, distinct per seed). */
export function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * One line per entry: type, path, mode, mtime (µs), size/target and a content hash. Microseconds,
 * read from the exact nanoseconds: that is what a restore can set (utimes takes float seconds), and
 * `Math.floor(mtimeMs)` would differ by 1 ms when the double rounds ...258.99995 ms up to 259.
 */
export function describeTree(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string) => {
    const abs = rel ? path.join(root, rel) : root;
    const st = fs.lstatSync(abs);
    const mode = (st.mode & 0o7777).toString(8);
    const mtime = fs.lstatSync(abs, { bigint: true }).mtimeNs / 1000n;
    if (st.isSymbolicLink()) out.push(`l ${rel} ${mtime} -> ${fs.readlinkSync(abs)}`);
    else if (st.isFile()) {
      const sum = crypto.createHash("sha256").update(fs.readFileSync(abs)).digest("hex").slice(0, 12);
      out.push(`f ${rel} ${mode} ${mtime} ${st.size} ${sum}`);
    } else if (st.isDirectory()) {
      out.push(`d ${rel} ${mode} ${mtime}`);
      for (const n of fs.readdirSync(abs).sort()) visit(rel ? `${rel}/${n}` : n);
    }
  };
  visit("");
  return out;
}
