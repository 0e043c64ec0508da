/**
 * What a backup includes: pure filters over discovered resource types, namespaces and objects
 * (velero `itemInclusionChecks`, without its size). The collector asks these; nothing here does I/O.
 */
import type { ApiResource } from "../../kube/discovery";
import { groupResourceKey, type GroupResource } from "../../format/archive-paths";
import type { BackupTarget } from "../../format/manifest";

/** The per-object opt-out label: an object labelled `hks.io/exclude-from-backup=true` is never backed up. */
export const EXCLUDE_LABEL = "hks.io/exclude-from-backup";

/**
 * Resource types never backed up, whatever the filters say, as `resource.group` keys.
 */
export const NEVER_BACKED_UP: readonly string[] = [
  // Events are a log of what happened in the source cluster, they expire within an hour, and
  // replaying them into another cluster would describe things that never happened there.
  "events",
  "events.events.k8s.io",
];

/** True when `pattern` names `gr`: `*`, its plural alone (any group), or its exact `resource.group`. */
export function resourceMatches(pattern: string, gr: GroupResource): boolean {
  return pattern === "*" || pattern === gr.resource || pattern === groupResourceKey(gr);
}

/** True when the resource type passes `includeResources` (empty = all) and not `excludeResources`. */
export function isResourceIncluded(
  gr: GroupResource,
  target: Pick<BackupTarget, "includeResources" | "excludeResources">,
): boolean {
  const inc = target.includeResources ?? [];
  const exc = target.excludeResources ?? [];
  if (inc.length > 0 && !inc.some((p) => resourceMatches(p, gr))) return false;
  return !exc.some((p) => resourceMatches(p, gr));
}

/** A discovered resource type that is not backed up, and why (logged, not an error). */
export interface SkippedResource {
  readonly resource: string;
  readonly reason: string;
}

/**
 * Picks the namespaced resource types to LIST: listable, not in {@link NEVER_BACKED_UP}, and
 * included by the target's resource filters. The rest is returned with the reason, for the log.
 */
export function selectBackupResources(
  discovered: readonly ApiResource[],
  target: BackupTarget,
): { selected: ApiResource[]; skipped: SkippedResource[] } {
  const selected: ApiResource[] = [];
  const skipped: SkippedResource[] = [];
  for (const r of discovered) {
    const key = groupResourceKey(r);
    if (!r.namespaced) continue; // cluster-scoped types come in only as CRDs and Namespaces of what is included
    if (!r.verbs.includes("list") || !r.verbs.includes("get")) skipped.push({ resource: key, reason: "not listable" });
    else if (NEVER_BACKED_UP.includes(key)) skipped.push({ resource: key, reason: "never backed up (events)" });
    else if (!isResourceIncluded(r, target))
      skipped.push({ resource: key, reason: "excluded by includeResources/excludeResources" });
    else selected.push(r);
  }
  selected.sort((a, b) => groupResourceKey(a).localeCompare(groupResourceKey(b)));
  return { selected, skipped };
}

/** True when the object carries the opt-out label with value `true`. */
export function isOptedOut(obj: { metadata?: { labels?: Record<string, string> } }): boolean {
  return obj.metadata?.labels?.[EXCLUDE_LABEL] === "true";
}

/** True when objects of namespace `ns` belong to the target (listed, or all when none listed; not excluded). */
export function isNamespaceIncluded(
  ns: string,
  target: Pick<BackupTarget, "namespaces" | "excludeNamespaces">,
): boolean {
  const inc = target.namespaces;
  if (inc.length > 0 && !inc.includes("*") && !inc.includes(ns)) return false;
  return !(target.excludeNamespaces ?? []).includes(ns);
}

/**
 * Where to LIST: one request per included namespace, or one cluster-wide request (`undefined`)
 * when the target names no namespaces (a selector-only backup) or `*`; the excluded namespaces are
 * then filtered out per object with {@link isNamespaceIncluded}.
 */
export function listScopes(target: Pick<BackupTarget, "namespaces" | "excludeNamespaces">): (string | undefined)[] {
  if (target.namespaces.length === 0 || target.namespaces.includes("*")) return [undefined];
  return [...new Set(target.namespaces)].filter((ns) => isNamespaceIncluded(ns, target)).sort();
}
