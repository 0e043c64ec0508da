/**
 * Finds (and, when missing, builds) the local stack's binaries: etcd, kube-apiserver,
 * kube-controller-manager, MinIO, the Pulumi CLI and the Kubernetes provider plugin, and the node's:
 * kubelet, kube-scheduler, the CSI sidecars and the project's hostpath CSI driver. The build recipe lives in one place,
 * `scripts/test-infra/build.sh`, which caches binaries under `~/.cache/hks-backup/tools/<versions>`
 * and is a fast no-op when they are present.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository (package) root: the folder holding this package's package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === "hks-backup") return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the hks-backup package root above " + __dirname);
    dir = up;
  }
}

/** Paths of the binaries the local stack runs. */
export interface ToolPaths {
  readonly dir: string;
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly minio: string;
  readonly pulumi: string;
  /** Folder with the snapshot.storage.k8s.io CRD manifests. */
  readonly crdDir: string;
  /**
   * `pulumi-resource-kubernetes`, the plugin `@pulumi/kubernetes` programs run (its own cache folder,
   * keyed by version); `upStack` installs it into the stack's PULUMI_HOME. Absent in older build output.
   */
  readonly kubernetesProvider?: KubernetesProviderPlugin;
  /** The node's binaries; absent when only the base tools were built. */
  readonly node?: NodeToolPaths;
}

/** The Kubernetes provider plugin binary and the version it is installed as (`@pulumi/kubernetes`'s pin). */
export interface KubernetesProviderPlugin {
  readonly bin: string;
  readonly version: string;
}

/** Binaries of the local node (kubelet and friends; containerd, runc and CNI come from Debian packages). */
export interface NodeToolPaths {
  readonly dir: string;
  readonly kubelet: string;
  readonly kubeScheduler: string;
  readonly snapshotController: string;
  readonly csiSnapshotter: string;
  readonly csiProvisioner: string;
  /** The project's hostpath CSI driver (test/csi-hostpath), named after a hash of its source. */
  readonly csiDriver: string;
}

/** The tools cache root, `~/.cache/hks-backup/tools`. */
export function toolsCacheRoot(): string {
  return path.join(process.env.HOME ?? "/tmp", ".cache", "hks-backup", "tools");
}

/**
 * The folder of image tarballs (docker-archive or OCI, `*.tar`) that `hks dev up` imports into the
 * node's containerd: `<tools cache>/images`, or `HKS_IMAGES_DIR`. The image build writes there.
 */
export function imagesDir(): string {
  return process.env.HKS_IMAGES_DIR ? path.resolve(process.env.HKS_IMAGES_DIR) : path.join(toolsCacheRoot(), "images");
}

function toolPaths(dir: string): ToolPaths {
  return {
    dir,
    etcd: path.join(dir, "etcd"),
    kubeApiserver: path.join(dir, "kube-apiserver"),
    kubeControllerManager: path.join(dir, "kube-controller-manager"),
    minio: path.join(dir, "minio"),
    pulumi: path.join(dir, "pulumi"),
    crdDir: path.join(dir, "crds"),
  };
}

/**
 * Returns the tool folders, building what is missing first (progress goes to stderr).
 * `HKS_TOOLS_DIR` / `HKS_NODE_TOOLS_DIR` override the cache locations. `what`: `base` skips the node's tools.
 */
export function ensureTools(what: "all" | "base" = "all"): ToolPaths {
  const script = path.join(packageRoot(), "scripts", "test-infra", "build.sh");
  // One build at a time per machine: parallel test runs (or `hks dev up`) wait for it instead of
  // compiling the same binaries twice into the same folder.
  const lockDir = toolsCacheRoot();
  fs.mkdirSync(lockDir, { recursive: true });
  const res = spawnSync("flock", ["-w", "5400", path.join(lockDir, ".build.lock"), "bash", script, what], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (res.status !== 0) {
    throw new Error(`building the local tools failed (exit ${res.status ?? res.signal}); see the messages above`);
  }
  return parseBuildOutput(res.stdout);
}

/**
 * Reads build.sh's stdout: `node-tools=<dir>`, `csi-driver=<binary>` (when built),
 * `kubernetes-provider=<binary>` and `kubernetes-provider-version=<v>`, the base folder last.
 */
export function parseBuildOutput(stdout: string): ToolPaths {
  const lines = stdout.trim().split("\n");
  const field = (k: string) => lines.find((l) => l.startsWith(k + "="))?.slice(k.length + 1);
  const nodeDir = field("node-tools");
  const csiDriver = field("csi-driver");
  const node: NodeToolPaths | undefined =
    nodeDir && csiDriver
      ? {
          dir: nodeDir,
          kubelet: path.join(nodeDir, "kubelet"),
          kubeScheduler: path.join(nodeDir, "kube-scheduler"),
          snapshotController: path.join(nodeDir, "snapshot-controller"),
          csiSnapshotter: path.join(nodeDir, "csi-snapshotter"),
          csiProvisioner: path.join(nodeDir, "csi-provisioner"),
          csiDriver,
        }
      : undefined;
  const k8sBin = field("kubernetes-provider");
  const k8sVersion = field("kubernetes-provider-version");
  const kubernetesProvider = k8sBin && k8sVersion ? { bin: k8sBin, version: k8sVersion } : undefined;
  const tools: ToolPaths = {
    ...toolPaths(lines.pop() ?? ""),
    ...(node ? { node } : {}),
    ...(kubernetesProvider ? { kubernetesProvider } : {}),
  };
  const bins = [tools.etcd, tools.kubeApiserver, tools.kubeControllerManager, tools.minio, tools.pulumi];
  if (kubernetesProvider) bins.push(kubernetesProvider.bin);
  if (node)
    bins.push(
      node.kubelet,
      node.kubeScheduler,
      node.snapshotController,
      node.csiSnapshotter,
      node.csiProvisioner,
      node.csiDriver,
    );
  for (const bin of bins) {
    if (!fs.existsSync(bin)) throw new Error(`tool build finished but ${bin} is missing`);
  }
  return tools;
}
