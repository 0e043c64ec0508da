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

/** Serialises one object the way every archive entry is written. */
export function objectYaml(obj: unknown): string {
  // lineWidth -1: no folding of long strings (base64 data stays on one line); noRefs: every file
  // stands alone, as `kubectl get -o yaml` prints.
  return jsyaml.dump(obj, { schema: WRITE_SCHEMA, lineWidth: -1, noRefs: true });
}

/**
 * Parses one archive entry. Throws (with a one-line first line) for text that is not one YAML
 * document, has a duplicate key or an unknown tag, or repeats a mapping or sequence through an alias:
 * archives are written without anchors, and a repeated node could expand exponentially when the
 * object is sent on ("billion laughs").
 */
export function parseObjectYaml(text: string): unknown {
  const value = jsyaml.load(text, { schema: READ_SCHEMA });
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
