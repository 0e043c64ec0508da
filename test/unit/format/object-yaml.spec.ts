/**
 * Archive entries are written by objectYaml and read back by parseObjectYaml (restore, verify): every
 * JSON value must survive the trip exactly, including strings that YAML 1.1 or 1.2 would read as
 * something else (yes/no, dates, octal-looking numbers, "<<", leading spaces, ...). Any YAML 1.2
 * reader (`yaml` with the core schema here) must read the same, and parseObjectYaml must read plain
 * scalars exactly as `yaml` does, so archives written before it read unchanged.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import * as jsyaml from "js-yaml";
import { OBJECT_YAML_DUMP_OPTIONS, objectYaml, parseObjectYaml } from "../../../provider/format/object-yaml";

const TRICKY = [
  "yes",
  "no",
  "on",
  "off",
  "y",
  "n",
  "~",
  "null",
  "true",
  "1e3",
  "0x1f",
  "0o17",
  "017",
  ".inf",
  "-.inf",
  ".nan",
  "2026-11-26",
  "2026-11-26T05:00:00Z",
  "<<",
  "=",
  "- a",
  "a: b",
  "#x",
  "@x",
  "`x",
  "|",
  ">",
  "'",
  '"',
  " lead",
  "trail ",
  "multi\nline\n",
  "tab\tx",
  "é",
  "",
  "1_000",
  "+1",
  "0b101",
  "12:30",
  "1:2:3",
  "*anchor",
  "&anchor",
  "!tag",
  "%directive",
  "---",
  "...",
  "+.5",
  "-.5",
  ".5e3",
  "+12e03",
  "+0x1f",
  "-0x1f",
  "0x_1",
  "-0",
  "+.inf",
  ".NaN",
  "Null",
  "FALSE",
];
const str = fc.oneof(fc.string(), fc.constantFrom(...TRICKY));
/** Any JSON value whose strings and numbers come from `leaves` (plus booleans, null, arrays, maps). */
function jsonValueOf(...leaves: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> {
  return fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      ...leaves,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("v"), { maxLength: 4 }),
      fc.dictionary(str, tie("v"), { maxKeys: 4 }),
    ),
  })).v;
}
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const value = jsonValueOf(str, fc.integer(), finiteDouble);

describe("objectYaml", () => {
  it("round-trips every JSON object through the restore's YAML reader", () => {
    fc.assert(
      fc.property(fc.dictionary(str, value), (obj) => {
        const plain = JSON.parse(JSON.stringify(obj));
        const text = objectYaml(plain);
        expect(parseObjectYaml(text)).toEqual(plain);
        expect(YAML.parse(text, { schema: "core" })).toEqual(plain);
      }),
      { numRuns: 3000 },
    );
  });

  it("prints a Kubernetes object as readable block YAML, long base64 on one line", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", labels: { app: "web" } },
      data: { key: "QUJD".repeat(100) },
    };
    const text = objectYaml(secret);
    expect(text.split("\n").slice(0, 4)).toEqual(["apiVersion: v1", "kind: Secret", "metadata:", "  name: s"]);
    expect(text).toContain(`  key: ${"QUJD".repeat(100)}\n`);
  });
});

