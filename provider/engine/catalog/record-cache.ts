/**
 * What a backup's records said, kept between reads of a location. A backup's manifest (or failure
 * record) is written once and never changed, so the summary read from it stays true while the
 * listing shows the same object: same key, size, last-modified time and ETag. A location of a
 * thousand backups is then one LIST and no GET, instead of a thousand GETs on every page.
 * A changed or deleted record simply misses; the cache never answers for an object the listing does
 * not show.
 */
import type { ObjectEntry } from "../../store";
import type { BackupSummary } from "./summary";

/** A summary as cached: everything but the folder's bytes, which the listing gives anyway. */
export type CachedSummary = Omit<BackupSummary, "bytes">;

/** One cached record: its validator and what it said. */
export interface RecordCacheEntry {
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly lastModified: number;
  readonly etag?: string;
  readonly summary: CachedSummary;
}

/** The summaries of one location's records. */
export class RecordCache {
  private readonly entries: Map<string, RecordCacheEntry>;
  private readonly seen = new Set<string>();
  private changed = false;

  constructor(entries: Iterable<[string, RecordCacheEntry]> = []) {
    this.entries = new Map(entries);
  }

  /** The summary cached for `record`, when the listed object is the one it was read from. */
  get(record: ObjectEntry): CachedSummary | undefined {
    this.seen.add(record.key);
    const e = this.entries.get(record.key);
    if (!e || e.size !== record.size || e.lastModified !== record.lastModified.getTime()) return undefined;
    if ((e.etag ?? "") !== (record.etag ?? "")) return undefined;
    return e.summary;
  }

  set(record: ObjectEntry, summary: CachedSummary): void {
    this.seen.add(record.key);
    this.entries.set(record.key, {
      size: record.size,
      lastModified: record.lastModified.getTime(),
      ...(record.etag ? { etag: record.etag } : {}),
      summary,
    });
    this.changed = true;
  }

  /**
   * The entries to keep after a whole listing: only records it showed (a deleted backup's go).
   * `changed` says whether they differ from what was loaded.
   */
  retained(): { entries: [string, RecordCacheEntry][]; changed: boolean } {
    const keep = [...this.entries].filter(([k]) => this.seen.has(k));
    return { entries: keep, changed: this.changed || keep.length !== this.entries.size };
  }
}
