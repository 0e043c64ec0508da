/**
 * How one object is written into a backup archive and read back: YAML, one document per entry.
 * Part of the durable storage contract (design.md, "Storage layout"): every reader of archives
 * (restore, verify) parses with {@link parseObjectYaml}, and the writer's output must read back as
 * the very JSON value it was given.
 *
 * Both sides use js-yaml 4 (the fastest well-kept emitter measured, and a parser 10x faster than
 * `yaml`'s document model on Kubernetes objects: 0.43 vs 4.8 s for 11,872 objects). What a plain
 * scalar means is YAML 1.2's core schema (spec 10.3.2), spelled out below exactly as the spec and the
 * `yaml` package read it; js-yaml's own CORE_SCHEMA differs (it reads `0b101` and `+0x1f` as numbers
 * and not `+.5`), and archives written before this module was used must read the same.
 */
import * as jsyaml from "js-yaml";

/** YAML 1.2 core schema scalars that are not strings (spec 10.3.2), one pattern each. */
const CORE_NULL = /^(?:~|null|Null|NULL)$/;
const CORE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const CORE_INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const CORE_FLOAT =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function scalarType(tag: string, pattern: RegExp, construct: (data: string) => unknown): jsyaml.Type {
  return new jsyaml.Type(`tag:yaml.org,2002:${tag}`, {
    kind: "scalar",
    resolve: (data: string | null) => data !== null && pattern.test(data),
    construct,
  });
}

function coreInt(data: string): number {
  if (data.startsWith("0o")) return parseInt(data.slice(2), 8);
  if (data.startsWith("0x")) return parseInt(data.slice(2), 16);
  return Number(data);
}

function coreFloat(data: string): number {
  const lower = data.toLowerCase();
  if (lower.endsWith(".nan")) return NaN;
  if (lower.endsWith(".inf")) return lower.startsWith("-") ? -Infinity : Infinity;
  return Number(data);
}

/** The reading schema: failsafe (str, seq, map) plus the core schema's implicit scalars. */
const READ_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new jsyaml.Type("tag:yaml.org,2002:null", {
      kind: "scalar",
      // An empty node (`key:`) is null too.
      resolve: (data: string | null) => data === null || data === "" || CORE_NULL.test(data),
      construct: () => null,
    }),
    scalarType("bool", CORE_BOOL, (d) => d.toLowerCase() === "true"),
    scalarType("int", CORE_INT, coreInt),
    scalarType("float", CORE_FLOAT, coreFloat),
  ],
});

/**
 * The writing schema: js-yaml's default one (so strings that YAML 1.1 readers such as kubectl's would
 * take for dates, booleans or numbers stay quoted, as they always were), plus one implicit type that
 * matches every core-schema non-string. The dumper quotes a string that any implicit type resolves,
 * so nothing is left plain that the reading schema would turn into a number (`+.5` was).
 */
const WRITE_SCHEMA = jsyaml.DEFAULT_SCHEMA.extend({
  implicit: [
    new jsyaml.Type("tag:hks-backup,2026:core-non-string", {
      kind: "scalar",
      resolve: (data: string | null) =>
        data !== null && (CORE_NULL.test(data) || CORE_BOOL.test(data) || CORE_INT.test(data) || CORE_FLOAT.test(data)),
    }),
  ],
});

/**
 * js-yaml's options for archive entries: the writing schema; lineWidth -1, no folding of long strings
 * (base64 data stays on one line); noRefs, every file stands alone, as `kubectl get -o yaml` prints.
 */
export const OBJECT_YAML_DUMP_OPTIONS: Readonly<jsyaml.DumpOptions> = {
  schema: WRITE_SCHEMA,
  lineWidth: -1,
  noRefs: true,
};

/**
 * Serialises one object the way every archive entry is written: exactly the text of
 * `jsyaml.dump(obj, OBJECT_YAML_DUMP_OPTIONS)` (a property test holds them equal), written faster. js-yaml
 * decides every scalar's style by testing it against each type of its schema, for every key and
 * value of every object; Kubernetes objects repeat the same keys and many values (apiVersion,
 * metadata, image, protocol ...), so each distinct scalar is rendered by js-yaml once and reused,
 * and only the block structure (indentation, `- ` items, `{}`/`[]` when empty) is written here.
 * Anything else than a JSON value (or a key over 1,024 characters, which js-yaml writes as an
 * explicit `? ` pair) is left to js-yaml whole.
 */
export function objectYaml(obj: unknown): string {
  if (obj === null || typeof obj !== "object" || Array.isArray(obj) || !hasKeys(obj))
    return jsyaml.dump(obj, OBJECT_YAML_DUMP_OPTIONS);
  const out: string[] = [];
  if (!writeMapping(obj as Record<string, unknown>, 0, true, out)) return jsyaml.dump(obj, OBJECT_YAML_DUMP_OPTIONS);
  out.push("\n");
  return out.join("");
}

/** Whether a plain object has an own key, without listing them all (writeMapping lists them once). */
function hasKeys(obj: object): boolean {
  for (const _ in obj) return true;
  return false;
}

