import { describe, expect, it } from "vitest";
import { parsePlanSpec } from "../../../provider/format/plan-spec";
import {
  renderCronJob,
  renderPlanConfigMap,
  renderPlanObjects,
  renderRbac,
  renderServiceAccount,
  RUNNER_COMMAND,
} from "../../../provider/kube/plan-install-render";
import { planSpecOf } from "../../../provider/plan/to-plan-spec";
import { locationRecord, planInputs } from "./plan-install-fixtures";

type Any = Record<string, any>;

const LABELS = {
  "app.kubernetes.io/managed-by": "hks-backup",
  "hks.io/plan": "production-db-daily",
  "hks.io/plan-namespace": "hks-system",
};

describe("renderCronJob: default configuration", () => {
  const cj = renderCronJob(planInputs()) as Any;
  const job = cj.spec.jobTemplate.spec;
  const pod = job.template.spec;
  const c = pod.containers[0];

  it("names and labels", () => {
    expect(cj.apiVersion).toBe("batch/v1");
    expect(cj.kind).toBe("CronJob");
    expect(cj.metadata).toEqual({ name: "hks-plan-production-db-daily", namespace: "hks-system", labels: LABELS });
    expect(job.template.metadata.labels).toEqual(LABELS);
  });

  it("schedule fields: cron, explicit UTC time zone, not suspended, Forbid, history limits, no deadline", () => {
    expect(cj.spec.schedule).toBe("0 2 * * *");
    expect(cj.spec.timeZone).toBe("UTC");
    expect(cj.spec.suspend).toBe(false);
    expect(cj.spec.concurrencyPolicy).toBe("Forbid");
    expect(cj.spec.successfulJobsHistoryLimit).toBe(3);
    expect(cj.spec.failedJobsHistoryLimit).toBe(3);
    expect("startingDeadlineSeconds" in cj.spec).toBe(false);
  });

  it("Job: no retries, deadline = runner timeout, Never restart, own ServiceAccount", () => {
    expect(job.backoffLimit).toBe(0);
    expect(job.activeDeadlineSeconds).toBe(21600);
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.serviceAccountName).toBe("hks-plan-production-db-daily");
  });

  it("container runs `hks run-plan <plan> --namespace <ns>` through the image's entrypoint", () => {
    expect(pod.containers).toHaveLength(1);
    expect(c.name).toBe("runner");
    expect(c.image).toMatch(/^ghcr\.io\/hks-backup\/runner:\d+\.\d+\.\d+/);
    expect(c.imagePullPolicy).toBe("IfNotPresent");
    expect(c.command).toEqual(["node", "--max-semi-space-size=8", "--heap-growing-percent=50", "/app/bin/hks.js"]);
    expect(c.command).toEqual([...RUNNER_COMMAND]);
    expect(c.args).toEqual(["run-plan", "production-db-daily", "--namespace", "hks-system"]);
  });

  it("env holds no values but non-secret ones and Downward API refs", () => {
    expect(c.env).toEqual([
      { name: "HKS_POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "HKS_NAMESPACE", value: "hks-system" },
      { name: "HKS_RUNNER_IMAGE", value: "ghcr.io/hks-backup/runner:0.1.0" },
    ]);
    expect(JSON.stringify(c.env)).not.toMatch(/AWS_|SECRET|secretKeyRef|AGE-SECRET/);
  });

  it("runs non-root with a read-only root filesystem and a scratch emptyDir at /tmp", () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.volumeMounts).toEqual([{ name: "spill", mountPath: "/tmp" }]);
    expect(pod.volumes).toEqual([{ name: "spill", emptyDir: {} }]);
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } });
  });
});

describe("renderCronJob: custom configuration", () => {
  const cj = renderCronJob(
    planInputs({
      planName: "nightly",
      namespace: "backups",
      schedule: { cron: "30 1 * * 1-5", timeZone: "Europe/Berlin", suspend: true, startingDeadlineSeconds: 600 },
      runner: {
        image: "registry.example.com/hks:1.2.3",
        imagePullPolicy: "Always",
        serviceAccountName: "backup-irsa",
        resources: { requests: { cpu: "1" }, limits: { memory: "4Gi" } },
        timeoutSeconds: 3600,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 5,
      },
    }),
  ) as Any;
  const pod = cj.spec.jobTemplate.spec.template.spec;

  it("carries every schedule and runner field", () => {
    expect(cj.metadata.name).toBe("hks-plan-nightly");
    expect(cj.metadata.namespace).toBe("backups");
    expect(cj.spec).toMatchObject({
      schedule: "30 1 * * 1-5",
      timeZone: "Europe/Berlin",
      suspend: true,
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 5,
    });
    expect(cj.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    expect(pod.serviceAccountName).toBe("backup-irsa");
    expect(pod.containers[0]).toMatchObject({
      image: "registry.example.com/hks:1.2.3",
      imagePullPolicy: "Always",
      resources: { requests: { cpu: "1" }, limits: { memory: "4Gi" } },
    });
    expect(pod.containers[0].args).toEqual(["run-plan", "nightly", "--namespace", "backups"]);
    expect(pod.containers[0].env).toContainEqual({ name: "HKS_NAMESPACE", value: "backups" });
  });

  it("a given ServiceAccount is used, not created", () => {
    const i = planInputs({ runner: { serviceAccountName: "backup-irsa" } });
    const objs = renderPlanObjects(i, planSpecOf(i), [locationRecord("s3-main-storage")]);
    expect(objs.map((o) => o.kind)).not.toContain("ServiceAccount");
    const rb = objs.find((o) => o.kind === "RoleBinding") as Any;
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "backup-irsa", namespace: "hks-system" }]);
  });
});

