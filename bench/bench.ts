/**
 * `npm run bench [-- --json] [--sizes 1000,10000,50000] [--repeat 3] [--peer velero] [--ui-backups 1000]
 * [--ui-only] [--volume-data-only [--volume-data-mib 1024]]` (the last: bench/volume-data.ts alone):
 * backup and restore speed and memory on the local stack, each beside its floor measured in the same
 * run, plus `pulumi up` of a Backup beside `hks backup create` of the same target, the CLI's start
 * (`hks --version`) beside `node -e 0`, and the dashboard's first page over many backups
 * (bench/ui.ts). Backups (seconds each) run `--repeat` times, interleaved with their floor, and report
 * the median time and the highest peak RSS; restores (a minute at 50,000 objects, into fresh
 * namespaces) run once. Each backup and restore is also run as the CLI does it (`hks backup|restore
 * create ... --wait`, a whole process, start to exit: `cliSeconds`). With `--peer velero`, Velero's
 * backup and restore of the same namespace run interleaved with hks's (bench/peer-velero.ts). Not
 * part of `npm test`: numbers are printed, not asserted.
 */
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@kubernetes/client-node";
import { downStack, readStack, stackEnv, stackHealthy, upStack, type StackInfo } from "../cli/dev/stack";
import { ensureTools, packageRoot } from "../cli/dev/tools";
import { writeLocationConfig } from "../provider/kube/location-config";
import { ENGINE_NODE_FLAGS } from "../provider/node-flags";
import { createS3Client, ensureBucket } from "../provider/store";
import { benchUiFirstPage } from "./ui";
import { benchVolumeData, volumeDataTable, type VolumeDataRow } from "./volume-data";
import { createWorkload } from "./workload";
import { median } from "./median";
import { VELERO_SETUP_NOTES, VeleroPeer, type PeerRun } from "./peer-velero";

interface Row {
  case:
    "backup" | "restore" | "pulumi-vs-cli" | "cli-start" | "cli-start-list" | "ui-first-page" | "ui-first-page-cached";
  objects: number;
  seconds: number;
  floorSeconds: number;
  objectsPerSecond: number;
  peakRssMiB: number;
  floorPeakRssMiB?: number;
  /** `hks backup|restore create ... --wait` as a whole process, start to exit (backups: median). */
  cliSeconds?: number;
  /** The same case run by a peer tool, timed as its CLI process (`--peer`). */
  peer?: PeerResult;
}

interface PeerResult {
  name: "velero";
  version: string;
  /** Its `... --wait` CLI process, start to exit (backups: median). */
  seconds: number;
  /** The server's peak RSS during the run (backups: the highest). */
  peakRssMiB: number;
  /** Its plugin processes' highest peak RSS (not in peakRssMiB). */
  pluginPeakRssMiB: number;
  /** The peer's own item count (it counts more kinds than the workload: events, the namespace ...). */
  items: number;
}

const root = packageRoot();
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = root): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

interface WorkerResult {
  seconds: number;
  objects: number;
  peakRssMiB: number;
}

/** Repeated runs as one: the median time (robust to a noisy neighbour), the highest peak RSS. */
function summarize(runs: readonly WorkerResult[]): WorkerResult {
  const seconds = median(runs.map((r) => r.seconds));
  return { seconds, objects: runs[0]!.objects, peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)) };
}

async function worker(env: NodeJS.ProcessEnv, ...args: string[]): Promise<WorkerResult> {
  // With the heap sizing the runner and the CLI run with: peak RSS is what a user's process sees.
  const out = await run(
    process.execPath,
    [...ENGINE_NODE_FLAGS, path.join(root, "dist", "bench", "worker.js"), ...args],
    env,
  );
  return JSON.parse(out.trim().split("\n").pop()!);
}

