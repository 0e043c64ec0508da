/**
 * Every runnable example, for real: `pulumi up`, a `preview` that must show no changes, then
 * `pulumi destroy`, against the local apiserver and MinIO, with what each example promises checked.
 * The sample app they back up runs on the local node (its web Deployment and its postgres
 * StatefulSet on a CSI volume): hooks exec in the real database container, clones really start, and
 * the seed's plan runs once as its CronJob would (a Job from its template, on the node). One example
 * defines the application itself with @pulumi/kubernetes, whose provider plugin `hks dev up` installed
 * from the tools cache (nothing is downloaded).
 */
import * as k8s from "@kubernetes/client-node";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { createSampleApp } from "../../cli/dev/sample-app";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import type { BackupManifest } from "../../provider/format/manifest";
import { runHks } from "../support/hks-cli";
import { deploymentAvailable, podLog, podReady, podS3Endpoint, psql, waitFor } from "../support/node";
import { pulumiProject, type PulumiProject } from "../support/pulumi";

const stack = inject("stack");
const EXAMPLES = path.resolve(__dirname, "../../examples");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const batch = kc.makeApiClient(k8s.BatchV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const runId = crypto.randomBytes(3).toString("hex");

async function example(name: string, config: Record<string, string> = {}): Promise<PulumiProject> {
  const p = await pulumiProject(path.join(EXAMPLES, name), {}, { copyRoot: EXAMPLES });
  // The address Pods reach MinIO at (a plan's runner runs in a Pod); the test process reaches it too.
  await p.setConfig("s3Endpoint", podS3Endpoint(stack));
  await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
  await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
  await p.setConfig("bucketPrefix", `ex-${runId}`);
  for (const [k, v] of Object.entries(config)) await p.setConfig(k, v);
  return p;
}

/** up, a preview that must be empty, then the checks, then destroy. */
async function lifecycle(
  p: PulumiProject,
  checks: (outputs: Record<string, unknown>) => Promise<void>,
  afterDestroy?: () => Promise<void>,
): Promise<void> {
  let destroyed = false;
  try {
    await p.up();
    await p.preview(["--expect-no-changes"]);
    await checks(await p.outputs());
    await p.destroy();
    destroyed = true;
    if (afterDestroy) await afterDestroy();
  } finally {
    // A failed example still removes what it created: the next one reuses names (a location's
    // ConfigMap is owned by one stack) and must fail for its own reasons only.
    if (!destroyed) await p.run(["destroy", "--yes", "--skip-preview"], { allowFailure: true });
    await p.dispose();
  }
}

async function namespaceGone(name: string, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (
      !(await core.readNamespace({ name }).then(
        () => true,
        () => false,
      ))
    )
      return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

beforeAll(async () => {
  await createSampleApp(kc, "production");
  await deploymentAvailable(kc, "production", "web");
  await podReady(kc, "production", "postgres-0");
  // Mission-critical objects in two namespaces, for the selector-only example.
  for (const ns of ["payments", "ledger"]) {
    await core.createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
    await core
      .createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: "critical-config", labels: { app: "mission-critical" } }, data: { k: ns } },
      })
      .catch(() => undefined);
  }
  await core
    .createNamespacedSecret({
      namespace: "payments",
      body: { metadata: { name: "critical-secret", labels: { app: "mission-critical" } }, stringData: { k: "v" } },
    })
    .catch(() => undefined);
});

