/**
 * The configuration files of the local node (node.ts), as pure functions of its layout: containerd's
 * config.toml, the CNI network, the KubeletConfiguration and the kubelet's kubeconfig. Everything a
 * node writes lives under its run folder or is named after its slot, so two stacks' nodes do not share
 * state (see README "Local environment").
 */
import * as path from "node:path";

/** Where one stack's node keeps its state and what it is called; all derived from the run folder and the slot. */
export interface NodeLayout {
  /**
   * The node's state folder: the run folder's `node/` subfolder, or `/var/lib/hks-dev/node-<slot>` when
   * the run folder's path is too long for the kubelet's unix sockets (see `nodeLayout`).
   */
  readonly dir: string;
  /** True when `dir` is outside the run folder (then `down` removes it). */
  readonly outsideRunDir: boolean;
  /** Slot number 1-250 on this machine (node.ts claims it): node IP, pod subnet and names derive from it. */
  readonly slot: number;
  readonly name: string;
  /** The node's InternalIP, a /32 on `lo` (the kubelet refuses loopback addresses; this kernel has no dummy links). */
  readonly nodeIp: string;
  /** The pods' /24; its .1 is the bridge's address, through which pods reach the host. */
  readonly podSubnet: string;
  readonly gateway: string;
  readonly bridge: string;
  readonly cniNetwork: string;
  /** The kubelet's cgroup root: its QoS tree is `<cgroupRoot>/kubepods`. */
  readonly cgroupRoot: string;
  /** nat chain that lets pods reach the host's loopback services (apiserver, MinIO). */
  readonly natChain: string;
  readonly containerdSock: string;
  readonly csiSock: string;
  readonly kubeletRoot: string;
  readonly podLogsDir: string;
}

/** Where a node's state goes when the run folder's path is too long for its sockets. */
export const SHORT_NODE_ROOT = "/var/lib/hks-dev";

/** Longest unix socket path the node's state folder may produce (the kernel limit is 107 bytes). */
const MAX_SOCKET_PATH = 100;

/**
 * The layout of slot `slot` for run folder `runDir`. The node's sockets live in its state folder, the
 * deepest being the CSI driver's registration socket in the kubelet's `plugins_registry`; a run folder
 * deep in a user's tree (a clone at /home/alice/src/github.com/org/hks-backup/.hks/dev) would pass
 * the unix socket limit, so such a node keeps its state in `/var/lib/hks-dev/node-<slot>` instead.
 */
export function nodeLayout(runDir: string, slot: number): NodeLayout {
  if (!Number.isInteger(slot) || slot < 1 || slot > 250) throw new Error(`node slot must be 1-250, got ${slot}`);
  const inRun = path.join(path.resolve(runDir), "node");
  const deepest = path.join(inRun, "kubelet", "plugins_registry", `${CSI_DRIVER_NAME}-reg.sock`);
  const outsideRunDir = deepest.length > MAX_SOCKET_PATH;
  const dir = outsideRunDir ? path.join(SHORT_NODE_ROOT, `node-${slot}`) : inRun;
  return {
    dir,
    outsideRunDir,
    slot,
    name: `hks-dev-${slot}`,
    nodeIp: `10.254.254.${slot}`,
    podSubnet: `10.244.${slot}.0/24`,
    gateway: `10.244.${slot}.1`,
    bridge: `hksdev${slot}`,
    cniNetwork: `hks-dev-${slot}`,
    cgroupRoot: `/hks-dev-${slot}`,
    natChain: `HKS-DEV-${slot}`,
    containerdSock: path.join(dir, "containerd.sock"),
    csiSock: path.join(dir, "csi.sock"),
    kubeletRoot: path.join(dir, "kubelet"),
    podLogsDir: path.join(dir, "pod-logs"),
  };
}

/** The pause image every pod sandbox uses; built locally (no registry) and imported by `hks dev up`. */
export const SANDBOX_IMAGE = "localhost/hks-dev/pause:latest";

/**
 * Workload images built by scripts/test-infra/images.sh and imported into the node: the sample app
 * and the tests run these (there is no registry to pull from).
 */
export const LOCAL_IMAGES = {
  busybox: "localhost/hks-dev/busybox:latest",
  postgres: "localhost/hks-dev/postgres:latest",
} as const;

/**
 * A busybox container command that runs `script`, then `serve` (by default it idles) until the Pod is
 * stopped, and stops at once when it is. A process that is PID 1 of its container (`sleep`, busybox
 * `httpd`) ignores SIGTERM unless it handles it, so the kubelet would wait the whole grace period
 * (30 s) before killing it: every namespace deletion would take that long.
 */
export function untilStopped(script = "", serve = "sleep 86400"): string[] {
  return ["sh", "-c", `trap 'exit 0' TERM; ${script ? `${script}\n` : ""}${serve} & wait`];
}
/** The project's hostpath CSI driver (test/csi-hostpath). */
export const CSI_DRIVER_NAME = "hostpath.csi.hks.dev";
/** The default StorageClass and VolumeSnapshotClass `hks dev up` creates for {@link CSI_DRIVER_NAME}. */
export const STORAGE_CLASS = "hks-dev-hostpath";

