/**
 * Checks an on-demand backup's target against the cluster before anything runs or is written:
 *
 * 1. a named namespace that does not exist, and
 * 2. an included resource type the cluster does not serve, are almost always typos that would give a
 *    "Completed" backup silently lacking what was asked for;
 * 3. a target pod with an invalid `pre/post.hook.backup.hks.io/*` annotation would have its hook
 *    skipped (a backup that is not application-consistent), after other pods' pre hooks had frozen
 *    their applications.
 *
 * The Backup resource and `hks backup create` call this, so the person gets an input error naming
 * the field (or pod and annotation) and nothing is created. A plan's scheduled runs do not: there a
 * namespace deleted since the plan was installed is a warning and a bad annotation a hook error in
 * the manifest (PartiallyFailed), rather than no backup at all.
 */
import { InputError } from "../../errors";
import { isNotFound } from "../../kube/client";
import { discoverResources, type KubeReader } from "../../kube/discovery";
import { resourceMatches } from "../collect/filter";
import { listTargetPods } from "../hooks/hooks";
import { podHookFromAnnotations } from "../../format/hook-annotations";
import type { BackupTarget } from "../../format/manifest";

/** One thing the target names that the cluster lacks, or a pod whose hook annotations are invalid. */
export interface TargetProblem {
  /** A target path (`namespaces[0]`, `includeResources[1]`) or, for a pod, `pod <namespace>/<name>`. */
  readonly subject: string;
  readonly reason: string;
}

async function exists(reader: KubeReader, path: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await reader.getJson(path, signal);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

const namespaceExists = (reader: KubeReader, ns: string, signal?: AbortSignal) =>
  exists(reader, `/api/v1/namespaces/${encodeURIComponent(ns)}`, signal);

async function unservedTypes(reader: KubeReader, target: BackupTarget, signal?: AbortSignal): Promise<TargetProblem[]> {
  const include = target.includeResources ?? [];
  if (include.every((p) => p === "*")) return [];
  const { resources, failedGroups } = await discoverResources(reader, signal);
  // A type of an API group whose discovery failed may exist: report only when discovery was complete.
  if (failedGroups.length) return [];
  const out: TargetProblem[] = [];
  for (const [i, p] of include.entries()) {
    if (p === "*" || resources.some((r) => resourceMatches(p, r))) continue;
    const stem = p.split(".")[0]!.slice(0, 4);
    const near = [
      ...new Set(
        resources
          .filter((r) => r.resource.startsWith(stem))
          .map((r) => (r.group ? `${r.resource}.${r.group}` : r.resource)),
      ),
    ];
    out.push({
      subject: `includeResources[${i}]`,
      reason:
        `no resource type "${p}" is served by the ` +
        `cluster${near.length ? ` (did you mean ${near.slice(0, 3).join(", ")}?)` : ""}: use the lowercase ` +
        `plural, optionally with its group (see kubectl api-resources)`,
    });
  }
  return out;
}

/** What the target names that the cluster lacks, and target pods with invalid hook annotations. */
export async function targetProblems(
  reader: KubeReader,
  target: BackupTarget,
  signal?: AbortSignal,
): Promise<TargetProblem[]> {
  const out: TargetProblem[] = [];
  for (const [i, ns] of target.namespaces.entries()) {
    if (ns === "*" || (target.excludeNamespaces ?? []).includes(ns)) continue;
    if (!(await namespaceExists(reader, ns, signal)))
      out.push({
        subject: `namespaces[${i}]`,
        reason: `namespace "${ns}" does not exist: check the name (kubectl get namespaces), or create it first`,
      });
  }
  out.push(...(await unservedTypes(reader, target, signal)));
  for (const [i, sc] of (target.volumeData?.storageClasses ?? []).entries()) {
    if (!(await exists(reader, `/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(sc)}`, signal)))
      out.push({
        subject: `volumeData.storageClasses[${i}]`,
        reason: `StorageClass "${sc}" does not exist: check the name (kubectl get storageclasses)`,
      });
  }
  for (const pod of await listTargetPods(reader, target, signal)) {
    for (const phase of ["pre", "post"] as const) {
      const { error } = podHookFromAnnotations(pod, phase);
      if (error)
        out.push({
          subject: `pod ${pod.namespace}/${pod.name}`,
          reason:
            `${error}; fix or remove the annotation (kubectl annotate pod -n ${pod.namespace} ${pod.name} ...), ` +
            `or leave the pod out of the target`,
        });
    }
  }
  return out;
}

/**
 * Throws one InputError listing every problem. Target paths are reported under `field`
 * (`target.namespaces[0]`); when `field` is `plan` the target is the plan's, and the error is on
 * `plan`. A pod's problem names the pod and the annotation.
 */
export async function assertTargetExists(
  reader: KubeReader,
  target: BackupTarget,
  field: string,
  signal?: AbortSignal,
): Promise<void> {
  const problems = await targetProblems(reader, target, signal);
  if (problems.length === 0) return;
  const where = (p: TargetProblem) =>
    p.subject.startsWith("pod ")
      ? p.subject
      : field === "plan"
        ? `the plan's target.${p.subject}`
        : `${field}.${p.subject}`;
  const [first, ...rest] = problems as [TargetProblem, ...TargetProblem[]];
  const more = rest.map((p) => `; ${where(p)}: ${p.reason}`).join("");
  if (field === "plan") throw new InputError("plan", `${where(first)}: ${first.reason}${more}`);
  throw new InputError(where(first), `${first.reason}${more}`);
}
