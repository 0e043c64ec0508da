/**
 * Pushes and the collector of one PVC's packs never overlap (gc.ts): a collector deleting a pack that
 * a push has just decided to reuse would leave that push's backup naming data that is gone.
 *
 * Each side first writes its own lease object under `volume-data/<ns>/<pvc>/leases/`, then looks for
 * the other's: a push writes `push-<id>.json` and waits while a live `gc.json` exists; the collector
 * creates `gc.json` (write-once, so one collector at a time) and skips the PVC while any live push
 * lease exists. With a store that reads its own writes (S3, MinIO, a filesystem), of two that start
 * together at least one sees the other, and the collector is the one that gives way: it never waits,
 * so nothing deadlocks, and what it skipped the next delete collects.
 *
 * A lease of a process that died expires: a push's after {@link PUSH_LEASE_MS} (a push may run for
 * hours), the collector's after {@link GC_LEASE_MS}; the collector also stops before deleting when its
 * own lease has run out. Leases hold no secrets.
 */
import * as crypto from "node:crypto";
import * as os from "node:os";
import { ConflictError } from "../../errors";
import { isLive, parseExpiringDocument } from "../../format/expiring-document";
import { STORE_LAYOUT, type ObjectStore } from "../../store";

/** A push's lease lasts this long (24 h): longer than any push, so a live one never expires. */
export const PUSH_LEASE_MS = 24 * 3600_000;
/** The collector's lease lasts this long (15 min); it stops before deleting once it has run out. */
export const GC_LEASE_MS = 15 * 60_000;

/** The lease document. */
export interface VolumeLease {
  readonly formatVersion: 1;
  readonly kind: "push" | "gc";
  /** `<host>:<pid>` (a mover Pod's name is its host name). */
  readonly holder: string;
  /** The backup a push writes. */
  readonly backup?: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

/** Which PVC, and the clock. */
export interface LeaseOptions {
  readonly namespace: string;
  readonly pvc: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Pause between looks at a collector's lease, in ms. @default 1000 */
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

function leaseDoc(kind: VolumeLease["kind"], now: Date, ms: number, backup?: string): string {
  const doc: VolumeLease = {
    formatVersion: 1,
    kind,
    holder: `${os.hostname()}:${process.pid}`,
    ...(backup ? { backup } : {}),
    acquiredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ms).toISOString(),
  };
  return JSON.stringify(doc, null, 2);
}

const json = { contentType: "application/json" };

/**
 * Takes a push's lease of the PVC for `backup`, then waits while a live collector holds the PVC.
 * Returns the release (deletes the lease; never throws).
 */
export async function takePushLease(
  store: ObjectStore,
  backup: string,
  opts: LeaseOptions,
): Promise<() => Promise<void>> {
  const now = opts.now ?? (() => new Date());
  const key = STORE_LAYOUT.volumeLeaseKey(opts.namespace, opts.pvc, `push-${crypto.randomBytes(8).toString("hex")}`);
  await store.put(key, leaseDoc("push", now(), PUSH_LEASE_MS, backup), json);
  const release = () => store.delete(key).catch(() => undefined);
  try {
    const gcKey = STORE_LAYOUT.volumeLeaseKey(opts.namespace, opts.pvc, "gc");
    let told = false;
    for (;;) {
      const gc = parseExpiringDocument<VolumeLease>(await store.tryGet(gcKey));
      if (!gc || !isLive(gc, now())) break;
      if (!told) opts.log?.(`waiting: ${gc.holder} is collecting unused data of ${opts.namespace}/${opts.pvc}`);
      told = true;
      opts.signal?.throwIfAborted();
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  } catch (err) {
    await release();
    throw err;
  }
  return release;
}

/** The collector's turn at a PVC: `busy` says why it must skip it now. */
export type GcTurn =
  | { readonly busy: string }
  | { readonly release: () => Promise<void>; /** Epoch ms after which it must not delete. */ readonly until: number };

/** Takes the collector's lease of the PVC unless another collector or a live push holds it. */
export async function takeGcTurn(store: ObjectStore, opts: LeaseOptions): Promise<GcTurn> {
  const now = opts.now ?? (() => new Date());
  const key = STORE_LAYOUT.volumeLeaseKey(opts.namespace, opts.pvc, "gc");
  const started = now();
  let taken = false;
  for (let attempt = 0; attempt < 2 && !taken; attempt++) {
    try {
      await store.put(key, leaseDoc("gc", started, GC_LEASE_MS), json);
      taken = true;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      const held = parseExpiringDocument<VolumeLease>(await store.tryGet(key));
      if (held && isLive(held, now())) return { busy: `${held.holder} is collecting it since ${held.acquiredAt}` };
      await store.delete(key); // a collector that died
    }
  }
  if (!taken) return { busy: "another collector keeps taking its lease" };
  const release = () => store.delete(key).catch(() => undefined);
  try {
    for await (const e of store.list(STORE_LAYOUT.volumeLeasesPrefix(opts.namespace, opts.pvc))) {
      if (e.key === key) continue;
      const lease = parseExpiringDocument<VolumeLease>(await store.tryGet(e.key));
      if (lease && isLive(lease, now())) {
        await release();
        const what = `${lease.backup ? `backup ${lease.backup}, ` : ""}${lease.holder} since ${lease.acquiredAt}`;
        return { busy: `a push of it is running (${what})` };
      }
      await store.delete(e.key).catch(() => undefined); // a push that died long ago
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { release, until: started.getTime() + GC_LEASE_MS };
}
