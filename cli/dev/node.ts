/**
 * The local stack's node: containerd (Debian's, state under the run folder), a kubelet, kube-scheduler,
 * the project's hostpath CSI driver with the upstream csi-provisioner, csi-snapshotter and
 * snapshot-controller as host processes, a CSIDriver and a default StorageClass and VolumeSnapshotClass.
 * `upNode` returns when the Node is Ready and the driver is registered; `downNode` deletes the pods
 * first (the kubelet leaves containers running when it exits), and after the processes are stopped
 * `cleanUpNode` undoes what the node changed on the machine (node-host.ts).
 *
 * Needs root (mounts, cgroups, network links). Per stack: ports, cgroup root, bridge, pod subnet, node IP,
 * nat chain, containerd/kubelet state. Machine-wide limits: 250 nodes (slots), see node-host.ts.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CSI_DRIVER_NAME,
  SANDBOX_IMAGE,
  STORAGE_CLASS,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  kubeletKubeconfig,
  nodeLayout,
  type NodeLayout,
} from "./node-config";
import {
  claimSlot,
  claimedSlot,
  cleanUpNodeState,
  createCgroupRoot,
  mountsUnder,
  releaseSlot,
  setUpHostNetwork,
  slotBusy,
  tearDownHostNetwork,
} from "./node-host";
import { signClientCert, type Pki } from "./pki";
import { isOurs, waitHealthy, type StackProcess } from "./stack-process";
import { imagesDir, type NodeToolPaths } from "./tools";

/** What `hks dev up` records about the node (in `stack.json`). */
export interface NodeInfo {
  readonly name: string;
  readonly slot: number;
  /** The node's InternalIP (a /32 on `lo`). */
  readonly nodeIp: string;
  readonly podSubnet: string;
  /**
   * The host as pods see it: the node IP. Pods and the host alike reach the stack's MinIO at
   * `http://<hostAddress>:<MinIO port>` and the apiserver at `https://<hostAddress>:<apiserver port>`;
   * pods also at the `kubernetes` Service (10.0.0.1:443). A nat rule forwards those to 127.0.0.1.
   */
  readonly hostAddress: string;
  readonly containerdSock: string;
  readonly csiDriver: string;
  /** The default StorageClass and the default VolumeSnapshotClass (same name). */
  readonly storageClass: string;
  readonly volumeSnapshotClass: string;
  /** Image references imported from the images folder at start. */
  readonly images: string[];
}

type Log = (line: string) => void;
type Request = (method: string, urlPath: string, body?: unknown) => Promise<{ status: number; body: string }>;

/** What upNode needs from the stack that runs it. */
export interface NodeContext {
  readonly runDir: string;
  readonly pki: Pki;
  readonly apiserverUrl: string;
  readonly apiPort: number;
  readonly kubeconfig: string;
  /** Host ports pods may reach at {@link NodeInfo.hostAddress} (the apiserver's and MinIO's). */
  readonly forwardPorts: readonly number[];
  readonly tools: NodeToolPaths;
  readonly freePort: () => Promise<number>;
  readonly launch: (name: string, spec: Omit<StackProcess, "pid">) => StackProcess;
  /** Records the node's slot in the stack's partial record, so a failed start is cleaned up by `down`. */
  readonly recordSlot: (slot: number) => void;
  readonly request: Request;
  readonly log: Log;
  readonly secs: () => string;
}

const REQUIRED_COMMANDS = [
  "containerd",
  "containerd-shim-runc-v2",
  "runc",
  "ctr",
  "ip",
  "iptables",
  "iptables-save",
  "tar",
  "umount",
];
const CNI_PLUGINS = ["bridge", "host-local", "loopback", "portmap"];

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "")
    .split(":")
    .concat(["/usr/sbin", "/sbin", "/usr/bin"])
    .some((d) => d && fs.existsSync(path.join(d, cmd)));
}

/**
 * Checks, before anything is started, that this machine can run a node: root, the Debian packages, the
 * node's binaries, short enough socket paths. Throws one message listing every problem and its fix.
 */
