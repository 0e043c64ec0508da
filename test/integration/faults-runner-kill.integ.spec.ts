/**
 * Fault: the process taking a backup is killed with SIGKILL half-way (issue 8, "Faults"): no
 * handler runs, nothing is cleaned up, the run lock is not released. Both entry points are killed:
 * `hks backup create` and `hks run-plan` (the CronJob's command), the latter in its two phases
 * (taking the backup into its local spill, then publishing it to the bucket). Also here: two runs
 * of one plan started at the same moment, as real processes.
 *
 * Expected: no manifest and nothing listed as Completed; the next run succeeds. For the plan: the
 * killed run's lock stops the next run with a message naming the holder and its expiry, then, once
 * expired, is broken with a warning, and the dead run's incomplete upload is removed.
 * Runs on the run's shared stack (it kills only processes of its own), in namespaces and a bucket of
 * its own, with an archive of several 8 MiB parts (random data).
 */
import * as k8s from "@kubernetes/client-node";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { BackupListJson } from "../../cli/backup/format";
import type { StackInfo } from "../../cli/dev/stack";
import { STORE_LAYOUT, type ObjectStore } from "../../provider/store";
import { hks, incompleteUploads, spawnHks, adminKc, type HksRun, startUploadFaultScene } from "../support/faults";
import { waitFor } from "../support/wait";

const id = crypto.randomBytes(3).toString("hex");
const SRC = `big-app-${id}`;
const LOC_NS = `hks-faults-${id}`;
const BUCKET = `faults-kill-${id}`;
/** What the lock messages say the plan's storage is. */
const LOCK_AT = `s3://${BUCKET}/team-a`;
const archiveKey = (name: string) => `team-a/${STORE_LAYOUT.backupResourcesKey(name)}`;
const info: StackInfo = inject("stack");
let store: ObjectStore;
/** TMPDIR of the runners, so a killed run's spill folder can be seen. */
let tmp: string;

const hksIn = (args: string[], env?: Record<string, string>) => hks(info, ["-n", LOC_NS, ...args], env);
const runPlan = (now: string) => spawnHks(info, ["-n", LOC_NS, "run-plan", "nightly"], { HKS_NOW: now, TMPDIR: tmp });
const phasesOf = async (name: string) =>
  (JSON.parse((await hksIn(["backup", "list", "-o", "json"])).stdout) as BackupListJson[])
    .filter((b) => b.name === name)
    .map((b) => b.phase);
const lockDoc = async () =>
  JSON.parse((await store.tryGet(STORE_LAYOUT.lockKey("nightly")))?.toString() ?? "null") as Record<
    string,
    string
  > | null;

/** SIGKILLs `run` and waits until it is gone. */
async function kill(run: HksRun): Promise<void> {
  run.child.kill("SIGKILL");
  expect(await run.exit).toEqual({ code: null, signal: "SIGKILL" });
}

beforeAll(async () => {
  ({ store } = await startUploadFaultScene(
    "faults-kill",
    { src: SRC, locationNamespace: LOC_NS, bucket: BUCKET },
    info,
  ));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-faults-kill-tmp-"));
}, 300_000);

