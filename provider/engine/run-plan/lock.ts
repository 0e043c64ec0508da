/**
 * The run lock of a plan: one write-once object `hks/v1/locks/<plan>.json` in the plan's PRIMARY
 * location, so two runs of one plan (the CronJob and someone's manual `hks run-plan`, or two
 * clusters sharing a bucket) never back up, copy and prune at the same time.
 *
 * 1. Acquire = create the object; the store's write-once rule makes the create atomic (S3
 *    `If-None-Match: *`), so of two runners exactly one succeeds.
 * 2. A lock that exists and has not expired stops the run with {@link RunLockedError}, naming the
 *    holder and since when.
 * 3. A lock past `expiresAt` belongs to a run that died (its Job hit `activeDeadlineSeconds`, which
 *    equals the lock lifetime): it is broken with a warning and the create is retried. Breaking is
 *    delete-then-create; stores have no conditional delete, so two runners breaking the same expired
 *    lock at the same instant could both proceed. The CronJob's `concurrencyPolicy: Forbid` makes
 *    that window practically unreachable; the lock guards the rare overlap, not a hot race.
 * 4. Release deletes the lock only if it is still ours (same `runId`).
 * 5. The lock names the backup its run writes, so the run that breaks it knows what the dead run
 *    may have left half-written (run-plan.ts removes its incomplete uploads).
 */
import { ConflictError } from "../../errors";
import { isLive, parseExpiringDocument } from "../../format/expiring-document";
import { STORE_LAYOUT, type ObjectStore } from "../../store";

/** The lock document. Never holds secrets. */
export interface RunLock {
  readonly formatVersion: 1;
  readonly plan: string;
  /** Who runs: the Job's Pod name in the cluster, else `<host>:<pid>`. */
  readonly holder: string;
  /** Unique per run; release checks it. */
  readonly runId: string;
  readonly acquiredAt: string;
  readonly expiresAt: string;
  /** The backup this run writes (absent in locks of older runners). */
  readonly backup?: string;
}

/** A lock this run holds; `broken` is the expired lock it replaced, if any. */
export interface AcquiredRunLock extends RunLock {
  readonly broken?: RunLock;
}

/** Another run holds the plan's lock. */
export class RunLockedError extends ConflictError {
  constructor(
    readonly lock: RunLock,
    where: string,
  ) {
    super(
      `plan "${lock.plan}" is already running: ${where} holds its run lock for ${lock.holder} (run ` +
        `${lock.runId}) since ${lock.acquiredAt}, valid until ${lock.expiresAt}. ` +
        "Wait for that run to finish; if it died, the lock is broken automatically once it expires (or delete " +
        "the lock object)",
    );
  }
}

/** Options of {@link acquireRunLock}. */
export interface AcquireOptions {
  readonly holder: string;
  readonly runId: string;
  /** The run's clock. */
  readonly now: Date;
  /** Lock lifetime in seconds (the Job's deadline). */
  readonly ttlSeconds: number;
  /** The backup the run will write, recorded in the lock. */
  readonly backup?: string;
  readonly log?: (line: string) => void;
}

/** Takes the plan's run lock in `store`, breaking an expired one (see the module comment). */
export async function acquireRunLock(store: ObjectStore, plan: string, opts: AcquireOptions): Promise<AcquiredRunLock> {
  const key = STORE_LAYOUT.lockKey(plan);
  const log = opts.log ?? (() => undefined);
  const lock: RunLock = {
    formatVersion: 1,
    plan,
    holder: opts.holder,
    runId: opts.runId,
    acquiredAt: opts.now.toISOString(),
    expiresAt: new Date(opts.now.getTime() + opts.ttlSeconds * 1000).toISOString(),
    ...(opts.backup ? { backup: opts.backup } : {}),
  };
  let broken: RunLock | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await store.put(key, JSON.stringify(lock, null, 2), { contentType: "application/json" });
      return broken ? { ...lock, broken } : lock;
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
    const raw = await store.tryGet(key);
    if (raw === undefined) continue; // released between our create and our read: try again
    const held = parseExpiringDocument<RunLock>(raw);
    if (held && isLive(held, opts.now)) throw new RunLockedError(held, store.describe());
    log(
      held
        ? `warning: breaking the expired run lock of plan "${plan}" held by ${held.holder} (run ${held.runId}) ` +
            `since ${held.acquiredAt}, expired at ${held.expiresAt}: that run died without releasing it`
        : `warning: breaking the run lock of plan "${plan}": ${key} is not a readable lock document`,
    );
    // Re-read right before deleting, so a lock renewed meanwhile by someone else is not removed.
    const again = await store.tryGet(key);
    if (again !== undefined && !again.equals(raw)) continue;
    await store.delete(key);
    broken = held;
  }
  throw new ConflictError(
    `could not take the run lock of plan "${plan}" in ${store.describe()} after 3 attempts: another run keeps ` +
      `taking it`,
  );
}

/**
 * Releases `lock` if the stored lock is still this run's; otherwise leaves it and logs why (an
 * expired lock broken by a later run belongs to that run now). Never throws for a missing lock.
 */
export async function releaseRunLock(
  store: ObjectStore,
  lock: RunLock,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const key = STORE_LAYOUT.lockKey(lock.plan);
  const held = parseExpiringDocument<RunLock>(await store.tryGet(key));
  if (!held) {
    log(`warning: the run lock of plan "${lock.plan}" was already gone at release`);
    return;
  }
  if (held.runId !== lock.runId) {
    log(
      `warning: the run lock of plan "${lock.plan}" now belongs to ${held.holder} (run ${held.runId}); it is ` +
        `left in place`,
    );
    return;
  }
  await store.delete(key);
}