export function checkNodeHost(tools: NodeToolPaths | undefined): void {
  const problems: string[] = [];
  if (process.getuid?.() !== 0)
    problems.push(
      "the node needs root (mounts, cgroups, network links): run as root, " +
        "or start without it: 'npx hks dev up --no-node'",
    );
  const missing = REQUIRED_COMMANDS.filter((c) => !onPath(c));
  const plugins = CNI_PLUGINS.filter((p) => !fs.existsSync(path.join("/usr/lib/cni", p)));
  if (missing.length || plugins.length) {
    const absent = [...missing, ...plugins.map((p) => `/usr/lib/cni/${p}`)].join(", ");
    problems.push(
      `missing ${absent}: run 'bash scripts/setup.sh' as root ` +
        "(apt-get install containerd runc containernetworking-plugins iptables)",
    );
  }
  if (!tools)
    problems.push(
      "the node's tools (kubelet, kube-scheduler, CSI sidecars) are not built: " +
        "run 'bash scripts/test-infra/build.sh node'",
    );
  else
    for (const b of Object.values(tools).slice(1))
      if (!fs.existsSync(b)) problems.push(`${b} is missing: run 'bash scripts/test-infra/build.sh node'`);
  if (!fs.existsSync("/sys/fs/cgroup")) problems.push("no /sys/fs/cgroup: cgroups are not mounted");
  if (problems.length) throw new Error(`cannot start the local node:\n  - ${problems.join("\n  - ")}`);
}

async function until<T>(
  what: string,
  logFile: string,
  ms: number,
  alive: () => boolean,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (!alive()) throw new Error(`${what}: the process exited; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`${what}: not done within ${ms / 1000}s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Runs one pause Pod to the end of its start, then deletes it: `up` says ready only when the
 * scheduler, the kubelet, the CNI and the images all work together. A probe not scheduled within 8s
 * is replaced rather than waited on (the scheduler may take minutes to retry a pod it found
 * unschedulable, e.g. while the node still had its not-ready taint). Creation is retried too: the
 * ServiceAccount admission refuses Pods until the controller-manager has made the namespace's
 * default ServiceAccount.
 */
async function runProbePod(req: Request, nodeName: string, schedulerLog: string): Promise<void> {
  const ns = "kube-system";
  const deadline = Date.now() + 90_000;
  for (let attempt = 1; ; attempt++) {
    const name = `hks-dev-probe-${attempt}`;
    const created = await req("POST", `/api/v1/namespaces/${ns}/pods`, {
      metadata: { name, labels: { "app.kubernetes.io/name": "hks-dev-probe" } },
      spec: {
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: 0,
        restartPolicy: "Never",
        containers: [{ name: "pause", image: SANDBOX_IMAGE, imagePullPolicy: "Never" }],
      },
    });
    let phase: string | undefined;
    let scheduled = false;
    if (created.status === 201) {
      const attemptEnd = Math.min(deadline, Date.now() + 8_000);
      while (Date.now() < (scheduled ? deadline : attemptEnd) && phase !== "Running") {
        await new Promise((r) => setTimeout(r, 250));
        const res = await req("GET", `/api/v1/namespaces/${ns}/pods/${name}`);
        if (res.status !== 200) continue;
        const pod = JSON.parse(res.body) as { spec?: { nodeName?: string }; status?: { phase?: string } };
        scheduled = pod.spec?.nodeName === nodeName;
        phase = pod.status?.phase;
      }
      await req("DELETE", `/api/v1/namespaces/${ns}/pods/${name}?gracePeriodSeconds=0`);
    } else {
      await new Promise((r) => setTimeout(r, 500));
    }
    if (phase === "Running") return;
    if (Date.now() > deadline) {
      const why =
        created.status === 201
          ? scheduled
            ? `still ${phase ?? "Pending"}`
            : "never scheduled"
          : `creating it: HTTP ${created.status} ${created.body.slice(0, 200)}`;
      throw new Error(
        `a first pod on node ${nodeName} did not run within 90s (${why}); see ${schedulerLog} and the kubelet's log`,
      );
    }
  }
}

async function apply(req: Request, collection: string, name: string, body: unknown): Promise<void> {
  const res = await req("POST", collection, body);
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`creating ${collection}/${name} failed: HTTP ${res.status} ${res.body.slice(0, 300)}`);
}

/** Imports every `*.tar` of the images folder into the node's containerd (namespace k8s.io); returns the references. */
export function importImages(sock: string, dir: string): string[] {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".tar"))
        .sort()
    : [];
  const refs: string[] = [];
  for (const f of files) {
    let out: string;
    try {
      out = execFileSync("ctr", ["-a", sock, "-n", "k8s.io", "images", "import", path.join(dir, f)], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      const reason = ((err as { stderr?: string }).stderr ?? String(err)).trim();
      throw new Error(`importing image ${path.join(dir, f)} into containerd failed: ${reason}`);
    }
    for (const m of out.matchAll(/unpacking (\S+)/g)) if (m[1]) refs.push(m[1]);
  }
  return refs;
}

