/**
 * The bench's Velero peer (`npm run bench -- --peer velero`): Velero and its AWS plugin, built from Go
 * modules by scripts/test-infra/build-velero.sh, run against the bench's own stack and MinIO.
 *
 * Velero normally runs in the cluster, its plugins copied in by init containers. Here `velero server`
 * is a local process (as the bench's hks runs are) with `--plugin-dir` holding the plugin binary; the
 * cluster gets what the server and the CLI look for: the CRDs (`velero install --crds-only --dry-run`),
 * the `velero` namespace, a 0-replica `velero` Deployment, a credentials Secret and the default
 * BackupStorageLocation in a bucket of its own. Backups and restores are `velero ... --wait` processes,
 * timed start to exit like `hks ... --wait`; a run whose phase is not Completed, or whose restore lacks
 * objects, fails the bench.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { freePort, type StackInfo } from "../cli/dev/stack";
import { isOurs, spawnProcess, stopProcess, type StackProcess } from "../cli/dev/stack-process";
import { createS3Client, ensureBucket } from "../provider/store";
import { countWorkload } from "./workload";

const NS = "velero";
const BUCKET = "velero-bench";
const GROUP = "velero.io";

/** One timed Velero run. */
export interface PeerRun {
  /** The `velero ... --wait` process, start to exit. */
  readonly seconds: number;
  /** `velero server`'s peak RSS during the run (VmHWM, reset before it). */
  readonly peakRssMiB: number;
  /** The highest peak RSS seen of the server's plugin processes (sampled every 200 ms). */
  readonly pluginPeakRssMiB: number;
  /** Velero's own count: items backed up, or restored. */
  readonly items: number;
}

/** What the bench prints about how the two sides were set up (anything that could favour either). */
export const VELERO_SETUP_NOTES: readonly string[] = [
  "velero server is one long-running local process, started once (after the workload's CRD exists: it reads " +
    "the API's types at start and every 5 minutes) and warmed up (informers synced, BSL validated) before the " +
    "first run; each hks CLI run starts Node.js and loads the engine afresh (`hks CLI s`). " +
    "`hks s` is the engine alone, in a process already started",
  "Velero is timed as the `velero backup|restore create --wait` CLI process: its server picks the request up " +
    "from the API and the CLI notices completion through a watch; hks runs the backup in the CLI's own process",
  "velero server runs with its default API client limits (--client-qps 100, --client-burst 100, --client-page-size " +
    "500, one backup at a time, one item-block worker) as an install without tuning would; hks uses its own defaults " +
    "(LIST pages of 500, its restore concurrency)",
  "Velero file-system backup (node agent, kopia) and volume snapshots are off (--snapshot-volumes=false, " +
    "--default-volumes-to-fs-backup=false, no VolumeSnapshotLocation, --features= empty); the workload has no volumes",
  "both write gzip'd tar archives (Velero: JSON items, Go's default level; hks: YAML, level 6) to the same MinIO on " +
    "loopback, each in its own bucket; Velero also uploads its logs, resource list and results per backup and restore",
  "Velero backs up events (hks never does) and counts the namespace, CRD and other extra items in its own totals",
  "velero server's plugin (velero-plugin-for-aws) runs as a separate process: its RSS is not in `Velero peak RSS`",
  "Velero restores into a mapped namespace using its informer cache for existing-object checks; hks checks with GETs",
  "everything (apiserver, etcd, MinIO, both tools) shares the same 2 cores; runs are interleaved, not concurrent: " +
    "before each round of floor and hks runs the bench waits (up to 20 s) until velero server and its plugin use " +
    "under 5% of a core, so the work Velero's server does after its CLI returned (uploading logs and results) is " +
    "not counted in hks's time; its periodic controllers (every minute) still run whenever they run",
];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.join(" ")} failed: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Builds (or finds cached) Velero and its AWS plugin; returns their folder. Progress goes to stderr. */
export function buildVelero(root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(root, "scripts", "test-infra", "build-velero.sh")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const dir = out.trim().split("\n").pop() ?? "";
      if (code === 0 && fs.existsSync(path.join(dir, "velero"))) resolve(dir);
      else reject(new Error(`build-velero.sh failed (exit ${code}); its progress lines above name the log`));
    });
  });
}

function statusKiB(pid: number, field: "VmHWM" | "VmRSS"): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited
  }
}

/**
 * The fields of `/proc/<pid>/stat` after the command's closing parenthesis (the command may hold
 * spaces): [0] state, [1] ppid, ... [11] utime, [12] stime. Undefined when the process is gone.
 */
function procStat(pid: number | string): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** PIDs whose parent is `pid` (the server's plugin processes). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e) && Number(procStat(e)?.[1]) === pid)
    .map(Number);
}

/** CPU time used so far by `pid`, in clock ticks (utime + stime); 0 when it has exited. */
function cpuTicks(pid: number): number {
  const f = procStat(pid);
  return f ? Number(f[11]) + Number(f[12]) : 0;
}

