/**
 * The runner image (repo Dockerfile) and the CronJob that runs it must agree: the container's
 * command is the image's ENTRYPOINT, that entrypoint exists where the image puts it, the args are a
 * command this CLI has, and the environment is what the CLI reads. Checked against the Dockerfile's
 * text; the image itself is built by scripts/test-infra/images.sh and run by the CronJob in
 * test/integration/node-plan-cronjob.integ.spec.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../../cli/main";
import {
  renderCronJob,
  RUNNER_COMMAND,
  RUNNER_UID,
  SPILL_MOUNT_PATH,
} from "../../../provider/kube/plan-install-render";
import { planInputs } from "./plan-install-fixtures";

type Any = Record<string, any>;
const ROOT = path.resolve(__dirname, "../../..");
const dockerfile = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
/** Instructions of the final stage (after the last FROM), comments and continuations folded. */
const finalStage = dockerfile
  .split("\n")
  .filter((l) => !l.trim().startsWith("#"))
  .join("\n")
  .replace(/\\\n/g, " ")
  .split(/^FROM /m)
  .pop()!;
const instr = (name: string) =>
  [...finalStage.matchAll(new RegExp(`^${name}\\s+(.*)$`, "gm"))].map((m) => m[1]!.trim());

describe("Dockerfile ↔ CronJob", () => {
  const cj = renderCronJob(planInputs()) as Any;
  const c = cj.spec.jobTemplate.spec.template.spec.containers[0];

  it("the final stage is node:24-slim by default (BASE_IMAGE), production dependencies only, non-root", () => {
    // Releases build on node:24-slim; the local node's image build passes a locally made equivalent.
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:24-slim$/m);
    expect(finalStage.startsWith("${BASE_IMAGE}\n")).toBe(true);
    expect(instr("RUN").join(" ")).toMatch(/npm ci --omit=dev/);
    expect(instr("USER")).toEqual(["node"]);
    // The node image's `node` user is uid 1000, which the Pod's securityContext names.
    expect(RUNNER_UID).toBe(1000);
  });

  it("the container command is exactly the image's ENTRYPOINT", () => {
    const entrypoint = JSON.parse(instr("ENTRYPOINT")[0]!) as string[];
    expect(entrypoint).toEqual([...RUNNER_COMMAND]);
    expect(c.command).toEqual(entrypoint);
  });

  it("the entrypoint script and the compiled CLI it loads are copied where it looks for them", () => {
    expect(instr("WORKDIR")).toEqual(["/app"]);
    const copies = instr("COPY");
    expect(copies).toContain("bin/ ./bin/");
    expect(copies.some((x) => /\/dist\/ \.\/dist\/$/.test(x))).toBe(true);
    const script = fs.readFileSync(path.join(ROOT, "bin", "hks.js"), "utf8");
    expect(script).toContain('require("../dist/cli/main.js")');
    expect(RUNNER_COMMAND.at(-1)).toBe("/app/bin/hks.js");
  });

  it("the args are `run-plan <plan> --namespace <ns>`, a command the CLI has", async () => {
    expect(c.args).toEqual(["run-plan", "production-db-daily", "--namespace", "hks-system"]);
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await main(["run-plan", "--help"])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(out.join("")).toMatch(/Usage: hks run-plan \[options\] <plan>/);
  });

  it("the env is what the CLI reads, and the scratch mount is the runtime's temp folder", () => {
    const names = (c.env as Any[]).map((e) => e.name);
    expect(names).toEqual(["HKS_POD_NAME", "HKS_NAMESPACE", "HKS_RUNNER_IMAGE"]);
    const cli = ["cli/global-options.ts", "cli/plan/run-plan.ts"]
      .map((f) => fs.readFileSync(path.join(ROOT, f), "utf8"))
      .join("\n");
    for (const n of names) expect(cli).toContain(`process.env.${n}`);
    // The image sets no TMPDIR, so os.tmpdir() is /tmp: the emptyDir the spill goes to.
    expect(dockerfile).not.toMatch(/TMPDIR/);
    expect(SPILL_MOUNT_PATH).toBe("/tmp");
  });
});

describe("Dockerfile ↔ sources", () => {
  /** Top-level folders the image's sources import from (relative imports leaving their folder). */
  function importedRoots(): Set<string> {
    const roots = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) walk(rel);
        else if (e.name.endsWith(".ts")) {
          const text = fs.readFileSync(path.join(ROOT, rel), "utf8");
          for (const m of text.matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
            const target = path.normalize(path.join(path.dirname(rel), m[1]!));
            roots.add(target.split(path.sep)[0]!);
          }
        }
      }
    };
    for (const d of ["sdk", "provider", "cli"]) walk(d);
    return roots;
  }

  it("the build stage copies every folder the compiled sources import (else tsc fails in the image)", () => {
    const build = dockerfile.split(/^FROM /m)[1]!;
    const copied = [...build.matchAll(/^COPY\s+(\S+)\//gm)].map((m) => m[1]!);
    const ignored = fs.readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const root of importedRoots()) {
      expect(copied, `Dockerfile copies ${root}/`).toContain(root);
      expect(ignored, `.dockerignore leaves ${root}/ in the context`).not.toContain(root);
    }
  });
});