/** Rendered keys and short values, per text; cleared when large (a backup has few distinct ones). */
const renderedKeys = new Map<string, string>();
const renderedValues = new Map<string, string>();
const CACHE_LIMIT = 10_000;
const CACHED_LENGTH = 256;
const INDENT: string[] = [];

function indent(level: number): string {
  return (INDENT[level] ??= " ".repeat(2 * level));
}

function renderKey(key: string): string | undefined {
  let r = renderedKeys.get(key);
  if (r === undefined) {
    // The key of a one-pair mapping, as js-yaml writes it (single line: it quotes what needs it).
    const text = jsyaml.dump({ [key]: 0 }, OBJECT_YAML_DUMP_OPTIONS);
    if (text.startsWith("?")) return undefined; // an explicit pair: over 1,024 characters
    r = text.slice(0, -": 0\n".length);
    if (key.length <= CACHED_LENGTH) {
      if (renderedKeys.size >= CACHE_LIMIT) renderedKeys.clear();
      renderedKeys.set(key, r);
    }
  }
  return r;
}

/** A string value at nesting `level`: js-yaml's rendering at level 1, re-indented when a block scalar. */
function renderString(s: string, level: number): string {
  let r = renderedValues.get(s);
  if (r === undefined) {
    r = jsyaml.dump(s, OBJECT_YAML_DUMP_OPTIONS).slice(0, -1);
    if (s.length <= CACHED_LENGTH) {
      if (renderedValues.size >= CACHE_LIMIT) renderedValues.clear();
      renderedValues.set(s, r);
    }
  }
  if (level <= 1 || (r[0] !== "|" && r[0] !== ">")) return r;
  // A block scalar's lines are indented 2 per level (rendered at level 1); empty lines stay empty.
  const extra = indent(level - 1);
  return r.replace(/\n(?=[^\n])/g, `\n${extra}`);
}

function renderScalar(v: unknown, level: number): string | undefined {
  switch (typeof v) {
    case "string":
      return renderString(v, level);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      // js-yaml's int type: toString(10) of any integer but -0; the rest is its float type's text.
      return Number.isInteger(v) && !Object.is(v, -0)
        ? String(v)
        : jsyaml.dump(v, OBJECT_YAML_DUMP_OPTIONS).slice(0, -1);
    default:
      return v === null ? "null" : undefined;
  }
}

/** Writes a value after `key:` or `- `; false for what js-yaml should write (not a JSON value). */
function writeValue(v: unknown, level: number, out: string[], afterKey: boolean): boolean {
  if (v !== null && typeof v === "object") {
    if (Array.isArray(v)) {
      if (v.length === 0) {
        out.push(afterKey ? ": []" : "- []");
        return true;
      }
      if (afterKey) out.push(":");
      else out.push("- ");
      return writeSequence(v, level, !afterKey, out);
    }
    if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return false;
    if (!hasKeys(v)) {
      out.push(afterKey ? ": {}" : "- {}");
      return true;
    }
    if (afterKey) out.push(":");
    else out.push("- ");
    return writeMapping(v as Record<string, unknown>, level, !afterKey, out);
  }
  const r = renderScalar(v, level);
  if (r === undefined) return false;
  out.push(afterKey ? ": " : "- ", r);
  return true;
}

/** A block mapping at `level`; `compact`: its first pair continues the current line. */
function writeMapping(obj: Record<string, unknown>, level: number, compact: boolean, out: string[]): boolean {
  let first = true;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue; // js-yaml skips the pair
    const k = renderKey(key);
    if (k === undefined) return false;
    if (!(compact && first)) out.push("\n", indent(level));
    first = false;
    out.push(k);
    if (!writeValue(v, level + 1, out, true)) return false;
  }
  return !first; // only undefined values: js-yaml writes `{}`
}

/** A block sequence at `level`; `compact`: its first item continues the current line. */
function writeSequence(items: readonly unknown[], level: number, compact: boolean, out: string[]): boolean {
  for (let i = 0; i < items.length; i++) {
    if (!(compact && i === 0)) out.push("\n", indent(level));
    // js-yaml writes an undefined item as null.
    if (!writeValue(items[i] === undefined ? null : items[i], level + 1, out, false)) return false;
  }
  return true;
}

/**
 * Parses one archive entry. Throws (with a one-line first line) for text that is not one YAML
 * document, has a duplicate key or an unknown tag, or repeats a mapping or sequence through an alias:
 * archives are written without anchors, and a repeated node could expand exponentially when the
 * object is sent on ("billion laughs").
 */
export function parseObjectYaml(text: string): unknown {
  const value = parseCoreYaml(text);
  // An alias names an anchor (`&name`) defined before it: text without `&` has none to repeat.
  if (!text.includes("&")) return value;
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") continue;
    if (seen.has(v)) throw new Error("a mapping or sequence is repeated through a YAML alias");
    seen.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push(child);
  }
  return value;
}

/**
 * Parses one YAML document with YAML 1.2's core schema, as archive entries are read but with aliases
 * allowed: for files people write (a drill file, the snapshot CRDs). Throws for more than one
 * document, a duplicate key or an unknown tag, with the line and column in the message.
 */
export function parseCoreYaml(text: string): unknown {
  return jsyaml.load(text, { schema: READ_SCHEMA });
}