function peerResult(peer: VeleroPeer, runs: readonly PeerRun[]): PeerResult {
  return {
    name: "velero",
    version: peer.version,
    seconds: median(runs.map((r) => r.seconds)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    pluginPeakRssMiB: Math.max(...runs.map((r) => r.pluginPeakRssMiB)),
    items: runs[0]!.items,
  };
}

/** `hks <args>` as a user runs it (with its shebang's node flags): a whole process, start to exit, in seconds. */
async function hksCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run(process.execPath, [...ENGINE_NODE_FLAGS, path.join(root, "bin", "hks.js"), ...args], env);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

async function prepareLocation(info: StackInfo, kc: k8s.KubeConfig): Promise<void> {
  const creds = { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey };
  const client = createS3Client({
    region: info.s3Region,
    endpoint: info.s3Endpoint,
    forcePathStyle: true,
    credentials: creds,
  });
  await ensureBucket(client, { bucket: "hks-bench", region: info.s3Region });
  await writeLocationConfig(
    kc,
    {
      name: "bench",
      namespace: "hks-system",
      provider: "aws",
      recipients: [],
      accessMode: "ReadWrite",
      default: false,
      objectStorage: {
        bucket: "hks-bench",
        region: info.s3Region,
        endpoint: info.s3Endpoint,
        prefix: `run-${Date.now()}`,
        forcePathStyle: true,
      },
      credentials: {
        kind: "secret",
        name: "hks-location-bench-credentials",
        namespace: "hks-system",
        accessKeyIdKey: "AWS_ACCESS_KEY_ID",
        secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
      },
    },
    creds,
  );
}

async function pulumiVsCli(env: NodeJS.ProcessEnv, ns: string, objects: number): Promise<Row> {
  fs.mkdirSync(path.join(root, ".hks"), { recursive: true });
  const work = fs.mkdtempSync(path.join(root, ".hks", "bench-pulumi-"));
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bench-state-"));
  fs.cpSync(path.join(root, "bench", "programs", "backup"), work, { recursive: true });
  const penv = { ...env, PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: "bench" };
  const p = (...a: string[]) => run("pulumi", [...a, "--non-interactive"], penv, work);
  await p("stack", "init", "bench");
  await p("config", "set", "namespace", ns);
  const seconds = await timed(() => p("up", "--yes", "--skip-preview"));
  const floorSeconds = await timed(() =>
    run(
      process.execPath,
      [
        path.join(root, "bin", "hks.js"),
        "backup",
        "create",
        `cli-${Date.now()}`,
        "--include-namespaces",
        ns,
        "--storage-location",
        "bench",
      ],
      env,
    ),
  );
  await p("destroy", "--yes", "--skip-preview").catch(() => undefined);
  fs.rmSync(work, { recursive: true, force: true });
  return { case: "pulumi-vs-cli", objects, seconds, floorSeconds, objectsPerSecond: objects / seconds, peakRssMiB: 0 };
}

/**
 * `hks --version` as a whole process (what a user waits for before any command does its work), beside
 * the floor every Node.js CLI pays: `node -e 0`. Median of `repeat` interleaved runs each, after one
 * warm-up (the compile cache is then as a user's second call finds it).
 */
async function cliStart(repeat: number): Promise<Row> {
  const time = async (args: string[]) => {
    const t0 = process.hrtime.bigint();
    await run(process.execPath, args, process.env);
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const hks = [path.join(root, "bin", "hks.js"), "--version"];
  await time(hks);
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < Math.max(repeat, 5); i++) {
    floor.push(await time(["-e", "0"]));
    ours.push(await time(hks));
  }
  return {
    case: "cli-start",
    objects: 0,
    seconds: median(ours),
    floorSeconds: median(floor),
    objectsPerSecond: 0,
    peakRssMiB: 0,
  };
}

/**
 * `hks backup list` from its start to its first connection to the cluster: all a command costs before
 * the network (Node.js, the command's modules, the kubeconfig). The cluster is a loopback listener of
 * this process that notes the moment of the first connection and ends the run there. Median of
 * `repeat` (at least 5) after one warm-up, beside `node -e 0`.
 */
async function cliStartList(repeat: number, floorSeconds: number): Promise<Row> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bench-list-"));
  let onConnect: (() => void) | undefined;
  const server = net.createServer((socket) => {
    onConnect?.();
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{ name: c, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }]`,
      "users: [{ name: u, user: { token: bench } }]",
      "contexts: [{ name: c, context: { cluster: c, user: u } }]",
      "current-context: c",
      "",
    ].join("\n"),
  );
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const child = spawn(
        process.execPath,
        [path.join(root, "bin", "hks.js"), "backup", "list", "--kubeconfig", kubeconfig],
        {
          stdio: "ignore",
        },
      );
      onConnect = () => {
        onConnect = undefined;
        resolve(Number(process.hrtime.bigint() - t0) / 1e9);
        child.kill("SIGKILL");
      };
      child.on("exit", (code) => {
        if (onConnect) reject(new Error(`hks backup list exited (${code}) without connecting to the cluster`));
      });
    });
  try {
    await once();
    const times: number[] = [];
    for (let i = 0; i < Math.max(repeat, 5); i++) times.push(await once());
    return {
      case: "cli-start-list",
      objects: 0,
      seconds: median(times),
      floorSeconds,
      objectsPerSecond: 0,
      peakRssMiB: 0,
    };
  } finally {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes this run's restore targets from a stack that outlives the run (best effort: not awaited to completion). */
async function deleteNamespaces(kc: k8s.KubeConfig, names: readonly string[]): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (const name of names) await core.deleteNamespace({ name }).catch(() => undefined);
  if (names.length) log(`deleting ${names.length} restored namespaces (${names.join(", ")})`);
}

function table(rows: Row[]): string {
  const peer = rows.some((r) => r.peer);
  const head = ["case", "objects", "ours s", "floor s", "ours/floor", "objects/s", "peak RSS MiB (floor)", "hks CLI s"];
  if (peer) head.push("Velero s", "Velero / hks", "Velero peak RSS MiB");
  const body = rows.map((r) => [
    r.case,
    String(r.objects),
    r.seconds.toFixed(2),
    r.floorSeconds.toFixed(2),
    (r.seconds / r.floorSeconds).toFixed(2) + "x",
    r.case === "pulumi-vs-cli" || r.case.startsWith("cli-start") ? "-" : Math.round(r.objectsPerSecond).toString(),
    r.peakRssMiB === 0 ? "-" : `${r.peakRssMiB} (${r.floorPeakRssMiB ?? "-"})`,
    r.cliSeconds?.toFixed(2) ?? "-",
    ...(!peer
      ? []
      : r.peer && r.cliSeconds
        ? [r.peer.seconds.toFixed(2), (r.peer.seconds / r.cliSeconds).toFixed(2) + "x", String(r.peer.peakRssMiB)]
        : ["-", "-", "-"]),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body]
    .map((cells) => cells.map((c, i) => c.padStart(i === 0 ? 0 : w[i]).padEnd(i === 0 ? w[i] : 0)).join("  "))
    .join("\n");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes("--json");
  const sizesArg = argv[argv.indexOf("--sizes") + 1];
  const sizes = argv.includes("--sizes") && sizesArg ? sizesArg.split(",").map(Number) : [1000, 10000, 50000];
  const repeatArg = argv.includes("--repeat") ? Number(argv[argv.indexOf("--repeat") + 1]) : 3;
  if (!Number.isInteger(repeatArg) || repeatArg < 1)
    throw new Error(`--repeat must be a whole number >= 1, got ${argv[argv.indexOf("--repeat") + 1]}`);
  const repeat = repeatArg;
  const peerName = argv.includes("--peer") ? (argv[argv.indexOf("--peer") + 1] ?? "") : undefined;
  if (peerName !== undefined && peerName !== "velero")
    throw new Error(`--peer: the only peer is velero, got '${peerName}'`);
  let info = process.env.HKS_DEV_DIR ? readStack(process.env.HKS_DEV_DIR) : undefined;
  let owned = false;
  if (!info || !(await stackHealthy(info))) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-bench-"));
    log(`starting a local stack in ${dir}`);
    info = await upStack(dir, ensureTools(), log);
    owned = true;
  }
  const env = { ...process.env, ...stackEnv(info) };
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  const rows: Row[] = [];
  const runTag = Date.now().toString(36);
  const restoredNamespaces: string[] = [];
  let velero: VeleroPeer | undefined;
  const volumeDataMib = argv.includes("--volume-data-mib") ? Number(argv[argv.indexOf("--volume-data-mib") + 1]) : 1024;
  if (!Number.isInteger(volumeDataMib) || volumeDataMib < 16)
    throw new Error(
      `--volume-data-mib must be a whole number >= 16, got ${argv[argv.indexOf("--volume-data-mib") + 1]}`,
    );
  if (argv.includes("--volume-data-only")) {
    try {
      const vd = await benchVolumeData(info, { mib: volumeDataMib, log });
      process.stdout.write(json ? JSON.stringify(vd, null, 2) + "\n" : volumeDataReport(vd));
    } finally {
      if (owned) await downStack(info.runDir, log);
    }
    return;
  }
  try {
    log(`hks --version as a process, beside node -e 0`);
    const start = await cliStart(repeat);
    rows.push(start);
    log(`hks backup list to its first connection to the cluster`);
    rows.push(await cliStartList(repeat, start.floorSeconds));
    const uiBackups = argv.includes("--ui-backups") ? Number(argv[argv.indexOf("--ui-backups") + 1]) : 1000;
    log(`hks ui: first page over ${uiBackups} backups in 3 locations`);
    const ui = await benchUiFirstPage(info, kc, root, { backups: uiBackups, repeat, log });
    log(
      `hks ui: first GET / ${ui.firstSeconds.toFixed(2)} s (nothing cached), ${ui.cachedFirstSeconds.toFixed(2)} s ` +
        `(a second hks ui, records cached), next ${repeat}: median ${ui.medianSeconds.toFixed(2)} s, ` +
        `${(ui.pageBytes / 1024).toFixed(0)} KiB`,
    );
    rows.push({
      case: "ui-first-page",
      objects: ui.backups,
      seconds: ui.firstSeconds,
      floorSeconds: ui.floorSeconds,
      objectsPerSecond: ui.backups / ui.firstSeconds,
      peakRssMiB: 0,
    });
    rows.push({
      case: "ui-first-page-cached",
      objects: ui.backups,
      seconds: ui.cachedFirstSeconds,
      floorSeconds: ui.floorSeconds,
      objectsPerSecond: ui.backups / ui.cachedFirstSeconds,
      peakRssMiB: 0,
    });
    await prepareLocation(info, kc);
    // `--ui-only`: the dashboard's row (and cli-start) without the backup and restore cases.
    for (const n of argv.includes("--ui-only") ? [] : sizes) {
      const ns = `bench-${n}`;
      log(`seeding ${n} objects into ${ns}`);
      await createWorkload(kc, ns, n, log);
      // After the workload's CRD exists: velero server reads the API's types at start, then every 5 minutes.
      if (peerName === "velero" && !velero) velero = await VeleroPeer.start(root, info, kc, log, runTag);
      const sides = velero ? "floor, hks, hks CLI, velero" : "floor, hks, hks CLI";
      log(`backup of ${n} objects: ${sides}, ${repeat} time(s) each, interleaved`);
      const floors: WorkerResult[] = [];
      const ourRuns: WorkerResult[] = [];
      const cliRuns: number[] = [];
      const peerRuns: PeerRun[] = [];
      let veleroBackup = "";
      for (let i = 0; i < repeat; i++) {
        await velero?.quiet();
        floors.push(await worker(env, "backup-floor", ns, "bench", `floor/${ns}-${Date.now()}.jsonl.gz`));
        ourRuns.push(await worker(env, "backup", ns, "bench", `${ns}-${Date.now()}`));
        const cliName = `${ns}-cli-${Date.now()}`;
        cliRuns.push(
          await hksCli(
            env,
            "backup",
            "create",
            cliName,
            "--include-namespaces",
            ns,
            "--storage-location",
            "bench",
            "--wait",
          ),
        );
        if (velero) {
          veleroBackup = `${ns}-${runTag}-${i}`;
          peerRuns.push(await velero.backup(veleroBackup, ns));
        }
      }
      const [floor, ours] = [summarize(floors), summarize(ourRuns)];
      rows.push({
        case: "backup",
        objects: ours.objects,
        seconds: ours.seconds,
        floorSeconds: floor.seconds,
        objectsPerSecond: ours.objects / ours.seconds,
        peakRssMiB: ours.peakRssMiB,
        floorPeakRssMiB: floor.peakRssMiB,
        cliSeconds: median(cliRuns),
        ...(velero && { peer: peerResult(velero, peerRuns) }),
      });
      const backupName = `${ns}-r${Date.now()}`;
      await worker(env, "backup", ns, "bench", backupName);
      log(`restore of ${n} objects into fresh namespaces: ${sides}`);
      // Fresh target namespaces per run, so a bench can run again on the same stack.
      const [floorNs, oursNs, cliNs, veleroNs] = ["floor", "restored", "cli", "velero"].map(
        (s) => `${ns}-${s}-${runTag}`,
      );
      restoredNamespaces.push(floorNs, oursNs, cliNs, ...(velero ? [veleroNs] : []));
      await velero?.quiet();
      const rfloor = await worker(env, "restore-floor", ns, floorNs);
      const rours = await worker(env, "restore", backupName, ns, oursNs, "bench");
      const rcli = await hksCli(
        env,
        "restore",
        "create",
        `bench-${cliNs}`,
        "--from-backup",
        backupName,
        "--storage-location",
        "bench",
        "--namespace-mapping",
        `${ns}:${cliNs}`,
        "--wait",
      );
      const rpeer = velero && (await velero.restore(`${veleroNs}`, veleroBackup, ns, veleroNs));
      rows.push({
        case: "restore",
        objects: rours.objects,
        seconds: rours.seconds,
        floorSeconds: rfloor.seconds,
        objectsPerSecond: rours.objects / rours.seconds,
        peakRssMiB: rours.peakRssMiB,
        floorPeakRssMiB: rfloor.peakRssMiB,
        cliSeconds: rcli,
        ...(velero && rpeer && { peer: peerResult(velero, [rpeer]) }),
      });
      if (n === sizes[0]) {
        log(`pulumi up of a Backup vs hks backup create (${n} objects)`);
        rows.push(await pulumiVsCli(env, ns, n));
      }
    }
  } finally {
    await velero?.stop();
    if (owned) await downStack(info.runDir, log);
    else await deleteNamespaces(kc, restoredNamespaces);
  }
  if (json)
    process.stdout.write(
      JSON.stringify(
        rows.map(({ floorPeakRssMiB: _f, ...r }) => r),
        null,
        2,
      ) + "\n",
    );
  else {
    process.stdout.write(
      `\nhks-backup benchmark — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
        `${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n`,
    );
    process.stdout.write(table(rows) + "\n\n");
    process.stdout.write(
      `floor = the same discovery and paginated LISTs + one gzip upload of the raw JSON (backup; median of ` +
        `${repeat}); the same creates at the same concurrency (restore); \`hks backup create\` (pulumi-vs-cli); ` +
        `\`node -e 0\` (cli-start: \`hks --version\`; cli-start-list: \`hks backup list\` up to its first ` +
        `connection to the cluster; medians of at least 5); the LISTs of the 3 locations ` +
        `(ui-first-page: \`hks ui\`'s first GET /, backups across 3 locations, objects = backups; -cached: a ` +
        `second \`hks ui\` with the first one's record cache)\n` +
        `ours = the engine in a started process; hks CLI = \`hks backup|restore create ... --wait\`, a whole process\n`,
    );
    if (velero) {
      process.stdout.write(
        `Velero ${velero.version} = \`velero backup|restore create ... --wait\`, a whole process (backup: median of ` +
          `${repeat}); Velero / hks = Velero s / hks CLI s. Setup differences:\n`,
      );
      for (const note of VELERO_SETUP_NOTES) process.stdout.write(`  - ${note}\n`);
    }
  }
}

/** The volume data table and what its columns mean. */
function volumeDataReport(rows: readonly VolumeDataRow[]): string {
  return (
    `\nhks-backup volume data copy — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "cpu"}, Node ` +
    `${process.version}, ${new Date().toISOString().slice(0, 10)}\n\n${volumeDataTable(rows)}\n\n` +
    `ours = the mover's push (walk, 4 MiB blobs, SHA-256, ~16 MiB packs, age, upload; what \`hks volume-data push\` ` +
    `runs); floor = the same bytes as one \`tar | age\` stream uploaded with the same S3 client; +1% = the next ` +
    `backup after 1% of the files (small-files) or 1% of the file in 1 MiB pieces (one-file) changed\n`
  );
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
