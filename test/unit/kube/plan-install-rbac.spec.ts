import { describe, expect, it } from "vitest";
import { clusterRules, planRuleSets, targetRules } from "../../../provider/kube/plan-install-rbac";
import { renderRbac } from "../../../provider/kube/plan-install-render";
import { planSpecOf } from "../../../provider/plan/to-plan-spec";
import { locationRecord, planInputs } from "./plan-install-fixtures";

type Any = Record<string, any>;
const strip = (rules: readonly Any[]) => rules.map(({ why: _why, ...r }) => r);
const specOf = (over: Record<string, unknown> = {}) => planSpecOf(planInputs(over));

describe("plan RBAC: the seed's plan (one namespace, a selector)", () => {
  const spec = specOf({ copies: [{ storageLocation: "offsite" }] });
  const sets = planRuleSets(spec, [locationRecord("s3-main-storage"), locationRecord("offsite")]);

  it("plan namespace: only its own ConfigMaps and its locations' credentials Secrets, by name", () => {
    expect(sets[0]!.namespace).toBe("hks-system");
    expect(strip(sets[0]!.rules)).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        verbs: ["get"],
        resourceNames: ["hks-location-offsite", "hks-location-s3-main-storage", "hks-plan-production-db-daily"],
      },
      {
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["get"],
        resourceNames: ["hks-location-offsite-credentials", "hks-location-s3-main-storage-credentials"],
      },
    ]);
  });

  it(
    "target namespace: read everything there (to back it up) and exec for annotation hooks; nothing " + "cluster-wide",
    () => {
      expect(sets[1]!.namespace).toBe("production");
      expect(strip(sets[1]!.rules)).toEqual([
        { apiGroups: ["*"], resources: ["*"], verbs: ["get", "list"] },
        { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
      ]);
    },
  );

  it("cluster: only its Namespace object (by name) and CRDs", () => {
    expect(sets[2]!.namespace).toBeUndefined();
    expect(strip(sets[2]!.rules)).toEqual([
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get"], resourceNames: ["production"] },
      { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "list"] },
    ]);
  });

  it("no rule anywhere writes anything but pod exec", () => {
    const writes = sets.flatMap((s) => s.rules).filter((r) => r.verbs.some((v) => !["get", "list"].includes(v)));
    expect(writes.map((r) => r.resources)).toEqual([["pods/exec"]]);
  });

  it("every rule says why", () => {
    for (const r of sets.flatMap((s) => s.rules)) expect(r.why).toMatch(/\w{4,}.*\w{4,}/);
  });
});

