/**
 * Small validation helpers the BackupPlan checks share: unknown-key detection (a misspelt optional
 * field would otherwise be ignored silently), InputError capture from the engine's validators, and
 * string lists. Pure.
 */
import { InputError } from "../errors";
import { UNKNOWN } from "../kinds";
import type { Checker } from "./validate";

/** A plain object (not an array, not null, not the preview's unknown marker). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reports every key of `obj` not in `allowed` as `<field>.<key>`, suggesting a near match. */
export function rejectUnknownKeys(
  c: Checker,
  field: string,
  obj: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const similar = allowed.find((k) => k.toLowerCase() === key.toLowerCase());
    c.fail(
      `${field}.${key}`,
      `unknown field${similar ? `; did you mean ${similar}?` : ""}; known fields are ${allowed.join(", ")}`,
    );
  }
}

/**
 * Runs one of the engine's validators (which throw InputError) and turns its error into a check
 * failure naming the error's field. Returns the validator's result, or undefined when it failed.
 */
export function capture<T>(c: Checker, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    c.fail(err.field, err.reason);
    return undefined;
  }
}

/**
 * Validates an optional list of strings, calling `each` for every known element; returns the list
 * (unknown elements kept as they are) or undefined when absent or not a list.
 */
export function stringList(
  c: Checker,
  field: string,
  v: unknown,
  each: (s: string, f: string) => void,
): string[] | undefined {
  if (!c.present(v)) return undefined;
  if (!Array.isArray(v)) {
    c.fail(field, `must be a list of strings, got ${JSON.stringify(v)}`);
    return undefined;
  }
  v.forEach((s, i) => {
    if (s === UNKNOWN) return;
    if (typeof s !== "string") c.fail(`${field}[${i}]`, `must be a string, got ${JSON.stringify(s)}`);
    else each(s, `${field}[${i}]`);
  });
  return v as string[];
}

/** Kubernetes resource quantity (`500m`, `1.5`, `256Mi`, `1G`, `1e3`). */
const QUANTITY = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** True when `v` is a valid Kubernetes quantity string. */
export function isQuantity(v: unknown): boolean {
  return typeof v === "string" && QUANTITY.test(v);
}
