/**
 * RestoreDrill: a restore drill run during `pulumi up` (create). The backup is restored into
 * throwaway namespaces, checked and torn down (engine/drill); the result is recorded beside the
 * backup. A failed drill fails `pulumi up` with its reason (and is recorded too). Immutable: any
 * input change (or a change of `triggers`) runs it again. Delete removes nothing: the drill left
 * nothing in the cluster, and its records live and die with their backups.
 */
import { InputError } from "../errors";
import { parseIdentityFile } from "../format/age-keys";
import { describeDrill } from "../engine/drill/report";
import { runDrill } from "../engine/drill/drill";
import { loadKubeConfig } from "../kube/client";
import { checkDrill } from "../plan/drill";
import { prepareDrill } from "../prepare/drill";
import { containsUnknown } from "../kinds";
import type { RestoreDrillInputs as Inputs, RestoreDrillOutputs as Outputs } from "../types";
import type { HandlerContext, ResourceHandler } from "./handler";
import { DEFAULT_LOCATION_NAMESPACE } from "../plan/location";

/** Each input that is a drill field (plan/drill.ts `checkDrill`), and that field's name. */
const DRILL_FIELD_OF: Readonly<Partial<Record<keyof Inputs, string>>> = {
  drillName: "name",
  plan: "plan",
  backupName: "backup",
  pick: "pick",
  windowDays: "windowDays",
  storageLocation: "storageLocation",
  namespacePrefix: "namespacePrefix",
  includeNamespaces: "includeNamespaces",
  restoreVolumes: "restoreVolumes",
  checks: "checks",
  deadlineSeconds: "deadlineSeconds",
  keepOnFailure: "keepOnFailure",
};

/** The drill fields of the inputs, as plan/drill.ts `checkDrill` reads them (absent ones left out). */
function drillFields(i: Partial<Inputs>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [input, field] of Object.entries(DRILL_FIELD_OF))
    if (i[input as keyof Inputs] !== undefined) fields[field] = i[input as keyof Inputs];
  return fields;
}

/** The resource's input path for a drill field path (the SDK's `name` is the drill's name). */
const fieldOf = (p: string) => (p === "name" ? "drillName" : p);

/** Inputs whose change runs the drill again (every one: a drill is an event). */
const INPUT_KEYS: readonly (keyof Inputs)[] = [
  ...(Object.keys(DRILL_FIELD_OF) as (keyof Inputs)[]),
  "locationNamespace",
  "triggers",
  "identity",
  "kubeconfig",
  "context",
];

async function create(i: Inputs, ctx: HandlerContext): Promise<Outputs> {
  const { spec, failures } = checkDrill(drillFields(i));
  if (!spec) throw new InputError(fieldOf(failures[0]!.property), failures[0]!.reason);
  const identities = i.identity ? parseIdentityFile(i.identity, "identity") : [];
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  const deps = await prepareDrill(kc, spec, i.locationNamespace, { log: ctx.log });
  const { record, recordKey, recordError } = await runDrill(deps, spec, {
    identities,
    progress: ctx.progress,
    signal: ctx.signal,
  });
  if (record.phase !== "Passed") throw new Error(describeDrill(record).join("\n"));
  ctx.log(
    `drill ${record.drill}: Passed: backup ${record.backupName}, ${record.restored.objects} objects, RTO ` +
      `${record.rtoSeconds}s, ${record.checks.length} check(s) passed`,
  );
  if (recordError) ctx.log(`drill ${record.drill}: warning: the result was not recorded: ${recordError}`);
  return {
    ...i,
    phase: "Passed",
    runId: record.runId,
    drilledBackup: record.backupName,
    storageLocationName: record.storageLocation,
    rtoSeconds: record.rtoSeconds ?? 0,
    objectsRestored: record.restored.objects,
    checkResults: record.checks.map((c) => ({ name: c.name, passed: c.passed, output: c.output })),
    recordUrl: recordKey ? `${deps.store.describe()}/${recordKey}` : "",
    startedAt: record.startedAt,
    completedAt: record.completedAt,
  };
}

export const restoreDrillHandler: ResourceHandler<Inputs, Outputs> = {
  // Restore, health and checks are bounded by deadlineSeconds (at most a day); clean-up adds minutes.
  applyDeadlineMs: 25 * 60 * 60_000,

  async check(_olds, news) {
    const inputs = { ...news, locationNamespace: news.locationNamespace ?? DEFAULT_LOCATION_NAMESPACE } as Inputs;
    // Values unknown during preview (a Backup resource's name) are checked at create, when known.
    const fields = drillFields(inputs);
    for (const [k, v] of Object.entries(fields)) if (containsUnknown(v)) delete fields[k];
    if (containsUnknown(inputs.drillName)) fields.name = "preview";
    if (containsUnknown(inputs.plan) || containsUnknown(inputs.backupName)) {
      delete fields.backup;
      fields.plan = "preview";
    }
    const { failures } = checkDrill(fields);
    return { inputs, failures: failures.map((f) => ({ property: fieldOf(f.property), reason: f.reason })) };
  },

  async diff(_id, olds, news) {
    const changed = INPUT_KEYS.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
    return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: false };
  },

  async create(inputs, ctx) {
    const outs = await create(inputs, ctx);
    return { id: `${outs.drillName}/${outs.runId}`, outs };
  },

  async read(id, props) {
    return { id, props };
  },

  async update(_id, _olds, news) {
    // Unreachable in practice (every change replaces).
    return { outs: news as Outputs };
  },

  async delete(_id, props, ctx) {
    ctx.log(`drill ${props.drillName}: nothing to delete (its record stays with backup ${props.drilledBackup})`);
  },
};
