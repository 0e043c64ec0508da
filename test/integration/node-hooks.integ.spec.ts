/**
 * Backup hooks in real containers on the local node (busybox Pods, exec through the API server and
 * the kubelet): success with its effect visible in the container, a non-zero exit with the stderr
 * tail, a timeout, a container the Pod does not have, an annotation that is not JSON, onError
 * Continue (a warning) against Fail (the Pod's volumes are not snapshotted; a plan-level Fail hook
 * fails the whole backup, and post hooks still run). The outcome rules themselves are unit-tested in
 * test/unit/engine/backup-hooks.spec.ts.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackupContext } from "../../provider/prepare/backup";
import { runBackup } from "../../provider/engine/backup/backup";
import type { BackupFailure } from "../../provider/format/manifest";
import { STORE_LAYOUT } from "../../provider/store";
import { adminKubeConfig, createLocation, locationNamespace, rand, readManifest } from "../support/backup-fixture";
import { busyboxContainer, deleteNamespacesAndWait, exec, podReady } from "../support/node";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const id = rand();
const ns = `node-hooks-${id}`;
const locNs = locationNamespace();

function pod(name: string, annotations: Record<string, string>, claim?: string): k8s.V1Pod {
  return {
    metadata: { name, labels: { app: name }, annotations },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        busyboxContainer("app", claim ? { volumeMounts: [{ name: "data", mountPath: "/data" }] } : {}),
        busyboxContainer("sidecar"),
      ],
      volumes: claim ? [{ name: "data", persistentVolumeClaim: { claimName: claim } }] : [],
    },
  };
}

const PODS: k8s.V1Pod[] = [
  // Pre hook exits 3 (onError Fail by default): its volume is not snapshotted; the post hook still runs.
  pod(
    "db",
    {
      "pre.hook.backup.hks.io/container": "app",
      "pre.hook.backup.hks.io/command": JSON.stringify([
        "/bin/sh",
        "-c",
        "echo checkpointing; echo 'ERROR: could not checkpoint' >&2; exit 3",
      ]),
      "post.hook.backup.hks.io/container": "app",
      "post.hook.backup.hks.io/command": `["/bin/sh", "-c", "date +%s > /tmp/thawed"]`,
    },
    "db-data",
  ),
  // Succeeds: writes a file in the container, and its volume is snapshotted.
  pod(
    "good",
    {
      "pre.hook.backup.hks.io/container": "sidecar",
      "pre.hook.backup.hks.io/command": `["/bin/sh", "-c", "echo frozen > /tmp/frozen"]`,
    },
    "good-data",
  ),
  pod("slow", {
    "pre.hook.backup.hks.io/command": `["sleep", "30"]`,
    "pre.hook.backup.hks.io/timeout": "2s",
    "pre.hook.backup.hks.io/on-error": "Continue",
  }),
  pod("lenient", { "pre.hook.backup.hks.io/command": `["false"]`, "pre.hook.backup.hks.io/on-error": "Continue" }),
  pod("typo", { "pre.hook.backup.hks.io/command": `["sync"`, "pre.hook.backup.hks.io/container": "app" }),
];

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  for (const c of ["db-data", "good-data"]) {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: c },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
      },
    });
  }
  for (const p of PODS) await core.createNamespacedPod({ namespace: ns, body: p });
  for (const p of PODS) await podReady(kc, ns, p.metadata!.name!);
}, 300_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [ns, locNs]).catch(() => undefined);
}, 180_000);

describe("backup hooks in real containers", () => {
  it("records every outcome; a failed Fail pre hook leaves its pod's volume out; Continue is a warning", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const res = await runBackup(
      {
        name: `hooks-${id}`,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], snapshotVolumes: true },
        snapshotTimeoutMs: 120_000,
      },
      ctx.deps,
    );
    expect(res.phase).toBe("PartiallyFailed");
    const m = await readManifest(loc.store, res.name);
    const rec = (phase: string, p: string) => m.hooks.find((h) => h.phase === phase && h.pod === p);
    expect(rec("pre", "db")).toMatchObject({
      container: "app",
      onError: "Fail",
      outcome: "Failed",
      exitCode: 3,
      error: expect.stringContaining("ERROR: could not checkpoint"),
    });
    expect(rec("post", "db")).toMatchObject({ container: "app", outcome: "Succeeded", exitCode: 0 });
    expect(rec("pre", "good")).toMatchObject({ container: "sidecar", outcome: "Succeeded", exitCode: 0 });
    expect(rec("pre", "slow")).toMatchObject({
      container: "app",
      outcome: "TimedOut",
      onError: "Continue",
      error: expect.stringMatching(/no result within 2s \(timeout\)/),
    });
    expect(rec("pre", "slow")!.durationMs).toBeLessThan(10_000);
    expect(rec("pre", "lenient")).toMatchObject({
      container: "app",
      command: ["false"],
      outcome: "Failed",
      exitCode: 1,
      onError: "Continue",
    });
    expect(rec("pre", "typo")).toMatchObject({
      outcome: "Failed",
      error: expect.stringContaining("pre.hook.backup.hks.io/command is not a valid JSON array"),
    });
    expect(m.errors.map((e) => e.item).sort()).toEqual([
      `hook/pre/${ns}/db`,
      `hook/pre/${ns}/typo`,
      `snapshot/${ns}/db-data`,
    ]);
    expect(m.errors.find((e) => e.item === `snapshot/${ns}/db-data`)?.reason).toBe(
      `not snapshotted: the pre hook of pod ${ns}/db, which uses it, failed`,
    );
    expect(m.warnings.sort()).toEqual([
      expect.stringMatching(new RegExp(`^pre hook in ${ns}/lenient container app failed: .*\\(onError: Continue\\)$`)),
      expect.stringMatching(
        new RegExp(`^pre hook in ${ns}/slow container app timed out: .*no result within 2s .*\\(onError: Continue\\)$`),
      ),
    ]);
    // The hooks really ran in the containers.
    expect((await exec(kc, ns, "good", "sidecar", ["cat", "/tmp/frozen"])).stdout).toBe("frozen\n");
    expect((await exec(kc, ns, "db", "app", ["cat", "/tmp/thawed"])).exitCode).toBe(0);
    // Only the volume of the pod whose hook succeeded was snapshotted, by the real snapshot controller.
    expect(m.volumeSnapshots.map((s) => [s.persistentVolumeClaim, s.readyToUse])).toEqual([["good-data", true]]);
  });

  it("a container the pod does not have: the kubelet's answer is recorded", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const res = await runBackup(
      {
        name: `nocontainer-${id}`,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], includeResources: ["configmaps"] },
        hooks: {
          pre: [{ name: "flush", selector: "app=good", container: "nope", command: ["sync"], onError: "Continue" }],
        },
      },
      ctx.deps,
    );
    expect(res.phase).toBe("Completed");
    const m = await readManifest(loc.store, res.name);
    expect(m.hooks).toEqual([
      expect.objectContaining({
        phase: "pre",
        scope: "plan",
        pod: "good",
        container: "nope",
        outcome: "Failed",
        error: expect.stringMatching(/nope/),
      }),
    ]);
    expect(m.warnings).toEqual([
      expect.stringMatching(/^pre hook \(plan\) in .*\/good container nope failed: .*\(onError: Continue\)$/),
    ]);
  });

  it("a plan-level pre hook with onError Fail that fails fails the backup: failure.json only, post hooks still run", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const name = `plan-hook-${id}`;
    await exec(kc, ns, "lenient", "app", ["rm", "-f", "/tmp/unfrozen"]);
    const res = await runBackup(
      {
        name,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], includeResources: ["configmaps"] },
        hooks: {
          pre: [
            {
              name: "freeze",
              selector: "app=lenient",
              container: "app",
              command: ["sh", "-c", "echo 'fsfreeze: /data: not a mount point' >&2; exit 32"],
            },
          ],
          post: [
            {
              name: "thaw",
              selector: "app=lenient",
              container: "app",
              command: ["sh", "-c", "touch /tmp/unfrozen"],
              onError: "Continue",
            },
          ],
        },
      },
      ctx.deps,
    );
    expect(res.phase).toBe("Failed");
    const layout = STORE_LAYOUT;
    expect(await loc.store.tryGet(layout.backupManifestKey(name))).toBeUndefined();
    const f = JSON.parse((await loc.store.tryGet(layout.backupFailureKey(name)))!.toString()) as BackupFailure;
    expect(f.errors[0]).toEqual({
      item: "backup",
      reason: expect.stringMatching(
        new RegExp(
          `^a pre hook failed \\(onError: Fail\\): freeze failed in ${ns}/lenient: .*exit code 32.*not a mount point`,
        ),
      ),
    });
    expect(f.hooks.map((h) => [h.phase, h.scope, h.pod, h.outcome])).toEqual([
      ["pre", "plan", "lenient", "Failed"],
      ["post", "plan", "lenient", "Succeeded"],
    ]);
    expect((await exec(kc, ns, "lenient", "app", ["ls", "/tmp/unfrozen"])).exitCode).toBe(0);
  });

  it("warns when a plan-level hook matches no pod, and goes on", async () => {
    const loc = await createLocation(kc, { namespace: locNs });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const res = await runBackup(
      {
        name: `nomatch-${id}`,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], includeResources: ["configmaps"] },
        hooks: { pre: [{ selector: "app=nothing", container: "app", command: ["true"] }] },
      },
      ctx.deps,
    );
    expect(res.phase).toBe("Completed");
    expect((await readManifest(loc.store, res.name)).warnings).toEqual([
      `pre hook 0: no pod matches selector "app=nothing"; nothing ran`,
    ]);
  });
});
