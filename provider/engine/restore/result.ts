/**
 * Collects per-object outcomes of a restore and shapes them into the result: counts, and skips and
 * failures grouped by reason, so a restore over 10,000 existing objects reports one line
 * ("already exists: 10000") instead of 10,000 warnings (velero #6818, #4524).
 */
import { MAX_ITEMS_PER_REASON, type ReasonGroup, type RestorePhase } from "./types";
import type { RestoreCounts } from "../../types";

/** Most distinct warnings kept; more are summarised, so a result stays small. */
export const MAX_WARNINGS = 50;

class ReasonGroups {
  private readonly groups = new Map<string, { count: number; items: string[] }>();

  add(reason: string, item: string): void {
    let g = this.groups.get(reason);
    if (!g) this.groups.set(reason, (g = { count: 0, items: [] }));
    g.count++;
    if (g.items.length < MAX_ITEMS_PER_REASON) g.items.push(item);
  }

  get total(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.count;
    return n;
  }

  /** Largest groups first, then by reason, so the result reads the same on every run. */
  toArray(): ReasonGroup[] {
    return [...this.groups.entries()]
      .map(([reason, g]) => ({ reason, count: g.count, items: [...g.items] }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  }
}

/** The outcome log of one restore. Safe to call from concurrent tasks (single-threaded JS). */
export class RestoreOutcomes {
  created = 0;
  updated = 0;
  unchanged = 0;
  private readonly skips = new ReasonGroups();
  private readonly failures = new ReasonGroups();
  private readonly warningList: string[] = [];
  private droppedWarnings = 0;

  restored(action: "created" | "updated" | "unchanged"): void {
    this[action]++;
  }

  skipped(item: string, reason: string): void {
    this.skips.add(reason, item);
  }

  failed(item: string, reason: string): void {
    this.failures.add(reason, item);
  }

  warn(message: string): void {
    if (this.warningList.includes(message)) return;
    if (this.warningList.length < MAX_WARNINGS) this.warningList.push(message);
    else this.droppedWarnings++;
  }

  get restoredCount(): number {
    return this.created + this.updated + this.unchanged;
  }

  get skippedCount(): number {
    return this.skips.total;
  }

  get failedCount(): number {
    return this.failures.total;
  }

  counts(): RestoreCounts {
    const restored = this.restoredCount;
    return {
      total: restored + this.skippedCount + this.failedCount,
      restored,
      created: this.created,
      updated: this.updated,
      unchanged: this.unchanged,
      skipped: this.skippedCount,
      failed: this.failedCount,
    };
  }

  skippedGroups(): ReasonGroup[] {
    return this.skips.toArray();
  }

  failedGroups(): ReasonGroup[] {
    return this.failures.toArray();
  }

  warnings(): string[] {
    return this.droppedWarnings
      ? [...this.warningList, `... and ${this.droppedWarnings} more warnings`]
      : [...this.warningList];
  }
}

/**
 * The phase of a restore: Failed when it stopped as a whole or nothing could be restored of what was
 * attempted; PartiallyFailed when some objects failed; Completed otherwise. Skips never lower it.
 */
export function restorePhase(o: { restored: number; failed: number; fatal: boolean }): RestorePhase {
  if (o.fatal || (o.failed > 0 && o.restored === 0)) return "Failed";
  return o.failed > 0 ? "PartiallyFailed" : "Completed";
}

/** A one-line summary: `Completed: 41 restored (40 created, 1 updated), 3 skipped, 0 failed`. */
export function summarizeRestoreCounts(
  phase: RestorePhase,
  c: { restored: number; created: number; updated: number; unchanged: number; skipped: number; failed: number },
): string {
  const parts = [
    `${c.created} created`,
    ...(c.updated ? [`${c.updated} updated`] : []),
    ...(c.unchanged ? [`${c.unchanged} unchanged`] : []),
  ];
  return `${phase}: ${c.restored} restored (${parts.join(", ")}), ${c.skipped} skipped, ${c.failed} failed`;
}
