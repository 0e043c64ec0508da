/**
 * A semantic diff of two JSON values (Kubernetes objects) that lists every difference by path, so
 * a failing comparison says exactly which field differs, not just "not equal". Object key order is
 * irrelevant; a missing key and an `undefined` value are the same; arrays compare element-wise.
 */
import { sanitizeObject } from "../../provider/engine/collect/sanitize";

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));

/** Every difference between `a` and `b`, as `path: a-value → b-value` lines; empty when equal. */
export function semanticDiff(a: unknown, b: unknown, path = ""): string[] {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => semanticDiff(a[k], b[k], `${path}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...semanticDiff(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (a === b || (a === undefined && b === undefined)) return [];
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  return [`${path || "."}: ${show(a)} → ${show(b)}`];
}

/** Deletes a dotted path (`spec.clusterIP`, `spec.ports[].nodePort`) from `o` in place. */
export function dropPath(o: unknown, path: string): void {
  const [head, ...rest] = path.split(".");
  if (head.endsWith("[]")) {
    const arr = isObj(o) ? o[head.slice(0, -2)] : undefined;
    if (Array.isArray(arr)) for (const el of arr) dropPath(el, rest.join("."));
    return;
  }
  if (!isObj(o)) return;
  if (rest.length === 0) delete o[head];
  else dropPath(o[head], rest.join("."));
}

/**
 * An object as compared across clusters or namespaces: sanitized (server-assigned metadata and
 * `status` dropped), owner references reduced to kind/name (uids differ by design), and the given
 * paths removed (fields the target assigns anew, each named by the test that ignores it).
 */
export function comparable(obj: unknown, ignore: readonly string[] = []): Json {
  const o = sanitizeObject(obj as Json) as Json;
  const md = o.metadata as Json | undefined;
  if (md && Array.isArray(md.ownerReferences)) {
    md.ownerReferences = (md.ownerReferences as Json[]).map((r) => ({
      apiVersion: r.apiVersion,
      kind: r.kind,
      name: r.name,
      controller: r.controller,
      blockOwnerDeletion: r.blockOwnerDeletion,
    }));
  }
  for (const p of ignore) dropPath(o, p);
  return o;
}