describe("plan RBAC: variations", () => {
  it("includeResources narrows the read rules (plural alone = any group)", () => {
    const rules = strip(
      targetRules(
        specOf({
          target: {
            namespace: "production",
            includeResources: ["configmaps", "deployments.apps", "widgets.example.com"],
          },
        }),
      ),
    );
    expect(rules).toEqual([
      { apiGroups: ["*"], resources: ["configmaps"], verbs: ["get", "list"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list"] },
      { apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list"] },
    ]);
  });

  it("pods excluded and no plan hooks: no exec", () => {
    const rules = targetRules(specOf({ target: { namespace: "production", excludeResources: ["pods"] } }));
    expect(rules.map((r) => r.resources[0])).toEqual(["*"]);
  });

  it("plan hooks with narrowed resources: pods are listable and exec is allowed", () => {
    const rules = strip(
      targetRules(
        specOf({
          target: { namespace: "production", includeResources: ["configmaps"] },
          hooks: { pre: [{ selector: { app: "pg" }, container: "postgres", command: ["sync"] }] },
        }),
      ),
    );
    expect(rules).toContainEqual({ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] });
    expect(rules).toContainEqual({ apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] });
  });

  it("snapshotVolumes: create/get/delete VolumeSnapshots in the target, read classes and contents cluster-wide", () => {
    const spec = specOf({ target: { namespace: "production", snapshotVolumes: true } });
    expect(strip(targetRules(spec))).toContainEqual({
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshots"],
      verbs: ["create", "get", "delete"],
    });
    expect(strip(clusterRules(spec))).toEqual(
      expect.arrayContaining([
        { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotclasses"], verbs: ["get", "list"] },
        { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotcontents"], verbs: ["get"] },
        { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list"] },
      ]),
    );
  });

  it("volumeData: the mover's Pods, claims and snapshots in the location's namespace, contents cluster-wide", () => {
    const spec = specOf({ target: { namespace: "production", snapshotVolumes: true, volumeData: {} } });
    const sets = planRuleSets(spec, [locationRecord("s3-main-storage")]);
    const planNs = sets.find((x) => x.namespace === "hks-system")!;
    expect(strip(planNs.rules)).toEqual(
      expect.arrayContaining([
        { apiGroups: [""], resources: ["pods", "persistentvolumeclaims"], verbs: ["create", "get", "delete"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"], verbs: ["create", "get", "delete"] },
      ]),
    );
    expect(strip(sets.find((x) => x.namespace === "production")!.rules)).not.toContainEqual(
      expect.objectContaining({ resources: ["pods", "persistentvolumeclaims"] }),
    );
    expect(strip(sets.find((x) => !x.namespace)!.rules)).toContainEqual({
      apiGroups: ["snapshot.storage.k8s.io"],
      resources: ["volumesnapshotcontents"],
      verbs: ["create", "delete"],
    });
    const without = planRuleSets(specOf({ target: { namespace: "production", snapshotVolumes: true } }), [
      locationRecord("s3-main-storage"),
    ]);
    expect(JSON.stringify(without)).not.toMatch(/volumeData|pods\/log/);
  });

  it("several target namespaces get one Role each; excluded ones get none", () => {
    const sets = planRuleSets(specOf({ target: { namespaces: ["b", "a", "c"], excludeNamespaces: ["c"] } }), [
      locationRecord("s3-main-storage"),
    ]);
    expect(sets.map((s) => s.namespace)).toEqual(["hks-system", "a", "b", undefined]);
  });

  it("a cluster-wide target (selector only, or '*') reads cluster-wide, and namespaces without resourceNames", () => {
    for (const target of [{ selector: { app: "critical" } }, { namespaces: ["*"] }]) {
      const sets = planRuleSets(specOf({ target }), [locationRecord("s3-main-storage")]);
      expect(sets.map((s) => s.namespace)).toEqual(["hks-system", undefined]);
      const cluster = strip(sets[1]!.rules);
      expect(cluster).toContainEqual({ apiGroups: ["*"], resources: ["*"], verbs: ["get", "list"] });
      expect(cluster).toContainEqual({ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] });
    }
  });

  it("a target in the plan's own namespace shares the plan's Role", () => {
    const sets = planRuleSets(specOf({ target: { namespace: "hks-system" } }), [locationRecord("s3-main-storage")]);
    expect(sets.map((s) => s.namespace)).toEqual(["hks-system", undefined]);
    expect(sets[0]!.rules.map((r) => r.resources[0])).toEqual(["configmaps", "secrets", "*", "pods/exec"]);
  });

  it("ambient credentials need no Secret; a credentials Secret elsewhere gets a Role there", () => {
    const ambient = locationRecord("s3-main-storage", { credentials: { kind: "ambient" } });
    const ref = locationRecord("offsite", {
      credentials: {
        kind: "secret",
        name: "offsite-keys",
        namespace: "vault",
        accessKeyIdKey: "id",
        secretAccessKeyKey: "key",
      },
    });
    const sets = planRuleSets(specOf({ copies: [{ storageLocation: "offsite" }] }), [ambient, ref]);
    expect(sets[0]!.rules.map((r) => r.resources[0])).toEqual(["configmaps"]);
    const vault = sets.find((s) => s.namespace === "vault")!;
    expect(strip(vault.rules)).toEqual([
      { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["offsite-keys"] },
    ]);
  });

  it("renderRbac binds every Role to the runner's ServiceAccount and names cluster objects per plan namespace", () => {
    const i = planInputs({ namespace: "team-a" });
    const objs = renderRbac(i, planSpecOf(i), [locationRecord("s3-main-storage", { namespace: "team-a" })]) as Any[];
    for (const b of objs.filter((o) => o.kind.endsWith("Binding"))) {
      expect(b.subjects).toEqual([
        { kind: "ServiceAccount", name: "hks-plan-production-db-daily", namespace: "team-a" },
      ]);
      expect(b.roleRef.name).toBe(b.metadata.name);
    }
    expect(objs.find((o) => o.kind === "ClusterRole")!.metadata.name).toBe("hks-plan.team-a.production-db-daily");
  });
});