/** Characters plain scalars of numbers, booleans and nulls are made of, and a few others. */
const scalarish = fc
  .array(fc.constantFrom(..."0123456789+-._eExXoObB~nNuUlLtTrRfFaAsSiI: "), { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(""));

describe("parseObjectYaml", () => {
  it("reads every plain scalar as the YAML 1.2 core schema does (the `yaml` package)", () => {
    fc.assert(
      fc.property(fc.oneof(scalarish, fc.constantFrom(...TRICKY)), (s) => {
        const doc = YAML.parseDocument(`k: ${s}\n`, { schema: "core", uniqueKeys: true });
        // Not a plain scalar (an indicator, a tag, a colon): nothing to compare.
        if (doc.errors.length || doc.warnings.length || /^[*&]/.test(s)) return;
        expect(parseObjectYaml(`k: ${s}\n`)).toEqual(doc.toJS());
      }),
      { numRuns: 5000 },
    );
  });

  it("reads the core schema's scalars of every kind, and leaves the rest strings", () => {
    const doc = [
      "a: ~",
      "b:",
      "c: NULL",
      "d: True",
      "e: FALSE",
      "f: 0o17",
      "g: 0x1F",
      "h: -12",
      "i: +.5",
      "j: -.INF",
      "k: .nan",
      "l: 0b101",
      "m: yes",
      "n: 2026-12-03",
      "o: 1_000",
      "p: +0x1f",
    ].join("\n");
    expect(parseObjectYaml(doc)).toEqual({
      a: null,
      b: null,
      c: null,
      d: true,
      e: false,
      f: 15,
      g: 31,
      h: -12,
      i: 0.5,
      j: -Infinity,
      k: NaN,
      l: "0b101",
      m: "yes",
      n: "2026-12-03",
      o: "1_000",
      p: "+0x1f",
    });
  });

  it("refuses a mapping repeated through an alias, a duplicate key, two documents and unknown tags", () => {
    const laughs = ["a: &a [x, x, x]", "b: &b [*a, *a, *a]", "c: [*b, *b, *b]"].join("\n");
    expect(() => parseObjectYaml(laughs)).toThrow(/repeated through a YAML alias/);
    expect(() => parseObjectYaml("a: 1\na: 2\n")).toThrow(/duplicated mapping key/);
    expect(() => parseObjectYaml("a: 1\n---\nb: 2\n")).toThrow();
    expect(() => parseObjectYaml("a: !!binary aGk=\n")).toThrow(/unknown tag/);
  });

  it("skips the alias walk only where no anchor can exist: an alias without one does not parse", () => {
    // The premise of the fast path for text without `&`.
    expect(() => parseObjectYaml("a: [x]\nb: *a\n")).toThrow(/unidentified alias/);
    // `&` in a string value does not hide a repeated node.
    const laughs = ["u: 'http://h/?a=1&b=2'", "a: &a [x, x]", "b: [*a, *a]"].join("\n");
    expect(() => parseObjectYaml(laughs)).toThrow(/repeated through a YAML alias/);
    expect(parseObjectYaml("u: 'http://h/?a=1&b=2'\n")).toEqual({ u: "http://h/?a=1&b=2" });
  });
});

describe("objectYaml", () => {
  it("quotes a string the core schema reads as a number, which js-yaml's own schema left plain", () => {
    expect(jsyaml.dump({ k: "+.5" })).toBe("k: +.5\n"); // read back as 0.5 before this module
    expect(objectYaml({ k: "+.5" })).toBe("k: '+.5'\n");
    expect(parseObjectYaml(objectYaml({ k: "+.5", n: 0.5 }))).toEqual({ k: "+.5", n: 0.5 });
  });

  it("writes a Kubernetes object byte for byte as js-yaml's default schema did", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "web-0",
        labels: { app: "web", "controller-revision-hash": "web-6d4cf56db6", tier: "1" },
        annotations: { "hks.io/pre": "psql -c 'CHECKPOINT'", note: "yes", when: "2026-12-03T07:00:00Z" },
      },
      spec: {
        containers: [
          {
            name: "db",
            image: "localhost/hks-dev/postgres:latest",
            args: ["-c", "shared_buffers=128MB"],
            env: [{ name: "PGDATA", value: "/var/lib/postgresql/data" }],
            ports: [{ containerPort: 5432, protocol: "TCP" }],
            resources: {},
          },
        ],
        script: "#!/bin/sh\nset -e\necho ready\n",
        tolerations: [],
        priority: 0,
        enableServiceLinks: true,
      },
    };
    expect(objectYaml(pod)).toBe(jsyaml.dump(pod, { lineWidth: -1, noRefs: true }));
  });
});

describe("objectYaml is js-yaml's text", () => {
  const jsonValue = jsonValueOf(
    str,
    fc.string({ unit: fc.constantFrom("a", "\n", " ", "-", ":", "#", "'", "é") }),
    fc.integer(),
    fc.constantFrom(0, -0, 1e21, -1e-7, 1.5, 2 ** 53, Number.MAX_VALUE),
    finiteDouble,
  );

  it("for every JSON object, nested mappings, sequences and multi-line strings at any depth", () => {
    fc.assert(
      fc.property(fc.dictionary(str, jsonValue, { minKeys: 1 }), (obj) => {
        const plain = JSON.parse(JSON.stringify(obj));
        expect(objectYaml(plain)).toBe(jsyaml.dump(plain, OBJECT_YAML_DUMP_OPTIONS));
      }),
      { numRuns: 3000 },
    );
  });

  it("for what is not a JSON value: left to js-yaml", () => {
    const weird = { a: undefined, b: [undefined, 1], c: { d: undefined }, e: new Date(0), ["x".repeat(1100)]: 1 };
    expect(objectYaml(weird)).toBe(jsyaml.dump(weird, OBJECT_YAML_DUMP_OPTIONS));
    expect(objectYaml({})).toBe("{}\n");
  });
});
