/**
 * Backup hooks against the real API server. No kubelet runs locally, so every exec request really
 * fails at the API server (the pods are never scheduled): these tests prove the request is made
 * for every hook, that the failure is recorded with the server's answer, and what each failure
 * mode does to the backup. Success, exit codes and timeouts are covered with an injected executor
 * in test/unit/engine/backup-hooks.spec.ts.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackupContext } from "../../provider/prepare/backup";
import { runBackup } from "../../provider/engine/backup/backup";
import type { BackupFailure } from "../../provider/format/manifest";
import { STORE_LAYOUT } from "../../provider/store";
import {
  adminKubeConfig,
  createCsiClasses,
  createLocation,
  locationNamespace,
  rand,
  readManifest,
} from "../support/backup-fixture";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
let removeCsiClasses: (() => Promise<void>) | undefined;
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = `bk-hooks-${rand()}`;
const locNs = locationNamespace();
const id = rand();
const SNAP = { group: "snapshot.storage.k8s.io", version: "v1" };
const NOT_SCHEDULED =
  /the exec request failed: Unexpected server response: 400: the pod is Pending and not scheduled to a node/;

function pod(name: string, annotations: Record<string, string>, claim?: string): k8s.V1Pod {
  return {
    metadata: { name, labels: { app: name }, annotations },
    spec: {
      containers: [
        { name: "app", image: "busybox", command: ["sleep", "3600"] },
        { name: "sidecar", image: "busybox" },
      ],
      volumes: claim ? [{ name: "data", persistentVolumeClaim: { claimName: claim } }] : [],
    },
  };
}

/** Marks every VolumeSnapshot of the namespace ready, as a CSI snapshot controller would. */
function readySnapshots(): () => Promise<void> {
  let running = true;
  const loop = (async () => {
    while (running) {
      const list = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: ns, plural: "volumesnapshots" })) as {
        items: { metadata: { name: string }; status?: unknown }[];
      };
      for (const vs of list.items.filter((v) => !v.status)) {
        await custom.patchNamespacedCustomObjectStatus(
          {
            ...SNAP,
            namespace: ns,
            plural: "volumesnapshots",
            name: vs.metadata.name,
            body: { status: { readyToUse: true } },
          },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

async function snapshotClaims(): Promise<string[]> {
  const list = (await custom.listNamespacedCustomObject({ ...SNAP, namespace: ns, plural: "volumesnapshots" })) as {
    items: { spec: { source: { persistentVolumeClaimName: string } } }[];
  };
  return list.items.map((i) => i.spec.source.persistentVolumeClaimName).sort();
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  removeCsiClasses = await createCsiClasses(kc, id, `csi-${id}.example.com`);
  for (const c of ["db-data", "plain-data"]) {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: c },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          storageClassName: `sc-${id}`,
        },
      },
    });
  }
  await core.createNamespacedPod({
    namespace: ns,
    body: pod(
      "db",
      {
        "pre.hook.backup.hks.io/container": "app",
        "pre.hook.backup.hks.io/command": `["/bin/sh", "-c", "sync"]`,
        "pre.hook.backup.hks.io/timeout": "10s",
        "post.hook.backup.hks.io/container": "app",
        "post.hook.backup.hks.io/command": `["/bin/sh", "-c", "echo thaw"]`,
      },
      "db-data",
    ),
  });
  await core.createNamespacedPod({ namespace: ns, body: pod("plain", {}, "plain-data") });
  await core.createNamespacedPod({
    namespace: ns,
    body: pod("lenient", { "pre.hook.backup.hks.io/command": "sync", "pre.hook.backup.hks.io/on-error": "Continue" }),
  });
  await core.createNamespacedPod({
    namespace: ns,
    body: pod("typo", { "pre.hook.backup.hks.io/command": `["sync"`, "pre.hook.backup.hks.io/container": "app" }),
  });
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  await core.deleteNamespace({ name: locNs }).catch(() => undefined);
  await removeCsiClasses?.();
});

