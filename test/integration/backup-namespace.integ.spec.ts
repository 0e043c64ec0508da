/**
 * A namespace backup on the real stack, checked object by object: every kind issue 4 names, binary
 * Secret/ConfigMap data, a CRD with custom resources (with and without a status subresource), and
 * objects opted out by label. Then the same backup encrypted and decrypted by the stock `age` CLI,
 * and the catalog (list, describe, delete) over what was written.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import * as YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openBackupContext } from "../../provider/prepare/backup";
import { resolveBackupName } from "../../provider/engine/backup/name";
import { runBackup } from "../../provider/engine/backup/backup";
import { deleteBackup, describeBackup, listBackups } from "../../provider/engine/catalog/catalog";
import type { ProgressEvent } from "../../provider/engine/progress";
import { createKubeReader } from "../../provider/kube/discovery";
import { parseIdentityFile } from "../../provider/format/age-keys";
import { ConflictError } from "../../provider/errors";
import { waitFor } from "../support/wait";
import {
  adminKubeConfig,
  BINARY,
  crdBody,
  createCrd,
  createLocation,
  liveReader,
  locationNamespace,
  rand,
  readBackupObjects,
  readManifest,
} from "../support/backup-fixture";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
const reader = createKubeReader(kc);
const ns = `bk-ns-${rand()}`;
const locNs = locationNamespace();
const group = `t${rand()}.hks.example.com`;
const OPT_OUT = { "hks.io/exclude-from-backup": "true" };
const container = { name: "app", image: "busybox", command: ["sleep", "3600"] };
let tmp: string;

async function seed(): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: ns, labels: { team: "a" } } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: { name: "app-config", labels: { app: "web" } },
      data: { "app.yaml": 'port: 8080\nname: "x"\n', yes: "no" },
    },
  });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: "bin-config" }, binaryData: { "blob.bin": BINARY.toString("base64") } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: "excluded-config", labels: OPT_OUT }, data: { a: "b" } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: "app-secret" },
      type: "Opaque",
      data: { key: BINARY.toString("base64"), text: Buffer.from("pässwörd").toString("base64") },
    },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: "excluded-secret", labels: OPT_OUT }, stringData: { a: "b" } },
  });
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "app-sa" } } });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: ns,
    body: {
      metadata: { name: "data" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
        storageClassName: "standard",
      },
    },
  });
  await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: "web" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [container] } },
      },
    },
  });
  await apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: "db" },
      spec: {
        serviceName: "db",
        replicas: 1,
        selector: { matchLabels: { app: "db" } },
        template: {
          metadata: { labels: { app: "db" } },
          spec: { containers: [{ ...container, volumeMounts: [{ name: "data", mountPath: "/data" }] }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: "data" },
            spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
          },
        ],
      },
    },
  });
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: "reader" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: "reader-binding" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
      subjects: [{ kind: "ServiceAccount", name: "app-sa", namespace: ns }],
    },
  });
  await createCrd(kc, crdBody(group, "widgets", "Widget", false));
  await createCrd(kc, crdBody(group, "gadgets", "Gadget", true));
  const cr = (plural: string, kind: string, name: string, extra: Record<string, unknown> = {}) =>
    custom.createNamespacedCustomObject({
      group,
      version: "v1",
      namespace: ns,
      plural,
      body: { apiVersion: `${group}/v1`, kind, metadata: { name }, spec: { size: 3 }, ...extra },
    });
  await cr("widgets", "Widget", "w1", { status: { phase: "user-owned" } });
  await cr("widgets", "Widget", "w2");
  await cr("widgets", "Widget", "w-excluded", { metadata: { name: "w-excluded", labels: OPT_OUT } });
  await cr("gadgets", "Gadget", "g1");
  await custom.patchNamespacedCustomObjectStatus(
    {
      group,
      version: "v1",
      namespace: ns,
      plural: "gadgets",
      name: "g1",
      body: { status: { phase: "controller-owned" } },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
  // The StatefulSet controller makes db-0 (with its claim as a volume) and the scheduler binds it;
  // waiting for every Pod to be bound keeps the objects still between the backup and the comparison.
  await waitFor("the namespace's pods created and scheduled", 60_000, async () => {
    const pods = (await core.listNamespacedPod({ namespace: ns })).items;
    const bound = pods.every((p) => p.spec?.nodeName);
    return bound && pods.some((p) => p.metadata?.name === "db-0") ? true : undefined;
  });
}

let liveAsArchived: (archivePath: string) => Promise<unknown>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bk-"));
  await seed();
  liveAsArchived = await liveReader(reader);
});

afterAll(async () => {
  await core.deleteNamespace({ name: ns }).catch(() => undefined);
  await core.deleteNamespace({ name: locNs }).catch(() => undefined);
  for (const p of ["widgets", "gadgets"])
    await ext.deleteCustomResourceDefinition({ name: `${p}.${group}` }).catch(() => undefined);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("namespace backup on the real stack", () => {
  it(
    "backs up every object of the namespace exactly as the API server holds it, minus " + "server-owned fields",
    async () => {
      const loc = await createLocation(kc, { namespace: locNs });
      const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
      const name = await resolveBackupName(ctx.deps.store, { base: "ns-backup", now: new Date() });
      expect(name).toMatch(/^ns-backup-\d{14}$/);
      const events: ProgressEvent[] = [];
      const res = await runBackup(
        { name, storageLocation: loc.config.name, target: { namespaces: [ns] }, labels: { purpose: "test" } },
        { ...ctx.deps, progress: (e) => events.push(e) },
      );
      expect(res.phase, JSON.stringify(res.record.errors)).toBe("Completed");
      expect(res.excludedByLabel).toBe(3);

      const manifest = await readManifest(loc.store, name);
      const objects = await readBackupObjects(loc.store, manifest);
      const paths = [...objects.keys()];
      // What we created is there, under the documented path scheme.
      for (const p of [
        `resources/configmaps/${ns}/app-config.yaml`,
        `resources/configmaps/${ns}/bin-config.yaml`,
        `resources/secrets/${ns}/app-secret.yaml`,
        `resources/serviceaccounts/${ns}/app-sa.yaml`,
        `resources/persistentvolumeclaims/${ns}/data.yaml`,
        `resources/pods/${ns}/db-0.yaml`,
        `resources/services/${ns}/web.yaml`,
        `resources/deployments.apps/${ns}/web.yaml`,
        `resources/statefulsets.apps/${ns}/db.yaml`,
        `resources/roles.rbac.authorization.k8s.io/${ns}/reader.yaml`,
        `resources/rolebindings.rbac.authorization.k8s.io/${ns}/reader-binding.yaml`,
        `resources/widgets.${group}/${ns}/w1.yaml`,
        `resources/widgets.${group}/${ns}/w2.yaml`,
        `resources/gadgets.${group}/${ns}/g1.yaml`,
        `resources/customresourcedefinitions.apiextensions.k8s.io/_cluster/widgets.${group}.yaml`,
        `resources/customresourcedefinitions.apiextensions.k8s.io/_cluster/gadgets.${group}.yaml`,
        `resources/namespaces/_cluster/${ns}.yaml`,
      ])
        expect(paths, p).toContain(p);
      // Opted-out objects and events are not.
      for (const p of paths) {
        expect(p).not.toMatch(/excluded|w-excluded|\/events(\.events\.k8s\.io)?\//);
      }
      // Only this namespace (plus the cluster-scoped CRDs and Namespace).
      for (const p of paths) expect(p.split("/")[2] === ns || p.split("/")[2] === "_cluster", p).toBe(true);

      // Object by object: equal to the live object after sanitizing.
      for (const [p, obj] of objects) expect(obj, p).toEqual(await liveAsArchived(p));

      // Binary data survives byte for byte; status is kept only where no controller owns it.
      const secret = objects.get(`resources/secrets/${ns}/app-secret.yaml`) as { data: Record<string, string> };
      expect(Buffer.from(secret.data.key!, "base64").equals(BINARY)).toBe(true);
      const cm = objects.get(`resources/configmaps/${ns}/bin-config.yaml`) as { binaryData: Record<string, string> };
      expect(Buffer.from(cm.binaryData["blob.bin"]!, "base64").equals(BINARY)).toBe(true);
      expect((objects.get(`resources/widgets.${group}/${ns}/w1.yaml`) as { status?: unknown }).status).toEqual({
        phase: "user-owned",
      });
      expect((objects.get(`resources/gadgets.${group}/${ns}/g1.yaml`) as { status?: unknown }).status).toBeUndefined();
      const dep = objects.get(`resources/deployments.apps/${ns}/web.yaml`) as {
        apiVersion: string;
        kind: string;
        metadata: Record<string, unknown>;
        status?: unknown;
      };
      expect([dep.apiVersion, dep.kind, dep.status]).toEqual(["apps/v1", "Deployment", undefined]);
      for (const f of ["uid", "resourceVersion", "managedFields", "creationTimestamp", "generation"])
        expect(dep.metadata[f], f).toBeUndefined();

      // The manifest agrees with the archive.
      expect(manifest.counts.total).toBe(objects.size);
      const perType: Record<string, number> = {};
      for (const p of paths) perType[p.split("/")[1]!] = (perType[p.split("/")[1]!] ?? 0) + 1;
      expect(manifest.counts.byResource).toEqual(perType);
      expect(manifest).toMatchObject({
        phase: "Completed",
        labels: { purpose: "test" },
        storageLocation: loc.config.name,
        target: { namespaces: [ns] },
        errors: [],
      });
      expect(manifest.artifacts.resources).toMatchObject({
        key: `hks/v1/backups/${name}/resources.tar.gz`,
        encrypted: false,
        objects: objects.size,
      });
      expect(manifest.sourceCluster).toBe(kc.getCurrentCluster()!.server);
      expect(new Set(events.map((e) => e.step))).toEqual(new Set(["discover", "backup", "upload"]));
      expect(res.url).toBe(`s3://${loc.bucket}/team-a/hks/v1/backups/${name}/`);

      // The catalog sees it; a second backup under the same name is refused.
      const list = await listBackups(loc.store, loc.config.name);
      expect(list).toEqual([
        expect.objectContaining({
          name,
          phase: "Completed",
          items: objects.size,
          storageLocation: loc.config.name,
          labels: { purpose: "test" },
        }),
      ]);
      expect(list[0]!.bytes).toBe(
        manifest.artifacts.resources.bytes + (await loc.store.head(`hks/v1/backups/${name}/manifest.json`))!.size,
      );
      await expect(resolveBackupName(loc.store, { given: name, base: "x", now: new Date() })).rejects.toBeInstanceOf(
        ConflictError,
      );
      const desc = await describeBackup(loc.store, name);
      expect(desc?.manifest?.name).toBe(name);
      expect(desc?.objects.map((o) => o.key).sort()).toEqual([
        `hks/v1/backups/${name}/manifest.json`,
        `hks/v1/backups/${name}/resources.tar.gz`,
      ]);
      const deleted = await deleteBackup(loc.store, name);
      expect(deleted?.keys).toHaveLength(2);
      expect(await listBackups(loc.store)).toEqual([]);
      expect(await describeBackup(loc.store, name)).toBeUndefined();
    },
  );

  it("encrypts to the location's recipients: the stock age CLI decrypts the archive and tar lists it", async () => {
    const keyFile = path.join(tmp, "key.txt");
    execFileSync("age-keygen", ["-o", keyFile], { stdio: "pipe" });
    const recipient = execFileSync("age-keygen", ["-y", keyFile]).toString().trim();
    const loc = await createLocation(kc, { namespace: locNs, recipients: [recipient] });
    const ctx = await openBackupContext(kc, { storageLocation: loc.config.name, namespace: locNs });
    const res = await runBackup(
      {
        name: `enc-${rand()}`,
        storageLocation: loc.config.name,
        target: { namespaces: [ns], includeResources: ["secrets", "configmaps"] },
      },
      ctx.deps,
    );
    expect(res.phase).toBe("Completed");
    const manifest = await readManifest(loc.store, res.name);
    expect(manifest.artifacts.resources).toMatchObject({
      key: `hks/v1/backups/${res.name}/resources.tar.gz.age`,
      encrypted: true,
    });
    expect(manifest.encryption?.recipientFingerprints).toHaveLength(1);
    const cipher = path.join(tmp, "resources.tar.gz.age");
    const chunks: Buffer[] = [];
    for await (const c of await loc.store.getStream(manifest.artifacts.resources.key)) chunks.push(c as Buffer);
    fs.writeFileSync(cipher, Buffer.concat(chunks));
    expect(Buffer.concat(chunks).subarray(0, 21).toString()).toBe("age-encryption.org/v1");
    const plain = execFileSync("age", ["-d", "-i", keyFile, cipher], { maxBuffer: 64 << 20 });
    const listed = execFileSync("tar", ["-tz"], { input: plain }).toString().trim().split("\n").sort();
    const objects = await readBackupObjects(loc.store, manifest, parseIdentityFile(fs.readFileSync(keyFile, "utf8")));
    expect(listed).toEqual([...objects.keys()].sort());
    expect(listed).toContain(`resources/secrets/${ns}/app-secret.yaml`);
    expect(listed.every((p) => /^resources\/(secrets|configmaps|namespaces)\//.test(p))).toBe(true);
    const secretYaml = execFileSync("tar", ["-xzO", `resources/secrets/${ns}/app-secret.yaml`], {
      input: plain,
    }).toString();
    expect(YAML.parse(secretYaml)).toEqual(await liveAsArchived(`resources/secrets/${ns}/app-secret.yaml`));
  });
});
