/**
 * Paged LIST of one resource type through the raw reader (`limit`/`continue`): the one way this
 * project lists objects, for the collector's pages and the small side lists (pods, CRDs, classes).
 */
import type { ListedObject } from "../format/kube-object";
import { collectionPath, type ApiResource, type KubeReader } from "./discovery";

/** Objects per LIST page. Bounds memory with the collector's DEFAULT_LIST_CONCURRENCY. */
export const DEFAULT_PAGE_SIZE = 500;

/** One page of a LIST, as the API server returns it. */
export interface RawList {
  metadata?: { continue?: string; remainingItemCount?: number };
  items?: ListedObject[];
}

/**
 * Every object of one resource type (in one namespace, or cluster-wide), page by page, for the
 * small side lists a backup needs (pods for hooks, CRDs, snapshot classes). Errors propagate.
 */
export async function* listObjects(
  reader: KubeReader,
  r: Pick<ApiResource, "group" | "version" | "resource">,
  opts: { namespace?: string; labelSelector?: string; pageSize?: number; signal?: AbortSignal } = {},
): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ limit: String(opts.pageSize ?? DEFAULT_PAGE_SIZE) });
    if (opts.labelSelector) q.set("labelSelector", opts.labelSelector);
    if (token) q.set("continue", token);
    const page = await reader.getJson<RawList>(`${collectionPath(r, opts.namespace)}?${q}`, opts.signal);
    yield* page.items ?? [];
    token = page.metadata?.continue || undefined;
  } while (token);
}
