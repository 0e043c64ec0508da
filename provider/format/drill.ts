/**
 * Restore drills: a backup restored into throwaway namespaces, checked for health, then torn down.
 * This module holds the drill's vocabulary (its validated spec and its durable result record) and
 * the pure rules about names; the run itself is engine/drill, validation plan/drill.ts.
 */
import { createHash } from "node:crypto";

/** A command run in a restored pod; passes when its exit code (and output, if asked) match. */
export interface ExecCheck {
  /** Source namespace of the pod (mapped to its drill namespace). @default the backup's only namespace */
  readonly namespace?: string;
  /** The pod's name, e.g. `postgres-0`; or `selector`. */
  readonly pod?: string;
  /** Label selector of the pod (the first Ready one); or `pod`. */
  readonly selector?: string;
  /** @default the pod's first container */
  readonly container?: string;
  /** argv; no shell unless it starts one. */
  readonly command: readonly string[];
  readonly expect: {
    /** Expected exit code. @default 0 */
    readonly exitCode: number;
    /** Expected stdout, compared after trimming surrounding white space. */
    readonly stdout?: string;
    /** A regular expression stdout must match (JavaScript syntax). */
    readonly stdoutMatches?: string;
  };
}

/** An HTTP GET sent to a restored Service through the API server's service proxy. */
export interface HttpCheck {
  /** Source namespace of the Service. @default the backup's only namespace */
  readonly namespace?: string;
  readonly service: string;
  /** Port name or number. */
  readonly port: string | number;
  /** @default "/" */
  readonly path: string;
  readonly expect: {
    /** Expected HTTP status. @default 200 */
    readonly status: number;
    /** Text the response body must contain. */
    readonly bodyContains?: string;
  };
}

/** One check of a drill: exactly one of `exec` or `http`. */
export interface DrillCheck {
  /** Shown in results, e.g. `orders-count`. */
  readonly name: string;
  readonly exec?: ExecCheck;
  readonly http?: HttpCheck;
  /** How long the check may take. @default 60 s */
  readonly timeoutSeconds: number;
}

/** A validated drill (plan/drill.ts `checkDrill` applies the defaults). */
export interface DrillSpec {
  /** The drill's name (DNS-1123 label): records are kept per drill. */
  readonly name: string;
  /** Location to read from. @default the default location */
  readonly storageLocation?: string;
  /** Restore a backup of this plan (`pick` says which); or `backupName`. */
  readonly plan?: string;
  /** Restore exactly this backup; or `plan`. */
  readonly backupName?: string;
  /** With `plan`: its newest Completed backup, or a random Completed one within `windowDays`. @default "newest" */
  readonly pick: "newest" | "random";
  /** With `pick: "random"`: how far back a backup may be, in days. @default 7 */
  readonly windowDays: number;
  /** Drill namespaces are named `<prefix>-<id>-<source namespace>` (cut to 63 characters). @default "drill" */
  readonly namespacePrefix: string;
  /** Source namespaces to restore. @default every namespace of the backup */
  readonly includeNamespaces?: readonly string[];
  /** Restore claims with their data (from snapshots or volume data, see `volumeSource`). @default true */
  readonly restoreVolumes: boolean;
  /**
   * Where restored claims get their data: `snapshot`, `volume-data` (the files the backup copied into
   * the location: proves the off-site copy comes back), or `auto` (the snapshot when it still exists,
   * else volume data). @default "auto"
   */
  readonly volumeSource: "auto" | "snapshot" | "volume-data";
  /** Run after every workload is healthy, in order. @default [] */
  readonly checks: readonly DrillCheck[];
  /** Restore + healthy + checks must finish within this, in seconds. @default 600 */
  readonly deadlineSeconds: number;
  /** Keep the drill namespaces when the drill fails, for inspection. @default false */
  readonly keepOnFailure: boolean;
}

/** How one check ended. */
export interface DrillCheckResult {
  readonly name: string;
  readonly passed: boolean;
  /** What ran, e.g. `exec drill-x-prod/postgres-0: psql -c ...` or `GET drill-x-prod/web:80/`. */
  readonly target: string;
  /** The command's output or the response body, cut to {@link MAX_CHECK_OUTPUT} characters. */
  readonly output: string;
  /** Why it failed. */
  readonly reason?: string;
  readonly seconds: number;
}

/** Output kept per check. */
export const MAX_CHECK_OUTPUT = 1024;

/** Passed: restored, healthy, every check passed. Failed: any of those did not happen. */
export type DrillPhase = "Passed" | "Failed";

