/** `hks drill run --file`: the file is YAML (or JSON) read with the core schema, checked, flags applied over it. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { drillFromFile } from "../../../../cli/drill/actions";
import { InputError } from "../../../../provider/errors";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-drill-file-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("no InputError");
}

describe("drillFromFile", () => {
  it("reads YAML with anchors and aliases, and puts the flags over its fields", () => {
    const p = file(
      "drill.yaml",
      [
        "name: orders",
        "plan: nightly",
        "checks:",
        "  - {name: rows, exec: {pod: postgres-0, command: &q [psql, -c, select 1], expect: {stdout: '1'}}}",
        "  - {name: rows-again, exec: {pod: postgres-1, command: *q, expect: {stdout: '1'}}}",
        "",
      ].join("\n"),
    );
    const spec = drillFromFile(p, undefined, { backup: "b-1" });
    expect(spec.name).toBe("orders");
    expect(spec.backupName).toBe("b-1");
    expect(spec.plan).toBeUndefined();
    expect(spec.checks.map((c) => c.exec?.command)).toEqual([
      ["psql", "-c", "select 1"],
      ["psql", "-c", "select 1"],
    ]);
  });

  it("reads scalars with YAML 1.2's core schema: `no` is a string, refused where a boolean is due", () => {
    const p = file("no.yaml", "name: orders\nplan: nightly\nkeepOnFailure: no\n");
    const e = inputError(() => drillFromFile(p, undefined, {}));
    expect(e.field).toBe(`${p}: keepOnFailure`);
    expect(e.reason).toBe('must be true or false, got "no"');
  });

  it("reads JSON", () => {
    const p = file("drill.json", JSON.stringify({ name: "orders", plan: "nightly" }));
    expect(drillFromFile(p, "renamed", {}).name).toBe("renamed");
  });

  it("names --file and the place for what does not parse, holds no map, or cannot be read", () => {
    const dup = inputError(() => drillFromFile(file("dup.yaml", "name: a\nname: b\n"), undefined, {}));
    expect(dup.field).toBe("--file");
    expect(dup.reason).toMatch(/is not YAML or JSON: duplicated mapping key \(2:1\)/);
    const list = inputError(() => drillFromFile(file("list.yaml", "- a\n"), undefined, {}));
    expect(list.reason).toMatch(/must hold a map of drill fields/);
    const missing = inputError(() => drillFromFile(path.join(dir, "absent.yaml"), undefined, {}));
    expect(missing.reason).toMatch(/cannot read .*absent\.yaml: ENOENT/);
  });
});
