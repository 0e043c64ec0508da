/**
 * What every `hks` command shares: cluster access from `--kubeconfig` / `--context` (else
 * KUBECONFIG, then in-cluster), the namespace where storage locations are recorded, and output
 * helpers. Commands read these with `globalOptions(cmd)`.
 */
import type { Command } from "commander";
import * as fs from "node:fs";
import type * as k8s from "@kubernetes/client-node";
import { InputError } from "../provider/errors";
import { loadKubeConfig } from "../provider/kube/client";
import { DEFAULT_LOCATION_NAMESPACE } from "../provider/plan/location";
import { lineProgress, type ProgressSink } from "../provider/engine/progress";

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  /** Namespace holding the storage locations' ConfigMaps. */
  namespace: string;
}

/** Adds the global flags to the root program. */
export function addGlobalOptions(program: Command): void {
  program
    .option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, then in-cluster)")
    .option("--context <name>", "kubeconfig context (default: its current context)")
    .option(
      "-n, --namespace <ns>",
      "namespace where storage locations are recorded",
      process.env.HKS_NAMESPACE ?? DEFAULT_LOCATION_NAMESPACE,
    );
}

/** The global options as seen from any (sub)command. */
export function globalOptions(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

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
