/**
 * The engine's heap sizing (provider/node-flags.ts) is spelled out in three places that cannot
 * import it: the `hks` shebang, the runner image's ENTRYPOINT and (through RUNNER_COMMAND) the
 * CronJob. They must agree, and node must accept the flags.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { RUNNER_COMMAND } from "../../provider/kube/plan-install-render";
import { ENGINE_NODE_FLAGS } from "../../provider/node-flags";

const ROOT = path.resolve(__dirname, "../..");

describe("ENGINE_NODE_FLAGS", () => {
  it("are the flags of the `hks` shebang (env -S node <flags>)", () => {
    const shebang = fs.readFileSync(path.join(ROOT, "bin", "hks.js"), "utf8").split("\n")[0]!;
    expect(shebang).toBe(`#!/usr/bin/env -S node ${ENGINE_NODE_FLAGS.join(" ")}`);
  });

  it("are the flags of the runner command and the Dockerfile ENTRYPOINT", () => {
    expect(RUNNER_COMMAND).toEqual(["node", ...ENGINE_NODE_FLAGS, "/app/bin/hks.js"]);
    const entrypoint = /^ENTRYPOINT\s+(.*)$/m.exec(fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8"))![1]!;
    expect(JSON.parse(entrypoint)).toEqual([...RUNNER_COMMAND]);
  });

  it("are accepted by node and take effect (a bad V8 flag would stop every runner)", () => {
    // The young generation's maximum is part of heap_size_limit: the smaller nursery shows there.
    const limit = (flags: readonly string[]) => {
      const r = spawnSync(process.execPath, [...flags, "-p", "require('v8').getHeapStatistics().heap_size_limit"], {
        encoding: "utf8",
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      return Number(r.stdout.trim());
    };
    const semi = ENGINE_NODE_FLAGS.find((f) => f.startsWith("--max-semi-space-size="))!;
    expect(limit(ENGINE_NODE_FLAGS)).toBe(limit([semi]));
    expect(limit(ENGINE_NODE_FLAGS)).toBeLessThan(limit(["--max-semi-space-size=64"]));
  });

  it("the shebang form runs the CLI (env -S splits the flags)", () => {
    const r = spawnSync(path.join(ROOT, "bin", "hks.js"), ["--help"], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH}` },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: hks /);
  });
});
