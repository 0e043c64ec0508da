/**
 * The item collector (velero `item_collector.go`): LISTs every selected resource type page by page
 * (`limit`/`continue`) with bounded concurrency, and hands each page to a sink as it arrives. Nothing
 * is accumulated here: memory is at most `concurrency × pageSize` objects, whatever the cluster holds.
 *
 * Errors are kept apart as velero does: a resource type that cannot be listed (RBAC, an unavailable
 * aggregated API) is reported to the sink and the rest goes on; an error thrown by the sink (the
 * archive or the upload broke) stops every lister and is rethrown.
 */
import pLimit from "p-limit";
import { apiVersionOf, collectionPath, type ApiResource, type KubeReader } from "../../kube/discovery";
import { statusOf } from "../../kube/client";
import type { ListedObject } from "../../format/kube-object";
import { DEFAULT_PAGE_SIZE, type RawList } from "../../kube/list-objects";

/** Resource types (× namespaces) listed at once: enough to hide API latency, few enough not to load the server. */
export const DEFAULT_LIST_CONCURRENCY = 4;

/** Where pages go. */
export interface CollectSink {
  /**
   * One page of `resource` objects (each with `apiVersion` and `kind` set, which LIST omits).
   * `remaining` is the server's estimate of objects still to come for this request, when it gives one.
   * Awaited before the next page of this request is fetched: that is the backpressure.
   */
  onPage(
    resource: ApiResource,
    namespace: string | undefined,
    items: ListedObject[],
    remaining: number | undefined,
  ): Promise<void>;
  /**
   * A resource type (in one namespace, or cluster-wide) could not be listed; the collector goes on.
   * `gone` is set when the type is no longer served (404: e.g. its CRD was deleted meanwhile), which
   * means there is nothing to back up rather than something missing.
   */
  onListError(resource: ApiResource, namespace: string | undefined, reason: string, gone: boolean): void;
}

/** Options of {@link collectResources}. */
export interface CollectOptions {
  /** Label selector passed to the server (canonical text). @default none */
  readonly labelSelector?: string;
  /** @default DEFAULT_PAGE_SIZE */
  readonly pageSize?: number;
  /** @default DEFAULT_LIST_CONCURRENCY */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/**
 * Lists `resources` in each of `scopes` (a namespace, or `undefined` for cluster-wide) and streams
 * the pages into `sink`. Resolves when every list is done; rejects with the first sink error.
 */
export async function collectResources(
  reader: KubeReader,
  resources: readonly ApiResource[],
  scopes: readonly (string | undefined)[],
  sink: CollectSink,
  opts: CollectOptions = {},
): Promise<void> {
  const limit = pLimit(opts.concurrency ?? DEFAULT_LIST_CONCURRENCY);
  let fatal: { error: unknown } | undefined;
  const tasks = resources.flatMap((r) =>
    scopes.map((ns) =>
      limit(async () => {
        if (fatal) return;
        try {
          await listAll(reader, r, ns, sink, opts, () => fatal !== undefined);
        } catch (error) {
          fatal ??= { error };
        }
      }),
    ),
  );
  await Promise.all(tasks);
  if (fatal) throw fatal.error;
}

async function listAll(
  reader: KubeReader,
  r: ApiResource,
  ns: string | undefined,
  sink: CollectSink,
  opts: CollectOptions,
  stopped: () => boolean,
): Promise<void> {
  let token: string | undefined;
  const apiVersion = apiVersionOf(r);
  do {
    if (stopped()) return;
    opts.signal?.throwIfAborted();
    const q = new URLSearchParams({ limit: String(opts.pageSize ?? DEFAULT_PAGE_SIZE) });
    if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
    if (token) q.set("continue", token);
    let page: RawList;
    try {
      page = await reader.getJson<RawList>(`${collectionPath(r, ns)}?${q}`, opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      // 410: the continue token expired (the list took longer than the server keeps history).
      const hint =
        statusOf(err) === 410 ? " (the list took too long and its continue token expired; run the backup again)" : "";
      sink.onListError(r, ns, `${(err as Error).message}${hint}`, statusOf(err) === 404 && token === undefined);
      return;
    }
    // Set in place: the page is ours, fresh from JSON.parse, and a copy per object is measurable at
    // 50,000 objects. (The item backupper's sanitized view puts them first again, as kubectl prints.)
    const items = page.items ?? [];
    for (const o of items) {
      o.apiVersion = apiVersion;
      o.kind = r.kind;
    }
    token = page.metadata?.continue || undefined;
    await sink.onPage(r, ns, items, token ? page.metadata?.remainingItemCount : 0);
  } while (token);
}