/** The durable result of one drill run, stored beside the backup it restored. No secret data. */
export interface DrillRecord {
  readonly format: 1;
  readonly drill: string;
  readonly runId: string;
  readonly backupName: string;
  readonly plan?: string;
  readonly storageLocation: string;
  readonly phase: DrillPhase;
  /** Why the drill failed: the first thing that went wrong. */
  readonly reason?: string;
  readonly startedAt: string;
  readonly completedAt: string;
  /** Time to restore: from the start of the restore until every workload was healthy (the measured RTO). */
  readonly rtoSeconds?: number;
  /** Source → drill namespace. */
  readonly namespaces: Record<string, string>;
  readonly restored: {
    readonly objects: number;
    readonly skipped: number;
    readonly failed: number;
    /** Bytes of the backup's archive read. */
    readonly archiveBytes: number;
    /** Claims restored with their data, and their requested size in bytes. */
    readonly volumes: number;
    readonly volumeBytes: number;
    /** Where each claim's data came from (`ns/claim` in the drill namespace; a snapshot, volume data). */
    readonly claims?: readonly { readonly claim: string; readonly source: string }[];
  };
  /** What was not healthy at the deadline (empty when all was). */
  readonly unhealthy: string[];
  readonly checks: DrillCheckResult[];
  /** Namespaces deleted after the run, or kept for inspection (keepOnFailure). */
  readonly cleanup: { readonly deleted: string[]; readonly kept: string[]; readonly error?: string };
}

/** Current record format; readers refuse newer ones. */
export const DRILL_RECORD_FORMAT = 1;

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/**
 * A run id: the start time (UTC, `20261202t103000z`, so records sort by time) and `random`
 * (lowercase letters and digits, 4-8 characters).
 */
export function drillRunId(at: Date, random: string): string {
  const t =
    `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}t` +
    `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}z`;
  return `${t}-${random}`;
}

/** Longest namespace name (a DNS-1123 label). */
const MAX_NAMESPACE = 63;

/**
 * The drill namespace for `source`: `<prefix>-<random>-<source>`. A name over 63 characters is cut
 * and ends in a hash of the full name, so two long sources never get the same drill namespace.
 * @param random the run id's random part: two runs never share namespaces.
 */
export function drillNamespace(prefix: string, random: string, source: string): string {
  const full = `${prefix}-${random}-${source}`;
  if (full.length <= MAX_NAMESPACE) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_NAMESPACE - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** The random part of a run id. */
export const runIdRandom = (runId: string): string => runId.slice(runId.lastIndexOf("-") + 1);

/** Key of the drill (in drill-file form) in the ConfigMap of a scheduled drill. */
export const DRILL_SPEC_KEY = "drill.json";

/** Key of the installed drill's runtime settings (identity Secret, namespace grant) in that ConfigMap. */
export const DRILL_RUNTIME_KEY = "runtime.json";

/** Label carried by every object a scheduled drill installs, with the drill's name as value. */
export const DRILL_LABEL = "hks.io/drill";

/** Name of a scheduled drill's CronJob, ConfigMap and ServiceAccount. */
export const drillObjectName = (drill: string): string => `hks-drill-${drill}`;

/** What the runner of a scheduled drill needs beside the drill itself. No secret data: names only. */
export interface DrillRuntime {
  /** Secret (in the drill's namespace) whose `identity` key holds the age identity of an encrypted backup. */
  readonly identitySecret?: string;
  /**
   * After creating each drill namespace, bind this ClusterRole there to the runner's ServiceAccount:
   * the runner may act inside its own drill namespaces only (kube/drill-install-render.ts).
   */
  readonly grant?: { readonly clusterRole: string; readonly serviceAccount: string; readonly namespace: string };
}

/**
 * A validated drill back in the form of a drill file (the fields plan/drill.ts `checkDrill` reads), so
 * the ConfigMap of a scheduled drill reads like the file `hks drill run -f` takes. Defaults are kept,
 * so a runner of another version runs exactly what was installed.
 */
export function drillFileFields(spec: DrillSpec): Record<string, unknown> {
  const checks = spec.checks.map((c) => ({
    name: c.name,
    ...(c.exec ? { exec: withoutUndefined(c.exec) } : {}),
    ...(c.http ? { http: withoutUndefined(c.http) } : {}),
    timeoutSeconds: c.timeoutSeconds,
  }));
  return withoutUndefined({
    name: spec.name,
    storageLocation: spec.storageLocation,
    plan: spec.plan,
    backup: spec.backupName,
    ...(spec.plan ? { pick: spec.pick, windowDays: spec.windowDays } : {}),
    namespacePrefix: spec.namespacePrefix,
    includeNamespaces: spec.includeNamespaces,
    restoreVolumes: spec.restoreVolumes,
    ...(spec.restoreVolumes ? { volumeSource: spec.volumeSource } : {}),
    checks,
    deadlineSeconds: spec.deadlineSeconds,
    keepOnFailure: spec.keepOnFailure,
  });
}

/** A copy of `o` without its undefined fields, nested maps included (JSON drops them anyway). */
function withoutUndefined<T extends object>(o: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    out[k] = typeof v === "object" && v !== null && !Array.isArray(v) ? withoutUndefined(v as object) : v;
  }
  return out;
}
