/**
 * The global flags of every `hks` command: cluster access (`--kubeconfig`, `--context`) and the
 * namespace where storage locations are recorded. Light on purpose: the CLI registers its commands
 * with this and commander only, so `hks --help` starts without loading any client.
 */
import type { Command } from "commander";
import { DEFAULT_LOCATION_NAMESPACE } from "../provider/format/names";

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

/** A comma-separated flag value as a list (empty parts dropped). */
export function commaList(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}
