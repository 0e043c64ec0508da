/**
 * JSON Patch (RFC 6902) over JSON Pointers (RFC 6901), for the optional per-kind patches a restore
 * applies to objects (an image or a StorageClass for a clone). Pure: the document is never mutated;
 * a patch either applies whole or throws a PatchError saying which operation failed and why, so one
 * bad patch never leaves a half-patched object.
 *
 * All six operations are implemented (add, remove, replace, move, copy, test); they are small, and a
 * user copying a patch from `kubectl patch --type json` should not hit a missing one.
 * @see https://www.rfc-editor.org/rfc/rfc6902
 */

/** One JSON Patch operation. */
export type JsonPatchOp =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/** The operation names of RFC 6902. */
export const JSON_PATCH_OPS = ["add", "remove", "replace", "move", "copy", "test"] as const;

/** A patch that cannot be applied: `index` is the failing operation's position in the patch. */
export class PatchError extends Error {
  constructor(
    readonly index: number,
    readonly op: string,
    reason: string,
  ) {
    super(`operation ${index} (${op}): ${reason}`);
    this.name = "PatchError";
  }
}

/**
 * Splits a JSON Pointer into its reference tokens, decoding `~1` to `/` and `~0` to `~` (in that
 * order, as RFC 6901 §4 requires). `""` is the whole document. Throws on a pointer not starting
 * with `/` or with a `~` not followed by 0 or 1.
 */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`JSON pointer ${JSON.stringify(pointer)} must be "" or start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => {
      if (/~[^01]|~$/.test(t))
        throw new Error(`JSON pointer ${JSON.stringify(pointer)} has a '~' not followed by 0 or 1`);
      return t.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

type Container = Record<string, unknown> | unknown[];

function isContainer(v: unknown): v is Container {
  return typeof v === "object" && v !== null;
}

/** An array index token: "0" or digits without a leading zero (RFC 6901 §4). */
function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (allowEnd && token === "-") return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new Error(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length))
    throw new Error(`index ${i} is out of bounds (array length ${length})`);
  return i;
}

/** The parent container of the pointer's last token, and that token. */
function locate(doc: unknown, tokens: string[], pointer: string): { parent: Container; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isContainer(cur) && Object.prototype.hasOwnProperty.call(cur, t))
      cur = (cur as Record<string, unknown>)[t];
    else throw new Error(`path ${JSON.stringify(pointer)} does not exist (no "${t}")`);
  }
  if (!isContainer(cur))
    throw new Error(`path ${JSON.stringify(pointer)} does not exist (its parent is not an object or array)`);
  return { parent: cur, key: tokens[tokens.length - 1] };
}

/** Reads the value at `pointer`; throws when it does not exist. */
export function getAtPointer(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const t of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false)];
    else if (isContainer(cur) && Object.prototype.hasOwnProperty.call(cur, t))
      cur = (cur as Record<string, unknown>)[t];
    else throw new Error(`path ${JSON.stringify(pointer)} does not exist`);
  }
  return cur;
}

/** Deep equality in the JSON sense (object key order does not matter; arrays are ordered). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  if (!isContainer(a) || !isContainer(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.prototype.hasOwnProperty.call(b, k) &&
      jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

// Each operation returns the new root, since an operation on "" replaces the whole document.
function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, true), 0, value);
  else parent[key] = value;
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new Error("cannot remove the whole document");
  const { parent, key } = locate(doc, tokens, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(key, parent.length, false), 1);
  else if (Object.prototype.hasOwnProperty.call(parent, key)) delete parent[key];
  else throw new Error(`path ${JSON.stringify(pointer)} does not exist`);
  return doc;
}

function applyOne(doc: unknown, op: JsonPatchOp): unknown {
  switch (op.op) {
    case "add":
      return add(doc, op.path, structuredClone(op.value));
    case "remove":
      return remove(doc, op.path);
    case "replace":
      getAtPointer(doc, op.path); // replace requires the target to exist (RFC 6902 §4.3)
      return add(remove(doc, op.path), op.path, structuredClone(op.value));
    case "move": {
      if (op.path !== op.from && op.path.startsWith(`${op.from}/`))
        throw new Error(`cannot move ${op.from} into its own child ${op.path}`);
      const value = getAtPointer(doc, op.from);
      return add(remove(doc, op.from), op.path, value);
    }
    case "copy":
      return add(doc, op.path, structuredClone(getAtPointer(doc, op.from)));
    case "test": {
      const actual = getAtPointer(doc, op.path);
      if (!jsonEqual(actual, op.value))
        throw new Error(`test failed: ${op.path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(op.value)}`);
      return doc;
    }
    default:
      throw new Error(
        `unknown op ${JSON.stringify((op as { op?: unknown }).op)}; use one of ${JSON_PATCH_OPS.join(", ")}`,
      );
  }
}

/**
 * Applies `ops` in order to a copy of `doc` and returns the copy. Throws a PatchError naming the
 * first operation that failed; `doc` is never changed.
 * @param doc any JSON value (a Kubernetes object).
 * @param ops the patch, as `kubectl patch --type json` takes it.
 */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  // A replace of the whole document ("") is remove-then-add on the root, which `remove` refuses;
  // handle it directly.
  let out: unknown = structuredClone(doc);
  ops.forEach((op, i) => {
    try {
      out = op.op === "replace" && op.path === "" ? structuredClone(op.value) : applyOne(out, op);
    } catch (e) {
      throw new PatchError(i, String((op as { op?: unknown }).op), e instanceof Error ? e.message : String(e));
    }
  });
  return out as T;
}

/**
 * Why `ops` is not a well-formed JSON Patch, or `undefined` when it is: an array of operations with
 * a known `op`, string pointers that parse, and a `value` where the op needs one. Checked at `check`
 * time so a typo fails `pulumi preview`, not the restore.
 */
export function patchProblem(ops: unknown): string | undefined {
  if (!Array.isArray(ops))
    return 'must be an array of JSON Patch operations, e.g. [{ op: "replace", path: "/spec/replicas", value: 1 }]';
  for (const [i, op] of ops.entries()) {
    if (typeof op !== "object" || op === null) return `[${i}] must be an object { op, path, ... }`;
    const o = op as Record<string, unknown>;
    if (!JSON_PATCH_OPS.includes(o.op as (typeof JSON_PATCH_OPS)[number]))
      return `[${i}].op must be one of ${JSON_PATCH_OPS.join(", ")}, got ${JSON.stringify(o.op)}`;
    for (const f of o.op === "move" || o.op === "copy" ? ["from", "path"] : ["path"]) {
      if (typeof o[f] !== "string") return `[${i}].${f} must be a JSON pointer string such as "/spec/replicas"`;
      try {
        parsePointer(o[f] as string);
      } catch (e) {
        return `[${i}].${f}: ${(e as Error).message}`;
      }
    }
    if ((o.op === "add" || o.op === "replace" || o.op === "test") && !("value" in o))
      return `[${i}] (${o.op}) needs a value`;
  }
  return undefined;
}
