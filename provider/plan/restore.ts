/**
 * Pure planning for Restore: input validation with defaults (`check`) and the diff. A restore is an
 * event, so a change of what or where to restore replaces it; see {@link diffRestore} for the few
 * fields that change in place and why replacement deletes first.
 */
import { parseIdentityFile } from "../format/age-keys";
import { parseLabelSelector, selectorFromLabels, SelectorError } from "../format/label-selector";
import { patchProblem } from "../format/json-patch";
import { nameProblem } from "../store/layout";
import { containsUnknown, UNKNOWN } from "../kinds";
import type { RestoreInputs } from "../types";
import { DEFAULT_LOCATION_NAMESPACE } from "./location";
import { Checker, checkOwnerInputs, type CheckFailure } from "./validate";

/** Longest restore name: its result ConfigMap `hks-restore-<name>` must stay a valid object name. */
export const MAX_RESTORE_NAME_LENGTH = 253 - "hks-restore-".length;

/** Name of the ConfigMap recording a restore's result. */
export const restoreConfigMapName = (restoreName: string) => `hks-restore-${restoreName}`;

/** A resource-type filter entry: `*`, `<resource>` or `<resource>.<group>` (lowercase plural). */
const RESOURCE_FILTER = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

function checkName(c: Checker, field: string, v: unknown, what: string, max = 253): void {
  if (!c.present(v)) return;
  const p =
    typeof v === "string"
      ? v.length > max
        ? `is ${v.length} characters long; the limit is ${max}`
        : nameProblem(v)
      : "must be a string";
  if (p) c.fail(field, `${what} ${p}`);
}

function checkStringList(c: Checker, field: string, v: unknown, each: (s: string, f: string) => void): void {
  if (!c.present(v)) return;
  if (!Array.isArray(v)) return c.fail(field, "must be a list of strings");
  v.forEach((s, i) => {
    if (s === UNKNOWN) return;
    if (typeof s !== "string") c.fail(`${field}[${i}]`, "must be a string");
    else each(s, `${field}[${i}]`);
  });
}

function checkMapping(c: Checker, v: unknown): void {
  if (!c.present(v)) return;
  if (typeof v !== "object" || Array.isArray(v))
    return c.fail("namespaceMapping", `must be a map of source to target namespaces, e.g. { production: "staging" }`);
  const targets = new Map<string, string>();
  for (const [src, dst] of Object.entries(v as Record<string, unknown>)) {
    c.dnsLabel(`namespaceMapping.${src}`, src, "the source namespace (the key)");
    if (dst === UNKNOWN) continue;
    c.dnsLabel(`namespaceMapping.${src}`, dst, "the target namespace");
    if (typeof dst === "string") {
      const other = targets.get(dst);
      if (other)
        c.fail(
          `namespaceMapping.${src}`,
          `${other} and ${src} both map to ${dst}; two namespaces cannot be restored into one`,
        );
      targets.set(dst, src);
    }
  }
}

function checkSelector(c: Checker, v: unknown): string | undefined {
  if (!c.present(v)) return undefined;
  if (typeof v === "object" && !Array.isArray(v)) {
    c.labels("selector", v);
    // Unknown label values (preview) pass through as given; the real check normalises them.
    return containsUnknown(v) ? (v as unknown as string) : selectorFromLabels(v as Record<string, string>);
  }
  if (typeof v !== "string")
    return (
      c.fail("selector", `must be a label map ({ app: "web" }) or a selector string ("app=web,tier!=cache")`),
      undefined
    );
  try {
    parseLabelSelector(v);
  } catch (e) {
    if (e instanceof SelectorError) c.fail("selector", e.reason);
    else throw e;
  }
  return v;
}

function checkPatches(c: Checker, v: unknown): void {
  if (!c.present(v)) return;
  if (!Array.isArray(v)) return c.fail("patches", "must be a list of { group, kind, name?, patch }");
  v.forEach((p, i) => {
    const f = `patches[${i}]`;
    if (p === UNKNOWN) return;
    if (typeof p !== "object" || p === null) return c.fail(f, "must be an object { group, kind, name?, patch }");
    const o = p as Record<string, unknown>;
    if (c.present(o.group) && typeof o.group !== "string")
      c.fail(`${f}.group`, `must be a string: the API group, "" (or "core") for the core group`);
    if (o.group === undefined)
      c.fail(`${f}.group`, `is required: the API group, e.g. "apps", or "" for the core group`);
    if (
      c.required(`${f}.kind`, o.kind, `the kind, e.g. "Deployment"`) &&
      (typeof o.kind !== "string" || !KIND.test(o.kind))
    ) {
      c.fail(`${f}.kind`, `must be a Kind in CamelCase such as "Deployment", got ${JSON.stringify(o.kind)}`);
    }
    if (c.present(o.name) && (typeof o.name !== "string" || o.name === ""))
      c.fail(`${f}.name`, "must be a non-empty object name");
    if (
      c.required(
        `${f}.patch`,
        o.patch,
        `JSON Patch operations, e.g. [{ op: "replace", path: "/spec/replicas", value: 1 }]`,
      ) &&
      !containsUnknown(o.patch)
    ) {
      const problem = patchProblem(o.patch);
      if (problem) c.fail(`${f}.patch`, problem);
    }
  });
}