/**
 * containerd 1.6 (Debian) with all state under the node folder; `restrict_oom_score_adj` because this
 * VM lacks CAP_SYS_RESOURCE.
 */
export function containerdConfig(l: NodeLayout): string {
  const q = (s: string) => JSON.stringify(s);
  const disabled = [
    "io.containerd.snapshotter.v1.aufs",
    "io.containerd.snapshotter.v1.btrfs",
    "io.containerd.snapshotter.v1.zfs",
    "io.containerd.snapshotter.v1.devmapper",
    "io.containerd.tracing.processor.v1.otlp",
    "io.containerd.internal.v1.tracing",
  ];
  return `version = 2
root = ${q(path.join(l.dir, "containerd", "root"))}
state = ${q(path.join(l.dir, "containerd", "state"))}
disabled_plugins = [${disabled.map(q).join(", ")}]

[grpc]
  address = ${q(l.containerdSock)}
[ttrpc]
  address = ${q(l.containerdSock + ".ttrpc")}

[plugins."io.containerd.internal.v1.opt"]
  path = ${q(path.join(l.dir, "containerd", "opt"))}
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${q(SANDBOX_IMAGE)}
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # Pod network namespaces under the state folder instead of the machine-wide /run/netns.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${q(path.join(l.dir, "runc"))}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = ${q(path.join(l.dir, "cni"))}
    max_conf_num = 1
`;
}

/**
 * A bridge network with host-local addresses kept in the node folder. No ipMasq (pods only talk to the
 * host and each other), so the bridge plugin adds no iptables rules; portmap only acts for hostPorts.
 */
export function cniConfig(l: NodeLayout): string {
  return (
    JSON.stringify(
      {
        cniVersion: "0.4.0",
        name: l.cniNetwork,
        plugins: [
          {
            type: "bridge",
            bridge: l.bridge,
            isGateway: true,
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: "host-local",
              ranges: [[{ subnet: l.podSubnet, gateway: l.gateway }]],
              routes: [{ dst: "0.0.0.0/0" }],
              dataDir: path.join(l.dir, "cni-ipam"),
            },
          },
          { type: "portmap", capabilities: { portMappings: true } },
        ],
      },
      null,
      2,
    ) + "\n"
  );
}

export interface KubeletPorts {
  readonly port: number;
  readonly healthzPort: number;
}

/** The KubeletConfiguration (see docs/real-node-notes in the README's references for why each line). */
export function kubeletConfig(l: NodeLayout, caCert: string, ports: KubeletPorts): string {
  const lines = [
    "apiVersion: kubelet.config.k8s.io/v1beta1",
    "kind: KubeletConfiguration",
    `address: ${l.nodeIp}`,
    `port: ${ports.port}`,
    "readOnlyPort: 0",
    "healthzBindAddress: 127.0.0.1",
    `healthzPort: ${ports.healthzPort}`,
    "authentication:",
    "  anonymous: {enabled: false}",
    "  webhook: {enabled: true}",
    `  x509: {clientCAFile: ${JSON.stringify(caCert)}}`,
    "authorization: {mode: Webhook}",
    // cgroup v1 host: 1.35 refuses it unless told; Debian's containerd 1.6 cannot report its driver.
    "failCgroupV1: false",
    "cgroupDriver: cgroupfs",
    `cgroupRoot: ${l.cgroupRoot}`,
    "cgroupsPerQOS: true",
    "failSwapOn: false",
    `containerRuntimeEndpoint: unix://${l.containerdSock}`,
    `imageServiceEndpoint: unix://${l.containerdSock}`,
    `podLogsDir: ${JSON.stringify(l.podLogsDir)}`,
    `volumePluginDir: ${JSON.stringify(path.join(l.dir, "volume-plugins"))}`,
    "enforceNodeAllocatable: [pods]",
    "evictionHard: " +
      '{memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}',
    // Images only come from local tarballs: never garbage-collect them.
    "imageGCHighThresholdPercent: 100",
    "imageGCLowThresholdPercent: 99",
    "serializeImagePulls: false",
    // No KUBE-FIREWALL / canary chains: nothing of the node's is left in iptables.
    "makeIPTablesUtilChains: false",
    "registerNode: true",
    "maxPods: 50",
    "resolvConf: /etc/resolv.conf",
    "clusterDomain: cluster.local",
    "",
  ];
  return lines.join("\n");
}

/** The kubelet's kubeconfig: its node client certificate (`system:node:<name>`). */
export function kubeletKubeconfig(server: string, caCert: string, cert: string, key: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: hks-dev`,
    `  cluster: {server: "${server}", certificate-authority: "${caCert}"}`,
    "users:",
    `- name: kubelet`,
    `  user: {client-certificate: "${cert}", client-key: "${key}"}`,
    "contexts:",
    `- name: kubelet`,
    `  context: {cluster: hks-dev, user: kubelet}`,
    "current-context: kubelet",
    "",
  ].join("\n");
}
