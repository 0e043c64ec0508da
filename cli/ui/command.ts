/**
 * `hks ui`: serves the dashboard (cli/ui/app.ts) with @hono/node-server on loopback (unless
 * `--address` says otherwise) and prints its URL with a fresh access token; runs until Ctrl-C
 * (SIGINT) or SIGTERM. It reads the same cluster and locations as the other commands
 * (`--kubeconfig`, `--context`, `-n`).
 */
import type { Command } from "commander";
import { lazyAction } from "../lazy";
import { nowOption } from "../plan/clock";

/** Registers `ui` on the root program. */
export function registerUiCommands(program: Command): void {
  program
    .command("ui")
    .description(
      "serve a web dashboard of the namespace's plans (status, RPO), locations and backups (filterable), and " +
        "/metrics, and print its URL, which carries a fresh access token; runs until Ctrl-C",
    )
    .option("--port <n>", "port to listen on (0: any free port)", "0")
    .option(
      "--address <ip>",
      "address to listen on; anything but loopback exposes the dashboard to the network",
      "127.0.0.1",
    )
    .option("--refresh <seconds>", "how long one read of the cluster and the stores is reused", "10")
    .addOption(nowOption())
    .action(lazyAction(() => import("./actions.js"), "uiAction"));
}
