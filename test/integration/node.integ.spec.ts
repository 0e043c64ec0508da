/**
 * The local node is real: the kubelet registers a Ready Node, pods run on containerd + runc with CNI
 * networking, exec goes apiserver -> kubelet -> container through the project's own executor,
 * controllers act (a Deployment becomes Available), and CSI storage works end to end through the
 * project's hostpath driver and the upstream provisioner, snapshotter and snapshot controller.
 */
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { kubeExecutor } from "../../provider/kube/exec";
import { busyboxContainer } from "../support/node";
import { waitFor } from "../support/wait";

const stack = inject("stack");
const kc = new k8s.KubeConfig();
kc.loadFromFile(stack.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const storage = kc.makeApiClient(k8s.StorageV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const ns = `node-${Date.now().toString(36)}`;
const node = stack.node!;

function pod(name: string, command: string, volumes: { claim: string }[] = []): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        busyboxContainer("main", {
          command: ["sh", "-c", command],
          volumeMounts: volumes.map((v, i) => ({ name: `v${i}`, mountPath: "/data" })),
        }),
      ],
      volumes: volumes.map((v, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: v.claim } })),
    },
  };
}

async function running(name: string): Promise<k8s.V1Pod> {
  return waitFor(`pod ${ns}/${name} Running`, 90_000, async () => {
    const p = await core.readNamespacedPod({ namespace: ns, name });
    if (p.status?.phase === "Failed") throw new Error(`pod ${name} failed`);
    return p.status?.phase === "Running" && p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
  });
}

async function bound(name: string): Promise<k8s.V1PersistentVolumeClaim> {
  return waitFor(`PVC ${ns}/${name} Bound`, 60_000, async () => {
    const c = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name });
    return c.status?.phase === "Bound" ? c : undefined;
  });
}

const exec = (name: string, command: string) =>
  kubeExecutor(kc).exec({
    namespace: ns,
    pod: name,
    container: "main",
    command: ["sh", "-c", command],
    timeoutMs: 20_000,
  });

describe("local node (kubelet, containerd, CNI, CSI)", () => {
  beforeAll(async () => {
    expect(node, "the test stack runs a node").toBeDefined();
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it("registers a Ready node at its own InternalIP, with the CSI driver on its CSINode and default storage classes", async () => {
    const n = await core.readNode({ name: node.name });
    expect(n.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(n.status?.addresses).toContainEqual({ type: "InternalIP", address: node.nodeIp });
    expect(n.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\/1\.6\./);
    expect(n.status?.nodeInfo?.kubeletVersion).toBe("v1.35.4");
    const csiNode = await storage.readCSINode({ name: node.name });
    expect(csiNode.spec.drivers.map((d) => d.name)).toContain(node.csiDriver);
    const sc = await storage.readStorageClass({ name: node.storageClass });
    expect(sc.provisioner).toBe(node.csiDriver);
    expect(sc.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    const vsc = (await custom.getClusterCustomObject({
      group: "snapshot.storage.k8s.io",
      version: "v1",
      plural: "volumesnapshotclasses",
      name: node.volumeSnapshotClass,
    })) as { driver: string; metadata: k8s.V1ObjectMeta };
    expect(vsc.driver).toBe(node.csiDriver);
    expect(vsc.metadata.annotations?.["snapshot.storage.kubernetes.io/is-default-class"]).toBe("true");
  });

  it("runs a busybox Pod with a pod IP from the node's subnet, and execs in it through the project's executor", async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod("bb", "sleep 3600") });
    const p = await running("bb");
    expect(p.spec?.nodeName).toBe(node.name);
    expect(p.status?.podIP).toMatch(new RegExp(`^${node.podSubnet.split(".").slice(0, 3).join("\\.")}\\.`));
    const res = await exec("bb", "echo via-hks-executor; echo to-stderr >&2; exit 3");
    expect(res).toEqual({ exitCode: 3, stdout: "via-hks-executor\n", stderr: "to-stderr\n" });
  });

  it("lets pods reach the stack's apiserver (kubernetes Service) and MinIO (host address) on the host's loopback", async () => {
    await running("bb");
    // An HTTPS server answers a plain HTTP request with a 400 naming the mistake: proof of a connection.
    const api = await exec("bb", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 10.0.0.1 443");
    expect(api.stdout).toContain("Client sent an HTTP request to an HTTPS server");
    const s3Port = new URL(stack.s3Endpoint).port;
    // nc, not wget: the static busybox's wget crashes resolving names (glibc NSS in a static binary).
    const s3 = await exec(
      "bb",
      `printf 'GET /minio/health/live HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${node.hostAddress} ${s3Port}`,
    );
    expect(s3.stdout).toMatch(/^HTTP\/1\.[01] 200 OK/);
  });

  it("runs controllers and the scheduler: a Deployment becomes Available", async () => {
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [busyboxContainer("main")],
            },
          },
        },
      },
    });
    const d = await waitFor("Deployment web Available", 90_000, async () => {
      const x = await apps.readNamespacedDeployment({ namespace: ns, name: "web" });
      return x.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") &&
        x.status.availableReplicas === 2
        ? x
        : undefined;
    });
    expect(d.status?.readyReplicas).toBe(2);
  });

  it("provisions a PVC on the default StorageClass, snapshots it through the snapshot controller, and restores the data", async () => {
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: "data" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "16Mi" } } },
      },
    });
    const claim = await bound("data");
    expect(claim.spec?.storageClassName).toBe(node.storageClass);
    const pv = await core.readPersistentVolume({ name: claim.spec!.volumeName! });
    expect(pv.spec?.csi?.driver).toBe(node.csiDriver);

    await core.createNamespacedPod({
      namespace: ns,
      body: pod("writer", "echo hello-from-pvc > /data/file.txt; sync; sleep 3600", [{ claim: "data" }]),
    });
    await running("writer");
    expect((await exec("writer", "cat /data/file.txt")).stdout).toBe("hello-from-pvc\n");

    await custom.createNamespacedCustomObject({
      group: "snapshot.storage.k8s.io",
      version: "v1",
      namespace: ns,
      plural: "volumesnapshots",
      body: {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshot",
        metadata: { name: "snap" },
        spec: { source: { persistentVolumeClaimName: "data" } },
      },
    });
    type Snap = {
      spec: { volumeSnapshotClassName?: string };
      status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string; restoreSize?: string };
    };
    const snap = await waitFor("VolumeSnapshot snap readyToUse", 90_000, async () => {
      const s = (await custom.getNamespacedCustomObject({
        group: "snapshot.storage.k8s.io",
        version: "v1",
        namespace: ns,
        plural: "volumesnapshots",
        name: "snap",
      })) as Snap;
      return s.status?.readyToUse ? s : undefined;
    });
    expect(snap.spec.volumeSnapshotClassName).toBe(node.volumeSnapshotClass);
    expect(snap.status?.boundVolumeSnapshotContentName).toMatch(/^snapcontent-/);

    // Written after the snapshot: must not be in the restored volume.
    await exec("writer", "echo later > /data/later.txt");
    await core.createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: "restored" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "16Mi" } },
          dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" },
        },
      },
    });
    await bound("restored");
    await core.createNamespacedPod({ namespace: ns, body: pod("reader", "sleep 3600", [{ claim: "restored" }]) });
    await running("reader");
    expect((await exec("reader", "cat /data/file.txt; ls /data")).stdout).toBe("hello-from-pvc\nfile.txt\n");
  });
});
