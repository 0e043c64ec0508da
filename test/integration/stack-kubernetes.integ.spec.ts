/**
 * Proves the local Kubernetes parts are real: the apiserver validates objects, the
 * controller-manager's CronJob and Job controllers act, the scheduler binds pods to the local node,
 * and the VolumeSnapshot CRDs are served.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/wait";

const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const batch = kc.makeApiClient(k8s.BatchV1Api);
const core = kc.makeApiClient(k8s.CoreV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = `smoke-${Date.now().toString(36)}`;

function cronJob(name: string, schedule: string): k8s.V1CronJob {
  return {
    metadata: { name },
    spec: {
      schedule,
      concurrencyPolicy: "Forbid",
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] },
          },
        },
      },
    },
  };
}

describe("local Kubernetes (kube-apiserver + etcd + kube-controller-manager)", () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it("reports the built version", async () => {
    const v = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(v.gitVersion).toMatch(/^v1\.3[56]\.\d+$/);
  });

  it("rejects an invalid CronJob schedule and accepts a valid one", async () => {
    const err = await batch
      .createNamespacedCronJob({ namespace: ns, body: cronJob("bad", "every day at two") })
      .catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.body ?? err.message)).toMatch(/spec\.schedule/);
    expect((err as { code?: number }).code).toBe(422);
    const ok = await batch.createNamespacedCronJob({ namespace: ns, body: cronJob("good", "0 2 * * *") });
    expect(ok.spec?.schedule).toBe("0 2 * * *");
  });

  it("runs the CronJob controller: a one-minute schedule produces a Job, and the Job controller makes its Pod", async () => {
    const cj = await batch.createNamespacedCronJob({ namespace: ns, body: cronJob("every-minute", "* * * * *") });
    const job = await waitFor("a Job owned by the CronJob", 130_000, async () => {
      const jobs = await batch.listNamespacedJob({ namespace: ns });
      return jobs.items.find((j) => j.metadata?.ownerReferences?.some((o) => o.uid === cj.metadata?.uid));
    });
    expect(job.metadata?.name).toMatch(/^every-minute-\d+$/);
    const pod = await waitFor("the Job's Pod", 30_000, async () => {
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${job.metadata!.name}` });
      return pods.items[0];
    });
    // The scheduler binds it to the local node.
    const scheduled = await waitFor("the Job's Pod scheduled", 30_000, async () => {
      const p = await core.readNamespacedPod({ namespace: ns, name: pod.metadata!.name! });
      return p.spec?.nodeName ? p : undefined;
    });
    expect(scheduled.spec?.nodeName).toMatch(/^hks-dev-\d+$/);
  }, 180_000);

  it("serves the snapshot.storage.k8s.io/v1 CRDs", async () => {
    const vs = await custom.createNamespacedCustomObject({
      group: "snapshot.storage.k8s.io",
      version: "v1",
      namespace: ns,
      plural: "volumesnapshots",
      body: {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshot",
        metadata: { name: "snap" },
        spec: { volumeSnapshotClassName: "csi-hostpath", source: { persistentVolumeClaimName: "data" } },
      },
    });
    expect(vs.metadata.uid).toBeTruthy();
    // The CRD's validation is real: a VolumeSnapshot without a source is refused.
    const err = await custom
      .createNamespacedCustomObject({
        group: "snapshot.storage.k8s.io",
        version: "v1",
        namespace: ns,
        plural: "volumesnapshots",
        body: {
          apiVersion: "snapshot.storage.k8s.io/v1",
          kind: "VolumeSnapshot",
          metadata: { name: "nosource" },
          spec: {},
        },
      })
      .catch((e) => e);
    expect((err as { code?: number }).code).toBe(422);
  });

  it("enforces RBAC: a ServiceAccount without bindings cannot list Secrets", async () => {
    const authz = kc.makeApiClient(k8s.AuthorizationV1Api);
    const review = await authz.createSubjectAccessReview({
      body: {
        spec: {
          user: `system:serviceaccount:${ns}:nobody`,
          resourceAttributes: { namespace: ns, verb: "list", resource: "secrets" },
        },
      },
    });
    expect(review.status?.allowed).toBe(false);
  });
});
