/**
 * Backup hooks as specs: from pod annotations (the seed's public contract) and from plan-level
 * hooks given in the request. Pure: parsing and validation only; hooks.ts runs them.
 *
 * ```yaml
 * pre.hook.backup.hks.io/container: postgres            # default: the pod's first container
 * pre.hook.backup.hks.io/command: '["/bin/psql", "-U", "postgres", "-c", "CHECKPOINT"]'   # JSON array (argv)
 * pre.hook.backup.hks.io/timeout: 2m                    # default 30s
 * pre.hook.backup.hks.io/on-error: Continue             # Fail (default) | Continue
 * post.hook.backup.hks.io/...                           # the same for the post hook
 * ```
 */
import type { HookRecord } from "./manifest";

/** Annotation prefix per hook phase. */
export const HOOK_ANNOTATION_PREFIX = { pre: "pre.hook.backup.hks.io/", post: "post.hook.backup.hks.io/" } as const;

/** A hook's timeout when none is given: 30 seconds (a freeze should be quick; a hung one must not stall the backup). */
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;

/** Longest timeout accepted: one hour. */
export const MAX_HOOK_TIMEOUT_MS = 3_600_000;

export type HookPhase = "pre" | "post";
export type HookOnError = "Fail" | "Continue";

/** One hook to run in one container of one pod. */
export interface HookSpec {
  readonly phase: HookPhase;
  readonly scope: "plan" | "pod";
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  readonly timeoutMs: number;
  readonly onError: HookOnError;
}

/** What the hook stage needs to know about a pod (never the whole object). */
export interface PodSummary {
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly string[];
  readonly annotations: Readonly<Record<string, string>>;
  /** Names of the PVCs its volumes use. */
  readonly pvcs: readonly string[];
}

/** A plan-level hook: run in every pod that the selector matches. */
export interface PlanHook {
  /** A label for messages. @default "plan hook <index>" */
  readonly name?: string;
  /** Namespace of the pods. @default each namespace of the target */
  readonly namespace?: string;
  /** Pod label selector, canonical text. */
  readonly selector: string;
  readonly container: string;
  readonly command: readonly string[];
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default "Fail" */
  readonly onError?: HookOnError;
}

/**
 * Parses a duration: `30s`, `2m`, `1m30s`, `500ms`, `1h`, or a bare number of seconds. Returns
 * milliseconds, or `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  if (!/^(\d+(\.\d+)?(ms|h|m|s))+$/.test(t)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return Math.round(ms);
}

/**
 * Parses a hook command annotation: a JSON array of strings (argv, as in the seed), or, like
 * velero, any other text as a single-element command. Throws an Error with the reason.
 */
export function parseHookCommand(text: string): string[] {
  const t = text.trim();
  if (t.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(t);
    } catch (e) {
      // JSON has no \' escape; shell and YAML habits (and the seed's own example) put one in.
      const quote = t.includes("\\'") ? `; JSON has no \\' escape: write a single quote inside "..." as it is` : "";
      throw new Error(
        `is not a valid JSON array (${(e as Error).message})${quote}; write it as '["/bin/sh", "-c", "..."]'`,
      );
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((a) => typeof a !== "string")) {
      throw new Error(`must be a non-empty JSON array of strings, e.g. '["/bin/sh", "-c", "sync"]'`);
    }
    return parsed as string[];
  }
  if (t === "") throw new Error("is empty");
  return [t];
}

/** The annotation names a hook phase understands, after its prefix. */
export const HOOK_ANNOTATION_KEYS = ["command", "container", "timeout", "on-error"] as const;

