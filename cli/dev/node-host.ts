/**
 * What a local node changes on the machine outside its run folder, and how `hks dev down` undoes it:
 * a slot claim (node IP, pod subnet, bridge, cgroup root, nat chain are per slot), the /32 on `lo`, the
 * bridge, the nat chain that lets pods reach the host's loopback services, and at teardown the mounts
 * under the run folder, the kubelet's cgroups, leftover shims, CNI result files and log links.
 *
 * Machine-global state that nodes share (the `/run/netns` folder, containerd's `/run/containerd/s` shim
 * sockets, `/var/log/containers`, `/var/lib/cni/results`, iptables chains a kubelet or CNI plugin may
 * create despite the settings) is compared with a baseline taken when the first node of the machine
 * starts, and restored when the last one stops.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { SHORT_NODE_ROOT, type NodeLayout } from "./node-config";

/** Where slot claims and the machine baseline live (tmpfs: a reboot clears it along with what it describes). */
export const CLAIM_DIR = process.env.HKS_DEV_NODE_CLAIMS ?? "/run/hks-dev";

function sh(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; code?: string };
    if (e.code === "ENOENT") throw new Error(`the '${cmd}' command is missing`);
    throw new Error(`${cmd} ${args.join(" ")}: ${(e.stderr ?? String(err)).trim()}`);
  }
}
function trySh(cmd: string, args: readonly string[]): boolean {
  try {
    sh(cmd, args);
    return true;
  } catch {
    return false;
  }
}

/** What the machine looked like before its first node started. */
interface Baseline {
  /** `table/chain` for IPv4 and `6:table/chain` for IPv6. */
  readonly chains: string[];
  readonly netnsMounted: boolean;
  readonly paths: Record<string, boolean>;
}
const GLOBAL_PATHS = ["/run/containerd", "/run/netns", "/var/log/containers", "/var/lib/cni", SHORT_NODE_ROOT];

/** Every iptables chain as `table/chain` (`6:` prefix for ip6tables); empty when a tool is missing. */
export function iptablesChains(): string[] {
  const out: string[] = [];
  for (const [cmd, prefix] of [
    ["iptables-save", ""],
    ["ip6tables-save", "6:"],
  ] as const) {
    let text = "";
    try {
      text = sh(cmd, []);
    } catch {
      continue;
    }
    let table = "";
    for (const line of text.split("\n")) {
      if (line.startsWith("*")) table = line.slice(1);
      else if (line.startsWith(":")) out.push(`${prefix}${table}/${line.slice(1).split(" ")[0]}`);
    }
  }
  return out;
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const text = fs.readFileSync("/proc/self/mountinfo", "utf8");
  const un = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  const pts = text
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p)
    .map(un);
  return [...new Set(pts.filter((p) => p === dir || p.startsWith(dir + "/")))].sort((a, b) => b.length - a.length);
}

/** Every cgroup hierarchy root (each v1 controller mount once, plus the unified one). */
function cgroupRoots(): string[] {
  const base = "/sys/fs/cgroup";
  if (fs.existsSync(path.join(base, "cgroup.controllers"))) return [base]; // pure cgroup v2
  const seen = new Set<string>();
  for (const e of fs.readdirSync(base)) {
    const p = path.join(base, e);
    try {
      if (fs.lstatSync(p).isSymbolicLink()) continue;
      seen.add(fs.realpathSync(p));
    } catch {
      /* raced */
    }
  }
  return [...seen];
}

