/**
 * A BackupPlan with `volumeData` and a copy location, run by its CronJob on the node (3-2-1 with
 * the data): the runner Pod, as the plan's least-privilege ServiceAccount, snapshots the claim,
 * starts mover Pods that copy its files into the primary (unencrypted here) and into the copy
 * location (encrypted for its own recipient), and each location's manifest records its own copy.
 * The copy's data is pulled back with the copy location's identity and matches the container's file.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { backupPlanHandler as handler } from "../../provider/handlers/backup-plan";
import { checkBackupPlan } from "../../provider/plan/plan";
import type { ObjectStore } from "../../provider/store";
import type { BackupPlanInputs } from "../../provider/types";
import {
  adminKubeConfig,
  createLocation,
  rand,
  readManifest,
  stack,
  storedBackupNames,
} from "../support/backup-fixture";
import { runHks } from "../support/hks-cli";
import {
  busyboxContainer,
  deleteNamespacesAndWait,
  exec,
  podLog,
  podReady,
  podS3Endpoint,
  waitFor,
} from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const id = rand();
const planNs = `hks-cronvd-${id}`;
const target = `cronvd-app-${id}`;
const ctx = { signal: new AbortController().signal, log: () => undefined, progress: () => undefined };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-it-cronvd-"));
let main: ObjectStore;
let offsite: ObjectStore;
let offsiteIdentity: string;

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: target } } });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: target,
    body: {
      metadata: { name: "data" },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
    },
  });
  await core.createNamespacedPod({
    namespace: target,
    body: {
      metadata: { name: "writer" },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [
          busyboxContainer("app", {
            command: [
              "sh",
              "-c",
              "dd if=/dev/urandom of=/data/blob bs=1024 count=700 2>/dev/null; touch /tmp/ready; sleep 86400",
            ],
            readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1 },
            volumeMounts: [{ name: "d", mountPath: "/data" }],
          }),
        ],
        volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }],
      },
    },
  });
  const ids = await generateIdentity();
  offsiteIdentity = ids.identity;
  const endpoint = podS3Endpoint(stack);
  main = (await createLocation(kc, { namespace: planNs, name: "main", endpoint })).store;
  offsite = (await createLocation(kc, { namespace: planNs, name: "offsite", recipients: [ids.recipient], endpoint }))
    .store;
  await podReady(kc, target, "writer");
  const { inputs, failures } = checkBackupPlan({
    planName: "vd",
    namespace: planNs,
    target: { namespace: target, snapshotVolumes: true, volumeData: {} },
    schedule: { cron: "* * * * *" },
    storageLocation: "main",
    copies: [{ storageLocation: "offsite" }],
    retention: { last: 3 },
  } as unknown as Partial<BackupPlanInputs>);
  expect(failures).toEqual([]);
  await handler.create(inputs, ctx);
}, 300_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [target, planNs]).catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
}, 180_000);

describe("a plan with volumeData and a copy location, on the node", () => {
  it("the CronJob's run copies the claim's files into both locations, each encrypted for its own recipients", async () => {
    const job = await waitFor(
      "a finished run of hks-plan-vd",
      300_000,
      async () => {
        const jobs = await batch.listNamespacedJob({ namespace: planNs });
        return jobs.items.find((j) =>
          j.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"),
        );
      },
      2000,
    );
    const pods = await core.listNamespacedPod({ namespace: planNs, labelSelector: `job-name=${job.metadata!.name}` });
    const log = await podLog(kc, planNs, pods.items[0]!.metadata!.name!);
    expect(job.status?.conditions?.find((c) => c.type === "Complete")?.status, log).toBe("True");
    expect(log).toMatch(/^plan vd: backup vd-\d{14} Completed: .*1 volume snapshot, 1 volume copied/m);

    const [name] = await storedBackupNames(main);
    const m = await readManifest(main, name!);
    const copy = await readManifest(offsite, name!);
    expect(m.phase).toBe("Completed");
    expect(copy.phase).toBe("Completed");
    expect(m.volumeData).toEqual([
      expect.objectContaining({ namespace: target, persistentVolumeClaim: "data", files: 1, bytes: 700 * 1024 }),
    ]);
    expect(copy.volumeData).toEqual([
      expect.objectContaining({ namespace: target, persistentVolumeClaim: "data", files: 1, bytes: 700 * 1024 }),
    ]);
    expect(m.volumeData![0]!.indexKey).toMatch(/\.index\.json$/);
    expect(copy.volumeData![0]!.indexKey).toMatch(/\.index\.json\.age$/);

    const into = path.join(tmp, "pulled");
    fs.mkdirSync(into);
    const pull = await runHks(
      planNs,
      [
        "volume-data",
        "pull",
        "--backup",
        name!,
        "--pvc",
        `${target}/data`,
        "--target",
        into,
        "--storage-location",
        "offsite",
      ],
      { HKS_AGE_IDENTITY: offsiteIdentity },
    );
    expect(pull.code, pull.stderr).toBe(0);
    const inPod = await exec(kc, target, "writer", "app", ["sha256sum", "/data/blob"]);
    const here = crypto
      .createHash("sha256")
      .update(fs.readFileSync(path.join(into, "blob")))
      .digest("hex");
    expect(inPod.stdout.split(" ")[0]).toBe(here);
    // Nothing of the movers is left in the plan's namespace.
    await waitFor("mover objects removed", 90_000, async () => {
      const left = await core.listNamespacedPod({ namespace: planNs, labelSelector: "hks.io/volume-data-mover" });
      return left.items.length ? undefined : true;
    });
  }, 420_000);
});
