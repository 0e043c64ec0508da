import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- bin/ is plain CommonJS that any Node.js can load
const { MIN_NODE_MAJOR, nodeVersionProblem } = require("../../../bin/node-version.js") as {
  MIN_NODE_MAJOR: number;
  nodeVersionProblem: (version: string) => string | undefined;
};

const root = path.resolve(__dirname, "../../..");
const run = promisify(execFile);

describe("nodeVersionProblem", () => {
  it.each([
    { name: "Node 20 (the machine's own node here)", version: "v20.20.2", tooOld: true },
    { name: "Node 18", version: "v18.19.0", tooOld: true },
    { name: "Node 21", version: "v21.7.3", tooOld: true },
    { name: "Node 22", version: "v22.0.0", tooOld: false },
    { name: "Node 24", version: "v24.21.0", tooOld: false },
    { name: "a future major", version: "v31.1.0", tooOld: false },
    { name: "garbage", version: "not-a-version", tooOld: true },
  ])("$name", ({ version, tooOld }) => {
    const problem = nodeVersionProblem(version);
    if (!tooOld) return expect(problem).toBeUndefined();
    expect(problem).toContain(`hks needs Node.js >= ${MIN_NODE_MAJOR} (found ${version}); `);
    expect(problem).toContain('export PATH="$PWD/node_modules/.bin:$PATH"');
  });
  it("is 22: undici 8 in @kubernetes/client-node needs it", () => {
    expect(MIN_NODE_MAJOR).toBe(22);
  });
});

describe("bin/hks.js on an old Node.js", () => {
  it("says which version it needs and how to fix it, and exits 1 before loading anything", async () => {
    const fake = path.join(root, "test/fixtures/fake-node-20.cjs");
    const err = await run(process.execPath, ["-r", fake, path.join(root, "bin/hks.js"), "backup", "list"], {
      cwd: root,
    }).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toBe("");
    expect(err?.stderr.trim().split("\n")).toEqual([
      'hks needs Node.js >= 22 (found v20.20.2); install Node.js 22 or newer (nodejs.org or your package manager), or in a clone of hks-backup put its own Node 24 first: export PATH="$PWD/node_modules/.bin:$PATH"',
    ]);
  });
  it("runs on this Node.js", async () => {
    const { stdout } = await run(process.execPath, [path.join(root, "bin/hks.js"), "--help"], { cwd: root });
    expect(stdout).toContain("Usage: hks");
  });
});
