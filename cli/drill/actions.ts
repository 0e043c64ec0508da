/** The actions of `hks drill run | list | describe` (registered lazily by ./command.ts). */
import * as fs from "node:fs";
import type { Command } from "commander";
import { InputError } from "../../provider/errors";
import { checkDrill } from "../../provider/plan/drill";
import type { DrillRecord, DrillSpec } from "../../provider/format/drill";
import { runDrill } from "../../provider/engine/drill/drill";
import { listDrillRecords } from "../../provider/engine/drill/records";
import { prepareDrill } from "../../provider/prepare/drill";
import { openLocationStore } from "../../provider/prepare/location-store";
import { locationsFor } from "../backup/catalog";
import { readIdentities } from "../restore/options";
import { readDrillIdentity, readInstalledDrill } from "../../provider/kube/drill-config";
import { parseIdentityFile } from "../../provider/format/age-keys";
import { parseCoreYaml } from "../../provider/format/object-yaml";
import type { DrillRuntime } from "../../provider/format/drill";
import { cliProgress, globalOptions, kubeConfigFor, printTable } from "../context";
import { describeDrill } from "../../provider/engine/drill/report";
import { DRILL_EXIT_CODE, DRILL_HEADERS, drillRows } from "./format";

interface RunFlags {
  file?: string;
  scheduled?: boolean;
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
    raw = parseCoreYaml(text);
  } catch (e) {
    throw new InputError("--file", `${file} is not YAML or JSON: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new InputError("--file", `${file} must hold a map of drill fields (name, plan, checks, ...)`);
  return drillFromFields(raw as Record<string, unknown>, file, name, flags);
}

/** Checks drill fields (of a file, or of a scheduled drill's ConfigMap) with the flags applied over them. */
export function drillFromFields(
  raw: Record<string, unknown>,
  source: string,
  name: string | undefined,
  flags: RunFlags,
): DrillSpec {
  const fields: Record<string, unknown> = { ...raw };
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
      lines.length === 1 ? `${source}: ${failures[0]!.property}` : source,
      lines.length === 1 ? failures[0]!.reason : `\n  ${lines.join("\n  ")}`,
    );
  }
  return spec;
}

/**
 * The drill to run: from `--file`, else the scheduled drill `name` installed in the namespace (its
 * ConfigMap, and its identity Secret unless an identity is given).
 */
async function drillToRun(
  kc: ReturnType<typeof kubeConfigFor>,
  namespace: string,
  name: string | undefined,
  flags: RunFlags,
): Promise<{ spec: DrillSpec; identities: string[]; runtime: DrillRuntime }> {
  const given = readIdentities(flags.identityFile).identities;
  if (flags.file) return { spec: drillFromFile(flags.file, name, flags), identities: given, runtime: {} };
  if (!name)
    throw new InputError(
      "--file",
      "is required, or the name of a scheduled drill (a RestoreDrill with a schedule): the drill file is YAML " +
        "with name, plan or backup, checks; see docs/drills.md",
    );
  const installed = await readInstalledDrill(kc, namespace, name);
  const spec = drillFromFields(installed.fields, installed.source, name, flags);
  const secret = installed.runtime.identitySecret;
  const identities =
    given.length || !secret
      ? given
      : parseIdentityFile(await readDrillIdentity(kc, namespace, secret), `Secret ${namespace}/${secret}`);
  return { spec, identities, runtime: installed.runtime };
}

/** `hks drill run [name]`. */
export async function runAction(name: string | undefined, flags: RunFlags, cmd: Command): Promise<void> {
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const { spec, identities, runtime } = await drillToRun(kc, g.namespace, name, flags);
  if (flags.scheduled && !runtime.grant)
    throw new InputError("--scheduled", "applies to a scheduled drill run by its CronJob (give its name, not --file)");
  const deps = await prepareDrill(kc, spec, g.namespace, {
    log: (line) => process.stderr.write(`${line}\n`),
    fieldOf: (p) => (p === "storageLocation" ? "--storage-location" : p === "plan" ? "--plan" : p),
    grant: flags.scheduled ? runtime.grant : undefined,
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

/** `hks drill list [drill]`. */
export async function listAction(drill: string | undefined, flags: ListFlags, cmd: Command): Promise<void> {
  const found = await records(cmd, flags, drill);
  if (flags.output === "json") return void process.stdout.write(JSON.stringify(found, null, 2) + "\n");
  if (found.length === 0) return void process.stdout.write("no drill runs recorded\n");
  printTable(DRILL_HEADERS, drillRows(found));
}

/** `hks drill describe <drill>`. */
export async function describeAction(drill: string, flags: ListFlags & { run?: string }, cmd: Command): Promise<void> {
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
