/**
 * Kubernetes label selectors: parsing, validation, one canonical spelling and matching. Pure. The one
 * parser of the project: backup targets, hooks, CLI `--labels` and restore filters all use it.
 *
 * A selector arrives as a map (`{ app: "postgres-db" }`, from a Pulumi program) or as text
 * (`app=mission-critical`, from the CLI, as in the seed). Both become the canonical text form the
 * API server takes as `labelSelector`, so filtering by label happens on the server and a backup
 * never downloads objects it will not keep.
 */
import { InputError } from "../errors";
import { isLabelKey, isLabelValue } from "./names";

/** One requirement of a selector. */
export type LabelRequirement =
  | { readonly key: string; readonly op: "=" | "!="; readonly value: string }
  | { readonly key: string; readonly op: "in" | "notin"; readonly values: readonly string[] }
  | { readonly key: string; readonly op: "exists" | "!exists" };

/** A selector that cannot be parsed: an InputError on the selector's field, naming the bad part. */
export class SelectorError extends InputError {}

// A key: optional DNS prefix and '/', then the name. Values: label values (may be empty).
const TOKEN = /^[A-Za-z0-9._\-/]+/;

/**
 * Parses selector text (`a=b,c!=d,e in (f,g),!h`). Throws an InputError naming `field` with the
 * offending part.
 * @param text the selector; `""` selects everything (no requirements).
 * @param field the input path in messages.
 */
export function parseLabelSelector(text: string, field = "selector"): LabelRequirement[] {
  const reqs: LabelRequirement[] = [];
  let rest = text.trim();
  if (rest === "") return reqs;
  const fail = (why: string): never => {
    throw new SelectorError(
      field,
      `${JSON.stringify(text)} is not a label selector: ${why} (expected e.g. "app=postgres-db", "tier in ` +
        `(web,api)", "!legacy")`,
    );
  };
  const key = (): string => {
    rest = rest.trimStart();
    const m = TOKEN.exec(rest);
    if (!m) return fail(`a label key was expected at ${JSON.stringify(rest.slice(0, 20))}`);
    rest = rest.slice(m[0].length);
    if (!isLabelKey(m[0])) fail(`"${m[0]}" is not a valid label key`);
    return m[0];
  };
  const value = (): string => {
    rest = rest.trimStart();
    const m = /^[A-Za-z0-9._-]*/.exec(rest)!;
    rest = rest.slice(m[0].length);
    if (!isLabelValue(m[0])) fail(`"${m[0]}" is not a valid label value`);
    return m[0];
  };
  for (;;) {
    rest = rest.trimStart();
    if (rest === "" || rest.startsWith(",")) fail("it has an empty requirement (a doubled or trailing ',')");
    if (rest.startsWith("!")) {
      rest = rest.slice(1);
      reqs.push({ key: key(), op: "!exists" });
    } else {
      const k = key();
      rest = rest.trimStart();
      if (rest.startsWith("==")) {
        rest = rest.slice(2);
        reqs.push({ key: k, op: "=", value: value() });
      } else if (rest.startsWith("!=")) {
        rest = rest.slice(2);
        reqs.push({ key: k, op: "!=", value: value() });
      } else if (rest.startsWith("=")) {
        rest = rest.slice(1);
        reqs.push({ key: k, op: "=", value: value() });
      } else if (/^(in|notin)\s*\(/.test(rest)) {
        const op = rest.startsWith("in") ? "in" : "notin";
        rest = rest.slice(op.length).trimStart().slice(1);
        const close = rest.indexOf(")");
        if (close < 0) fail(`"${op} (" has no closing ")"`);
        const values = rest
          .slice(0, close)
          .split(",")
          .map((v) => v.trim());
        const bad = values.find((v) => !isLabelValue(v));
        if (bad !== undefined)
          fail(`"${bad}" is not a valid label value: the values of "${k} ${op} (...)" must be label values`);
        rest = rest.slice(close + 1);
        reqs.push({ key: k, op, values });
      } else reqs.push({ key: k, op: "exists" });
    }
    rest = rest.trimStart();
    if (rest === "") return reqs;
    if (!rest.startsWith(","))
      fail(
        `unexpected ${JSON.stringify(rest.slice(0, 20))} (not a selector requirement); separate requirements with ','`,
      );
    rest = rest.slice(1);
  }
}

/** The canonical text of requirements, as the API server accepts it. */
export function formatLabelSelector(reqs: readonly LabelRequirement[]): string {
  return reqs
    .map((r) => {
      switch (r.op) {
        case "=":
        case "!=":
          return `${r.key}${r.op}${r.value}`;
        case "in":
        case "notin":
          return `${r.key} ${r.op} (${r.values.join(",")})`;
        case "exists":
          return r.key;
        case "!exists":
          return `!${r.key}`;
      }
    })
    .join(",");
}

/**
 * A selector given as a map or as text, in canonical text form; `undefined` stays `undefined`.
 * Throws an InputError naming `field` (or `field.<key>` for a bad map entry).
 */
export function normalizeSelector(
  selector: string | Record<string, string> | undefined,
  field = "selector",
): string | undefined {
  if (selector === undefined) return undefined;
  if (typeof selector === "string") return formatLabelSelector(parseLabelSelector(selector, field));
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(selector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!isLabelKey(k))
      throw new InputError(
        `${field}.${k}`,
        `"${k}" is not a valid label key: use an optional DNS prefix and '/', then at most 63 of ` +
          `[A-Za-z0-9-_.], starting and ending alphanumeric`,
      );
    if (typeof v !== "string" || !isLabelValue(v))
      throw new InputError(
        `${field}.${k}`,
        `${JSON.stringify(v)} is not a valid label value: use at most 63 of [A-Za-z0-9-_.], starting and ` +
          `ending alphanumeric (no spaces), or ""`,
      );
    reqs.push({ key: k, op: "=", value: v });
  }
  return formatLabelSelector(reqs);
}

/** Parses `k=v[,k2=v2]` pairs (CLI `--labels`), refusing anything but plain equality. */
export function parseLabelPairs(text: string, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of parseLabelSelector(text, field)) {
    if (r.op !== "=") throw new InputError(field, `"${text}" must be key=value pairs separated by ','`);
    out[r.key] = r.value;
  }
  return out;
}

/** True when `labels` satisfy every requirement. */
export function matchesSelector(
  requirements: readonly LabelRequirement[],
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case "=":
        return has && l[r.key] === r.value;
      case "!=":
        return !has || l[r.key] !== r.value;
      case "in":
        return has && r.values.includes(l[r.key]);
      case "notin":
        return !has || !r.values.includes(l[r.key]);
      case "exists":
        return has;
      case "!exists":
        return !has;
    }
  });
}

/** The selector string of a label map (`{ app: "web" }` → `app=web`), keys sorted for stable diffs. */
export function selectorFromLabels(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(",");
}