describe("backup hooks through the real exec API (no kubelet: every exec fails at the API server)", () => {
  it(
    "records each pod hook's real failure, runs post hooks anyway, and skips the volumes of a pod whose pre hook " +
      "failed",
    async () => {
      const loc = await createLocation(kc, { namespace: locNs });
      const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
      const stop = readySnapshots();
      const res = await runBackup(
        {
          name: `hooks-${id}`,
          storageLocation: loc.config.name,
          target: { namespaces: [ns], snapshotVolumes: true },
          snapshotTimeoutMs: 20_000,
        },
        ctx.deps,
      ).finally(stop);
      expect(res.phase).toBe("PartiallyFailed");
      const m = await readManifest(loc.store, res.name);
      const rec = (phase: string, p: string) => m.hooks.find((h) => h.phase === phase && h.pod === p);
      expect(rec("pre", "db")).toMatchObject({
        scope: "pod",
        container: "app",
        command: ["/bin/sh", "-c", "sync"],
        onError: "Fail",
        outcome: "Failed",
        error: expect.stringMatching(NOT_SCHEDULED),
      });
      expect(rec("post", "db")).toMatchObject({
        container: "app",
        command: ["/bin/sh", "-c", "echo thaw"],
        outcome: "Failed",
        error: expect.stringMatching(NOT_SCHEDULED),
      });
      // No container annotation: the pod's first container.
      expect(rec("pre", "lenient")).toMatchObject({
        container: "app",
        command: ["sync"],
        onError: "Continue",
        outcome: "Failed",
      });
      expect(rec("pre", "typo")).toMatchObject({
        outcome: "Failed",
        error: expect.stringContaining(
          "invalid hook annotations: pre.hook.backup.hks.io/command is not a valid JSON array",
        ),
      });
      expect(rec("pre", "plain")).toBeUndefined();
      expect(m.errors.map((e) => e.item).sort()).toEqual([
        `hook/post/${ns}/db`,
        `hook/pre/${ns}/db`,
        `hook/pre/${ns}/typo`,
        `snapshot/${ns}/db-data`,
      ]);
      expect(m.errors.find((e) => e.item === `snapshot/${ns}/db-data`)?.reason).toBe(
        `not snapshotted: the pre hook of pod ${ns}/db, which uses it, failed`,
      );
      expect(m.warnings).toEqual([
        expect.stringMatching(
          new RegExp(`^pre hook in ${ns}/lenient container app failed: .*\\(onError: Continue\\)$`),
        ),
      ]);
      // The pod without hooks got its snapshot; the frozen-but-failed one did not.
      expect(m.volumeSnapshots.map((s) => [s.persistentVolumeClaim, s.readyToUse])).toEqual([["plain-data", true]]);
      expect(await snapshotClaims()).toEqual(["plain-data"]);
    },
  );

  it(
    "fails the whole backup when a plan-level pre hook with onError Fail fails: failure.json only, post hooks " +
      "still run",
    async () => {
      const loc = await createLocation(kc, { namespace: locNs });
      const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
      const name = `plan-hook-${id}`;
      const res = await runBackup(
        {
          name,
          storageLocation: loc.config.name,
          target: { namespaces: [ns], includeResources: ["configmaps"] },
          hooks: {
            pre: [{ name: "freeze", selector: "app=plain", container: "app", command: ["fsfreeze", "-f", "/data"] }],
            post: [
              {
                name: "thaw",
                selector: "app=plain",
                container: "app",
                command: ["fsfreeze", "-u", "/data"],
                onError: "Continue",
              },
            ],
          },
        },
        ctx.deps,
      );
      expect(res.phase).toBe("Failed");
      expect(await loc.store.tryGet(STORE_LAYOUT.backupManifestKey(name))).toBeUndefined();
      const keys: string[] = [];
      for await (const e of loc.store.list(STORE_LAYOUT.backupPrefix(name))) keys.push(e.key);
      expect(keys).toEqual([STORE_LAYOUT.backupFailureKey(name)]);
      const f = JSON.parse((await loc.store.tryGet(STORE_LAYOUT.backupFailureKey(name)))!.toString()) as BackupFailure;
      expect(f.phase).toBe("Failed");
      expect(f.errors[0]).toEqual({
        item: "backup",
        reason: expect.stringMatching(
          new RegExp(`^a pre hook failed \\(onError: Fail\\): freeze failed in ${ns}/plain: .*not scheduled to a node`),
        ),
      });
      expect(f.hooks.map((h) => [h.phase, h.scope, h.pod, h.outcome])).toEqual([
        ["pre", "plan", "plain", "Failed"],
        ["post", "plan", "plain", "Failed"],
      ]);
      expect(f.warnings).toEqual([
        expect.stringMatching(/^post hook \(plan\) in .*\/plain container app failed: .*\(onError: Continue\)$/),
      ]);
    },
  );

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
