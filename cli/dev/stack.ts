/**
 * The embedded local environment: a real etcd, kube-apiserver (TLS, RBAC, admin client certificate),
 * kube-controller-manager and MinIO (with a KMS key, so SSE works), all on free loopback ports.
 * State lives in one run folder: `stack.json`, `env` (export lines), `kubeconfig`, `pki/`, `logs/`.
 * Only processes recorded in `stack.json` are ever stopped, and only if their command line still
 * names the binary that was started (a recycled PID is left alone).
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as http from "node:http";
import * as net from "node:net";
import * as path from "node:path";
import { ensurePki, type Pki } from "./pki";
import { packageRoot, type ToolPaths } from "./tools";

/** What `hks dev up` records about a running stack. */
export interface StackInfo {
  readonly runDir: string;
  readonly toolsDir: string;
  readonly kubeconfig: string;
  readonly apiserverUrl: string;
  readonly s3Endpoint: string;
  readonly s3AccessKeyId: string;
  readonly s3SecretAccessKey: string;
  readonly s3Region: string;
  /** MinIO's built-in KMS key id, for SSE-KMS. */
  readonly kmsKeyId: string;
  readonly pulumiBackendUrl: string;
  readonly pulumiPassphrase: string;
  readonly processes: Record<string, { pid: number; bin: string; port: number }>;
  readonly startedAt: string;
}

type Log = (line: string) => void;

const KMS_KEY_ID = "hks-dev-key";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function isOurs(pid: number, bin: string): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.split("\0")[0] === bin;
  } catch {
    return false;
  }
}

function start(name: string, bin: string, args: string[], runDir: string, env: NodeJS.ProcessEnv = {}): number {
  const logFile = path.join(runDir, "logs", `${name}.log`);
  const fd = fs.openSync(logFile, "a");
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", fd, fd], env: { ...process.env, ...env } });
  fs.closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`could not start ${name} (${bin})`);
  return child.pid;
}

