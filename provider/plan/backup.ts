/**
 * Pure planning for the Backup resource: validation with defaults (`check`) and the diff. A Backup
 * is immutable (design.md): a changed input means a new backup, so every input is a replace key.
 */
import { containsUnknown, UNKNOWN } from "../kinds";
import { nameProblem } from "../store/layout";
import type { BackupInputs } from "../types";
import { DEFAULT_LOCATION_NAMESPACE } from "./location";
import { checkHooks, checkTarget } from "./target";
import { Checker, type CheckFailure } from "./validate";

/** Longest snapshot deadline accepted: one day, in seconds. */
export const MAX_SNAPSHOT_TIMEOUT_SECONDS = 86_400;

/** Validates and defaults Backup inputs. Pure; tolerates unknowns (preview). */
export function checkBackup(news: Partial<BackupInputs>): { inputs: BackupInputs; failures: CheckFailure[] } {
  const c = new Checker();
  const n = news as Partial<BackupInputs> & Record<string, unknown>;
  c.required("resourceName", n.resourceName, "the Pulumi resource name (set by the SDK)");
  if (c.present(n.requestedName)) {
    const p = typeof n.requestedName === "string" ? nameProblem(n.requestedName) : "must be a string";
    if (p) c.fail("name", p);
  }
  c.dnsLabel("storageLocation", n.storageLocation, "a storage location name");
  const locationNamespace = n.locationNamespace ?? DEFAULT_LOCATION_NAMESPACE;
  c.dnsLabel("locationNamespace", locationNamespace, "the namespace of the storage location");
  const fromPlan = c.present(n.plan) || n.plan === UNKNOWN;
  const target =
    fromPlan && (n.target === undefined || n.target === null)
      ? undefined
      : checkTarget(
          c,
          n.target,
          `what to back up, e.g. { namespaces: ["production"] } or { selector: { app: "mission-critical" } }, ` +
            `or give a plan (its target is used)`,
        );
  if (c.present(n.plan)) {
    const p = typeof n.plan === "string" ? nameProblem(n.plan) : "must be a string";
    if (p) c.fail("plan", p);
  }
  c.dnsLabel("planNamespace", n.planNamespace, "the namespace of the plan");
  c.labels("labels", n.labels);
  const hooks = checkHooks(c, n.hooks);
  c.integer("snapshotTimeoutSeconds", n.snapshotTimeoutSeconds, 1, MAX_SNAPSHOT_TIMEOUT_SECONDS, "seconds");
  const deletionPolicy = n.deletionPolicy ?? "Retain";
  c.oneOf("deletionPolicy", deletionPolicy, ["Retain", "Delete"] as const);
  if (c.present(n.kubeconfig) && typeof n.kubeconfig !== "string")
    c.fail("kubeconfig", "must be the content of a kubeconfig file (a string)");
  if (c.present(n.context) && typeof n.context !== "string") c.fail("context", "must be a context name (a string)");
  const inputs = {
    ...n,
    resourceKind: "Backup",
    locationNamespace,
    deletionPolicy,
    ...(target !== undefined ? { target } : {}),
    ...(hooks !== undefined ? { hooks } : {}),
  } as BackupInputs;
  return { inputs, failures: c.failures };
}

/** Every input of a Backup; a change in any of them replaces it. */
export const BACKUP_INPUT_KEYS: readonly (keyof BackupInputs)[] = [
  "resourceName",
  "requestedName",
  "storageLocation",
  "locationNamespace",
  "target",
  "plan",
  "planNamespace",
  "labels",
  "hooks",
  "snapshotTimeoutSeconds",
  "deletionPolicy",
  "kubeconfig",
  "context",
];

/** JSON with sorted keys, so key order never counts as a change. */
function stable(v: unknown): string {
  if (v === undefined) return "undefined";
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

/** Which inputs changed; every change is a replace (a Backup is immutable). Unknowns count as changed. */
export function diffBackup(
  olds: Partial<BackupInputs>,
  news: Partial<BackupInputs>,
): { changes: boolean; replaces: string[] } {
  const replaces = BACKUP_INPUT_KEYS.filter((k) => containsUnknown(news[k]) || stable(olds[k]) !== stable(news[k]));
  return { changes: replaces.length > 0, replaces: [...replaces] };
}
