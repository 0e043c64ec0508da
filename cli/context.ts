/**
 * What every `hks` command shares: cluster access from `--kubeconfig` / `--context` (else
 * KUBECONFIG, then in-cluster), the namespace where storage locations are recorded, and output
 * helpers. Commands read these with `globalOptions(cmd)`.
 */
import * as fs from "node:fs";
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../provider/errors";
import { loadKubeConfig } from "../provider/kube/client";
import { lineProgress, type ProgressSink } from "../provider/engine/progress";
import type { GlobalOptions } from "./global-options";

export { globalOptions, type GlobalOptions } from "./global-options";

/** Loads cluster access for a command, from its flags. */
export function kubeConfigFor(opts: GlobalOptions): k8s.KubeConfig {
  let kubeconfig: string | undefined;
  try {
    kubeconfig = opts.kubeconfig ? fs.readFileSync(opts.kubeconfig, "utf8") : undefined;
  } catch (err) {
    throw new InputError(
      "--kubeconfig",
      `cannot read ${opts.kubeconfig} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give ` +
        `the path of a kubeconfig file, or leave --kubeconfig out to use $KUBECONFIG`,
    );
  }
  return loadKubeConfig({ kubeconfig, context: opts.context }, "--context");
}

/** Progress for a terminal command: throttled lines on stderr (stdout stays for results). */
export function cliProgress(): ProgressSink {
  return lineProgress((line) => process.stderr.write(`  ${line}\n`));
}

/** Prints rows as an aligned table with a header. */
export function printTable(
  headers: string[],
  rows: string[][],
  out: (s: string) => void = (s) => process.stdout.write(s),
): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  out([line(headers), ...rows.map(line)].join("\n") + "\n");
}