/** Starts the node for a stack whose apiserver runs; see the module comment. */
export async function upNode(ctx: NodeContext): Promise<NodeInfo> {
  const { runDir, pki, tools, log, secs } = ctx;
  const slot = claimSlot(runDir, (s) => slotBusy(nodeLayout(runDir, s)));
  ctx.recordSlot(slot);
  const l = nodeLayout(runDir, slot);
  // Never delete through a mount (a volume's data) left by a node that was not stopped cleanly.
  const left = mountsUnder(l.dir);
  if (left.length)
    throw new Error(
      `${left.length} mount(s) remain under ${l.dir} (e.g. ${left[0]}): run 'npx hks dev down --dir ${runDir}' first`,
    );
  fs.rmSync(l.dir, { recursive: true, force: true });
  for (const d of ["cni", "kubelet", "pki", "csi", "containerd"])
    fs.mkdirSync(path.join(l.dir, d), { recursive: true, mode: 0o700 });
  const logFile = (n: string) => path.join(runDir, "logs", `${n}.log`);

  setUpHostNetwork(l, { apiPort: ctx.apiPort, ports: ctx.forwardPorts });
  createCgroupRoot(l);

  // containerd
  const ctrdCfg = path.join(l.dir, "containerd", "config.toml");
  fs.writeFileSync(ctrdCfg, containerdConfig(l));
  fs.writeFileSync(path.join(l.dir, "cni", "10-hks-dev.conflist"), cniConfig(l));
  const ctrd = ctx.launch("containerd", { bin: resolveBin("containerd"), port: 0, args: ["--config", ctrdCfg] });
  await until(
    "containerd start",
    logFile("containerd"),
    30_000,
    () => isOurs(ctrd.pid, ctrd.bin),
    async () => {
      execFileSync("ctr", ["-a", l.containerdSock, "version"], { stdio: "ignore", timeout: 5000 });
      return true;
    },
  );
  log(`  containerd       ready on ${l.containerdSock} (${secs()})`);
  const images = importImages(l.containerdSock, imagesDir());
  log(`  images           ${images.length ? images.join(", ") : "none"} from ${imagesDir()} (${secs()})`);

  // kube-scheduler: schedules onto this node only (no other node exists).
  const schedPort = await ctx.freePort();
  const kc = ctx.kubeconfig;
  const sched = ctx.launch("kube-scheduler", {
    bin: tools.kubeScheduler,
    port: schedPort,
    args: [
      `--kubeconfig=${kc}`,
      `--authentication-kubeconfig=${kc}`,
      `--authorization-kubeconfig=${kc}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
      `--secure-port=${schedPort}`,
    ],
    health: { url: `https://127.0.0.1:${schedPort}/healthz`, tls: "insecure", timeoutMs: 60_000 },
  });

  // kubelet: node client certificate from the dev CA; RBAC only (no Node authorizer), so the group
  // system:nodes gets the ClusterRole system:node.
  const cert = signClientCert(pki, path.join(l.dir, "pki"), "kubelet", `/O=system:nodes/CN=system:node:${l.name}`);
  await apply(ctx.request, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", "hks-dev:nodes", {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: "hks-dev:nodes" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:node" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:nodes" }],
  });
  const [kubeletPort, healthzPort] = [await ctx.freePort(), await ctx.freePort()];
  const kubeletCfg = path.join(l.dir, "kubelet.yaml");
  const kubeletKc = path.join(l.dir, "kubelet.kubeconfig");
  fs.writeFileSync(kubeletCfg, kubeletConfig(l, pki.caCert, { port: kubeletPort, healthzPort }));
  fs.writeFileSync(kubeletKc, kubeletKubeconfig(ctx.apiserverUrl, pki.caCert, cert.cert, cert.key), { mode: 0o600 });
  const kubelet = ctx.launch("kubelet", {
    bin: tools.kubelet,
    port: kubeletPort,
    args: [
      `--config=${kubeletCfg}`,
      `--kubeconfig=${kubeletKc}`,
      `--hostname-override=${l.name}`,
      `--node-ip=${l.nodeIp}`,
      `--root-dir=${l.kubeletRoot}`,
      `--cert-dir=${path.join(l.dir, "pki", "kubelet-serving")}`,
    ],
    health: { url: `http://127.0.0.1:${healthzPort}/healthz`, timeoutMs: 60_000 },
  });

  // CSI: the driver registers itself with the kubelet (plugins_registry), the sidecars watch the apiserver.
  const csiData = path.join(l.dir, "csi");
  const driver = ctx.launch("csi-driver", {
    bin: tools.csiDriver,
    port: 0,
    args: [
      `--endpoint=${l.csiSock}`,
      `--data-dir=${csiData}`,
      `--node-id=${l.name}`,
      `--driver-name=${CSI_DRIVER_NAME}`,
      `--registration-dir=${path.join(l.kubeletRoot, "plugins_registry")}`,
    ],
  });
  const sidecars = (
    [
      ["csi-provisioner", tools.csiProvisioner, [`--csi-address=${l.csiSock}`]],
      ["csi-snapshotter", tools.csiSnapshotter, [`--csi-address=${l.csiSock}`]],
      ["snapshot-controller", tools.snapshotController, []],
    ] as const
  ).map(
    ([name, bin, extra]) =>
      [
        name,
        ctx.launch(name, { bin, port: 0, args: [`--kubeconfig=${kc}`, "--leader-election=false", ...extra] }),
      ] as const,
  );
  await applyStorageObjects(ctx.request);

  await waitHealthy(runDir, "kube-scheduler", sched);
  log(`  kube-scheduler   ready on 127.0.0.1:${schedPort} (${secs()})`);
  await waitHealthy(runDir, "kubelet", kubelet);
  await until(
    `node ${l.name} Ready (kubelet)`,
    logFile("kubelet"),
    90_000,
    () => isOurs(kubelet.pid, kubelet.bin),
    async () => {
      const res = await ctx.request("GET", `/api/v1/nodes/${l.name}`);
      if (res.status !== 200) return undefined;
      const n = JSON.parse(res.body) as {
        spec?: { taints?: { key: string }[] };
        status?: { conditions?: { type: string; status: string }[] };
      };
      const ready = n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      // The not-ready taint goes when kube-controller-manager's node-lifecycle controller sees Ready.
      const tainted = n.spec?.taints?.some((t) => t.key === "node.kubernetes.io/not-ready");
      return ready && !tainted ? true : undefined;
    },
  );
  log(`  kubelet          node ${l.name} Ready at ${l.nodeIp}:${kubeletPort}, pods in ${l.podSubnet} (${secs()})`);
  await until(
    `CSI driver ${CSI_DRIVER_NAME} registered with the kubelet`,
    logFile("csi-driver"),
    60_000,
    () => isOurs(driver.pid, driver.bin),
    async () => {
      const res = await ctx.request("GET", `/apis/storage.k8s.io/v1/csinodes/${l.name}`);
      const drivers =
        res.status === 200
          ? ((JSON.parse(res.body) as { spec?: { drivers?: { name: string }[] | null } }).spec?.drivers ?? [])
          : [];
      return drivers.some((d) => d.name === CSI_DRIVER_NAME) ? true : undefined;
    },
  );
  for (const [name, p] of sidecars)
    if (!isOurs(p.pid, p.bin)) throw new Error(`${name} exited during start-up; see ${logFile(name)}`);
  log(
    `  CSI              ${CSI_DRIVER_NAME} registered; ` +
      `default StorageClass and VolumeSnapshotClass ${STORAGE_CLASS} (${secs()})`,
  );
  await runProbePod(ctx.request, l.name, logFile("kube-scheduler"));
  log(`  first pod        scheduled and running on ${l.name} (${secs()})`);
  return {
    name: l.name,
    slot,
    nodeIp: l.nodeIp,
    podSubnet: l.podSubnet,
    hostAddress: l.nodeIp,
    containerdSock: l.containerdSock,
    csiDriver: CSI_DRIVER_NAME,
    storageClass: STORAGE_CLASS,
    volumeSnapshotClass: STORAGE_CLASS,
    images,
  };
}

