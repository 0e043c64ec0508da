/**
 * `hks metrics`: the Prometheus metrics of the namespace's plans and locations
 * (provider/engine/catalog/metrics.ts), printed, written for node_exporter's textfile collector, or
 * pushed to a Pushgateway. Each run reads the cluster and the locations once
 * (provider/prepare/catalog-view.ts); run it from cron or a CronJob, or scrape `hks ui`'s endpoint.
 */
import type { Command } from "commander";
import { lazyAction } from "../lazy";
import { nowOption } from "../plan/clock";

/** Registers `metrics` on the root program. */
export function registerMetricsCommands(program: Command): void {
  program
    .command("metrics")
    .description(
      "print the Prometheus metrics (text format) of the namespace's plans and locations: last successful backup " +
        "per plan, the last run's phase, duration, size and items, RPO state, next run, backups per location; " +
        "or write them for node_exporter's textfile collector (--textfile), or push them to a Pushgateway " +
        "(--pushgateway). Exit code 1 when a location could not be read (hks_location_up is 0 for it)",
    )
    .option(
      "--textfile <file.prom>",
      "write to this file (atomically, for node_exporter's --collector.textfile.directory) instead of stdout",
    )
    .option(
      "--pushgateway <url>",
      "push to this Prometheus Pushgateway (PUT /metrics/job/<job>/namespace/<namespace>, replacing that group) " +
        "instead of printing",
    )
    .option("--job <name>", "the job label of the pushed group", "hks-backup")
    .addOption(nowOption())
    .action(lazyAction(() => import("./actions.js"), "metricsAction"));
}