/** How many leading characters `a` and `b` share. */
function commonStart(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The known key a misspelt one most likely meant: the longest shared start (2+), similar length. */
function nearestKey(name: string): string | undefined {
  const best = HOOK_ANNOTATION_KEYS.filter((k) => Math.abs(k.length - name.length) <= 2).sort(
    (a, b) => commonStart(b, name) - commonStart(a, name),
  )[0];
  return best && commonStart(best, name) >= 2 ? best : undefined;
}

/**
 * An annotation under the phase's prefix that is not one of {@link HOOK_ANNOTATION_KEYS} (a typo
 * such as `comand`), or settings without a command: reported rather than ignored, since a hook the
 * person believes runs but never does is worse than a failed one.
 */
function strayAnnotation(a: Readonly<Record<string, string>>, p: string): string | undefined {
  for (const key of Object.keys(a)
    .filter((k) => k.startsWith(p))
    .sort()) {
    const name = key.slice(p.length);
    if ((HOOK_ANNOTATION_KEYS as readonly string[]).includes(name)) continue;
    const near = nearestKey(name);
    return (
      `${key} is not a hook annotation${near ? ` (did you mean ${p}${near}?)` : ""}; known: ` +
      `${HOOK_ANNOTATION_KEYS.map((k) => p + k).join(", ")}`
    );
  }
  if (a[`${p}command`] !== undefined) return undefined;
  const orphan = HOOK_ANNOTATION_KEYS.find((k) => a[`${p}${k}`] !== undefined);
  return orphan ? `${p}${orphan} is set but ${p}command is missing` : undefined;
}

/** A pod's hook for `phase` from its annotations, an error explaining a bad annotation, or neither. */
export function podHookFromAnnotations(pod: PodSummary, phase: HookPhase): { hook?: HookSpec; error?: string } {
  const p = HOOK_ANNOTATION_PREFIX[phase];
  const a = pod.annotations;
  const stray = strayAnnotation(a, p);
  if (stray) return { error: stray };
  const commandText = a[`${p}command`];
  const containerText = a[`${p}container`];
  if (commandText === undefined) return {};
  let command: string[];
  try {
    command = parseHookCommand(commandText);
  } catch (e) {
    return { error: `${p}command ${(e as Error).message}` };
  }
  const container = containerText ?? pod.containers[0];
  if (!container) return { error: `the pod has no containers` };
  if (!pod.containers.includes(container)) {
    return {
      error: `${p}container "${container}" is not a container of the pod (it has: ${pod.containers.join(", ")})`,
    };
  }
  let timeoutMs = DEFAULT_HOOK_TIMEOUT_MS;
  const timeoutText = a[`${p}timeout`];
  if (timeoutText !== undefined) {
    const ms = parseDuration(timeoutText);
    if (ms === undefined || ms <= 0 || ms > MAX_HOOK_TIMEOUT_MS) {
      return { error: `${p}timeout "${timeoutText}" is not a duration from 1ms to 1h (e.g. "30s", "2m")` };
    }
    timeoutMs = ms;
  }
  const onErrorText = a[`${p}on-error`] ?? "Fail";
  if (onErrorText !== "Fail" && onErrorText !== "Continue") {
    return { error: `${p}on-error "${onErrorText}" must be "Fail" or "Continue"` };
  }
  return {
    hook: {
      phase,
      scope: "pod",
      namespace: pod.namespace,
      pod: pod.name,
      container,
      command,
      timeoutMs,
      onError: onErrorText,
    },
  };
}

/** The plan hook as specs, one per matched pod. */
export function planHookSpecs(hook: PlanHook, phase: HookPhase, pods: readonly PodSummary[]): HookSpec[] {
  return pods.map((pod) => ({
    phase,
    scope: "plan",
    namespace: pod.namespace,
    pod: pod.name,
    container: hook.container,
    command: hook.command,
    timeoutMs: (hook.timeoutSeconds ?? DEFAULT_HOOK_TIMEOUT_MS / 1000) * 1000,
    onError: hook.onError ?? "Fail",
  }));
}

/** A record for a hook that never ran because its spec was invalid (always a failure). */
export function invalidHookRecord(pod: PodSummary, phase: HookPhase, error: string): HookRecord {
  return {
    phase,
    scope: "pod",
    namespace: pod.namespace,
    pod: pod.name,
    container: pod.annotations[`${HOOK_ANNOTATION_PREFIX[phase]}container`] ?? "",
    command: [],
    onError: pod.annotations[`${HOOK_ANNOTATION_PREFIX[phase]}on-error`] === "Continue" ? "Continue" : "Fail",
    outcome: "Failed",
    durationMs: 0,
    error: `invalid hook annotations: ${error}`,
  };
}
