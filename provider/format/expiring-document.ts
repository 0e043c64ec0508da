/**
 * The documents that guard work in a location for a while (a plan's run lock, a PVC's volume data
 * leases) share one reading rule: a document that does not parse or has no valid `expiresAt` counts
 * as absent, so a damaged one never blocks work forever.
 */

/** What every expiring document holds: when it stops counting (ISO 8601). */
export interface ExpiringDocument {
  readonly expiresAt: string;
}

/** The document in `buf`, or `undefined` when there is none or it is not a valid expiring document. */
export function parseExpiringDocument<T extends ExpiringDocument>(buf: Buffer | undefined): T | undefined {
  if (!buf) return undefined;
  try {
    const doc = JSON.parse(buf.toString("utf8")) as T;
    return typeof doc?.expiresAt === "string" && !Number.isNaN(Date.parse(doc.expiresAt)) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `doc` still holds at `now` (it stops holding at `expiresAt`). */
export const isLive = (doc: ExpiringDocument, now: Date): boolean => Date.parse(doc.expiresAt) > now.getTime();
