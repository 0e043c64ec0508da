/**
 * What a newcomer does first: clone the repository and run the README's main command, `npm run demo`,
 * exactly as written, in a shell that has only the machine's own tools (its Node.js may be older than
 * the project's; the project installs Node 24 itself). The clone is of the committed HEAD, so a file
 * that only exists on a developer's machine cannot make this pass. The tools cache in the home folder
 * is reused (a fresh machine builds it first, as `npm test` already did before this runs).
 *
 * It runs in its own vitest project, beside the others (scripts/test.sh): the demo starts its own local
 * environment (its own node slot, ports and run folder in the clone), which shares nothing with the
 * test environment's.
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");

/** The environment of a new user's shell: none of the test run's own variables, the machine's PATH. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const ours = /^(KUBECONFIG|AWS_|PULUMI_|HKS_|npm_|NODE_|VITEST|TEST$|INIT_CWD$)/;
  for (const [k, v] of Object.entries(process.env)) if (!ours.test(k)) env[k] = v;
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !dir.startsWith(root) && !dir.includes(`${path.sep}node_modules${path.sep}`))
    .join(path.delimiter);
  return env;
}

/** Runs `command` through bash in `cwd`; the output goes to `logFile` and is returned with the exit code. */
function runLogged(command: string, cwd: string, logFile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(logFile, "w");
    const child = spawn("bash", ["-c", command], { cwd, env: newcomerEnv(), stdio: ["ignore", log, log] });
    child.on("error", reject);
    child.on("close", (code) => {
      fs.closeSync(log);
      resolve({ code: code ?? 1, output: fs.readFileSync(logFile, "utf8") });
    });
  });
}

describe("a newcomer's first command", () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hks-newcomer-"));
  const clone = path.join(work, "hks-backup");
  let demo: { code: number; output: string };

  beforeAll(async () => {
    execFileSync("git", ["clone", "--quiet", "--no-hardlinks", root, clone], { stdio: "inherit" });
    // The README's main command, as written there.
    const readme = fs.readFileSync(path.join(clone, "README.md"), "utf8");
    expect(readme).toContain("npm run demo");
    demo = await runLogged("npm run demo", clone, path.join(work, "demo.log"));
  }, 40 * 60_000);

  afterAll(async () => {
    // The demo leaves its environment running for the user to look at; stop it, then remove the clone.
    if (fs.existsSync(path.join(clone, "node_modules/.bin/node"))) {
      await runLogged("node_modules/.bin/node bin/hks.js dev down", clone, path.join(work, "down.log"));
    }
    fs.rmSync(work, { recursive: true, force: true });
  }, 5 * 60_000);

  it("exits 0", () => {
    if (demo.code !== 0)
      process.stderr.write(`--- npm run demo (exit ${demo.code}) ---\n${demo.output.slice(-6000)}\n`);
    expect(demo.code).toBe(0);
  });

  it("reports the location Available, the plan installed, the backup and the restore Completed", () => {
    const report = demo.output.slice(demo.output.lastIndexOf("hks-backup demo: done"));
    expect(report).toMatch(/^ {2}storage location {2}\S+ {2}\S+ {2}Available /m);
    expect(report).toMatch(/^ {2}backup plan {7}\S+ {2}"[^"]+" {2}installed as CronJob hks-system\/\S+$/m);
    expect(report).toMatch(/^ {2}backup {12}\S+ {2}Completed {2}[1-9]\d* objects, /m);
    expect(report).toMatch(/^ {2}restore {11}\S+ {2}Completed {2}[1-9]\d* objects restored, /m);
  });

  it("made its stack settings on this machine, and git does not see them", () => {
    expect(fs.existsSync(path.join(clone, "Pulumi.demo.yaml"))).toBe(true);
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], {
      cwd: clone,
      encoding: "utf8",
    });
    expect(status).toBe("");
  });
});