type Status = { phase?: string; progress?: Record<string, number>; errors?: number; warnings?: number };

export class VeleroPeer {
  private constructor(
    readonly version: string,
    private readonly bin: string,
    private readonly kubeconfig: string,
    private readonly kc: k8s.KubeConfig,
    private readonly server: StackProcess,
    readonly workDir: string,
  ) {}

  /** Installs Velero's cluster objects on the stack and starts `velero server`; resolves once its BSL is Available. */
  static async start(
    root: string,
    info: StackInfo,
    kc: k8s.KubeConfig,
    log: (s: string) => void,
    runTag: string,
  ): Promise<VeleroPeer> {
    const dir = await buildVelero(root);
    const bin = path.join(dir, "velero");
    const version = /Version:\s*(\S+)/.exec(await run(bin, ["version", "--client-only"], process.env))?.[1] ?? "?";
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bench-velero-"));
    fs.mkdirSync(path.join(work, "logs"));
    fs.mkdirSync(path.join(work, "plugins"));
    fs.mkdirSync(path.join(work, "tmp"));
    // A copy, not a symlink: the server takes regular executable files in --plugin-dir as plugins.
    fs.copyFileSync(path.join(dir, "velero-plugin-for-aws"), path.join(work, "plugins", "velero-plugin-for-aws"));
    fs.chmodSync(path.join(work, "plugins", "velero-plugin-for-aws"), 0o755);
    log(`velero ${version}: installing its CRDs, namespace, Deployment and storage location (files in ${work})`);

    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const create = (o: k8s.KubernetesObject) =>
      api.create(o).catch((e) => {
        if ((e as { code?: number }).code !== 409) throw e;
      });
    const crds = JSON.parse(
      await run(
        bin,
        ["install", "--crds-only", "--dry-run", "-o", "json", "--kubeconfig", info.kubeconfig],
        process.env,
      ),
    ) as { items: k8s.KubernetesObject[] };
    for (const crd of crds.items) await create(crd);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const crd of crds.items) {
      for (let i = 0; ; i++) {
        const c = await ext.readCustomResourceDefinition({ name: crd.metadata!.name! });
        if (c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True")) break;
        if (i > 100) throw new Error(`CRD ${crd.metadata!.name} not established`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    // Velero's restores look for the Deployment it runs as; 0 replicas: the server runs here, outside.
    const labels = { component: "velero", deploy: "velero" };
    await create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "velero", namespace: NS, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "velero", image: `velero/velero:${version}`, command: ["/velero"] }] },
        },
      },
    } as k8s.V1Deployment);
    const s3 = createS3Client({
      region: info.s3Region,
      endpoint: info.s3Endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey },
    });
    await ensureBucket(s3, { bucket: BUCKET, region: info.s3Region });
    await create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "cloud-credentials", namespace: NS },
      stringData: {
        cloud: `[default]\naws_access_key_id=${info.s3AccessKeyId}\naws_secret_access_key=${info.s3SecretAccessKey}\n`,
      },
    } as k8s.V1Secret);
    // A prefix per run, so the server's backup sync does not bring in an earlier run's backups.
    await create({
      apiVersion: `${GROUP}/v1`,
      kind: "BackupStorageLocation",
      metadata: { name: "default", namespace: NS },
      spec: {
        provider: "aws",
        default: true,
        accessMode: "ReadWrite",
        objectStorage: { bucket: BUCKET, prefix: `run-${runTag}` },
        credential: { name: "cloud-credentials", key: "cloud" },
        config: { region: info.s3Region, s3ForcePathStyle: "true", s3Url: info.s3Endpoint },
      },
    } as k8s.KubernetesObject);

    const [metricsPort, profilerPort] = [await freePort(), await freePort()];
    const server = spawnProcess(work, "velero-server", {
      bin,
      port: metricsPort,
      args: [
        "server",
        "--kubeconfig",
        info.kubeconfig,
        "--namespace",
        NS,
        "--plugin-dir",
        path.join(work, "plugins"),
        "--features=",
        "--default-volumes-to-fs-backup=false",
        "--metrics-address",
        `127.0.0.1:${metricsPort}`,
        "--profiler-address",
        `127.0.0.1:${profilerPort}`,
        "--log-level",
        "info",
      ],
      // The server writes the BSL's credentials file under $TMPDIR/credentials: keep it in this run's folder.
      env: { TMPDIR: path.join(work, "tmp") },
    });
    const peer = new VeleroPeer(version, bin, info.kubeconfig, kc, server, work);
    try {
      await peer.waitAvailable();
    } catch (err) {
      await peer.stop();
      throw err;
    }
    log(`velero server running (pid ${server.pid}, log ${path.join(work, "logs", "velero-server.log")})`);
    return peer;
  }

  private get(kind: "backups" | "restores" | "backupstoragelocations", name: string): Promise<{ status?: Status }> {
    return this.kc
      .makeApiClient(k8s.CustomObjectsApi)
      .getNamespacedCustomObject({ group: GROUP, version: "v1", namespace: NS, plural: kind, name });
  }

  private serverLogTail(): string {
    const f = path.join(this.workDir, "logs", "velero-server.log");
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8").split("\n").slice(-20).join("\n") : "";
  }

  private async waitAvailable(): Promise<void> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (!isOurs(this.server.pid, this.server.bin))
        throw new Error(`velero server exited during start-up; its log ends:\n${this.serverLogTail()}`);
      const bsl = await this.get("backupstoragelocations", "default").catch(() => undefined);
      if (bsl?.status?.phase === "Available") return;
      if (Date.now() > deadline)
        throw new Error(
          `velero's storage location is ${bsl?.status?.phase ?? "not validated"} after 120s; ` +
            `server log ends:\n${this.serverLogTail()}`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Runs one `velero` CLI command as a timed process, sampling the server's and its plugins' memory. */
  private async timedCli(args: string[]): Promise<{ seconds: number; peakRssMiB: number; pluginPeakRssMiB: number }> {
    if (!isOurs(this.server.pid, this.server.bin))
      throw new Error(`velero server is no longer running; its log ends:\n${this.serverLogTail()}`);
    // Resets VmHWM to the current RSS, so the peak read afterwards is this run's.
    fs.writeFileSync(`/proc/${this.server.pid}/clear_refs`, "5");
    let pluginPeak = 0;
    const sample = setInterval(() => {
      for (const kid of childrenOf(this.server.pid)) pluginPeak = Math.max(pluginPeak, statusKiB(kid, "VmHWM"));
    }, 200);
    const t0 = process.hrtime.bigint();
    try {
      await run(this.bin, [...args, "--kubeconfig", this.kubeconfig, "--namespace", NS], process.env);
    } finally {
      clearInterval(sample);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      seconds,
      peakRssMiB: Math.round(statusKiB(this.server.pid, "VmHWM") / 1024),
      pluginPeakRssMiB: Math.round(pluginPeak / 1024),
    };
  }

  /** `velero backup create <name> --include-namespaces <ns> --wait`; fails unless the backup Completed. */
  async backup(name: string, ns: string): Promise<PeerRun> {
    const t = await this.timedCli([
      "backup",
      "create",
      name,
      "--include-namespaces",
      ns,
      "--storage-location",
      "default",
      "--snapshot-volumes=false",
      "--default-volumes-to-fs-backup=false",
      "--wait",
    ]);
    const st = (await this.get("backups", name)).status ?? {};
    if (st.phase !== "Completed")
      throw new Error(
        `velero backup ${name} ended ${st.phase} (errors ${st.errors ?? 0}); ` +
          `see \`${this.bin} backup logs ${name} -n ${NS} --kubeconfig ${this.kubeconfig}\``,
      );
    return { ...t, items: st.progress?.itemsBackedUp ?? 0 };
  }

  /**
   * `velero restore create <name> --from-backup <backup> --namespace-mappings <src>:<dst> --wait`; fails
   * unless the restore Completed and `dst` holds the same workload objects as `src`.
   */
  async restore(name: string, backup: string, src: string, dst: string): Promise<PeerRun> {
    const t = await this.timedCli([
      "restore",
      "create",
      name,
      "--from-backup",
      backup,
      "--namespace-mappings",
      `${src}:${dst}`,
      "--wait",
    ]);
    const st = (await this.get("restores", name)).status ?? {};
    if (st.phase !== "Completed")
      throw new Error(
        `velero restore ${name} ended ${st.phase} (errors ${st.errors ?? 0}); ` +
          `see \`${this.bin} restore describe ${name} --details -n ${NS} --kubeconfig ${this.kubeconfig}\``,
      );
    const [want, got] = [await countWorkload(this.kc, src), await countWorkload(this.kc, dst)];
    if (got !== want) throw new Error(`velero restore ${name}: ${dst} holds ${got} workload objects, ${src} ${want}`);
    return { ...t, items: st.progress?.itemsRestored ?? 0 };
  }

  /**
   * Waits until the server and its plugins have used under 5% of one core for a second (at most
   * `maxMs`): a `velero ... --wait` returns when the phase is final, while the server still uploads its
   * logs and results and its controllers react; that work must not fall into the next run's time.
   * Returns the milliseconds waited.
   */
  async quiet(maxMs = 20_000): Promise<number> {
    const t0 = Date.now();
    const used = () => [this.server.pid, ...childrenOf(this.server.pid)].reduce((n, pid) => n + cpuTicks(pid), 0);
    let before = used();
    while (Date.now() - t0 < maxMs) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = used();
      // Clock ticks are 10 ms on Linux (CLK_TCK 100): 5 ticks in a second is 5% of a core.
      if (now - before < 5) break;
      before = now;
    }
    return Date.now() - t0;
  }

  /** Stops the server (and with it its plugins). */
  async stop(): Promise<void> {
    await stopProcess(this.server, "SIGTERM");
  }
}
