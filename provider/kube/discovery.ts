/**
 * Reading the Kubernetes API as raw JSON, and API discovery.
 *
 * Why raw JSON rather than client-node's typed APIs or `KubernetesObjectApi`: those deserialize into
 * generated models, which turns timestamps into `Date`s and silently drops fields the model does not
 * know (new API fields, anything in a custom resource). A backup must store exactly what the server
 * holds, so reads go through {@link createKubeReader}, which returns the server's JSON untouched.
 */
import * as http from "node:http";
import * as https from "node:https";
import type * as k8s from "@kubernetes/client-node";
import { KubernetesError } from "../errors";

/** Deadline of one API request, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** An API error with the HTTP status and the server's message (works with `statusOf`/`kubeError`). */
export class KubeHttpError extends KubernetesError {
  constructor(
    readonly statusCode: number,
    readonly path: string,
    readonly body: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    const msg =
      body && typeof body === "object" && "message" in body
        ? String((body as { message: unknown }).message)
        : String(body).slice(0, 500);
    super(`GET ${path}: HTTP ${statusCode}: ${msg}`);
  }
  /** The HTTP status, where `statusOf` looks for it. */
  get code(): number {
    return this.statusCode;
  }
}

/** Read access to the API server, returning the server's JSON as is. */
export interface KubeReader {
  /** GETs `path` (with query) and parses the JSON body. Non-2xx throws {@link KubeHttpError}. */
  getJson<T = unknown>(path: string, signal?: AbortSignal): Promise<T>;
  /**
   * Resolves once the apiserver says it is ready (`/readyz`), so that discovery sees every API
   * group; throws a KubernetesError when it stays unready. Optional: test doubles are always ready.
   */
  waitReady?(signal?: AbortSignal): Promise<void>;
}

/**
 * A reader for the cluster of `kc`. Connections are kept alive across requests (one TLS handshake,
 * not one per page); credentials are re-applied per request so expiring tokens are refreshed.
 */
export function createKubeReader(kc: k8s.KubeConfig): KubeReader {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubernetesError("no current cluster in the kubeconfig");
  const base = new URL(cluster.server);
  const secure = base.protocol === "https:";
  let agent: http.Agent | undefined;
  const reader: KubeReader = {
    async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
      const opts: https.RequestOptions = { method: "GET", headers: { Accept: "application/json" } };
      await kc.applyToHTTPSOptions(opts);
      agent ??= secure
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 16,
            ca: opts.ca,
            cert: opts.cert,
            key: opts.key,
            rejectUnauthorized: opts.rejectUnauthorized,
            servername: opts.servername,
          })
        : new http.Agent({ keepAlive: true, maxSockets: 16 });
      opts.agent = agent;
      const url = new URL(base.pathname.replace(/\/$/, "") + path, base);
      for (let attempt = 1; ; attempt++) {
        try {
          return await request<T>(secure ? https : http, url, opts, path, signal);
        } catch (err) {
          const wait = retryDelayMs(err, attempt);
          if (wait === undefined || signal?.aborted) throw err;
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    },
    // A starting apiserver answers before it has registered its API groups: measured on the local
    // stack, `/apis` listed 1 group of 21 for a moment, and a backup discovering then left every
    // Deployment out and still said Completed (issue 8, apiserver restart). /readyz turns 200 only
    // once they are all registered; until then it answers 500, which getJson retries (bounded).
    async waitReady(signal?: AbortSignal): Promise<void> {
      try {
        await reader.getJson("/readyz", signal);
      } catch (err) {
        // Not allowed to ask (RBAC without system:public-info-viewer) or no such endpoint: go on.
        if (err instanceof KubeHttpError && err.statusCode < 500 && err.statusCode !== 429) return;
        throw new KubernetesError(
          `the apiserver ${base.origin} is not ready (${(err as Error).message}); nothing was read: try again ` +
            `once it is`,
          { cause: err },
        );
      }
    },
  };
  return reader;
}

/**
 * Attempts of one request before its error is returned. With {@link backoffMs} that is about 28 s of
 * waiting: enough to ride out an apiserver restart (kill to serving again took ~5 s on the local
 * stack, issue 8 fault tests), still bounded when it does not come back.
 */
export const MAX_ATTEMPTS = 10;

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 5_000;

/** The wait before attempt `attempt + 1`: doubling from 250 ms, at most {@link MAX_BACKOFF_MS}. */
export function backoffMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), MAX_BACKOFF_MS);
}

/**
 * How long to wait before retrying, or undefined to give up. Retried: 429 (throttled, or a CRD's
 * storage still initializing right after it was created), 5xx, and connection errors (refused or
 * cut while the apiserver restarts); the wait follows {@link backoffMs}, or Retry-After (at most 10 s).
 */
