/**
 * Object key rules shared by every store. A key is a relative '/'-separated path; the same rules on
 * S3 and on a filesystem keep one layout portable between them and block path traversal.
 */
import { InputError } from "../errors";

/** Name prefix of the filesystem store's in-progress files; reserved so no key can collide with one. */
export const TEMP_FILE_PREFIX = ".hks-tmp-";

/** Longest key accepted, in UTF-8 bytes (the S3 limit). */
export const MAX_KEY_BYTES = 1024;

/**
 * Why `key` is not a valid object key, or `undefined` when it is. Rejected: empty keys, absolute
 * paths, NUL, backslash, empty segments (`a//b`, trailing '/'), `.`/`..` segments, segments starting
 * with TEMP_FILE_PREFIX, and keys over MAX_KEY_BYTES.
 */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "is empty";
  if (key.includes("\0")) return "contains a NUL character";
  if (key.includes("\\")) return "contains '\\'; keys use '/' as the separator";
  if (key.startsWith("/")) return "is absolute; keys are relative to the store root";
  if (Buffer.byteLength(key) > MAX_KEY_BYTES)
    return `is ${Buffer.byteLength(key)} bytes long; the limit is ${MAX_KEY_BYTES}`;
  for (const seg of key.split("/")) {
    if (seg === "") return "has an empty segment ('//' or a trailing '/')";
    if (seg === "." || seg === "..") return `has a '${seg}' segment (path traversal)`;
    if (seg.startsWith(TEMP_FILE_PREFIX))
      return `has a segment starting with "${TEMP_FILE_PREFIX}", which is reserved for temporary files`;
  }
  return undefined;
}

/**
 * Throws an InputError when `key` is not a valid object key.
 * @param key the key to check.
 * @param where the store's `describe()`, named in the message.
 */
export function assertValidKey(key: string, where: string): void {
  const problem = keyProblem(key);
  if (problem)
    throw new InputError(
      "key",
      `object key ${JSON.stringify(key)} for ${where} ${problem}; build keys with provider/store/layout.ts`,
    );
}

/**
 * Throws an InputError when `prefix` cannot be a prefix of valid keys: absolute, NUL, backslash, or
 * an empty, `.` or `..` complete segment. The last (partial) segment may be anything, e.g. `"a/b"`
 * lists `a/b/...` and `a/bc/...`; the empty prefix lists everything.
 * @param prefix the listing prefix.
 * @param where the store's `describe()`, named in the message.
 */
export function assertValidPrefix(prefix: string, where: string): void {
  let problem: string | undefined;
  if (prefix.includes("\0") || prefix.includes("\\")) problem = "contains NUL or '\\'";
  else if (prefix.startsWith("/")) problem = "is absolute; prefixes are relative to the store root";
  else if (
    prefix
      .split("/")
      .slice(0, -1)
      .some((s) => s === "" || s === "." || s === "..")
  )
    problem = "has an empty, '.' or '..' segment";
  if (problem)
    throw new InputError(
      "prefix",
      `listing prefix ${JSON.stringify(prefix)} for ${where} ${problem}; build prefixes with provider/store/layout.ts`,
    );
}

/**
 * Compares two keys in UTF-8 byte order, the order S3 lists in (JavaScript's default string order
 * compares UTF-16 code units, which differs for characters above U+FFFF).
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
