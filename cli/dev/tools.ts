/**
 * Finds (and, when missing, builds) the local stack's binaries: etcd, kube-apiserver,
 * kube-controller-manager, MinIO and the Pulumi CLI. The build recipe lives in one place,
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
 * Returns the tool folder, building what is missing first (progress goes to stderr).
 * `HKS_TOOLS_DIR` overrides the cache location.
 */
export function ensureTools(): ToolPaths {
  const script = path.join(packageRoot(), "scripts", "test-infra", "build.sh");
  // One build at a time per machine: parallel test runs (or `hks dev up`) wait for it instead of
  // compiling the same binaries twice into the same folder.
  const lockDir = path.join(process.env.HOME ?? "/tmp", ".cache", "hks-backup", "tools");
  fs.mkdirSync(lockDir, { recursive: true });
  const res = spawnSync("flock", ["-w", "5400", path.join(lockDir, ".build.lock"), "bash", script], {
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
  if (res.status !== 0) {
    throw new Error(`building the local tools failed (exit ${res.status ?? res.signal}); see the messages above`);
  }
  const dir = res.stdout.trim().split("\n").pop() ?? "";
  const tools = toolPaths(dir);
  for (const bin of [tools.etcd, tools.kubeApiserver, tools.kubeControllerManager, tools.minio, tools.pulumi]) {
    if (!fs.existsSync(bin)) throw new Error(`tool build finished but ${bin} is missing`);
  }
  return tools;
}
