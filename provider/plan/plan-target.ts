/**
 * Checks of a BackupPlan's `target` and `hooks` inputs, with normalisation: the seed's
 * `target: { namespace, selector: { app: "postgres-db" } }` becomes `namespaces: ["production"]` and
 * the canonical selector text `app=postgres-db`, the form the engine and `plan.json` use. Pure;
 * unknown values (preview) pass through unchecked.
 */
import { parseResourcePatterns, targetProblem } from "../engine/collect-filter";
import { normalizeSelector } from "../engine/collect-selector";
import { MAX_HOOK_TIMEOUT_MS } from "../engine/hooks-annotations";
import { containsUnknown, UNKNOWN } from "../kinds";
import type { BackupPlanHookInputs, BackupPlanTargetInputs } from "../types";
import { capture, isObject, rejectUnknownKeys, stringList } from "./plan-fields";
import { DNS_SUBDOMAIN, type Checker } from "./validate";

const TARGET_KEYS = ["namespace", "namespaces", "excludeNamespaces", "selector", "includeResources", "excludeResources", "snapshotVolumes", "volumeSnapshotClass"] as const;
const HOOK_KEYS = ["name", "namespace", "selector", "container", "command", "timeoutSeconds", "onError"] as const;

/** A selector map or text in canonical text form; unknowns are returned as given. */
function checkSelector(c: Checker, field: string, v: unknown): string | Record<string, string> | undefined {
  if (!c.present(v)) return undefined;
  if (containsUnknown(v)) return v as Record<string, string>;
  if (typeof v !== "string" && !isObject(v)) {
    c.fail(field, `must be a label map ({ app: "postgres-db" }) or selector text ("app=postgres-db,tier!=cache"), got ${JSON.stringify(v)}`);
    return undefined;
  }
  return capture(c, () => normalizeSelector(v as string | Record<string, string>, field));
}

/**
 * Validates `target` and returns it normalised (`namespace` folded into `namespaces`, selector as
 * text). A target must name namespaces, a selector, or both; `namespaces: ["*"]` means all.
 */
export function checkTarget(c: Checker, v: unknown): BackupPlanTargetInputs {
  if (!c.required("target", v, `what to back up, e.g. { namespace: "production", selector: { app: "postgres-db" } }`)) return (v ?? {}) as BackupPlanTargetInputs;
  if (!isObject(v)) {
    c.fail("target", `must be an object such as { namespace: "production", selector: { app: "postgres-db" } }`);
    return {};
  }
  rejectUnknownKeys(c, "target", v, TARGET_KEYS);
  const ns = (s: string, f: string) => {
    if (s !== "*") c.dnsLabel(f, s, "a namespace");
  };
  if (c.present(v.namespace) && c.present(v.namespaces)) c.fail("target.namespace", "give either namespace (one) or namespaces (a list), not both");
  if (c.present(v.namespace) && typeof v.namespace !== "string") c.fail("target.namespace", `must be a namespace name, got ${JSON.stringify(v.namespace)}`);
  else if (c.present(v.namespace)) ns(v.namespace as string, "target.namespace");
  const listed = stringList(c, "target.namespaces", v.namespaces, ns);
  const excluded = stringList(c, "target.excludeNamespaces", v.excludeNamespaces, (s, f) => c.dnsLabel(f, s, "a namespace"));
  const selector = checkSelector(c, "target.selector", v.selector);
  const patterns = (field: "includeResources" | "excludeResources") => {
    const list = stringList(c, `target.${field}`, v[field], () => undefined);
    if (list && !containsUnknown(list)) capture(c, () => parseResourcePatterns(list, `target.${field}`));
    return list;
  };
  const includeResources = patterns("includeResources");
  const excludeResources = patterns("excludeResources");
  c.boolean("target.snapshotVolumes", v.snapshotVolumes);
  if (c.present(v.volumeSnapshotClass) && (typeof v.volumeSnapshotClass !== "string" || !DNS_SUBDOMAIN.test(v.volumeSnapshotClass))) {
    c.fail("target.volumeSnapshotClass", `must be the name of a VolumeSnapshotClass, got ${JSON.stringify(v.volumeSnapshotClass)}`);
  }
  if (c.present(v.volumeSnapshotClass) && v.snapshotVolumes !== true && v.snapshotVolumes !== UNKNOWN) {
    c.fail("target.volumeSnapshotClass", "is set but snapshotVolumes is not true: set snapshotVolumes: true, or remove volumeSnapshotClass");
  }
  const namespaces = listed ?? (typeof v.namespace === "string" ? [v.namespace] : v.namespace === UNKNOWN ? [UNKNOWN] : []);
  const out: BackupPlanTargetInputs = { namespaces };
  if (excluded) out.excludeNamespaces = excluded;
  if (selector !== undefined) out.selector = selector;
  if (includeResources) out.includeResources = includeResources;
  if (excludeResources) out.excludeResources = excludeResources;
  out.snapshotVolumes = (v.snapshotVolumes as boolean | undefined) ?? false;
  if (v.volumeSnapshotClass !== undefined) out.volumeSnapshotClass = v.volumeSnapshotClass as string;
  if (!containsUnknown(out.namespaces) && v.selector !== UNKNOWN) {
    const problem = targetProblem({ namespaces: namespaces, selector: typeof selector === "string" ? selector : undefined });
    if (problem) c.fail("target", problem);
  }
  return out;
}

