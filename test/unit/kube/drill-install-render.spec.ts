/** What a scheduled RestoreDrill installs, object by object: least privilege, no secrets in plain sight. */
import { describe, expect, it } from "vitest";
import { checkDrill } from "../../../provider/plan/drill";
import { checkDrillSchedule } from "../../../provider/plan/drill-schedule";
import {
  drillAdmissionExpression,
  renderDrillObjects,
  type DrillInstall,
} from "../../../provider/kube/drill-install-render";
import { RUNNER_COMMAND } from "../../../provider/kube/plan-install-render";
import { defaultRunnerImage } from "../../../provider/plan/plan-runner";
import { locationRecord } from "./plan-install-fixtures";

type Any = Record<string, any>;

function install(over: Partial<DrillInstall> = {}): DrillInstall {
  const { spec } = checkDrill({ name: "orders", plan: "nightly", namespacePrefix: "dr" });
  const { spec: sched } = checkDrillSchedule({ schedule: { cron: "0 5 * * 1" } });
  return {
    spec: { ...spec!, storageLocation: "main" },
    namespace: "hks-system",
    schedule: sched!.schedule!,
    runner: sched!.runner!,
    location: locationRecord("main"),
    owner: "urn:pulumi:prod::shop::hks:index:RestoreDrill::orders",
    ...over,
  };
}

const byKind = (objs: Any[], kind: string) => objs.filter((o) => o.kind === kind);

