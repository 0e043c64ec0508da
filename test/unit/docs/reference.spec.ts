/**
 * docs/reference.md is generated from the SDK's JSDoc: it must match what the generator produces
 * now (run `node scripts/gen-reference.js` after changing an Args field), and every input and output
 * must carry a description.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateReference } = require("../../../scripts/gen-reference.js") as { generateReference: () => string };
const ROOT = path.resolve(__dirname, "../../..");

describe("resource reference", () => {
  const generated = generateReference();
  it("docs/reference.md is up to date with the SDK's JSDoc", () => {
    expect(fs.readFileSync(path.join(ROOT, "docs", "reference.md"), "utf8")).toBe(generated);
  });
  it("documents every input and output of the four resources", () => {
    for (const cls of ["BackupStorageLocation", "BackupPlan", "Backup", "Restore"])
      expect(generated).toContain(`## ${cls}`);
    const rows = generated.split("\n").filter((l) => l.startsWith("| `"));
    expect(rows.length).toBeGreaterThan(60);
    const undocumented = rows.filter((l) => /\|\s*\|$/.test(l));
    expect(undocumented, `fields without a description:\n${undocumented.join("\n")}`).toEqual([]);
  });
  it("prints each input's type as declared, pulumi.Input<...> included, and expands nested Args (issue 15)", () => {
    const row = (name: string) => generated.split("\n").find((l) => l.startsWith(`| \`${name}\``));
    expect(row("objectStorage.bucket")).toContain("| `pulumi.Input<string>` |");
    expect(row("kubeconfig")).toContain("| `pulumi.Input<string>` |");
    expect(row("patches")).toContain("| `pulumi.Input<pulumi.Input<RestorePatchArgs>[]>` |");
    expect(row("patches[].patch[].op")).toBeDefined();
    // Outputs stay plain: `pulumi.Output<...>` is what every output is.
    expect(generated).not.toMatch(/\| `pulumi\.Output</);
  });
});
