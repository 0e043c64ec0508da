/**
 * What `npm pack` ships: the compiled code a user's program and `npx hks` load, and nothing of the
 * repository's own tooling. Reads npm's own file list (scripts skipped: setup.sh has built dist/).
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../../..");

function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

describe("the npm package", () => {
  const files = packedFiles();
  it.each([
    "dist/sdk/index.js",
    "dist/sdk/index.d.ts",
    "dist/provider/index.js",
    "dist/cli/main.js",
    "dist/policy/rules.js",
    "bin/hks.js",
    "bin/node-version.js",
    "policy/pack/run",
    "LICENSE",
    "README.md",
    "docs/reference.md",
  ])("ships %s", (file) => {
    expect(files).toContain(file);
  });
  it("ships no tests, benchmarks, scripts, examples, stack settings or source maps", () => {
    const unwanted = files.filter((f) => /^(test|bench|scripts|examples|\.ci|\.github)\/|^Pulumi\.|\.map$/.test(f));
    expect(unwanted).toEqual([]);
  });
});
