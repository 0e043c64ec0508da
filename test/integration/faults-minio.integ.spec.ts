/**
 * Fault: MinIO dies in the middle of an upload (issue 8, "Faults"). On a private stack (this file
 * kills and restarts its MinIO), a namespace of random-content ConfigMaps makes an archive of
 * several 8 MiB parts, so the upload is a real multipart upload. MinIO is frozen (SIGSTOP) the
 * moment the upload is seen under way, so no request can complete after that point, then killed
 * (SIGKILL) and later started again on the same port and data folder.
 *
 * Expected: the backup fails with a StorageError naming the location, no manifest is written,
 * nothing claims success (exit code, `hks backup list`), and after the restart the next run succeeds.
 * MinIO frozen and left frozen (a hung endpoint, not a dead one): the location's idle timeout ends
 * the requests, and the backup fails the same way instead of hanging.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { BackupListJson } from "../../cli/backup/format";
import { startStackProcess, stopStackProcess, type StackInfo } from "../../cli/dev/stack";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { createTestLocation } from "../support/backup-fixture";
import {
  adminKc,
  ensureRunning,
  freeze,
  hks,
  incompleteUploads,
  s3Of,
  spawnHks,
  stopPrivateStack,
  startUploadFaultScene,
  thaw,
} from "../support/faults";
import { waitFor } from "../support/wait";

const SRC = "big-app";
const LOC_NS = "hks-faults";
const BUCKET = "faults-minio";
/** The archive's key in the bucket: where a multipart upload of backup `name` lives. */
const archiveKey = (name: string) => `team-a/${STORE_LAYOUT.backupResourcesKey(name)}`;
let info: StackInfo;
let store: ObjectStore;

const hksIn = (args: string[], env?: Record<string, string>) => hks(info, ["-n", LOC_NS, ...args], env);
const phasesOf = async (name: string) =>
  (JSON.parse((await hksIn(["backup", "list", "-o", "json"])).stdout) as BackupListJson[])
    .filter((b) => b.name === name)
    .map((b) => b.phase);

/** Freezes MinIO (nothing completes from here on), then kills it. */
async function killMinio(): Promise<void> {
  freeze(info, "minio");
  await stopStackProcess(info, "minio", "SIGKILL");
}

/** A second location on the same bucket whose requests give up after 2 s without a byte moving. */
const QUICK = { name: "quick", prefix: "team-b", idleTimeoutSeconds: 2 };

beforeAll(async () => {
  ({ info, store } = await startUploadFaultScene("faults-minio", {
    src: SRC,
    locationNamespace: LOC_NS,
    bucket: BUCKET,
  }));
  await createTestLocation(adminKc(info), { ...QUICK, namespace: LOC_NS, bucket: BUCKET, s3: s3Of(info) });
}, 300_000);

// A test that failed half-way must not leave MinIO frozen or down for the next one.
afterEach(async () => {
  thaw(info, "minio");
  info = await ensureRunning(info, "minio");
});

afterAll(async () => {
  await stopPrivateStack(info);
});

