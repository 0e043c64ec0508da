/**
 * `hks plan list` and `hks plan status <plan>`: the installed plans of the namespace with their
 * status (provider/prepare/catalog-view.ts → engine/catalog/plan-status.ts); this file only prints.
 * A location a plan uses that cannot be read is named (stderr for the list) and makes the exit
 * code 1, since the status may then miss backups.
 */
import type { Command } from "commander";
import { readCatalogView } from "../../provider/prepare/catalog-view";
import { outputFormat } from "../backup/catalog";
import { globalOptions, kubeConfigFor, printTable } from "../context";
import { commandNow } from "./clock";
import { planJson, planRows, planStatusText } from "./format";

/** Flags of the plan views. */
export interface PlanViewFlags {
  output?: string;
  /** Hidden: the instant to compute the status at (testing). */
  now?: string;
}

/** `hks plan list`. */
export async function planListAction(flags: PlanViewFlags, cmd: Command): Promise<void> {
  const o = outputFormat(flags.output, ["table", "json"]);
  const g = globalOptions(cmd);
  const view = await readCatalogView(kubeConfigFor(g), g.namespace, commandNow(flags.now));
  const problems = [
    ...view.problems,
    ...view.plans.flatMap((p) => p.problems.map((x) => `plan ${p.status.plan}: ${x}`)),
  ];
  for (const p of problems) process.stderr.write(`hks: ${p}\n`);
  if (problems.length) process.exitCode = 1;
  if (o === "json") {
    process.stdout.write(JSON.stringify(view.plans.map(planJson), null, 2) + "\n");
    return;
  }
  if (view.plans.length === 0) {
    process.stdout.write(`No plans in namespace ${g.namespace}.\n`);
    return;
  }
  const t = planRows(view.plans.map((p) => p.status));
  printTable(t.headers, t.rows);
}

/** `hks plan status <plan>`. */
export async function planStatusAction(plan: string, flags: PlanViewFlags, cmd: Command): Promise<void> {
  const o = outputFormat(flags.output, ["text", "json"]);
  const g = globalOptions(cmd);
  const view = await readCatalogView(kubeConfigFor(g), g.namespace, commandNow(flags.now), { plan });
  const p = view.plans[0]!;
  if (p.problems.length) process.exitCode = 1;
  process.stdout.write(o === "json" ? JSON.stringify(planJson(p), null, 2) + "\n" : planStatusText(p));
}
