/** Where `hks dev` keeps a stack, and the line that tells the user how to use it. */
import * as path from "node:path";
import { packageRoot } from "./tools";

/** The run folder: `HKS_DEV_DIR`, else `.hks/dev` in the package root. */
export function defaultRunDir(): string {
  return process.env.HKS_DEV_DIR ? path.resolve(process.env.HKS_DEV_DIR) : path.join(packageRoot(), ".hks", "dev");
}

/** The "use it / stop it" line `hks dev up` prints; names the run folder unless it is the default one. */
export function usageHint(runDir: string, defaultDir: string): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const dir = path.resolve(runDir) === path.resolve(defaultDir) ? "" : ` --dir ${q(path.resolve(runDir))}`;
  return `  use it in this shell:  eval "$(npx hks dev env${dir})"     stop it:  npx hks dev down${dir}`;
}
