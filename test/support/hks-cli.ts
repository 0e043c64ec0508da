/**
 * Runs this repository's `hks` CLI (bin/hks.js, the compiled dist) as a user would, in the
 * namespace of the test's storage locations; never rejects: the exit code is part of the result.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** What one `hks` run printed and how it ended. */
export interface HksRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `hks -n <namespace> <args...>` with the test process's environment plus `env`. */
export function runHks(namespace: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<HksRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin", "hks.js"), "-n", namespace, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === "number"
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
