/**
 * The engine changes made for issue 8's fault tests (test/integration/faults-*.integ.spec.ts), at
 * unit level: an archive abandoned mid-entry, the upload's error preferred over the stream's, the
 * retry budget, the run lock naming its backup, the clean-up of a dead run's upload, and a run
 * summary that never says Completed for a backup stored nowhere.
 */
import * as crypto from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { StorageError } from "../../../provider/errors";
import { createArchiveWriter } from "../../../provider/engine/archive/archive";
import { startArchiveUpload } from "../../../provider/engine/backup/upload";
import { abortBackupUploads } from "../../../provider/engine/catalog/catalog";
import { acquireRunLock } from "../../../provider/engine/run-plan/lock";
import { formatRunSummary } from "../../../provider/engine/run-plan/report";
import { backoffMs, MAX_ATTEMPTS, MAX_BACKOFF_MS } from "../../../provider/kube/discovery";
import {
  MemoryObjectStore,
  type AbortIncompleteOptions,
  type PutOptions,
  type PutResult,
} from "../../../provider/store";

describe("an archive abandoned while an entry waits for its reader", () => {
  it("rejects the pending addEntry and raises no unhandled error event", async () => {
    const w = createArchiveWriter();
    // Nobody reads `w.stream`: a 4 MiB entry waits on backpressure, as when the upload has died.
    const pending = w.addEntry("resources/configmaps/ns/big.yaml", crypto.randomBytes(4 << 20));
    w.abort(new Error("the upload failed"));
    await expect(pending).rejects.toThrow(/the upload failed|aborted/);
  });
});

describe("startArchiveUpload when the store fails mid-upload", () => {
  /** A store whose upload takes the first chunk, then fails as if the service went away. */
  function failingStore(failure: Error): MemoryObjectStore {
    return Object.assign(new MemoryObjectStore("x"), {
      async putStream(_key: string, body: Readable, _opts?: PutOptions): Promise<PutResult> {
        await new Promise((resolve) => body.once("readable", resolve));
        body.destroy();
        throw failure;
      },
    });
  }

  it("abort() resolves with the store's own error: the one to report", async () => {
    const failure = new StorageError('writing "k" in memory://x failed (ECONNREFUSED)');
    const upload = startArchiveUpload(failingStore(failure), "k", { recipients: [] });
    // Whether this add() fails first, with a bare stream error, is a race; the caller aborts either way.
    await upload.add("resources/configmaps/ns/a.yaml", crypto.randomBytes(4 << 20)).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(await upload.abort(new Error("stream torn down"))).toBe(failure);
  });

  it("abort() resolves with undefined when the upload failed only because of the abort", async () => {
    const reason = new Error("a LIST failed");
    const store = Object.assign(new MemoryObjectStore("x"), {
      async putStream(_key: string, body: Readable): Promise<PutResult> {
        try {
          for await (const _ of body) {
            /* consume until the archive is abandoned */
          }
        } catch (e) {
          throw new StorageError("writing failed", { cause: e });
        }
        return { bytes: 0, sha256: "" };
      },
    });
    const upload = startArchiveUpload(store, "k", { recipients: [] });
    await upload.add("resources/configmaps/ns/a.yaml", "a: 1\n");
    expect(await upload.abort(reason)).toBeUndefined();
  });
});

describe("API request retries", () => {
  it("back off from 250 ms to at most MAX_BACKOFF_MS, about half a minute in all: an apiserver restart fits", () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([250, 500, 1000, 2000, 4000, MAX_BACKOFF_MS]);
    const total = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => backoffMs(i + 1)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(20_000);
    expect(total).toBeLessThanOrEqual(40_000);
  });
});

describe("the run lock names its backup", () => {
  const opts = {
    holder: "pod-1",
    runId: "run-a",
    now: new Date("2025-03-01T02:00:00Z"),
    ttlSeconds: 3600,
    backup: "daily-20250301020000",
  };

  it("records it, and a run breaking the expired lock learns which backup the dead run was writing", async () => {
    const s = new MemoryObjectStore();
    expect(await acquireRunLock(s, "daily", opts)).toMatchObject({ backup: "daily-20250301020000" });
    const next = await acquireRunLock(s, "daily", {
      ...opts,
      runId: "run-b",
      now: new Date("2025-03-02T02:00:00Z"),
      backup: "daily-20250302020000",
      log: () => undefined,
    });
    expect(next).toMatchObject({
      runId: "run-b",
      backup: "daily-20250302020000",
      broken: { runId: "run-a", backup: "daily-20250301020000" },
    });
  });

  it("a lock taken without breaking another has no `broken`", async () => {
    expect(await acquireRunLock(new MemoryObjectStore(), "daily", opts)).not.toHaveProperty("broken");
  });
});

describe("abortBackupUploads", () => {
  it(
    "asks for the backup's folder and, one by one, both archive keys (MinIO lists them only so " + "after a restart)",
    async () => {
      const calls: [string, AbortIncompleteOptions | undefined][] = [];
      const store = Object.assign(new MemoryObjectStore(), {
        async abortIncompleteUploads(prefix: string, o?: AbortIncompleteOptions) {
          calls.push([prefix, o]);
          return 1;
        },
      });
      expect(await abortBackupUploads(store, "daily-20250301020000")).toBe(1);
      expect(calls).toEqual([
        [
          "hks/v1/backups/daily-20250301020000/",
          {
            keys: [
              "hks/v1/backups/daily-20250301020000/resources.tar.gz",
              "hks/v1/backups/daily-20250301020000/resources.tar.gz.age",
            ],
          },
        ],
      ]);
    },
  );
});

describe("formatRunSummary", () => {
  it("a backup taken but not published to the primary is NOT STORED, never Completed", () => {
    const lines = formatRunSummary({
      plan: "daily",
      backupName: "daily-20250301020000",
      phase: "Completed",
      backupSummary: "3 objects (2 types)",
      locations: [
        { location: "main", role: "primary", errors: ["publishing daily-20250301020000: StorageError: ..."] },
      ],
      errors: [],
      warnings: [],
    });
    expect(lines[0]).toBe(
      "plan daily: backup daily-20250301020000 NOT STORED (taken Completed, but publishing it to main failed): " +
        "3 objects (2 types)",
    );
    expect(lines.at(-1)).toBe("result: failed (exit 1)");
  });
});
