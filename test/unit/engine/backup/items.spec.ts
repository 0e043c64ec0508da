/**
 * Archive entries are written with js-yaml and read back with `yaml` (YAML 1.2 core schema) at
 * restore: every JSON value must survive the trip exactly, including strings that YAML 1.1 or 1.2
 * would read as something else (yes/no, dates, octal-looking numbers, "<<", leading spaces, ...).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { objectYaml } from "../../../../provider/engine/backup/items";

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
];
const str = fc.oneof(fc.string(), fc.constantFrom(...TRICKY));
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    str,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(str, tie("v"), { maxKeys: 4 }),
  ),
})).v;

describe("objectYaml", () => {
  it("round-trips every JSON object through the restore's YAML reader", () => {
    fc.assert(
      fc.property(fc.dictionary(str, value), (obj) => {
        const plain = JSON.parse(JSON.stringify(obj));
        expect(YAML.parse(objectYaml(plain), { schema: "core" })).toEqual(plain);
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