function checkHook(c: Checker, field: string, v: unknown): BackupPlanHookInputs | undefined {
  if (v === UNKNOWN) return v as unknown as BackupPlanHookInputs;
  if (!isObject(v)) {
    c.fail(field, `must be an object { selector, container, command, timeoutSeconds?, onError? }`);
    return undefined;
  }
  rejectUnknownKeys(c, field, v, HOOK_KEYS);
  if (c.present(v.name) && typeof v.name !== "string") c.fail(`${field}.name`, "must be a string");
  c.dnsLabel(`${field}.namespace`, v.namespace, "the namespace");
  c.required(`${field}.selector`, v.selector, `the pods to run in, e.g. { app: "postgres-db" }`);
  const selector = checkSelector(c, `${field}.selector`, v.selector);
  if (c.required(`${field}.container`, v.container, `the container to run in, e.g. "postgres"`)) c.dnsLabel(`${field}.container`, v.container, "the container name");
  if (c.required(`${field}.command`, v.command, `argv, e.g. ["/bin/sh", "-c", "sync"]`) && !containsUnknown(v.command)) {
    if (!Array.isArray(v.command) || v.command.length === 0 || v.command.some((a) => typeof a !== "string")) {
      c.fail(`${field}.command`, `must be a non-empty list of strings (argv, no shell unless you call one), e.g. ["/bin/psql", "-U", "postgres", "-c", "CHECKPOINT"]`);
    }
  }
  c.integer(`${field}.timeoutSeconds`, v.timeoutSeconds, 1, MAX_HOOK_TIMEOUT_MS / 1000, "seconds");
  c.oneOf(`${field}.onError`, v.onError, ["Fail", "Continue"] as const);
  return { ...(v as unknown as BackupPlanHookInputs), selector: (selector ?? v.selector) as string, onError: (v.onError as "Fail" | "Continue" | undefined) ?? "Fail", timeoutSeconds: (v.timeoutSeconds as number | undefined) ?? 30 };
}

/** Validates plan-level `hooks: { pre?: [...], post?: [...] }` and applies defaults (30 s, Fail). */
export function checkHooks(c: Checker, v: unknown): { pre?: BackupPlanHookInputs[]; post?: BackupPlanHookInputs[] } | undefined {
  if (!c.present(v)) return undefined;
  if (!isObject(v)) {
    c.fail("hooks", `must be an object { pre?: [hook...], post?: [hook...] }`);
    return undefined;
  }
  rejectUnknownKeys(c, "hooks", v, ["pre", "post"]);
  const out: { pre?: BackupPlanHookInputs[]; post?: BackupPlanHookInputs[] } = {};
  for (const phase of ["pre", "post"] as const) {
    const list = v[phase];
    if (!c.present(list)) continue;
    if (!Array.isArray(list)) {
      c.fail(`hooks.${phase}`, "must be a list of hooks");
      continue;
    }
    out[phase] = list.map((h, i) => checkHook(c, `hooks.${phase}[${i}]`, h)).filter((h): h is BackupPlanHookInputs => h !== undefined);
  }
  return out;
}
