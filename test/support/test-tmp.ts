/**
 * One temp folder for a test run: what the tests and the programs they start write to the temp folder
 * (kubeconfigs, NFS folders, second stacks, pulumi's pipes) goes there, and the end of the run removes
 * it, the logs of its stacks excepted. Before, every run left about 1.3 GB in /tmp.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Makes the folder and points TMPDIR at it (test workers and their children inherit it). */
export function useTestTmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-test-tmp-"));
  // Like /tmp: the runner's non-root user in a Pod reaches NFS folders the tests make here.
  fs.chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return dir;
}

/**
 * Removes what a stopped stack's run folder holds but its logs: `logs/` and `node/` (the pod logs a
 * stopped node leaves). Its pulumi-home holds a hard link to the 160 MB plugin of the tools cache.
 */
export function keepOnlyLogs(runDir: string): void {
  for (const e of fs.readdirSync(runDir))
    if (e !== "logs" && e !== "node") fs.rmSync(path.join(runDir, e), { recursive: true, force: true });
}

/**
 * Removes what `dir` holds, keeping `logs/` and `node/` (the pod logs a stopped node leaves) of each
 * stopped stack. A stack still running (its `stack.json` is there: a test died before stopping it) is
 * left whole, mounts and all. Returns the folders of logs kept.
 */
export function removeTestTmp(dir: string): string[] {
  const kept: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const isStack = entry.isDirectory() && fs.existsSync(path.join(p, "logs"));
    if (!isStack) {
      fs.rmSync(p, { recursive: true, force: true });
    } else if (!fs.existsSync(path.join(p, "stack.json"))) {
      keepOnlyLogs(p);
      kept.push(path.join(p, "logs"));
    } else {
      kept.push(p);
    }
  }
  if (!kept.length) fs.rmSync(dir, { recursive: true, force: true });
  return kept;
}
