/**
 * Pure planning for the Backup resource: validation with defaults (`check`) and the diff. A Backup
 * is immutable (design.md): a changed input means a new backup, so every input is a replace key.
 */
import { InputError } from "../errors";
import { containsUnknown, UNKNOWN } from "../kinds";
import { normalizeSelector } from "../engine/collect-selector";
import { parseResourcePatterns, targetProblem } from "../engine/collect-filter";
import { nameProblem } from "../store/layout";
import type { BackupHookInputs, BackupInputs, BackupTargetInputs } from "../types";
import { DEFAULT_LOCATION_NAMESPACE } from "./location";
import { Checker, DNS_SUBDOMAIN, type CheckFailure } from "./validate";

/** Longest snapshot deadline accepted: one day, in seconds. */
export const MAX_SNAPSHOT_TIMEOUT_SECONDS = 86_400;
/** Longest hook timeout accepted: one hour, in seconds. */
export const MAX_HOOK_TIMEOUT_SECONDS = 3_600;

/** Validates a list of strings, skipping unknown elements; `each` reports per element. */
function stringList(c: Checker, field: string, v: unknown, each: (s: string, path: string) => void): void {
  if (!c.present(v)) return;
  if (!Array.isArray(v)) return c.fail(field, `must be a list of strings, got ${JSON.stringify(v)}`);
  v.forEach((x, i) => {
    if (x === UNKNOWN) return;
    if (typeof x !== "string") c.fail(`${field}[${i}]`, `must be a string, got ${JSON.stringify(x)}`);
    else each(x, `${field}[${i}]`);
  });
}

/** A selector (map or text) in canonical text, reporting problems on `field`; unknowns pass through. */
function checkSelector(c: Checker, field: string, v: unknown): unknown {
  if (!c.present(v) || containsUnknown(v)) return v;
  if (typeof v !== "string" && (typeof v !== "object" || Array.isArray(v))) {
    c.fail(field, `must be a label map ({ app: "postgres-db" }) or selector text ("app=postgres-db"), got ${JSON.stringify(v)}`);
    return v;
  }
  try {
    return normalizeSelector(v as string | Record<string, string>, field);
  } catch (err) {
    if (err instanceof InputError) c.fail(err.field, err.reason);
    else throw err;
    return v;
  }
}

function checkPatterns(c: Checker, field: string, v: unknown): void {
  if (!c.present(v) || !Array.isArray(v)) return stringList(c, field, v, () => undefined);
  v.forEach((x, i) => {
    if (x === UNKNOWN) return;
    try {
      parseResourcePatterns([x], field);
    } catch (err) {
      c.fail(`${field}[${i}]`, (err as InputError).reason);
    }
  });
}

/** `target`, required unless a plan supplies it (`fromPlan`: a plan name, possibly unknown, is given). */
function checkTarget(c: Checker, t: unknown, fromPlan: boolean): BackupTargetInputs | undefined {
  if (fromPlan && (t === undefined || t === null)) return undefined;
  if (!c.required("target", t, `what to back up, e.g. { namespaces: ["production"] } or { selector: { app: "mission-critical" } }, or give a plan (its target is used)`)) return t as undefined;
  if (typeof t !== "object" || Array.isArray(t)) {
    c.fail("target", "must be an object { namespaces?, selector?, includeResources?, ... }");
    return undefined;
  }
  const n = t as BackupTargetInputs & Record<string, unknown>;
  const ns = (label: string) => (s: string, p: string) => { if (s !== "*" || label === "excluded") c.dnsLabel(p, s, `a ${label} namespace`); };
  if (c.present(n.namespace) && c.present(n.namespaces)) c.fail("target.namespace", "give either namespace or namespaces, not both");
  if (c.present(n.namespace)) c.dnsLabel("target.namespace", n.namespace, "a namespace");
  stringList(c, "target.namespaces", n.namespaces, ns("backed-up"));
  stringList(c, "target.excludeNamespaces", n.excludeNamespaces, ns("excluded"));
  const selector = checkSelector(c, "target.selector", n.selector);
  checkPatterns(c, "target.includeResources", n.includeResources);
  checkPatterns(c, "target.excludeResources", n.excludeResources);
  const both = (n.includeResources ?? []).filter((x) => x !== UNKNOWN && (n.excludeResources ?? []).includes(x));
  if (both.length) c.fail("target.excludeResources", `${both.map((b) => `"${b}"`).join(", ")} is both included and excluded`);
  c.boolean("target.snapshotVolumes", n.snapshotVolumes);
  if (c.present(n.volumeSnapshotClass)) {
    if (typeof n.volumeSnapshotClass !== "string" || !DNS_SUBDOMAIN.test(n.volumeSnapshotClass)) c.fail("target.volumeSnapshotClass", `must be a VolumeSnapshotClass name, got ${JSON.stringify(n.volumeSnapshotClass)}`);
    else if (n.snapshotVolumes === false || n.snapshotVolumes === undefined) c.fail("target.volumeSnapshotClass", "is set but snapshotVolumes is not true: set snapshotVolumes: true, or remove the class");
  }
  const { namespace, ...rest } = n;
  const namespaces = c.present(namespace) ? [namespace as string] : n.namespaces;
  const out: BackupTargetInputs = { ...rest, ...(namespaces !== undefined ? { namespaces } : {}), ...(selector !== undefined ? { selector: selector as string } : {}) };
  if (!containsUnknown(out.namespaces) && !containsUnknown(out.selector) && Array.isArray(out.namespaces ?? []) && typeof (out.selector ?? "") === "string") {
    const p = targetProblem({ namespaces: out.namespaces ?? [], selector: out.selector as string | undefined });
    if (p) c.fail("target", p);
  }
  return out;
}