/** The cgroup folders named `name` at the top of any hierarchy. */
export function cgroupDirs(name: string): string[] {
  return cgroupRoots()
    .map((r) => path.join(r, name.replace(/^\//, "")))
    .filter((p) => fs.existsSync(p));
}

/**
 * Creates the kubelet's cgroup root in every hierarchy (the kubelet checks that it exists and builds
 * its QoS tree below it). A new v1 cpuset cgroup starts with no CPUs or memory nodes: copy the root's.
 */
export function createCgroupRoot(l: NodeLayout): void {
  for (const root of cgroupRoots()) {
    const dir = path.join(root, l.cgroupRoot.replace(/^\//, ""));
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ["cpuset.cpus", "cpuset.mems"]) {
      const mine = path.join(dir, f);
      if (fs.existsSync(mine) && fs.readFileSync(mine, "utf8").trim() === "")
        fs.writeFileSync(mine, fs.readFileSync(path.join(root, f), "utf8").trim());
    }
  }
}

/** Claims a free slot for `runDir` (see nodeLayout) and takes the machine baseline if it is the first. */
export function claimSlot(runDir: string, taken: (slot: number) => string | undefined): number {
  fs.mkdirSync(CLAIM_DIR, { recursive: true, mode: 0o755 });
  const first = fs.readdirSync(CLAIM_DIR).filter((f) => f.startsWith("slot-")).length === 0;
  if (first && !fs.existsSync(path.join(CLAIM_DIR, "baseline.json"))) {
    const netnsMounted = mountsUnder("/run/netns").includes("/run/netns");
    const base: Baseline = {
      chains: iptablesChains(),
      netnsMounted,
      paths: Object.fromEntries(GLOBAL_PATHS.map((p) => [p, fs.existsSync(p)])),
    };
    fs.writeFileSync(path.join(CLAIM_DIR, "baseline.json"), JSON.stringify(base, null, 2));
  }
  const busy: string[] = [];
  for (let slot = 1; slot <= 250; slot++) {
    const why = taken(slot);
    if (why) {
      busy.push(`slot ${slot}: ${why}`);
      continue;
    }
    try {
      fs.writeFileSync(
        path.join(CLAIM_DIR, `slot-${slot}.json`),
        JSON.stringify({ runDir, pid: process.pid, at: new Date().toISOString() }),
        { flag: "wx" },
      );
      return slot;
    } catch {
      /* another stack claimed it a moment ago */
    }
  }
  throw new Error(
    `no free node slot on this machine (${busy.slice(0, 3).join("; ")}): ` +
      "stop other stacks with 'npx hks dev down --dir <their folder>'",
  );
}

/** Why `l`'s slot cannot be used right now (claimed, or its address, bridge, cgroups or chain exist), or undefined. */
export function slotBusy(l: NodeLayout): string | undefined {
  const claim = path.join(CLAIM_DIR, `slot-${l.slot}.json`);
  if (fs.existsSync(claim)) {
    const { runDir } = JSON.parse(fs.readFileSync(claim, "utf8")) as { runDir: string };
    return `claimed by the stack in ${runDir}`;
  }
  if (sh("ip", ["-4", "-o", "addr", "show", "dev", "lo"]).includes(` ${l.nodeIp}/`)) return `${l.nodeIp} is on lo`;
  if (fs.existsSync(`/sys/class/net/${l.bridge}`)) return `network link ${l.bridge} exists`;
  if (cgroupDirs(l.cgroupRoot).length) return `cgroup ${l.cgroupRoot} exists`;
  return undefined;
}

/** The slot recorded for `runDir`, if any. */
export function claimedSlot(runDir: string): number | undefined {
  if (!fs.existsSync(CLAIM_DIR)) return undefined;
  for (const f of fs.readdirSync(CLAIM_DIR).filter((n) => /^slot-\d+\.json$/.test(n))) {
    try {
      const { runDir: d } = JSON.parse(fs.readFileSync(path.join(CLAIM_DIR, f), "utf8")) as { runDir: string };
      if (d === runDir) return Number(f.slice(5, -5));
    } catch {
      /* half-written */
    }
  }
  return undefined;
}

/**
 * The host network of a node: its IP on `lo`, the bridge with the gateway address (created here so
 * `route_localnet` can be set before the first pod), and a nat chain that sends connections to the
 * stack's loopback-only services (apiserver, MinIO) on 127.0.0.1: from pods for the `kubernetes`
 * Service (10.0.0.1:443), and from pods and the host for `<node IP>:<port>` (and the gateway's).
 * So one URL (`http://<node IP>:<MinIO port>`) works in tests and in pods alike.
 */
export function setUpHostNetwork(l: NodeLayout, forward: { apiPort: number; ports: readonly number[] }): void {
  sh("ip", ["addr", "add", `${l.nodeIp}/32`, "dev", "lo"]);
  sh("ip", ["link", "add", l.bridge, "type", "bridge"]);
  sh("ip", ["addr", "add", `${l.gateway}/24`, "dev", l.bridge]);
  sh("ip", ["link", "set", l.bridge, "up"]);
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${l.bridge}/route_localnet`, "1");
  fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", "1");
  const nat = (...a: string[]) => sh("iptables", ["-w", "-t", "nat", ...a]);
  nat("-N", l.natChain);
  nat("-A", "PREROUTING", "-i", l.bridge, "-j", l.natChain);
  nat("-A", "OUTPUT", "-d", `${l.nodeIp}/32`, "-j", l.natChain);
  nat(
    "-A",
    l.natChain,
    "-d",
    "10.0.0.1/32",
    "-p",
    "tcp",
    "--dport",
    "443",
    "-j",
    "DNAT",
    "--to-destination",
    `127.0.0.1:${forward.apiPort}`,
  );
  for (const port of forward.ports) {
    for (const addr of [l.nodeIp, l.gateway]) {
      nat(
        "-A",
        l.natChain,
        "-d",
        `${addr}/32`,
        "-p",
        "tcp",
        "--dport",
        String(port),
        "-j",
        "DNAT",
        "--to-destination",
        `127.0.0.1:${port}`,
      );
    }
  }
}

/** Removes what setUpHostNetwork added (each step tolerates its part being gone already). */
export function tearDownHostNetwork(l: NodeLayout, problems: string[]): void {
  const nat = (...a: string[]) => trySh("iptables", ["-w", "-t", "nat", ...a]);
  while (nat("-D", "PREROUTING", "-i", l.bridge, "-j", l.natChain)) {
    /* every copy */
  }
  while (nat("-D", "OUTPUT", "-d", `${l.nodeIp}/32`, "-j", l.natChain)) {
    /* every copy */
  }
  if (nat("-F", l.natChain) && !nat("-X", l.natChain))
    problems.push(`iptables nat chain ${l.natChain} could not be deleted`);
  if (fs.existsSync(`/sys/class/net/${l.bridge}`) && !trySh("ip", ["link", "del", l.bridge]))
    problems.push(`bridge ${l.bridge} could not be deleted`);
  if (
    sh("ip", ["-4", "-o", "addr", "show", "dev", "lo"]).includes(` ${l.nodeIp}/`) &&
    !trySh("ip", ["addr", "del", `${l.nodeIp}/32`, "dev", "lo"])
  ) {
    problems.push(`${l.nodeIp}/32 could not be removed from lo`);
  }
  for (const f of fs.existsSync("/var/lib/cni/results") ? fs.readdirSync("/var/lib/cni/results") : []) {
    if (f.startsWith(`${l.cniNetwork}-`)) fs.rmSync(path.join("/var/lib/cni/results", f), { force: true });
  }
}

/** PIDs of containerd shims that serve the containerd listening on `sock` (they outlive containerd). */
export function shimsOf(sock: string): number[] {
  const pids: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
      if (path.basename(argv[0] ?? "").startsWith("containerd-shim") && argv.includes(sock)) pids.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return pids;
}

/** Unmounts everything under the node folder, removes its cgroups, shims and log links; reports what stays. */
export function cleanUpNodeState(l: NodeLayout, problems: string[]): void {
  for (const pid of shimsOf(l.containerdSock))
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  for (const m of mountsUnder(l.dir)) {
    if (!trySh("umount", [m]) && !trySh("umount", ["-l", m])) problems.push(`could not unmount ${m}`);
  }
  for (const root of cgroupDirs(l.cgroupRoot)) removeCgroupTree(root, problems);
  const links = "/var/log/containers";
  for (const f of fs.existsSync(links) ? fs.readdirSync(links) : []) {
    try {
      if (fs.readlinkSync(path.join(links, f)).startsWith(l.podLogsDir + "/"))
        fs.rmSync(path.join(links, f), { force: true });
    } catch {
      /* not a link */
    }
  }
}

function removeCgroupTree(dir: string, problems: string[]): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name), problems);
  try {
    fs.rmdirSync(dir);
  } catch (err) {
    let procs = "";
    try {
      procs = fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").trim().split("\n").join(",");
    } catch {
      /* gone */
    }
    problems.push(
      `cgroup ${dir} could not be removed (${(err as Error).message}${procs ? `; processes ${procs}` : ""})`,
    );
  }
}

/** Gives up `slot`; when it was the machine's last node, restores the shared state the baseline recorded. */
export function releaseSlot(slot: number, problems: string[]): void {
  fs.rmSync(path.join(CLAIM_DIR, `slot-${slot}.json`), { force: true });
  if (!fs.existsSync(CLAIM_DIR) || fs.readdirSync(CLAIM_DIR).some((f) => f.startsWith("slot-"))) return;
  const file = path.join(CLAIM_DIR, "baseline.json");
  if (!fs.existsSync(file)) return;
  const base = JSON.parse(fs.readFileSync(file, "utf8")) as Baseline;
  removeNewChains(new Set(base.chains), problems);
  if (!base.netnsMounted && mountsUnder("/run/netns").includes("/run/netns") && !trySh("umount", ["/run/netns"]))
    problems.push("could not unmount /run/netns");
  // Folders the nodes created, if nothing else has put files in them since.
  for (const p of GLOBAL_PATHS) if (!base.paths[p] && fs.existsSync(p)) removeEmptyTree(p);
  fs.rmSync(file, { force: true });
  try {
    fs.rmdirSync(CLAIM_DIR);
  } catch {
    /* something else is there */
  }
}

function removeEmptyTree(dir: string): void {
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }))
      if (e.isDirectory()) removeEmptyTree(path.join(dir, e.name));
    fs.rmdirSync(dir);
  } catch {
    /* not empty: someone else's */
  }
}

/**
 * Deletes KUBE-* chains (a kubelet's) and CNI-HOSTPORT-* chains (portmap's, for hostPorts) that were
 * not there before (rules jumping to them first). Other CNI-* chains are left alone: per-container
 * ones are removed by the plugins, and other tools (image builders) use them too.
 */
function removeNewChains(before: Set<string>, problems: string[]): void {
  const extra = iptablesChains().filter((c) => !before.has(c) && /\/(KUBE-|CNI-HOSTPORT-)/.test(c));
  for (const c of extra) {
    const v6 = c.startsWith("6:");
    const [table, chain] = c.replace(/^6:/, "").split("/") as [string, string];
    const cmd = v6 ? "ip6tables" : "iptables";
    let rules = "";
    try {
      rules = sh(cmd, ["-w", "-t", table, "-S"]);
    } catch {
      continue;
    }
    for (const r of rules.split("\n")) {
      const m = /^-A (\S+) (.*)-j (\S+)\s*$/.exec(r);
      if (m && m[3] === chain) trySh("sh", ["-c", `${cmd} -w -t ${table} -D ${r.slice(3)}`]);
    }
    trySh(cmd, ["-w", "-t", table, "-F", chain]);
    if (!trySh(cmd, ["-w", "-t", table, "-X", chain])) problems.push(`could not delete ${cmd} chain ${table}/${chain}`);
  }
}