afterAll(async () => {
  const core = adminKc(info).makeApiClient(k8s.CoreV1Api);
  for (const name of [SRC, LOC_NS]) await core.deleteNamespace({ name }).catch(() => undefined);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("the backup process killed with SIGKILL mid-backup", () => {
  it(
    "hks backup create: no manifest, not listed, the upload left is removed by delete; the next " + "backup completes",
    async () => {
      const run = spawnHks(info, [
        "-n",
        LOC_NS,
        "backup",
        "create",
        "killed",
        "--include-namespaces",
        SRC,
        "--storage-location",
        "main",
      ]);
      await run.waitForOutput(/upload: \d+, [\d.]+ MiB/);
      await kill(run);
      expect(await store.tryGet(STORE_LAYOUT.backupManifestKey("killed"))).toBeUndefined();
      // No object was completed, so nothing lists it (a folder with objects but no record would be Incomplete).
      expect(await phasesOf("killed")).toEqual([]);
      expect(await incompleteUploads(info, BUCKET, archiveKey("killed"))).toBe(1);
      const del = await hksIn(["backup", "delete", "killed", "--storage-location", "main"]);
      expect(del.stdout, del.stderr).toBe('Deleted backup "killed" from main: 0 objects, 1 incomplete upload\n');
      const next = await hksIn([
        "backup",
        "create",
        "after-kill",
        "--include-namespaces",
        SRC,
        "--storage-location",
        "main",
      ]);
      expect(next.code, next.stderr).toBe(0);
      expect(await phasesOf("after-kill")).toEqual(["Completed"]);
    },
  );

  it(
    "hks run-plan killed while taking the backup: its lock stops the next run naming holder and expiry; once " +
      "expired it is broken with a warning and the run succeeds",
    async () => {
      const run = runPlan("2025-01-01T02:00:00Z");
      await run.waitForOutput(/upload: \d+/); // streaming into the local spill
      await kill(run);
      // The lock stays (nothing released it) and says which backup its run was writing.
      expect(await lockDoc()).toMatchObject({
        plan: "nightly",
        backup: "nightly-20250101020000",
        expiresAt: expect.stringMatching(/^2025-01-01T08:00:00\./),
      });
      expect(await phasesOf("nightly-20250101020000")).toEqual([]);
      // Its spill folder stays in TMPDIR (in the CronJob that is the Pod's emptyDir, gone with the Pod).
      expect(fs.readdirSync(tmp).filter((d) => d.startsWith("hks-run-"))).toHaveLength(1);

      const held = await hksIn(["run-plan", "nightly"], { HKS_NOW: "2025-01-01T03:00:00Z", TMPDIR: tmp });
      expect(held.code).toBe(4);
      expect(held.stderr).toMatch(
        new RegExp(
          `plan "nightly" is already running: ${LOCK_AT} holds its run lock for \\S+ \\(run \\w+\\) ` +
            `since 2025-01-01T02:00:00\\.\\d+Z, valid until 2025-01-01T08:00:00\\.\\d+Z`,
        ),
      );

      const next = await hksIn(["run-plan", "nightly"], { HKS_NOW: "2025-01-01T08:30:00Z", TMPDIR: tmp });
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.stderr).toMatch(
        /warning: breaking the expired run lock of plan "nightly" held by \S+ \(run \w+\) since 2025-01-01T02:00:00\.\d+Z, expired at 2025-01-01T08:00:00\.\d+Z: that run died without releasing it/,
      );
      expect(await phasesOf("nightly-20250101083000")).toEqual(["Completed"]);
      expect(await lockDoc()).toBeNull();
    },
  );

  it(
    "hks run-plan killed while publishing: no manifest; the next run removes the dead run's incomplete upload " +
      "and succeeds",
    async () => {
      const dead = "nightly-20250102020000";
      const run = runPlan("2025-01-02T02:00:00Z");
      await run.waitForOutput(new RegExp(`backup ${dead}: Completed`)); // in the spill; publishing follows
      await waitFor(
        "the publish's multipart upload",
        30_000,
        async () => ((await incompleteUploads(info, BUCKET, archiveKey(dead))) > 0 ? true : undefined),
        50,
      );
      await kill(run);
      expect(await store.tryGet(STORE_LAYOUT.backupManifestKey(dead))).toBeUndefined();
      expect(await phasesOf(dead)).toEqual([]);
      expect(await incompleteUploads(info, BUCKET, archiveKey(dead))).toBe(1);

      const next = await hksIn(["run-plan", "nightly"], { HKS_NOW: "2025-01-03T02:00:00Z", TMPDIR: tmp });
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(next.stderr).toContain(
        `removed 1 incomplete upload(s) of backup ${dead} from ${LOCK_AT}: left by the run that died`,
      );
      expect(await incompleteUploads(info, BUCKET, archiveKey(dead))).toBe(0);
      expect(await phasesOf("nightly-20250103020000")).toEqual(["Completed"]);
    },
  );
});

describe("two runs of one plan started at once (real processes, real bucket)", () => {
  it("one takes the lock and backs up; the other exits 4 saying who holds the lock", async () => {
    const [a, b] = [runPlan("2025-01-04T02:00:00Z"), runPlan("2025-01-04T02:00:00Z")];
    const results = await Promise.all(
      [a, b].map(async (r) => ({ code: (await r.exit).code, out: r.stdout() + r.stderr() })),
    );
    expect(results.map((r) => r.code).sort()).toEqual([0, 4]);
    const loser = results.find((r) => r.code === 4)!;
    expect(loser.out).toMatch(
      new RegExp(
        `plan "nightly" is already running: ${LOCK_AT} holds its run lock for \\S+ \\(run \\w+\\) ` +
          `since 2025-01-04T02:00:00`,
      ),
    );
    expect(await phasesOf("nightly-20250104020000")).toEqual(["Completed"]);
  });
});
