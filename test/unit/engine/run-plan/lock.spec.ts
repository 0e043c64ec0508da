import { describe, expect, it } from "vitest";
import { ConflictError } from "../../../../provider/errors";
import {
  acquireRunLock,
  releaseRunLock,
  RunLockedError,
  type RunLock,
} from "../../../../provider/engine/run-plan/lock";
import { STORE_LAYOUT, MemoryObjectStore } from "../../../../provider/store";

const KEY = STORE_LAYOUT.lockKey("daily");
const T0 = new Date("2025-03-01T02:00:00Z");
const opts = (over: Partial<Parameters<typeof acquireRunLock>[2]> = {}) => ({
  holder: "hks-plan-daily-29000000-abcde",
  runId: "run-a",
  now: T0,
  ttlSeconds: 3600,
  ...over,
});
const read = async (s: MemoryObjectStore) => JSON.parse((await s.tryGet(KEY))!.toString()) as RunLock;

describe("run lock", () => {
  it("acquire writes a write-once lock with holder and expiry; release removes it", async () => {
    const s = new MemoryObjectStore();
    const lock = await acquireRunLock(s, "daily", opts());
    expect(lock).toEqual({
      formatVersion: 1,
      plan: "daily",
      holder: "hks-plan-daily-29000000-abcde",
      runId: "run-a",
      acquiredAt: "2025-03-01T02:00:00.000Z",
      expiresAt: "2025-03-01T03:00:00.000Z",
    });
    expect(await read(s)).toEqual(lock);
    await releaseRunLock(s, lock);
    expect(await s.tryGet(KEY)).toBeUndefined();
  });

  it("a second run is refused while the lock is valid, naming the holder and since when", async () => {
    const s = new MemoryObjectStore();
    await acquireRunLock(s, "daily", opts());
    const err = await acquireRunLock(
      s,
      "daily",
      opts({ holder: "laptop:42", runId: "run-b", now: new Date(T0.getTime() + 59 * 60_000) }),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(RunLockedError);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toMatch(
      /plan "daily" is already running: memory:\/\/test holds its run lock for hks-plan-daily-29000000-abcde \(run run-a\) since 2025-03-01T02:00:00.000Z, valid until 2025-03-01T03:00:00.000Z/,
    );
    expect((await read(s)).runId).toBe("run-a");
  });

  it("an expired lock is broken with a warning and taken over", async () => {
    const s = new MemoryObjectStore();
    await acquireRunLock(s, "daily", opts());
    const log: string[] = [];
    const later = new Date(T0.getTime() + 3600_000 + 1);
    const lock = await acquireRunLock(
      s,
      "daily",
      opts({ holder: "pod-2", runId: "run-b", now: later, log: (l) => log.push(l) }),
    );
    expect(lock.runId).toBe("run-b");
    expect((await read(s)).holder).toBe("pod-2");
    expect(log).toEqual([
      expect.stringMatching(
        /warning: breaking the expired run lock of plan "daily" held by hks-plan-daily-29000000-abcde \(run run-a\) since 2025-03-01T02:00:00.000Z, expired at 2025-03-01T03:00:00.000Z/,
      ),
    ]);
  });

  it("an unreadable lock object is broken with a warning", async () => {
    const s = new MemoryObjectStore();
    await s.put(KEY, "not json");
    const log: string[] = [];
    await acquireRunLock(s, "daily", opts({ log: (l) => log.push(l) }));
    expect(log[0]).toMatch(/not a readable lock document/);
    expect((await read(s)).runId).toBe("run-a");
  });

  it("of two concurrent runs exactly one gets the lock", async () => {
    const s = new MemoryObjectStore();
    const results = await Promise.allSettled([
      acquireRunLock(s, "daily", opts({ runId: "a" })),
      acquireRunLock(s, "daily", opts({ runId: "b" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(RunLockedError);
  });

  it("release leaves a lock that now belongs to another run", async () => {
    const s = new MemoryObjectStore();
    const mine = await acquireRunLock(s, "daily", opts());
    await s.delete(KEY);
    const theirs = await acquireRunLock(s, "daily", opts({ runId: "run-b", holder: "pod-2" }));
    const log: string[] = [];
    await releaseRunLock(s, mine, (l) => log.push(l));
    expect((await read(s)).runId).toBe(theirs.runId);
    expect(log[0]).toMatch(/now belongs to pod-2 \(run run-b\); it is left in place/);
  });

  it("release of a lock already gone only warns", async () => {
    const s = new MemoryObjectStore();
    const lock = await acquireRunLock(s, "daily", opts());
    await s.delete(KEY);
    const log: string[] = [];
    await releaseRunLock(s, lock, (l) => log.push(l));
    expect(log[0]).toMatch(/already gone/);
  });

  it("a store error other than a conflict is not mistaken for a held lock", async () => {
    const s = new MemoryObjectStore();
    s.put = async () => {
      throw new Error("network down");
    };
    await expect(acquireRunLock(s, "daily", opts())).rejects.toThrow("network down");
  });
});