describe("renderPlanConfigMap / renderServiceAccount / renderPlanObjects", () => {
  const i = planInputs({
    copies: [{ storageLocation: "offsite", retention: { last: 3 } }],
    labels: { team: "db" },
    kubeconfig: "apiVersion: v1\nusers: [{name: u, user: {token: s3cr3t}}]",
  });
  const spec = planSpecOf(i);

  it("the ConfigMap holds plan.json that the runner parses back, and no secret", () => {
    const cm = renderPlanConfigMap(i, spec) as Any;
    expect(cm.metadata).toEqual({ name: "hks-plan-production-db-daily", namespace: "hks-system", labels: LABELS });
    const text = cm.data["plan.json"];
    expect(text).not.toContain("s3cr3t");
    expect(text).not.toContain("kubeconfig");
    const parsed = parsePlanSpec(text, "test");
    expect(parsed).toMatchObject({
      formatVersion: 1,
      name: "production-db-daily",
      namespace: "hks-system",
      storageLocation: "s3-main-storage",
      target: { namespaces: ["production"], selector: "app=postgres-db", snapshotVolumes: false },
      retention: { last: 0, hourly: 0, daily: 7, weekly: 4, monthly: 6, yearly: 0, keepFailed: 1 },
      copies: [{ storageLocation: "offsite", retention: { last: 3, daily: 0, keepFailed: 1 } }],
      schedule: { cron: "0 2 * * *", timeZone: "UTC" },
      labels: { team: "db" },
      lockTtlSeconds: 21600,
    });
  });

  it("the ServiceAccount is the plan's", () => {
    expect(renderServiceAccount(i)).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "hks-plan-production-db-daily", namespace: "hks-system", labels: LABELS },
    });
  });

  it("objects come in apply order with the CronJob last", () => {
    const objs = renderPlanObjects(i, spec, [locationRecord("s3-main-storage"), locationRecord("offsite")]);
    expect(objs.map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`)).toEqual([
      "ServiceAccount hks-system/hks-plan-production-db-daily",
      "ConfigMap hks-system/hks-plan-production-db-daily",
      "Role hks-system/hks-plan-production-db-daily",
      "RoleBinding hks-system/hks-plan-production-db-daily",
      "Role production/hks-plan.hks-system.production-db-daily",
      "RoleBinding production/hks-plan.hks-system.production-db-daily",
      "ClusterRole /hks-plan.hks-system.production-db-daily",
      "ClusterRoleBinding /hks-plan.hks-system.production-db-daily",
      "CronJob hks-system/hks-plan-production-db-daily",
    ]);
    for (const o of objs) expect(o.metadata.labels).toEqual(LABELS);
  });

  it("every Role carries the reason of each rule", () => {
    const roles = renderRbac(i, spec, [locationRecord("s3-main-storage")]).filter((o) =>
      o.kind.endsWith("Role"),
    ) as Any[];
    for (const r of roles) {
      const reasons = JSON.parse(r.metadata.annotations["hks.io/rule-reasons"]) as string[];
      expect(reasons).toHaveLength(r.rules.length);
      for (const reason of reasons) expect(reason.length).toBeGreaterThan(20);
    }
  });
});

describe("renderCronJob: NFS locations", () => {
  it("mounts each NFS location where its record says the runner opens it", () => {
    const i = planInputs({ copies: [{ storageLocation: "nfs-onprem-storage" }] });
    const nfs = locationRecord("nfs-onprem-storage", {
      objectStorage: undefined,
      provider: "generic",
      nfs: { server: "192.168.1.100", path: "/exports/backups" },
      credentials: { kind: "ambient" },
    });
    const nfsLocal = locationRecord("nfs-b", {
      objectStorage: undefined,
      provider: "generic",
      nfs: { server: "nas", path: "/b", localPath: "/mnt/b" },
      credentials: { kind: "ambient" },
    });
    const pod = (renderCronJob(i, [locationRecord("s3-main-storage"), nfs, nfsLocal]) as Any).spec.jobTemplate.spec
      .template.spec;
    expect(pod.volumes).toEqual([
      { name: "spill", emptyDir: {} },
      { name: "nfs-0", nfs: { server: "192.168.1.100", path: "/exports/backups" } },
      { name: "nfs-1", nfs: { server: "nas", path: "/b" } },
    ]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: "spill", mountPath: "/tmp" },
      { name: "nfs-0", mountPath: "/exports/backups" },
      { name: "nfs-1", mountPath: "/mnt/b" },
    ]);
  });
});