async function applyStorageObjects(req: Request): Promise<void> {
  await apply(req, "/apis/storage.k8s.io/v1/csidrivers", CSI_DRIVER_NAME, {
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIDriver",
    metadata: { name: CSI_DRIVER_NAME },
    // No attach step (no external-attacher); File: the kubelet applies a pod's fsGroup to the volume.
    spec: { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ["Persistent"], fsGroupPolicy: "File" },
  });
  await apply(req, "/apis/storage.k8s.io/v1/storageclasses", STORAGE_CLASS, {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: CSI_DRIVER_NAME,
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
  });
  await apply(req, "/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses", STORAGE_CLASS, {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotClass",
    metadata: { name: STORAGE_CLASS, annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } },
    driver: CSI_DRIVER_NAME,
    deletionPolicy: "Delete",
  });
}

function resolveBin(cmd: string): string {
  for (const d of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/bin", "/sbin", "/bin"])) {
    const p = path.join(d, cmd);
    if (d && fs.existsSync(p)) return p;
  }
  throw new Error(`the '${cmd}' command is missing`);
}

interface PodList {
  items: { metadata: { name: string; namespace: string } }[];
}

/**
 * Deletes every pod and waits until the kubelet has stopped their containers and unmounted their
 * volumes (pods disappear from the API only then). Controllers must be stopped before, or they
 * would create the pods again. Falls back to force deletion when the kubelet is gone.
 */