function checkHook(c: Checker, field: string, h: unknown): unknown {
  if (h === UNKNOWN) return h;
  if (!h || typeof h !== "object" || Array.isArray(h)) {
    c.fail(field, "must be an object { selector, container, command, timeoutSeconds?, onError? }");
    return h;
  }
  const n = h as BackupHookInputs;
  let selector: unknown = n.selector;
  if (c.required(`${field}.selector`, n.selector, `the pods to run in, e.g. { app: "postgres-db" }`)) selector = checkSelector(c, `${field}.selector`, n.selector);
  if (c.required(`${field}.container`, n.container, `the container to run the command in`)) c.dnsLabel(`${field}.container`, n.container, "a container name");
  if (c.required(`${field}.command`, n.command, `argv, e.g. ["/bin/sh", "-c", "sync"]`) && !containsUnknown(n.command)) {
    if (!Array.isArray(n.command) || n.command.length === 0 || n.command.some((a) => typeof a !== "string")) c.fail(`${field}.command`, `must be a non-empty list of strings (argv), e.g. ["/bin/sh", "-c", "sync"]`);
  }
  c.dnsLabel(`${field}.namespace`, n.namespace, "a namespace");
  c.integer(`${field}.timeoutSeconds`, n.timeoutSeconds, 1, MAX_HOOK_TIMEOUT_SECONDS, "seconds");
  c.oneOf(`${field}.onError`, n.onError, ["Fail", "Continue"] as const);
  if (c.present(n.name) && typeof n.name !== "string") c.fail(`${field}.name`, "must be a string");
  return { ...n, selector };
}

function checkHooks(c: Checker, v: unknown): BackupInputs["hooks"] {
  if (!c.present(v)) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    c.fail("hooks", "must be an object { pre?: [...], post?: [...] }");
    return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [k, list] of Object.entries(v as Record<string, unknown>)) {
    if (k !== "pre" && k !== "post") { c.fail(`hooks.${k}`, `is not a hook phase: use "pre" or "post"`); continue; }
    if (!c.present(list)) continue;
    if (!Array.isArray(list)) { c.fail(`hooks.${k}`, "must be a list of hooks"); continue; }
    out[k] = list.map((h, i) => checkHook(c, `hooks.${k}[${i}]`, h));
  }
  return out as BackupInputs["hooks"];
}

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
  const target = checkTarget(c, n.target, c.present(n.plan) || n.plan === UNKNOWN);
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
  if (c.present(n.kubeconfig) && typeof n.kubeconfig !== "string") c.fail("kubeconfig", "must be the content of a kubeconfig file (a string)");
  if (c.present(n.context) && typeof n.context !== "string") c.fail("context", "must be a context name (a string)");
  const inputs = {
    ...n, resourceKind: "Backup", locationNamespace, deletionPolicy,
    ...(target !== undefined ? { target } : {}),
    ...(hooks !== undefined ? { hooks } : {}),
  } as BackupInputs;
  return { inputs, failures: c.failures };
}

/** Every input of a Backup; a change in any of them replaces it. */
export const BACKUP_INPUT_KEYS: readonly (keyof BackupInputs)[] = [
  "resourceName", "requestedName", "storageLocation", "locationNamespace", "target", "plan", "planNamespace", "labels", "hooks",
  "snapshotTimeoutSeconds", "deletionPolicy", "kubeconfig", "context",
];

/** JSON with sorted keys, so key order never counts as a change. */
function stable(v: unknown): string {
  if (v === undefined) return "undefined";
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
    : x));
}

/** Which inputs changed; every change is a replace (a Backup is immutable). Unknowns count as changed. */
export function diffBackup(olds: Partial<BackupInputs>, news: Partial<BackupInputs>): { changes: boolean; replaces: string[] } {
  const replaces = BACKUP_INPUT_KEYS.filter((k) => containsUnknown(news[k]) || stable(olds[k]) !== stable(news[k]));
  return { changes: replaces.length > 0, replaces: [...replaces] };
}