/** Validates and defaults Restore inputs. Pure; tolerates unknowns (preview). */
export function checkRestore(news: Partial<RestoreInputs>): { inputs: RestoreInputs; failures: CheckFailure[] } {
  const c = new Checker();
  const n = news as Record<string, unknown> & Partial<RestoreInputs>;
  if (c.required("restoreName", n.restoreName, "the restore's name"))
    checkName(c, "restoreName", n.restoreName, "the restore name", MAX_RESTORE_NAME_LENGTH);
  const hasBackup = c.present(n.backupName) || n.backupName === UNKNOWN;
  const hasPlan = c.present(n.plan) || n.plan === UNKNOWN;
  if (hasBackup && hasPlan) c.fail("plan", "give either backup or plan + latest, not both");
  if (!hasBackup && !hasPlan)
    c.fail("backup", "is required: a Backup resource or a backup name, or plan + latest: true");
  checkName(c, "backup", n.backupName, "the backup name");
  checkName(c, "plan", n.plan, "the plan name");
  c.boolean("latest", n.latest);
  if (hasPlan && n.latest !== true && (n.latest as unknown) !== UNKNOWN)
    c.fail("latest", "must be true with plan: the restore picks the newest Completed backup of the plan");
  if (!hasPlan && n.latest === true)
    c.fail("plan", "is required with latest: true (the plan whose newest backup to restore)");
  c.dnsLabel("storageLocation", n.storageLocation, "the storage location name");
  const namespace = n.namespace ?? DEFAULT_LOCATION_NAMESPACE;
  c.dnsLabel("namespace", namespace, "the namespace");
  checkMapping(c, n.namespaceMapping);
  checkStringList(c, "includeNamespaces", n.includeNamespaces, (s, f) => c.dnsLabel(f, s, "a namespace"));
  for (const field of ["includeResources", "excludeResources"] as const) {
    checkStringList(c, field, n[field], (s, f) => {
      if (!RESOURCE_FILTER.test(s))
        c.fail(
          f,
          `must be a lowercase plural resource, optionally with its group ("configmaps", "deployments.apps") ` +
            `or "*", got ${JSON.stringify(s)}`,
        );
    });
  }
  const selector = checkSelector(c, n.selector);
  const policy = n.existingResourcePolicy ?? "none";
  c.oneOf("existingResourcePolicy", policy, ["none", "update"] as const);
  for (const f of ["restoreVolumes", "preserveNodePorts", "cleanupOnDelete"] as const) c.boolean(f, n[f]);
  if (c.present(n.volumeSource)) {
    c.oneOf("volumeSource", n.volumeSource, ["auto", "snapshot", "volume-data"] as const);
    if (
      n.restoreVolumes !== true &&
      (n.restoreVolumes as unknown) !== UNKNOWN &&
      (n.volumeSource as unknown) !== UNKNOWN
    )
      c.fail("volumeSource", "is set but restoreVolumes is not true: set restoreVolumes: true, or remove it");
  }
  checkPatches(c, n.patches);
  checkOwnerInputs(c, n);
  if (c.present(n.identity)) {
    try {
      if (typeof n.identity !== "string") throw new Error("must be the text of an age identity file");
      parseIdentityFile(n.identity, "identity");
    } catch (e) {
      // The message of parseIdentityFile names a line number, never the secret itself.
      c.fail("identity", e instanceof Error ? e.message.replace(/^InputError: /, "") : String(e));
    }
  }
  if (c.present(n.context) && typeof n.context !== "string") c.fail("context", "must be a context name");
  const inputs: RestoreInputs = {
    ...(n as RestoreInputs),
    resourceKind: "Restore",
    namespace,
    selector,
    existingResourcePolicy: policy,
    restoreVolumes: n.restoreVolumes ?? false,
    preserveNodePorts: n.preserveNodePorts ?? false,
    cleanupOnDelete: n.cleanupOnDelete ?? true,
  };
  if (selector === undefined) delete inputs.selector;
  return { inputs, failures: c.failures };
}

/**
 * Inputs that change in place: new credentials for the same cluster or key (a rotated kubeconfig
 * token or identity file) must not re-run a restore, and `cleanupOnDelete` only matters at delete.
 * Every other input names what or where to restore, so changing it replaces the Restore.
 */
export const IN_PLACE_INPUTS: readonly (keyof RestoreInputs)[] = [
  "kubeconfig",
  "identity",
  "cleanupOnDelete",
  // Who owns the result record (a renamed stack, an alias) and adopt: the record is re-annotated.
  "owner",
  "adopt",
];

/** The inputs compared by diff, in a stable order. */
const DIFFED: readonly (keyof RestoreInputs)[] = [
  "restoreName",
  "backupName",
  "plan",
  "latest",
  "storageLocation",
  "namespace",
  "includeNamespaces",
  "namespaceMapping",
  "includeResources",
  "excludeResources",
  "selector",
  "existingResourcePolicy",
  "restoreVolumes",
  "volumeSource",
  "preserveNodePorts",
  "patches",
  "context",
  "kubeconfig",
  "identity",
  "cleanupOnDelete",
  "owner",
  "adopt",
];

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Which inputs changed and which of those replace. Replacement deletes the old restore first
 * (`deleteBeforeReplace`): a new restore into a clone the old one still holds would skip every
 * object as existing, and the old one's cleanup would then delete the new clone.
 * With plan + latest, the old outputs' `backupName` is the backup that was picked, not an input.
 */
export function diffRestore(
  olds: Partial<RestoreInputs>,
  news: Partial<RestoreInputs>,
): { changes: boolean; replaces: string[]; changed: string[] } {
  const changed = DIFFED.filter((k) => {
    if (k === "backupName" && news.plan !== undefined && news.backupName === undefined) return false;
    return containsUnknown(news[k]) || !same(olds[k], news[k]);
  });
  return {
    changes: changed.length > 0,
    replaces: changed.filter((k) => !IN_PLACE_INPUTS.includes(k as keyof RestoreInputs)),
    changed,
  };
}
