/**
 * `hks drill run | list | describe`: restore drills. `run` restores a backup into throwaway
 * namespaces, waits until the application is healthy, runs the drill's checks, deletes the
 * namespaces and records the result beside the backup; `list` and `describe` read those records.
 * The drill is declared in a file (YAML or JSON, the fields of docs/drills.md). Exit codes of
 * `run`: 0 passed, 1 failed or an error.
 */
import * as fs from "node:fs";
import type { Command } from "commander";
import YAML from "yaml";
import { InputError } from "../../provider/errors";
import { checkDrill } from "../../provider/plan/drill";
import type { DrillRecord, DrillSpec } from "../../provider/format/drill";
import { runDrill } from "../../provider/engine/drill/drill";
import { listDrillRecords } from "../../provider/engine/drill/records";
import { prepareDrill } from "../../provider/prepare/drill";
import { openLocationStore } from "../../provider/prepare/location-store";
import { locationsFor } from "../backup/catalog";
import { readIdentities } from "../restore/options";
import { cliProgress, globalOptions, kubeConfigFor, printTable } from "../context";
import { describeDrill } from "../../provider/engine/drill/report";
import { DRILL_EXIT_CODE, DRILL_HEADERS, drillRows } from "./format";

interface RunFlags {
  file?: string;
  plan?: string;
  backup?: string;
  storageLocation?: string;
  keepOnFailure?: boolean;
  identityFile?: string;
  output?: string;
}

/** Reads and checks a drill file; flags given on the command line win over the file's fields. */
export function drillFromFile(file: string, name: string | undefined, flags: RunFlags): DrillSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new InputError("--file", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new InputError("--file", `${file} is not YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new InputError("--file", `${file} must hold a map of drill fields (name, plan, checks, ...)`);
  const fields: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  if (name) fields.name = name;
  if (flags.plan) {
    fields.plan = flags.plan;
    delete fields.backup;
  }
  if (flags.backup) {
    fields.backup = flags.backup;
    delete fields.plan;
  }
  if (flags.storageLocation) fields.storageLocation = flags.storageLocation;
  if (flags.keepOnFailure) fields.keepOnFailure = true;
  const { spec, failures } = checkDrill(fields);
  if (!spec) {
    const lines = failures.map((f) => `${f.property}: ${f.reason}`);
    throw new InputError(
      lines.length === 1 ? `${file}: ${failures[0]!.property}` : file,
      lines.length === 1 ? failures[0]!.reason : `\n  ${lines.join("\n  ")}`,
    );
  }
  return spec;
}

async function run(name: string | undefined, flags: RunFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  if (!flags.file)
    throw new InputError(
      "--file",
      "is required: the drill file (YAML: name, plan or backup, checks; see docs/drills.md)",
    );
  const spec = drillFromFile(flags.file, name, flags);
  const { identities } = readIdentities(flags.identityFile);
  const kc = kubeConfigFor(g);
  const deps = await prepareDrill(kc, spec, g.namespace, {
    log: (line) => process.stderr.write(`${line}\n`),
    fieldOf: (p) => (p === "storageLocation" ? "--storage-location" : p === "plan" ? "--plan" : p),
  });
  const ac = new AbortController();
  const onSignal = () => ac.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  try {
    const { record, recordKey, recordError } = await runDrill(deps, spec, {
      identities,
      progress: cliProgress(),
      signal: ac.signal,
    });
    if (flags.output === "json") process.stdout.write(JSON.stringify(record, null, 2) + "\n");
    else process.stdout.write(describeDrill(record).join("\n") + "\n");
    if (recordKey) process.stderr.write(`recorded in ${deps.store.describe()}/${recordKey}\n`);
    else process.stderr.write(`warning: the result was not recorded: ${recordError}\n`);
    process.exitCode = DRILL_EXIT_CODE[record.phase];
  } finally {
    process.off("SIGINT", onSignal);
  }
}

interface ListFlags {
  storageLocation?: string;
  plan?: string;
  backup?: string;
  output?: string;
}

async function records(cmd: Command, flags: ListFlags, drill?: string): Promise<DrillRecord[]> {
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const out: DrillRecord[] = [];
  for (const location of await locationsFor(kc, g.namespace, flags.storageLocation)) {
    const store = await openLocationStore(kc, location);
    const { records: found, problems } = await listDrillRecords(store, {
      drill,
      plan: flags.plan,
      backupName: flags.backup,
    });
    for (const p of problems) process.stderr.write(`warning: ${p}\n`);
    out.push(...found);
  }
  return out.sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

async function list(drill: string | undefined, flags: ListFlags, cmd: Command): Promise<void> {
  const found = await records(cmd, flags, drill);
  if (flags.output === "json") return void process.stdout.write(JSON.stringify(found, null, 2) + "\n");
  if (found.length === 0) return void process.stdout.write("no drill runs recorded\n");
  printTable(DRILL_HEADERS, drillRows(found));
}

async function describe(drill: string, flags: ListFlags & { run?: string }, cmd: Command): Promise<void> {
  const found = (await records(cmd, flags, drill)).filter((r) => !flags.run || r.runId === flags.run);
  if (found.length === 0)
    throw new InputError(
      "<drill>",
      `no run${flags.run ? ` ${flags.run}` : ""} of drill "${drill}" is recorded in ` +
        `${flags.storageLocation ?? "any location of the namespace"}: see 'hks drill list'`,
    );
  const r = found[0]!;
  process.stdout.write((flags.output === "json" ? JSON.stringify(r, null, 2) : describeDrill(r).join("\n")) + "\n");
}

/** Registers `hks drill run | list | describe`. */
export function registerDrillCommands(program: Command): void {
  const drill = program
    .command("drill")
    .description("restore drills: prove a backup restores and the application comes up, then clean up");
  drill
    .command("run")
    .argument("[name]", "the drill's name (default: the file's name field)")
    .description("restore a backup into throwaway namespaces, check the application, tear down, record the result")
    .option("-f, --file <path>", "the drill file (YAML or JSON)")
    .option("--plan <plan>", "drill this plan's backup (overrides the file)")
    .option("--backup <name>", "drill this backup (overrides the file)")
    .option("--storage-location <name>", "the location to read from (default: the namespace's default location)")
    .option("--keep-on-failure", "keep the drill namespaces when the drill fails, for inspection")
    .option("--identity-file <path>", "age identity file for an encrypted backup (or HKS_AGE_IDENTITY)")
    .option("-o, --output <format>", "text or json", "text")
    .action(run);
  drill
    .command("list")
    .argument("[drill]", "only this drill's runs")
    .description("list recorded drill runs, newest first")
    .option("--storage-location <name>", "only this location (default: every location in the namespace)")
    .option("--plan <plan>", "only drills of this plan's backups")
    .option("--backup <name>", "only drills of this backup")
    .option("-o, --output <format>", "text or json", "text")
    .action(list);
  drill
    .command("describe")
    .argument("<drill>", "the drill's name")
    .description("show a drill run: checks with their output, RTO, what was restored and cleaned up")
    .option("--run <id>", "this run (default: the newest)")
    .option("--storage-location <name>", "only this location")
    .option("-o, --output <format>", "text or json", "text")
    .action(describe);
}
