/**
 * Kubernetes label selectors in their string form (`app=web,tier!=cache,env in (a,b),!legacy`), parsed
 * once and matched against an object's labels. Pure. Restore filters archive objects with it, the
 * way `kubectl get -l` would have selected them in the source cluster.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
import { isLabelKey, isLabelValue } from "../plan/validate";

/** One parsed requirement of a selector. */
export type LabelRequirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

/** A selector that cannot be parsed; the message names the offending part. */
export class SelectorError extends Error {}

// Splits on commas that are not inside a parenthesised value set.
function splitTop(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim());
}

function checkKey(key: string, part: string): string {
  if (!isLabelKey(key)) throw new SelectorError(`"${part}": "${key}" is not a valid label key`);
  return key;
}

function checkValue(value: string, part: string): string {
  if (!isLabelValue(value)) throw new SelectorError(`"${part}": "${value}" is not a valid label value`);
  return value;
}

/**
 * Parses a selector string. The empty string selects everything (no requirements). Throws a
 * SelectorError for anything `kubectl -l` would refuse.
 */
export function parseSelector(selector: string): LabelRequirement[] {
  if (selector.trim() === "") return [];
  return splitTop(selector).map((part): LabelRequirement => {
    if (part === "") throw new SelectorError(`"${selector}" has an empty requirement (a doubled or trailing ',')`);
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = set[3].split(",").map((v) => v.trim());
      if (values.length === 0 || values.some((v) => v === "" && values.length > 1)) throw new SelectorError(`"${part}": the value set is malformed`);
      return { key: checkKey(set[1], part), op: set[2] as "in" | "notin", values: values.map((v) => checkValue(v, part)) };
    }
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (eq) return { key: checkKey(eq[1], part), op: eq[2] === "!=" ? "!=" : "=", value: checkValue(eq[3], part) };
    if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim(), part), op: "!exists" };
    if (/^\S+$/.test(part)) return { key: checkKey(part, part), op: "exists" };
    throw new SelectorError(`"${part}" is not a selector requirement (use key=value, key!=value, key in (a,b), key notin (a), key or !key)`);
  });
}

/** True when `labels` satisfy every requirement. */
export function matchesSelector(requirements: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
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
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(",");
}