describe("renderDrillObjects", () => {
  const objs = renderDrillObjects(install()) as Any[];

  it("installs, in order, the ServiceAccount, ConfigMap, Role, bindings, roles, admission policy and the CronJob last", () => {
    expect(objs.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      "ServiceAccount hks-drill-orders",
      "ConfigMap hks-drill-orders",
      "Role hks-drill-orders",
      "RoleBinding hks-drill-orders",
      "ClusterRole hks-drill.hks-system.orders",
      "ClusterRoleBinding hks-drill.hks-system.orders",
      "ClusterRole hks-drill-inside.hks-system.orders",
      "ValidatingAdmissionPolicy hks-drill.hks-system.orders",
      "ValidatingAdmissionPolicyBinding hks-drill.hks-system.orders",
      "CronJob hks-drill-orders",
    ]);
    for (const o of objs) {
      expect(o.metadata.labels).toMatchObject({ "hks.io/drill": "orders" });
      expect(o.metadata.annotations["hks.io/owner"]).toBe("urn:pulumi:prod::shop::hks:index:RestoreDrill::orders");
    }
  });

  it("the CronJob runs `hks drill run <name> --scheduled` in the default runner image, as the drill's account", () => {
    const cj = byKind(objs, "CronJob")[0]!;
    expect(cj.spec).toMatchObject({ schedule: "0 5 * * 1", timeZone: "UTC", concurrencyPolicy: "Forbid" });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(cj.spec.jobTemplate.spec.backoffLimit).toBe(0);
    expect(pod.serviceAccountName).toBe("hks-drill-orders");
    expect(pod.containers[0].image).toBe(defaultRunnerImage());
    expect(pod.containers[0].command).toEqual([...RUNNER_COMMAND]);
    expect(pod.containers[0].args).toEqual(["drill", "run", "orders", "--namespace", "hks-system", "--scheduled"]);
    expect(JSON.stringify(pod)).not.toMatch(/AWS_SECRET|AGE-SECRET/);
  });

  it("the ConfigMap holds the drill as a drill file (location resolved) and the grant, no secret", () => {
    const cm = byKind(objs, "ConfigMap")[0]!;
    const fields = JSON.parse(cm.data["drill.json"]);
    expect(fields).toMatchObject({ name: "orders", plan: "nightly", storageLocation: "main", namespacePrefix: "dr" });
    expect(checkDrill(fields).failures).toEqual([]);
    expect(JSON.parse(cm.data["runtime.json"])).toEqual({
      grant: {
        clusterRole: "hks-drill-inside.hks-system.orders",
        serviceAccount: "hks-drill-orders",
        namespace: "hks-system",
      },
    });
  });

  it("reads only its own ConfigMaps and its location's credentials, by name", () => {
    const role = byKind(objs, "Role")[0]!;
    expect(role.rules).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        verbs: ["get"],
        resourceNames: ["hks-drill-orders", "hks-location-main"],
      },
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["hks-location-main-credentials"] },
    ]);
  });

  it("cluster-wide: namespaces, RoleBindings and bind on the inside role only; no read of Secrets or pods", () => {
    const outer = byKind(objs, "ClusterRole")[0]!;
    const flat = outer.rules.flatMap((r: Any) => r.resources);
    expect(flat).not.toContain("secrets");
    expect(flat).not.toContain("*");
    expect(outer.rules).toContainEqual({
      apiGroups: ["rbac.authorization.k8s.io"],
      resources: ["clusterroles"],
      verbs: ["bind"],
      resourceNames: ["hks-drill-inside.hks-system.orders"],
    });
    const reasons = JSON.parse(outer.metadata.annotations["hks.io/rule-reasons"]);
    expect(reasons).toHaveLength(outer.rules.length);
  });

  it("the admission policy matches the runner's user only and denies", () => {
    const vap = byKind(objs, "ValidatingAdmissionPolicy")[0]!;
    expect(vap.spec.matchConditions).toEqual([
      {
        name: "drill-runner",
        expression: 'request.userInfo.username == "system:serviceaccount:hks-system:hks-drill-orders"',
      },
    ]);
    expect(vap.spec.failurePolicy).toBe("Fail");
    expect(vap.spec.validations[0].expression).toBe(
      drillAdmissionExpression("dr", "hks-drill-inside.hks-system.orders"),
    );
    expect(byKind(objs, "ValidatingAdmissionPolicyBinding")[0]!.spec).toEqual({
      policyName: "hks-drill.hks-system.orders",
      validationActions: ["Deny"],
    });
  });

  it("an identity goes into a Secret the runner reads by name, never into the ConfigMap or the CronJob", () => {
    const identity = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ";
    const withId = renderDrillObjects(install({ identity })) as Any[];
    const secret = byKind(withId, "Secret")[0]!;
    expect(secret.metadata.name).toBe("hks-drill-orders-identity");
    expect(Buffer.from(secret.data.identity, "base64").toString()).toBe(identity);
    for (const o of withId.filter((x) => x.kind !== "Secret")) expect(JSON.stringify(o)).not.toContain(identity);
    expect(JSON.parse(byKind(withId, "ConfigMap")[0]!.data["runtime.json"]).identitySecret).toBe(
      "hks-drill-orders-identity",
    );
    expect(byKind(withId, "Role")[0]!.rules[1].resourceNames).toEqual([
      "hks-drill-orders-identity",
      "hks-location-main-credentials",
    ]);
  });

  it("credentials in another namespace get a Role there; a given ServiceAccount is not created", () => {
    const loc = locationRecord("main", {
      credentials: {
        kind: "secret",
        name: "s3",
        namespace: "vault",
        accessKeyIdKey: "AWS_ACCESS_KEY_ID",
        secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
      },
    });
    const { spec: sched } = checkDrillSchedule({
      schedule: { cron: "0 5 * * 1" },
      runner: { serviceAccountName: "ops" },
    });
    const o = renderDrillObjects(install({ location: loc, runner: sched!.runner! })) as Any[];
    expect(byKind(o, "ServiceAccount")).toEqual([]);
    expect(byKind(o, "Role").map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      "hks-system/hks-drill-orders",
      "vault/hks-drill.hks-system.orders",
    ]);
    expect(byKind(o, "RoleBinding")[1]!.subjects).toEqual([
      { kind: "ServiceAccount", name: "ops", namespace: "hks-system" },
    ]);
  });
});