export async function drainNode(req: Request, kubeletAlive: () => boolean, log: Log): Promise<void> {
  const list = async () => JSON.parse((await req("GET", "/api/v1/pods")).body) as PodList;
  let pods = await list();
  if (!pods.items.length) return;
  const namespaces = [...new Set(pods.items.map((p) => p.metadata.namespace))];
  const grace = kubeletAlive() ? 2 : 0;
  for (const ns of namespaces) await req("DELETE", `/api/v1/namespaces/${ns}/pods?gracePeriodSeconds=${grace}`);
  const deadline = Date.now() + 60_000;
  while ((pods = await list()).items.length && Date.now() < deadline && kubeletAlive())
    await new Promise((r) => setTimeout(r, 250));
  if (pods.items.length) {
    log(`  ${pods.items.length} pod(s) not stopped by the kubelet in time; deleting them by force`);
    for (const p of pods.items)
      await req("DELETE", `/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}?gracePeriodSeconds=0`);
  }
}

/** Waits until containerd runs no task (pod sandboxes and containers), up to `ms`. */
export async function waitNoTasks(sock: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    let out = "x";
    try {
      out = execFileSync("ctr", ["-a", sock, "-n", "k8s.io", "tasks", "ls", "-q"], {
        encoding: "utf8",
        timeout: 5000,
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      return false;
    }
    if (!out) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The node's slot for `runDir` (from the machine's claims), if it has one. */
export function nodeSlotOf(runDir: string): number | undefined {
  return claimedSlot(runDir);
}

/**
 * After every process is stopped: removes mounts under the run folder, the kubelet's cgroups, the
 * bridge, the lo address, the nat chain, CNI results, and gives the slot back. Returns what could not
 * be undone (empty when the machine is as it was).
 */
export function cleanUpNode(runDir: string, slot: number): string[] {
  const l: NodeLayout = nodeLayout(runDir, slot);
  const problems: string[] = [];
  cleanUpNodeState(l, problems);
  // The node's state goes, pod logs aside (containerd's image store alone is over 1 GB a stack, and a
  // run folder is kept for its logs); never through a mount: a volume's data. A state folder outside
  // the run folder goes whole; its parent is machine-wide, removed by releaseSlot with the last node.
  if (fs.existsSync(l.dir) && mountsUnder(l.dir).length === 0) {
    for (const e of fs.readdirSync(l.dir))
      if (l.outsideRunDir || path.join(l.dir, e) !== l.podLogsDir)
        fs.rmSync(path.join(l.dir, e), { recursive: true, force: true });
    if (l.outsideRunDir) fs.rmSync(l.dir, { recursive: true, force: true });
  }
  tearDownHostNetwork(l, problems);
  releaseSlot(slot, problems);
  return problems;
}