export function retryDelayMs(err: unknown, attempt: number): number | undefined {
  if (attempt >= MAX_ATTEMPTS) return undefined;
  const backoff = backoffMs(attempt);
  if (err instanceof KubeHttpError) {
    if (err.statusCode !== 429 && err.statusCode < 500) return undefined;
    return err.retryAfterSeconds !== undefined ? Math.min(err.retryAfterSeconds * 1000, 10_000) : backoff;
  }
  return err instanceof KubernetesError && !(err.cause instanceof Error && err.cause.name === "AbortError")
    ? backoff
    : undefined;
}

function request<T>(
  mod: typeof http | typeof https,
  url: URL,
  opts: https.RequestOptions,
  path: string,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const req = mod.request(url, { ...opts, signal, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      // The connection cut while the body arrives (an apiserver killed mid-answer: "aborted") is a
      // connection error like any other, and retried as one.
      res.on("error", (e) => reject(new KubernetesError(`GET ${path}: ${e.message}`, { cause: e })));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          /* not JSON: keep the text for the message */
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body as T);
        else {
          const retryAfter = Number(res.headers["retry-after"]);
          reject(new KubeHttpError(status, path, body, Number.isFinite(retryAfter) ? retryAfter : undefined));
        }
      });
    });
    req.on("timeout", () =>
      req.destroy(new KubernetesError(`GET ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)),
    );
    req.on("error", (e) =>
      reject(e instanceof KubernetesError ? e : new KubernetesError(`GET ${path}: ${e.message}`, { cause: e })),
    );
    req.end();
  });
}

/** One served API resource (the preferred version of its group). */
export interface ApiResource {
  /** API group; `""` for the core group. */
  readonly group: string;
  /** The group's preferred version, e.g. `v1`. */
  readonly version: string;
  /** Plural resource name, e.g. `deployments`. */
  readonly resource: string;
  /** Kind, e.g. `Deployment`. */
  readonly kind: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  /** True when the server serves `<resource>/status`, i.e. a controller owns `status`. */
  readonly hasStatusSubresource: boolean;
}

/** `apiVersion` of a resource's objects: `v1` for core, `group/version` otherwise. */
export function apiVersionOf(r: Pick<ApiResource, "group" | "version">): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The collection path of a resource, cluster-wide or in one namespace. */
export function collectionPath(r: Pick<ApiResource, "group" | "version" | "resource">, namespace?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return `${root}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ""}/${r.resource}`;
}

interface RawResourceList {
  resources?: { name: string; kind: string; namespaced: boolean; verbs?: string[] }[];
}
interface RawGroupList {
  groups?: { name: string; preferredVersion?: { version: string }; versions?: { version: string }[] }[];
}

/** What discovery found, and the groups it could not read (an unavailable aggregated API, say). */
export interface DiscoveryResult {
  readonly resources: ApiResource[];
  readonly failedGroups: { group: string; reason: string }[];
}

/**
 * Discovers every resource of the preferred version of every group (custom resources included).
 * Subresources (`pods/log`) are folded into their parent (`hasStatusSubresource`). A group whose
 * resource list cannot be read is reported in `failedGroups`, not thrown: one broken aggregated API
 * must not stop a backup of everything else. Waits first until the apiserver is ready
 * ({@link KubeReader.waitReady}): before that, its group list is incomplete.
 */
export async function discoverResources(reader: KubeReader, signal?: AbortSignal): Promise<DiscoveryResult> {
  await reader.waitReady?.(signal);
  const groups = await reader.getJson<RawGroupList>("/apis", signal);
  const targets: { group: string; version: string; path: string }[] = [{ group: "", version: "v1", path: "/api/v1" }];
  for (const g of groups.groups ?? []) {
    const version = g.preferredVersion?.version ?? g.versions?.[0]?.version;
    if (version) targets.push({ group: g.name, version, path: `/apis/${g.name}/${version}` });
  }
  const failedGroups: { group: string; reason: string }[] = [];
  const lists = await Promise.all(
    targets.map(async (t) => {
      try {
        return { t, list: await reader.getJson<RawResourceList>(t.path, signal) };
      } catch (err) {
        if (signal?.aborted) throw err;
        failedGroups.push({ group: t.group || "core", reason: (err as Error).message });
        return { t, list: { resources: [] } as RawResourceList };
      }
    }),
  );
  const resources: ApiResource[] = [];
  for (const { t, list } of lists) {
    const all = list.resources ?? [];
    const withStatus = new Set(
      all.filter((r) => r.name.endsWith("/status")).map((r) => r.name.slice(0, -"/status".length)),
    );
    for (const r of all) {
      if (r.name.includes("/")) continue;
      resources.push({
        group: t.group,
        version: t.version,
        resource: r.name,
        kind: r.kind,
        namespaced: r.namespaced,
        verbs: r.verbs ?? [],
        hasStatusSubresource: withStatus.has(r.name),
      });
    }
  }
  return { resources, failedGroups };
}