function get(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith("https:") ? https : http;
    const req = mod.get(url, { timeout: 2000, ...opts }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function waitFor(what: string, pid: number, bin: string, logFile: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, bin)) {
      const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n") : "";
      throw new Error(`${what} exited during start-up; last lines of ${logFile}:\n${tail}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become healthy within ${timeoutMs / 1000}s; see ${logFile}`);
}

/** A minimal authenticated request to the local apiserver (admin client certificate). */
export function kubeRequest(info: Pick<StackInfo, "apiserverUrl" | "runDir">, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: string }> {
  const pki = path.join(info.runDir, "pki");
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(info.apiserverUrl + urlPath, {
      method,
      ca: fs.readFileSync(path.join(pki, "ca.crt")),
      cert: fs.readFileSync(path.join(pki, "admin.crt")),
      key: fs.readFileSync(path.join(pki, "admin.key")),
      headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {},
      timeout: 10_000,
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${urlPath}`)));
    req.on("error", reject);
    req.end(data);
  });
}

function kubeconfigText(server: string, pki: Pki): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: hks-dev`,
    `  cluster: {server: "${server}", certificate-authority: "${pki.caCert}"}`,
    "users:",
    `- name: hks-dev-admin`,
    `  user: {client-certificate: "${pki.adminCert}", client-key: "${pki.adminKey}"}`,
    "contexts:",
    `- name: hks-dev`,
    `  context: {cluster: hks-dev, user: hks-dev-admin}`,
    "current-context: hks-dev",
    "",
  ].join("\n");
}

export function readStack(runDir: string): StackInfo | undefined {
  const f = path.join(runDir, "stack.json");
  if (!fs.existsSync(f)) return undefined;
  return JSON.parse(fs.readFileSync(f, "utf8")) as StackInfo;
}

/** True when every process of the stack is alive and the apiserver and MinIO answer. */
export async function stackHealthy(info: StackInfo): Promise<boolean> {
  for (const p of Object.values(info.processes)) if (!isOurs(p.pid, p.bin)) return false;
  try {
    const api = await get(info.apiserverUrl + "/readyz", { ca: fs.readFileSync(path.join(info.runDir, "pki", "ca.crt")) });
    const s3 = await get(info.s3Endpoint + "/minio/health/ready");
    return api.status === 200 && s3.status === 200;
  } catch {
    return false;
  }
}

/** Environment variables that point clients (kubectl-style, AWS SDK, Pulumi) at the stack. */
export function stackEnv(info: StackInfo): Record<string, string> {
  const root = packageRoot();
  const nodeBin = path.join(root, "node_modules", ".bin");
  return {
    // pulumi-resource-pulumi-nodejs sits next to `pulumi` in the tools folder (build.sh).
    PATH: [nodeBin, info.toolsDir, process.env.PATH ?? ""].join(":"),
    HKS_DEV_DIR: info.runDir,
    KUBECONFIG: info.kubeconfig,
    AWS_ENDPOINT_URL: info.s3Endpoint,
    AWS_ACCESS_KEY_ID: info.s3AccessKeyId,
    AWS_SECRET_ACCESS_KEY: info.s3SecretAccessKey,
    AWS_REGION: info.s3Region,
    HKS_DEV_KMS_KEY_ID: info.kmsKeyId,
    PULUMI_BACKEND_URL: info.pulumiBackendUrl,
    PULUMI_CONFIG_PASSPHRASE: info.pulumiPassphrase,
    PULUMI_HOME: path.join(info.runDir, "pulumi-home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

/** `export K='V'` lines for `eval "$(hks dev env)"`. */
export function envExports(env: Record<string, string>): string {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  return Object.entries(env).map(([k, v]) => `export ${k}=${q(v)}`).join("\n") + "\n";
}

/**
 * Starts the stack in `runDir`, or returns the running one when it is healthy. Progress lines go to `log`.
 */
export async function upStack(runDir: string, tools: ToolPaths, log: Log): Promise<StackInfo> {
  const existing = readStack(runDir);
  if (existing && (await stackHealthy(existing))) {
    log(`local stack already running in ${runDir}`);
    return existing;
  }
  if (existing) await downStack(runDir, () => undefined);
  fs.mkdirSync(path.join(runDir, "logs"), { recursive: true });
  for (const d of ["etcd", "minio"]) fs.rmSync(path.join(runDir, d), { recursive: true, force: true });
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const pki = ensurePki(path.join(runDir, "pki"));
  const [etcdPort, peerPort, apiPort, kcmPort, s3Port, consolePort] = await Promise.all(Array.from({ length: 6 }, freePort));
  const H = "http://127.0.0.1";
  const processes: Record<string, { pid: number; bin: string; port: number }> = {};
  const record = () => fs.writeFileSync(path.join(runDir, "stack.json.partial"), JSON.stringify({ processes }, null, 2));
  const logOf = (n: string) => path.join(runDir, "logs", `${n}.log`);

  try {
    // etcd: fsync off because this data is thrown away with the run folder.
    processes.etcd = { pid: start("etcd", tools.etcd, [
      "--name", "hks-dev", "--data-dir", path.join(runDir, "etcd"), "--unsafe-no-fsync",
      "--listen-client-urls", `${H}:${etcdPort}`, "--advertise-client-urls", `${H}:${etcdPort}`,
      "--listen-peer-urls", `${H}:${peerPort}`, "--initial-advertise-peer-urls", `${H}:${peerPort}`,
      "--initial-cluster", `hks-dev=${H}:${peerPort}`, "--log-level", "warn",
    ], runDir), bin: tools.etcd, port: etcdPort };
    record();
    await waitFor("etcd", processes.etcd.pid, tools.etcd, logOf("etcd"), 30_000,
      async () => (await get(`${H}:${etcdPort}/health`)).body.includes('"health":"true"'));
    log(`  etcd             ready on 127.0.0.1:${etcdPort} (${secs()})`);

    const apiserverUrl = `https://127.0.0.1:${apiPort}`;
    processes["kube-apiserver"] = { pid: start("kube-apiserver", tools.kubeApiserver, [
      `--etcd-servers=${H}:${etcdPort}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`, `--cert-dir=${pki.dir}`, `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`, `--client-ca-file=${pki.caCert}`,
      `--service-account-issuer=${apiserverUrl}`, `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`, "--service-cluster-ip-range=10.0.0.0/24",
      "--authorization-mode=RBAC", "--allow-privileged=true", "--disable-admission-plugins=ServiceAccount",
      "--endpoint-reconciler-type=none", "--enable-priority-and-fairness=false",
    ], runDir), bin: tools.kubeApiserver, port: apiPort };
    record();
    await waitFor("kube-apiserver", processes["kube-apiserver"].pid, tools.kubeApiserver, logOf("kube-apiserver"), 120_000,
      async () => (await get(`${apiserverUrl}/readyz`, { ca: fs.readFileSync(pki.caCert) })).status === 200);
    log(`  kube-apiserver   ready on ${apiserverUrl} (${secs()})`);

    const kubeconfig = path.join(runDir, "kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigText(apiserverUrl, pki), { mode: 0o600 });
    processes["kube-controller-manager"] = { pid: start("kube-controller-manager", tools.kubeControllerManager, [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      "--controllers=cronjob-controller,job-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller,ttl-after-finished-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller",
      "--leader-elect=false", "--bind-address=127.0.0.1", `--secure-port=${kcmPort}`,
      "--use-service-account-credentials=false", `--root-ca-file=${pki.caCert}`,
    ], runDir), bin: tools.kubeControllerManager, port: kcmPort };
    record();

    const s3AccessKeyId = "hksdevadmin";
    const s3SecretAccessKey = crypto.randomBytes(18).toString("base64url");
    processes.minio = { pid: start("minio", tools.minio, [
      "server", path.join(runDir, "minio"), "--address", `127.0.0.1:${s3Port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet",
    ], runDir, {
      MINIO_ROOT_USER: s3AccessKeyId, MINIO_ROOT_PASSWORD: s3SecretAccessKey, MINIO_BROWSER: "off", MINIO_UPDATE: "off",
      MINIO_CI_CD: "1", MINIO_KMS_SECRET_KEY: `${KMS_KEY_ID}:${crypto.randomBytes(32).toString("base64")}`,
    }), bin: tools.minio, port: s3Port };
    record();
    await waitFor("kube-controller-manager", processes["kube-controller-manager"].pid, tools.kubeControllerManager,
      logOf("kube-controller-manager"), 60_000,
      async () => (await get(`https://127.0.0.1:${kcmPort}/healthz`, { rejectUnauthorized: false })).status === 200);
    log(`  controller-mgr   ready on 127.0.0.1:${kcmPort} (${secs()})`);
    const s3Endpoint = `${H}:${s3Port}`;
    await waitFor("minio", processes.minio.pid, tools.minio, logOf("minio"), 60_000,
      async () => (await get(`${s3Endpoint}/minio/health/ready`)).status === 200);
    log(`  minio            ready on ${s3Endpoint} (${secs()})`);

    const info: StackInfo = {
      runDir, toolsDir: tools.dir, kubeconfig, apiserverUrl, s3Endpoint, s3AccessKeyId, s3SecretAccessKey,
      s3Region: "us-east-1", kmsKeyId: KMS_KEY_ID,
      pulumiBackendUrl: `file://${path.join(runDir, "pulumi-state")}`, pulumiPassphrase: crypto.randomBytes(12).toString("base64url"),
      processes, startedAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.join(runDir, "pulumi-state"), { recursive: true });
    fs.mkdirSync(path.join(runDir, "pulumi-home"), { recursive: true });
    await installSnapshotCrds(info, tools.crdDir);
    log(`  snapshot CRDs    VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotClass established (${secs()})`);
    fs.writeFileSync(path.join(runDir, "stack.json"), JSON.stringify(info, null, 2), { mode: 0o600 });
    fs.rmSync(path.join(runDir, "stack.json.partial"), { force: true });
    fs.writeFileSync(path.join(runDir, "env"), envExports(stackEnv(info)), { mode: 0o600 });
    return info;
  } catch (err) {
    await stopProcesses(processes);
    throw err;
  }
}

async function installSnapshotCrds(info: StackInfo, crdDir: string): Promise<void> {
  const YAML = await import("yaml");
  const files = fs.readdirSync(crdDir).filter((f) => f.startsWith("snapshot.storage.k8s.io_") && f.endsWith(".yaml"));
  if (files.length !== 3) throw new Error(`expected 3 VolumeSnapshot CRD files in ${crdDir}, found ${files.length}`);
  const names: string[] = [];
  for (const f of files) {
    const crd = YAML.parse(fs.readFileSync(path.join(crdDir, f), "utf8"));
    names.push(crd.metadata.name);
    const res = await kubeRequest(info, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    if (res.status !== 201 && res.status !== 409) throw new Error(`installing CRD ${crd.metadata.name}: HTTP ${res.status} ${res.body}`);
  }
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const res = await kubeRequest(info, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conds: { type: string; status: string }[] = res.status === 200 ? JSON.parse(res.body).status?.conditions ?? [] : [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not established within 30s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function stopProcesses(processes: Record<string, { pid: number; bin: string }>): Promise<string[]> {
  const stopped: string[] = [];
  // Reverse start order: clients before the stores they talk to.
  for (const [name, p] of Object.entries(processes).reverse()) {
    if (!isOurs(p.pid, p.bin)) continue;
    try {
      process.kill(p.pid, "SIGTERM");
      stopped.push(name);
    } catch { /* already gone */ }
  }
  const deadline = Date.now() + 10_000;
  for (const p of Object.values(processes)) {
    while (isOurs(p.pid, p.bin) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (isOurs(p.pid, p.bin)) try { process.kill(p.pid, "SIGKILL"); } catch { /* gone */ }
  }
  return stopped;
}

/** Stops the processes this run folder started; keeps logs. Returns the names stopped. */
export async function downStack(runDir: string, log: Log): Promise<string[]> {
  const files = ["stack.json", "stack.json.partial"].map((f) => path.join(runDir, f)).filter((f) => fs.existsSync(f));
  const stopped: string[] = [];
  for (const f of files) {
    const { processes } = JSON.parse(fs.readFileSync(f, "utf8")) as Pick<StackInfo, "processes">;
    stopped.push(...(await stopProcesses(processes)));
    fs.rmSync(f);
  }
  fs.rmSync(path.join(runDir, "env"), { force: true });
  log(stopped.length ? `stopped ${stopped.join(", ")}; logs kept in ${path.join(runDir, "logs")}` : `nothing running in ${runDir}`);
  return stopped;
}
