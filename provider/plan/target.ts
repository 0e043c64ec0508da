/**
 * The one check of a backup's `target` and `hooks`, for the Backup and the BackupPlan resources
 * alike, with normalisation: the seed's `target: { namespace, selector: { app: "postgres-db" } }`
 * becomes `namespaces: ["production"]` and the canonical selector text `app=postgres-db`, the form
 * the engine and `plan.json` use. Pure; unknown values (preview) pass through unchecked. Defaults are
 * the caller's: a plan fills them in, a Backup keeps its inputs as given (they are its state).
 */
import { InputError } from "../errors";
import { parseResourcePatterns, targetProblem } from "../format/backup-target";
import { normalizeSelector } from "../format/label-selector";
import { MAX_HOOK_TIMEOUT_MS } from "../format/hook-annotations";
import { DNS_SUBDOMAIN } from "../format/names";
import { containsUnknown, UNKNOWN } from "../kinds";
import type { BackupHookInputs, BackupTargetInputs } from "../types";
import { capture, isObject, rejectUnknownKeys, stringList } from "./plan-fields";
import type { Checker } from "./validate";

const TARGET_KEYS = [
  "namespace",
  "namespaces",
  "excludeNamespaces",
  "selector",
  "includeResources",
  "excludeResources",
  "snapshotVolumes",
  "volumeSnapshotClass",
  "volumeData",
] as const;
const VOLUME_DATA_KEYS = ["storageClasses", "selector", "keepSnapshots"] as const;
const HOOK_KEYS = ["name", "namespace", "selector", "container", "command", "timeoutSeconds", "onError"] as const;

/** A selector map or text in canonical text form; unknowns are returned as given. */
export function checkSelector(c: Checker, field: string, v: unknown): string | Record<string, string> | undefined {
  if (!c.present(v)) return undefined;
  if (containsUnknown(v)) return v as Record<string, string>;
  if (typeof v !== "string" && !isObject(v)) {
    c.fail(
      field,
      `must be a label map ({ app: "postgres-db" }) or selector text ("app=postgres-db,tier!=cache"), got ` +
        `${JSON.stringify(v)}`,
    );
    return undefined;
  }
  return capture(c, () => normalizeSelector(v as string | Record<string, string>, field));
}

/** Resource patterns (`deployments.apps`), each element reported on its own path. */
function checkPatterns(c: Checker, field: string, v: unknown): string[] | undefined {
  const list = stringList(c, field, v, () => undefined);
  list?.forEach((x, i) => {
    if (x === UNKNOWN || typeof x !== "string") return;
    try {
      parseResourcePatterns([x], field);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      c.fail(`${field}[${i}]`, err.reason);
    }
  });
  return list;
}

/** The namespaces a target names: `namespace` folded into `namespaces`. */
function namespacesOf(v: Record<string, unknown>): string[] | undefined {
  if (typeof v.namespace === "string") return [v.namespace];
  if (v.namespace === UNKNOWN) return [UNKNOWN as unknown as string];
  return v.namespaces as string[] | undefined;
}

function checkSnapshotClass(c: Checker, v: Record<string, unknown>): void {
  c.boolean("target.snapshotVolumes", v.snapshotVolumes);
  if (!c.present(v.volumeSnapshotClass)) return;
  if (typeof v.volumeSnapshotClass !== "string" || !DNS_SUBDOMAIN.test(v.volumeSnapshotClass)) {
    c.fail(
      "target.volumeSnapshotClass",
      `must be a VolumeSnapshotClass name, got ${JSON.stringify(v.volumeSnapshotClass)}`,
    );
  } else if (v.snapshotVolumes !== true && v.snapshotVolumes !== UNKNOWN) {
    c.fail(
      "target.volumeSnapshotClass",
      "is set but snapshotVolumes is not true: set snapshotVolumes: true, or remove the class",
    );
  }
}

/**
 * `target.volumeData`: an object (`{}` copies every snapshotted PVC) whose filters are StorageClass
 * names and a label selector. Needs snapshotVolumes: the copy reads the snapshot. Returns it with the
 * selector in canonical text.
 */
function checkVolumeData(c: Checker, v: Record<string, unknown>): Record<string, unknown> | undefined {
  const vd = v.volumeData;
  if (!c.present(vd)) return undefined;
  if (containsUnknown(vd)) return vd as Record<string, unknown>;
  if (!isObject(vd)) {
    c.fail(
      "target.volumeData",
      `must be an object such as {} (every snapshotted PVC) or { storageClasses: ["fast"], selector: "tier=db" }, ` +
        `got ${JSON.stringify(vd)}`,
    );
    return undefined;
  }
  rejectUnknownKeys(c, "target.volumeData", vd, VOLUME_DATA_KEYS);
  if (v.snapshotVolumes !== true && v.snapshotVolumes !== UNKNOWN)
    c.fail(
      "target.volumeData",
      "needs snapshotVolumes: true (the copy is read from the snapshot, consistent with the hooks): set it, or " +
        "remove volumeData",
    );
  stringList(c, "target.volumeData.storageClasses", vd.storageClasses, (s, f) => {
    if (!DNS_SUBDOMAIN.test(s)) c.fail(f, `must be a StorageClass name, got ${JSON.stringify(s)}`);
  });
  const selector = checkSelector(c, "target.volumeData.selector", vd.selector);
  c.boolean("target.volumeData.keepSnapshots", vd.keepSnapshots);
  return { ...vd, ...(selector !== undefined ? { selector } : {}) };
}

