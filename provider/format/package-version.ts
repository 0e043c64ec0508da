/** This package's version (for the CLI's `--version` and the default runner image tag). No dependencies. */
import * as fs from "node:fs";
import * as path from "node:path";

let cachedVersion: string | undefined;

/** This package's version, from its package.json (found upwards from this file, in src or dist). */
export function packageVersion(): string {
  if (cachedVersion) return cachedVersion;
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      const parsed = JSON.parse(fs.readFileSync(pj, "utf8")) as { name?: string; version?: string };
      if (parsed.name === "hks-backup" && parsed.version) return (cachedVersion = parsed.version);
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find hks-backup's package.json above ${__dirname}`);
    dir = up;
  }
}