describe("examples", () => {
  it("namespace-backup: the seed's `--include-namespaces production` as a resource", async () => {
    await lifecycle(await example("namespace-backup"), async (o) => {
      expect(o.phase).toBe("Completed");
      const byResource = o.itemsByResource as Record<string, number>;
      expect(byResource["deployments.apps"]).toBe(1);
      expect(byResource["statefulsets.apps"]).toBe(1);
      // web-config (+ kube-root-ca.crt); scratch is excluded by label
      expect(byResource.configmaps).toBeGreaterThanOrEqual(1);
    });
  });

  it("resource-filtered: the seed's `--selector app=mission-critical` across namespaces", async () => {
    await lifecycle(await example("resource-filtered"), async (o) => {
      // The matching objects, plus the Namespace objects that hold them (so a restore can recreate them).
      expect(o.items).toBe(5);
      expect(o.itemsByResource).toEqual({ configmaps: 2, secrets: 1, namespaces: 2 });
    });
  });

  it("production-db-daily: the seed's plan installs its CronJob, a run of it backs up the database on the node; destroy removes it", async () => {
    let cronJobName = "";
    await lifecycle(
      await example("production-db-daily"),
      async (o) => {
        cronJobName = String(o.cronJob);
        const cj = await batch.readNamespacedCronJob({ name: cronJobName, namespace: "hks-system" });
        expect(cj.spec?.schedule).toBe("0 2 * * *");
        expect(cj.spec?.timeZone).toBe("UTC");
        expect(cj.spec?.concurrencyPolicy).toBe("Forbid");
        // One run now, as the controller would start it at 02:00 (`kubectl create job --from=cronjob/...`).
        const name = `${cronJobName}-now-${runId}`;
        await batch.createNamespacedJob({
          namespace: "hks-system",
          body: {
            metadata: {
              name,
              ownerReferences: [
                {
                  apiVersion: "batch/v1",
                  kind: "CronJob",
                  name: cronJobName,
                  uid: cj.metadata!.uid!,
                  controller: true,
                },
              ],
            },
            spec: cj.spec!.jobTemplate.spec,
          },
        });
        const job = await waitFor(
          `Job hks-system/${name} finished`,
          240_000,
          async () => {
            const j = await batch.readNamespacedJob({ name, namespace: "hks-system" });
            return j.status?.conditions?.some(
              (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
            )
              ? j
              : undefined;
          },
          2000,
        );
        const pod = (await core.listNamespacedPod({ namespace: "hks-system", labelSelector: `job-name=${name}` }))
          .items[0]!;
        const log = await podLog(kc, "hks-system", pod.metadata!.name!);
        expect(job.status?.conditions?.find((c) => c.type === "Complete")?.status, log).toBe("True");
        // The seed's hooks ran in the postgres container and the volume was snapshotted, then read back.
        expect(log).toMatch(/^plan production-db-daily: backup production-db-daily-\d{14} Completed/m);
        expect(log).toMatch(/verified/);
      },
      async () => {
        expect(
          await batch.readNamespacedCronJob({ name: cronJobName, namespace: "hks-system" }).then(
            () => true,
            () => false,
          ),
        ).toBe(false);
      },
    );
  });

  it("clone-production-to-staging: a patched clone; destroy removes the clone and only the clone", async () => {
    await lifecycle(
      await example("clone-production-to-staging"),
      async (o) => {
        expect(o.restorePhase).toBe("Completed");
        expect((o.createdNamespaces as { name: string }[]).map((n) => n.name)).toEqual(["staging"]);
        const web = await deploymentAvailable(kc, "staging", "web");
        expect(web.spec?.replicas).toBe(1);
        expect(web.status?.availableReplicas).toBe(1);
        expect((await apps.readNamespacedDeployment({ name: "web", namespace: "production" })).spec?.replicas).toBe(2);
      },
      async () => {
        expect(await namespaceGone("staging")).toBe(true);
        expect((await apps.readNamespacedDeployment({ name: "web", namespace: "production" })).metadata?.name).toBe(
          "web",
        );
      },
    );
  });

  it("offsite-3-2-1: a plan with an encrypted copy on a second medium", async () => {
    const { recipient } = await generateIdentity();
    const nfsDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-offsite-"));
    await lifecycle(await example("offsite-3-2-1", { ageRecipient: recipient, nfsLocalPath: nfsDir }), async (o) => {
      const cm = await core.readNamespacedConfigMap({ name: `hks-plan-${o.planName}`, namespace: "hks-system" });
      expect(JSON.stringify(cm.data)).toContain("offsite-nfs");
      expect(o.locations).toEqual([expect.stringMatching(/^s3:\/\//), `file://${nfsDir}`]);
    });
  });

  it("nfs-location: a backup written to the share, encrypted", async () => {
    const { recipient } = await generateIdentity();
    const nfsDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-nfs-example-"));
    await lifecycle(
      await example("nfs-location", { ageRecipient: recipient, nfsLocalPath: nfsDir }),
      async (o) => {
        const dir = path.join(nfsDir, "hks", "v1", "backups", String(o.backupName));
        expect(fs.readdirSync(dir).sort()).toEqual(["manifest.json", "resources.tar.gz.age"]);
        expect(o.items).toBeGreaterThan(5);
      },
      async () => {
        // deletionPolicy Retain (the default): the backup outlives the stack.
        expect(fs.existsSync(path.join(nfsDir, "hks", "v1", "backups"))).toBe(true);
      },
    );
  });

  it("app-with-kubernetes: the app from @pulumi/kubernetes, its plan and a backup with hooks and a snapshot", async () => {
    const p = await example("app-with-kubernetes");
    await p.setConfig("dbPassword", crypto.randomBytes(12).toString("base64url"), true);
    let ns = "";
    let cronJob = "";
    await lifecycle(
      p,
      async (o) => {
        // The plugin is the one built from Go modules and installed into the stack's PULUMI_HOME.
        const plugins = JSON.parse((await p.run(["plugin", "ls", "--json"])).stdout) as Record<string, unknown>[];
        expect(plugins).toContainEqual(
          expect.objectContaining({ name: "kubernetes", kind: "resource", version: "4.25.0" }),
        );
        // The namespace is auto-named; the plan's target is the Namespace resource's output.
        ns = String(o.appNamespace);
        cronJob = String(o.cronJob);
        expect(ns).toMatch(/^shop-[0-9a-z]+$/);
        const planCm = await core.readNamespacedConfigMap({ name: `hks-plan-${o.planName}`, namespace: "hks-system" });
        expect(JSON.parse(planCm.data!["plan.json"]!).target).toMatchObject({
          namespaces: [ns],
          snapshotVolumes: true,
          volumeData: {},
        });
        expect((await batch.readNamespacedCronJob({ name: cronJob, namespace: "hks-system" })).spec?.schedule).toBe(
          "0 2 * * *",
        );
        // The application runs on the node.
        await deploymentAvailable(kc, ns, "web");
        await podReady(kc, ns, "postgres-0");
        // The backup, taken during `pulumi up` after the application was up: every object of it.
        const b = o.backup as {
          name: string;
          phase: string;
          itemsByResource: Record<string, number>;
          snapshots: string[];
          startedAt: string;
          completedAt: string;
        };
        expect(b.phase).toBe("Completed");
        expect(b.name).toMatch(new RegExp(`^${o.planName}-\\d{14}$`));
        expect(b.itemsByResource).toMatchObject({
          "deployments.apps": 1,
          "statefulsets.apps": 1,
          services: 1,
          secrets: 1,
          persistentvolumeclaims: 1,
        });
        expect(b.itemsByResource.configmaps).toBeGreaterThanOrEqual(1);
        // The hooks ran in the postgres container, in order, during the backup: the rows they wrote.
        const rows = await psql(
          kc,
          ns,
          "postgres-0",
          "SELECT phase, extract(epoch FROM at) * 1000 FROM hks_hook_log ORDER BY at",
        );
        expect(rows.map((r) => r[0])).toEqual(["pre", "post"]);
        for (const [, at] of rows) {
          expect(Number(at)).toBeGreaterThanOrEqual(Date.parse(b.startedAt));
          expect(Number(at)).toBeLessThanOrEqual(Date.parse(b.completedAt));
        }
        // ... and as the backup's manifest recorded them.
        const described = await runHks("hks-system", [
          "backup",
          "describe",
          b.name,
          "--storage-location",
          String(o.location),
          "-o",
          "json",
        ]);
        expect(described.code, described.stderr).toBe(0);
        const manifest = (JSON.parse(described.stdout) as { manifest: BackupManifest }).manifest;
        expect(manifest.hooks.map((h) => [h.phase, h.scope, h.pod, h.container, h.outcome, h.exitCode])).toEqual([
          ["pre", "pod", "postgres-0", "postgres", "Succeeded", 0],
          ["post", "pod", "postgres-0", "postgres", "Succeeded", 0],
        ]);
        // The database's volume was snapshotted, and the snapshot is ready.
        expect(b.snapshots).toEqual([expect.stringMatching(new RegExp(`^${ns}/`))]);
        const snapName = b.snapshots[0]!.split("/")[1]!;
        const snap = (await custom.getNamespacedCustomObject({
          group: "snapshot.storage.k8s.io",
          version: "v1",
          namespace: ns,
          plural: "volumesnapshots",
          name: snapName,
        })) as { spec: { source: { persistentVolumeClaimName?: string } }; status?: { readyToUse?: boolean } };
        expect(snap.spec.source.persistentVolumeClaimName).toBe("data-postgres-0");
        expect(snap.status?.readyToUse).toBe(true);
        // ... and its files were copied into the location during `pulumi up` by a mover Pod.
        expect(manifest.volumeData).toEqual([
          expect.objectContaining({
            namespace: ns,
            persistentVolumeClaim: "data-postgres-0",
            indexSha256: expect.any(String),
          }),
        ]);
        expect(manifest.volumeData![0]!.error).toBeUndefined();
        expect(manifest.volumeData![0]!.files).toBeGreaterThan(100); // PGDATA: base/, global/, pg_wal/ ...
      },
      async () => {
        // destroy deleted the application's namespace (and with it the volume), the plan's CronJob too.
        expect(await namespaceGone(ns, 180_000)).toBe(true);
        expect(
          await batch.readNamespacedCronJob({ name: cronJob, namespace: "hks-system" }).then(
            () => true,
            () => false,
          ),
        ).toBe(false);
      },
    );
  });

  it("quickstart: location, plan, on-demand backup and its clone in one `pulumi up`", async () => {
    await lifecycle(
      await example("quickstart"),
      async (o) => {
        expect(o.location).toMatchObject({ phase: "Available" });
        expect(o.backupInfo).toMatchObject({ phase: "Completed" });
        expect(o.restoreInfo).toMatchObject({ phase: "Completed" });
        expect((await core.readNamespace({ name: "production-clone" })).metadata?.name).toBe("production-clone");
        // The clone runs: its web Deployment and its postgres (on a new volume) on the node.
        await deploymentAvailable(kc, "production-clone", "web");
        await podReady(kc, "production-clone", "postgres-0");
      },
      async () => {
        expect(await namespaceGone("production-clone")).toBe(true);
      },
    );
  });
});