/**
 * Validates `target` and returns it normalised (`namespace` folded into `namespaces`, selector as
 * text); fields not given stay absent. A target must name namespaces, a selector, or both;
 * `namespaces: ["*"]` means all.
 * @param requiredHint what the message for a missing target suggests.
 */
export function checkTarget(c: Checker, v: unknown, requiredHint: string): BackupTargetInputs | undefined {
  if (!c.required("target", v, requiredHint)) return v as undefined;
  if (!isObject(v)) {
    c.fail("target", `must be an object such as { namespace: "production", selector: { app: "postgres-db" } }`);
    return undefined;
  }
  rejectUnknownKeys(c, "target", v, TARGET_KEYS);
  const ns = (s: string, f: string) => c.dnsLabel(f, s, "a namespace");
  if (c.present(v.namespace) && c.present(v.namespaces))
    c.fail("target.namespace", "give either namespace (one) or namespaces (a list), not both");
  if (c.present(v.namespace) && typeof v.namespace !== "string")
    c.fail("target.namespace", `must be a namespace name, got ${JSON.stringify(v.namespace)}`);
  else if (c.present(v.namespace)) ns(v.namespace as string, "target.namespace");
  stringList(c, "target.namespaces", v.namespaces, (s, f) => s !== "*" && ns(s, f));
  stringList(c, "target.excludeNamespaces", v.excludeNamespaces, ns);
  const selector = checkSelector(c, "target.selector", v.selector);
  const include = checkPatterns(c, "target.includeResources", v.includeResources) ?? [];
  const both = include.filter((x) => x !== UNKNOWN && ((v.excludeResources ?? []) as unknown[]).includes(x));
  checkPatterns(c, "target.excludeResources", v.excludeResources);
  if (both.length)
    c.fail("target.excludeResources", `${both.map((b) => `"${b}"`).join(", ")} is both included and excluded`);
  checkSnapshotClass(c, v);
  const volumeData = checkVolumeData(c, v);
  const { namespace: _folded, ...rest } = v;
  const namespaces = namespacesOf(v);
  const out = {
    ...rest,
    ...(volumeData !== undefined ? { volumeData } : {}),
    ...(namespaces !== undefined ? { namespaces } : {}),
    ...(selector !== undefined ? { selector } : {}),
  } as BackupTargetInputs;
  if (
    !containsUnknown(out.namespaces) &&
    !containsUnknown(out.selector) &&
    Array.isArray(out.namespaces ?? []) &&
    typeof (out.selector ?? "") === "string"
  ) {
    const problem = targetProblem({ namespaces: out.namespaces ?? [], selector: out.selector as string | undefined });
    if (problem) c.fail("target", problem);
  }
  return out;
}

function checkHook(c: Checker, field: string, v: unknown): BackupHookInputs | undefined {
  if (v === UNKNOWN) return v as unknown as BackupHookInputs;
  if (!isObject(v)) {
    c.fail(field, `must be an object { selector, container, command, timeoutSeconds?, onError? }`);
    return undefined;
  }
  rejectUnknownKeys(c, field, v, HOOK_KEYS);
  if (c.present(v.name) && typeof v.name !== "string") c.fail(`${field}.name`, "must be a string");
  c.dnsLabel(`${field}.namespace`, v.namespace, "the namespace");
  c.required(`${field}.selector`, v.selector, `the pods to run in, e.g. { app: "postgres-db" }`);
  const selector = checkSelector(c, `${field}.selector`, v.selector);
  if (c.required(`${field}.container`, v.container, `the container to run in, e.g. "postgres"`))
    c.dnsLabel(`${field}.container`, v.container, "the container name");
  if (
    c.required(`${field}.command`, v.command, `argv, e.g. ["/bin/sh", "-c", "sync"]`) &&
    !containsUnknown(v.command)
  ) {
    if (!Array.isArray(v.command) || v.command.length === 0 || v.command.some((a) => typeof a !== "string")) {
      c.fail(
        `${field}.command`,
        `must be a non-empty list of strings (argv, no shell unless you call one), ` +
          `e.g. ["/bin/psql", "-U", "postgres", "-c", "CHECKPOINT"]`,
      );
    }
  }
  c.integer(`${field}.timeoutSeconds`, v.timeoutSeconds, 1, MAX_HOOK_TIMEOUT_MS / 1000, "seconds");
  c.oneOf(`${field}.onError`, v.onError, ["Fail", "Continue"] as const);
  return { ...(v as unknown as BackupHookInputs), selector: (selector ?? v.selector) as string };
}

/** Validates `hooks: { pre?: [...], post?: [...] }`; hooks that are not objects are dropped (and reported). */
export function checkHooks(
  c: Checker,
  v: unknown,
): { pre?: BackupHookInputs[]; post?: BackupHookInputs[] } | undefined {
  if (!c.present(v)) return undefined;
  if (!isObject(v)) {
    c.fail("hooks", "must be an object { pre?: [...], post?: [...] }");
    return undefined;
  }
  for (const key of Object.keys(v)) {
    if (key !== "pre" && key !== "post")
      c.fail(`hooks.${key}`, `is not a hook phase: use "pre" or "post" (known fields are pre, post)`);
  }
  const out: { pre?: BackupHookInputs[]; post?: BackupHookInputs[] } = {};
  for (const phase of ["pre", "post"] as const) {
    const list = v[phase];
    if (!c.present(list)) continue;
    if (!Array.isArray(list)) {
      c.fail(`hooks.${phase}`, "must be a list of hooks");
      continue;
    }
    out[phase] = list
      .map((h, i) => checkHook(c, `hooks.${phase}[${i}]`, h))
      .filter((h): h is BackupHookInputs => h !== undefined);
  }
  return out;
}
