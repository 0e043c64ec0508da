/**
 * Drives the real Pulumi CLI (built from Go modules) against a program folder, with a file backend
 * private to the test and the local stack's environment.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inject } from "vitest";
import { stackEnv } from "../../cli/dev/stack";

export interface PulumiResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface PulumiProject {
  readonly dir: string;
  readonly env: Record<string, string>;
  run(args: string[], opts?: { allowFailure?: boolean; env?: Record<string, string> }): Promise<PulumiResult>;
  up(): Promise<PulumiResult>;
  preview(extra?: string[]): Promise<PulumiResult>;
  refresh(): Promise<PulumiResult>;
  destroy(): Promise<PulumiResult>;
  /**
   * Sets a stack config value. Values are kept until the next command and then written together with
   * one `pulumi config set-all` (each pulumi command derives the passphrase key again: 0.3 s).
   */
  setConfig(key: string, value: string, secret?: boolean): Promise<void>;
  exportState(): Promise<{
    deployment: {
      resources: Array<{
        urn: string;
        type: string;
        inputs?: Record<string, unknown>;
        outputs?: Record<string, unknown>;
      }>;
    };
  }>;
  outputs(): Promise<Record<string, unknown>>;
  /** Removes the stack: its state folder and the program's copy (or, run in place, its settings file). */
  dispose(): Promise<void>;
}

/**
 * Copies the program in `programDir` to a fresh folder under the package (so `hks-backup` and
 * `@pulumi/pulumi` resolve from the package's node_modules) and initialises stack `opts.stack`
 * (default `test`; two stacks of one project in one cluster need two names). With `opts.inPlace`
 * the program runs in `programDir` itself, with the modules installed there.
 */
export async function pulumiProject(
  programDir: string,
  extraEnv: Record<string, string> = {},
  opts: { copyRoot?: string; stack?: string; inPlace?: boolean } = {},
): Promise<PulumiProject> {
  const info = inject("stack");
  const root = path.resolve(__dirname, "..", "..");
  fs.mkdirSync(path.join(root, ".hks"), { recursive: true });
  // Copy the program (or, with `copyRoot`, the tree it imports from) so Pulumi's per-stack files
  // stay out of the repository; node_modules still resolve from the package root above `.hks/`.
  // `inPlace`: a program with its own node_modules (a user's project outside the repository) runs
  // where it is.
  const copyDir = opts.inPlace ? undefined : fs.mkdtempSync(path.join(root, ".hks", "programs-"));
  if (copyDir) fs.cpSync(opts.copyRoot ?? programDir, copyDir, { recursive: true });
  const work = !copyDir
    ? programDir
    : opts.copyRoot
      ? path.join(copyDir, path.relative(opts.copyRoot, programDir))
      : copyDir;
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "hks-pulumi-state-"));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...stackEnv(info),
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: "hks-test-passphrase",
    // The programs copied from this repository are type-checked once by `tsc -p tsconfig.test.json`
    // (examples and test programs both), so pulumi's ts-node only transpiles them: type-checking them
    // again on every up, preview and destroy cost seconds of CPU each. A program run in place (a
    // user's project installing the packed tarball) is type-checked by pulumi, as a user's would be.
    ...(copyDir ? { PULUMI_NODEJS_TRANSPILE_ONLY: "true" } : {}),
    ...extraEnv,
  };
  const pendingConfig: string[] = [];
  const exec = (args: string[], opts: { allowFailure?: boolean; env?: Record<string, string> } = {}) =>
    new Promise<PulumiResult>((resolve, reject) => {
      execFile(
        "pulumi",
        // Flags go before a `--`, after which everything is a value (a secret may start with '-').
        args.includes("--")
          ? [...args.slice(0, args.indexOf("--")), "--non-interactive", ...args.slice(args.indexOf("--"))]
          : [...args, "--non-interactive"],
        { cwd: work, env: { ...env, ...opts.env }, maxBuffer: 64 << 20 },
        (err, stdout, stderr) => {
          const code = err
            ? typeof (err as { code?: unknown }).code === "number"
              ? (err as { code: number }).code
              : 1
            : 0;
          const res = { stdout, stderr, code };
          if (code !== 0 && !opts.allowFailure)
            reject(new Error(`pulumi ${args.join(" ")} failed (exit ${code}):\n${stdout}\n${stderr}`));
          else resolve(res);
        },
      );
    });
  const run = async (args: string[], opts: { allowFailure?: boolean; env?: Record<string, string> } = {}) => {
    if (pendingConfig.length > 0) await exec(["config", "set-all", ...pendingConfig.splice(0)]);
    return exec(args, opts);
  };
  await run(["stack", "init", opts.stack ?? "test"]);
  return {
    dir: work,
    env,
    run,
    up: () => run(["up", "--yes", "--skip-preview"]),
    preview: (extra = []) => run(["preview", "--diff", ...extra]),
    refresh: () => run(["refresh", "--yes", "--skip-preview"]),
    destroy: () => run(["destroy", "--yes", "--skip-preview"]),
    async setConfig(key, value, secret = false) {
      // `--flag=key=value` in one argument: a value may start with '-'.
      pendingConfig.push(`${secret ? "--secret" : "--plaintext"}=${key}=${value}`);
    },
    async exportState() {
      return JSON.parse((await run(["stack", "export"])).stdout);
    },
    async outputs() {
      return JSON.parse((await run(["stack", "output", "--json", "--show-secrets"])).stdout);
    },
    async dispose() {
      pendingConfig.length = 0;
      // A copied program's stack lives in folders removed below: `stack rm` (0.2 s of CPU deriving
      // the passphrase key) would only remove it first. A program run in place keeps its folder, so
      // its stack settings file goes with `stack rm`.
      if (copyDir) fs.rmSync(copyDir, { recursive: true, force: true });
      else await exec(["stack", "rm", "--yes", "--force"], { allowFailure: true });
      fs.rmSync(state, { recursive: true, force: true });
    },
  };
}