describe("MinIO killed in the middle of an upload", () => {
  it(
    "hks backup create: Failed with a StorageError naming the location, no manifest, not listed as Completed; " +
      "after a restart the next backup completes and delete removes the leftover upload",
    async () => {
      const run = spawnHks(info, [
        "-n",
        LOC_NS,
        "backup",
        "create",
        "during-outage",
        "--include-namespaces",
        SRC,
        "--storage-location",
        "main",
      ]);
      await run.waitForOutput(/upload: \d+, [\d.]+ MiB/);
      await killMinio();
      const { code } = await run.exit;
      expect(code, run.stderr()).toBe(1);
      expect(run.stdout(), run.stderr()).toMatch(
        /^Backup "during-outage" Failed after [\d.]+s \(location main\):\n {2}error: backup: StorageError: writing "hks\/v1\/backups\/during-outage\/resources.tar.gz" in s3:\/\/faults-minio\/team-a failed \(ECONN\w+\)/,
      );

      info = await startStackProcess(info, "minio");
      expect(await store.tryGet(STORE_LAYOUT.backupManifestKey("during-outage"))).toBeUndefined();
      // Nothing was stored, so nothing lists it at all; in particular not as Completed.
      expect(await phasesOf("during-outage")).toEqual([]);
      // The parts already sent stay as an incomplete upload (its abort could not reach MinIO).
      expect(await incompleteUploads(info, BUCKET, archiveKey("during-outage"))).toBe(1);

      const next = await hksIn([
        "backup",
        "create",
        "after-outage",
        "--include-namespaces",
        SRC,
        "--storage-location",
        "main",
      ]);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout).toMatch(/^Backup "after-outage" Completed: 6\d objects/);
      expect(await phasesOf("after-outage")).toEqual(["Completed"]);

      // The explicit clean-up step for a one-off backup (a plan's runner does it by itself, below).
      const del = await hksIn(["backup", "delete", "during-outage", "--storage-location", "main"]);
      expect(del.code, del.stderr).toBe(0);
      expect(del.stdout).toBe('Deleted backup "during-outage" from main: 0 objects, 1 incomplete upload\n');
      expect(await incompleteUploads(info, BUCKET, archiveKey("during-outage"))).toBe(0);
    },
  );

  it(
    "hks run-plan: MinIO killed while publishing; the run fails saying nothing was stored; the next run breaks " +
      "the stale lock, removes the leftover upload and succeeds",
    async () => {
      const first = "nightly-20250101020000";
      const run = spawnHks(info, ["-n", LOC_NS, "run-plan", "nightly"], { HKS_NOW: "2025-01-01T02:00:00Z" });
      // The backup is taken into the runner's local spill first; publishing to MinIO follows at once.
      await run.waitForOutput(new RegExp(`backup ${first}: Completed`));
      await waitFor(
        "the publish's multipart upload",
        30_000,
        async () => ((await incompleteUploads(info, BUCKET, archiveKey(first))) > 0 ? true : undefined),
        50,
      );
      await killMinio();
      const { code } = await run.exit;
      expect(code, run.stderr()).toBe(1);
      expect(run.stdout()).toMatch(
        new RegExp(`^plan nightly: backup ${first} NOT STORED \\(taken Completed, but publishing it to main failed\\)`),
      );
      expect(run.stdout()).toMatch(
        /error: publishing nightly-20250101020000: StorageError: writing .* in s3:\/\/faults-minio\/team-a failed/,
      );
      expect(run.stdout()).toMatch(/result: failed \(exit 1\)/);

      info = await startStackProcess(info, "minio");
      expect(await store.tryGet(STORE_LAYOUT.backupManifestKey(first))).toBeUndefined();
      expect(await phasesOf(first)).toEqual([]);
      expect(await incompleteUploads(info, BUCKET, archiveKey(first))).toBe(1);
      // Releasing the lock needed MinIO too: it is still there, naming the backup it was writing.
      expect(JSON.parse((await store.tryGet(STORE_LAYOUT.lockKey("nightly")))!.toString())).toMatchObject({
        backup: first,
      });

      const next = await hksIn(["run-plan", "nightly"], { HKS_NOW: "2025-01-02T02:00:00Z" });
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.stderr).toMatch(/warning: breaking the expired run lock of plan "nightly"/);
      expect(next.stderr).toContain(
        `removed 1 incomplete upload(s) of backup ${first} from s3://faults-minio/team-a: left by the run that died`,
      );
      expect(await phasesOf("nightly-20250102020000")).toEqual(["Completed"]);
      expect(await incompleteUploads(info, BUCKET, archiveKey(first))).toBe(0);
    },
  );

  it(
    "MinIO frozen and left frozen: the idle timeout ends every request, the backup fails naming the location " +
      "instead of hanging; thawed, the next backup completes",
    async () => {
      const run = spawnHks(info, [
        "-n",
        LOC_NS,
        "backup",
        "create",
        "while-frozen",
        "--include-namespaces",
        SRC,
        "--storage-location",
        QUICK.name,
      ]);
      await run.waitForOutput(/upload: \d+, [\d.]+ MiB/);
      freeze(info, "minio");
      // Without the timeout this never returns (the test's own timeout would fail it).
      const { code } = await run.exit;
      thaw(info, "minio");
      expect(code, run.stderr()).toBe(1);
      expect(run.stdout(), run.stderr()).toMatch(
        /^Backup "while-frozen" Failed after [\d.]+s \(location quick\):\n {2}error: backup: StorageError: writing "hks\/v1\/backups\/while-frozen\/resources.tar.gz" in s3:\/\/faults-minio\/team-b failed \(TimeoutError\)/,
      );
      expect(run.stdout()).toContain(
        "the endpoint stopped answering (no byte moved within objectStorage.idleTimeoutSeconds, 3 attempts)",
      );
      expect(await phasesOf("while-frozen")).toEqual([]);

      const next = await hksIn([
        "backup",
        "create",
        "after-thaw",
        "--include-namespaces",
        SRC,
        "--storage-location",
        QUICK.name,
      ]);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stdout).toMatch(/^Backup "after-thaw" Completed: 6\d objects/);
      // The frozen run's abort was sent but timed out; MinIO may still act on it once thawed (the
      // request sat in its socket buffer). Whatever is left goes with an explicit delete.
      const leftKey = `${QUICK.prefix}/${STORE_LAYOUT.backupResourcesKey("while-frozen")}`;
      if ((await incompleteUploads(info, BUCKET, leftKey)) > 0) {
        const del = await hksIn(["backup", "delete", "while-frozen", "--storage-location", QUICK.name]);
        expect(del.code, del.stderr).toBe(0);
        expect(del.stdout).toBe('Deleted backup "while-frozen" from quick: 0 objects, 1 incomplete upload\n');
      }
      expect(await incompleteUploads(info, BUCKET, leftKey)).toBe(0);
    },
  );
});
