/**
 * Restored objects really run: a namespace with two Deployments (a web server serving a ConfigMap,
 * a worker reading a Secret through its environment, under its own ServiceAccount) is backed up and
 * restored into another namespace with `hks`; the clone's Deployments become Available on the node,
 * and what the restored Pods serve and read comes from the restored ConfigMap and Secret.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKubeConfig, createLocation, locationNamespace, rand } from "../support/backup-fixture";
import { busyboxContainer, deleteNamespacesAndWait, deploymentAvailable, exec, untilStopped } from "../support/node";
import { runHks, type HksRun } from "../support/hks-cli";

const kc = adminKubeConfig();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const id = rand();
const SRC = `run-src-${id}`;
const CLONE = `run-clone-${id}`;
const locNs = locationNamespace();

const hks = (args: string[]): Promise<HksRun> => runHks(locNs, args);

const deployment = (name: string, replicas: number, spec: k8s.V1PodSpec): k8s.V1Deployment => ({
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, ...spec } },
  },
});

async function runningPod(ns: string, app: string): Promise<string> {
  const pods = await core.listNamespacedPod({
    namespace: ns,
    labelSelector: `app=${app}`,
    fieldSelector: "status.phase=Running",
  });
  return pods.items[0]!.metadata!.name!;
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: SRC } } });
  await core.createNamespacedServiceAccount({ namespace: SRC, body: { metadata: { name: "worker" } } });
  await core.createNamespacedConfigMap({
    namespace: SRC,
    body: { metadata: { name: "web-content" }, data: { "index.html": `hello from ${SRC}\n` } },
  });
  await core.createNamespacedSecret({
    namespace: SRC,
    body: { metadata: { name: "worker-token" }, stringData: { TOKEN: `token-${id}` } },
  });
  await core.createNamespacedService({
    namespace: SRC,
    body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  await apps.createNamespacedDeployment({
    namespace: SRC,
    body: deployment("web", 2, {
      containers: [
        busyboxContainer("web", {
          command: untilStopped("", "httpd -f -p 8080 -h /www"),
          volumeMounts: [{ name: "content", mountPath: "/www" }],
          readinessProbe: { httpGet: { path: "/index.html", port: 8080 }, periodSeconds: 1 },
        }),
      ],
      volumes: [{ name: "content", configMap: { name: "web-content" } }],
    }),
  });
  await apps.createNamespacedDeployment({
    namespace: SRC,
    body: deployment("worker", 1, {
      serviceAccountName: "worker",
      containers: [busyboxContainer("worker", { envFrom: [{ secretRef: { name: "worker-token" } }] })],
    }),
  });
  await deploymentAvailable(kc, SRC, "web");
  await deploymentAvailable(kc, SRC, "worker");
  await createLocation(kc, { namespace: locNs, name: "main" });
}, 300_000);

afterAll(async () => {
  await deleteNamespacesAndWait(kc, [SRC, CLONE, locNs]).catch(() => undefined);
}, 180_000);

describe("a restore whose Deployments run on the node", () => {
  it("the clone's Deployments become Available and serve the restored ConfigMap and Secret", async () => {
    const b = await hks(["backup", "create", `apps-${id}`, "--include-namespaces", SRC, "--storage-location", "main"]);
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const r = await hks([
      "restore",
      "create",
      `apps-clone-${id}`,
      "--from-backup",
      `apps-${id}`,
      "--storage-location",
      "main",
      "--namespace-mapping",
      `${SRC}:${CLONE}`,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const web = await deploymentAvailable(kc, CLONE, "web");
    expect(web.status?.readyReplicas).toBe(2);
    await deploymentAvailable(kc, CLONE, "worker");
    // What the restored Pods do comes from the restored objects, in the new namespace.
    const webPod = await runningPod(CLONE, "web");
    expect((await exec(kc, CLONE, webPod, "web", ["wget", "-qO-", "http://127.0.0.1:8080/index.html"])).stdout).toBe(
      `hello from ${SRC}\n`,
    );
    const workerPod = await runningPod(CLONE, "worker");
    expect((await exec(kc, CLONE, workerPod, "worker", ["sh", "-c", "echo $TOKEN"])).stdout).toBe(`token-${id}\n`);
    const pod = await core.readNamespacedPod({ name: workerPod, namespace: CLONE });
    expect(pod.spec?.serviceAccountName).toBe("worker");
    expect(pod.spec?.nodeName).toBeTruthy();
    // The ReplicaSets and Pods were made anew by the controllers, not restored.
    const rs = await apps.listNamespacedReplicaSet({ namespace: CLONE });
    expect(rs.items.every((x) => x.metadata?.ownerReferences?.[0]?.kind === "Deployment")).toBe(true);
  });
});
