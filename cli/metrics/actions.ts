/** The action of `hks metrics` (registered lazily by ./command.ts) and its output helpers. */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { Pushgateway } from "prom-client";
import { InputError } from "../../provider/errors";
import { catalogRegistry } from "../../provider/engine/catalog/metrics";
import { planLocations, readCatalogView } from "../../provider/prepare/catalog-view";
import { globalOptions, kubeConfigFor } from "../context";
import { commandNow } from "../plan/clock";

/** Flags of `hks metrics`. */
export interface MetricsFlags {
  textfile?: string;
  pushgateway?: string;
  job: string;
  now?: string;
}

/** Writes `text` to `file` atomically (a temp file in the same folder, then rename), as the collector requires. */
export function writeTextfile(file: string, text: string): void {
  if (!file.endsWith(".prom"))
    throw new InputError(
      "--textfile",
      `"${file}" does not end in .prom: node_exporter's textfile collector only reads *.prom files`,
    );
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text, { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new InputError(
      "--textfile",
      `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give a path ` +
        `in the collector's --collector.textfile.directory that this user may write`,
    );
  }
}

/** Checks a Pushgateway URL: http(s), no query. */
export function pushgatewayUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError("--pushgateway", `"${text}" is not a URL: give e.g. http://pushgateway.monitoring:9091`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new InputError(
      "--pushgateway",
      `"${text}" is not an http(s) URL: give e.g. http://pushgateway.monitoring:9091`,
    );
  return text.replace(/\/+$/, "");
}

export async function metricsAction(flags: MetricsFlags, cmd: Command): Promise<void> {
  const gateway = flags.pushgateway === undefined ? undefined : pushgatewayUrl(flags.pushgateway);
  const g = globalOptions(cmd);
  const now = commandNow(flags.now);
  const view = await readCatalogView(kubeConfigFor(g), g.namespace, now);
  const registry = catalogRegistry(view, now);
  const text = await registry.metrics();
  if (flags.textfile !== undefined) writeTextfile(flags.textfile, text);
  if (gateway !== undefined) {
    // PUT: the group (job + namespace) is replaced as a whole, so a plan that was removed disappears.
    await new Pushgateway(gateway, { timeout: 30_000 }, registry)
      .push({ jobName: flags.job, groupings: { namespace: g.namespace } })
      .catch((err: Error) => {
        throw new Error(`pushing to ${gateway} failed: ${err.message}`);
      });
  }
  if (flags.textfile === undefined && gateway === undefined) process.stdout.write(text);
  // Unreadable locations (hks_location_up 0) and plans naming a location that is not recorded.
  const problems = [
    ...view.problems,
    ...view.locations.flatMap((l) => (l.error ? [`location ${l.name}: ${l.error}`] : [])),
    ...view.plans.flatMap((p) =>
      planLocations(p.installed)
        .filter((n) => !view.locations.some((l) => l.name === n))
        .map((n) => `plan ${p.status.plan}: storage location "${n}" is not recorded in namespace ${view.namespace}`),
    ),
  ];
  for (const p of problems) process.stderr.write(`hks: ${p}\n`);
  if (problems.length) process.exitCode = 1;
}
