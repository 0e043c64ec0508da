/**
 * The embedded local environment: a real etcd, kube-apiserver (TLS, RBAC, admin client certificate),
 * kube-controller-manager (its default controllers) and MinIO (with a KMS key, so SSE works), all on
 * free loopback ports; with `node: true` also a real node (node.ts: containerd, kubelet,
 * kube-scheduler, CSI driver and sidecars).
 * State lives in one run folder: `stack.json`, `env` (export lines), `kubeconfig`, `pki/`, `logs/`,
 * `etcd/` and `minio/` (data, removed by {@link downStack}), and `pulumi-home/` (PULUMI_HOME, with the
 * Kubernetes provider plugin linked from the tools cache).
 * Only processes recorded in `stack.json` are ever stopped, and only if their command line still
 * names the binary that was started (a recycled PID is left alone). One process can be stopped and
 * started again identically (same port, data folder, arguments): {@link stopStackProcess},
 * {@link startStackProcess} (stack-process.ts).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { checkNodeHost, cleanUpNode, drainNode, nodeSlotOf, upNode, waitNoTasks, type NodeInfo } from "./node";
import { ensurePki, type Pki } from "./pki";
import {
  get,
  isOurs,
  spawnProcess,
  stopProcess,
  SILENT_EXIT_TEXT,
  UNSEEN_EXIT_TEXT,
  stopProcesses,
  waitHealthy,
  waitPortFree,
  type StackProcess,
} from "./stack-process";
import { packageRoot, type ToolPaths } from "./tools";
import { parseCoreYaml } from "../../provider/format/object-yaml";

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
  /** By name: `etcd`, `kube-apiserver`, `kube-controller-manager`, `minio`, and the node's (node.ts). */
  readonly processes: Record<string, StackProcess>;
  /** The node, when the stack runs one. */
  readonly node?: NodeInfo;
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

/** A start-up failure caused by a port taken between choosing it and binding it: worth new ports. */
export const PORT_TAKEN = /address already in use|port is already in use/i;

/**
 * Runs `start` on `count` free ports, again on new ones (up to `tries` times) when it fails because a
 * port was taken in the meantime: a free port is only free until someone binds it, and another
 * stack starting beside this one, or any process's outgoing connection, may take it first. A process
 * that ended before printing a line, or whose end this process did not see (no exit code, no signal:
 * not its own doing), is started again too: nothing in its flags or ports stopped it.
 */
export async function onFreshPorts<T>(count: number, start: (ports: number[]) => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(Array.from({ length: count }, freePort));
    try {
      return await start(ports);
    } catch (err) {
      const message = (err as Error).message;
      const retry =
        PORT_TAKEN.test(message) || message.includes(SILENT_EXIT_TEXT) || message.includes(UNSEEN_EXIT_TEXT);
      if (attempt >= tries || !retry) throw err;
    }
  }
}

/** A minimal authenticated request to the local apiserver (admin client certificate). */
export function kubeRequest(
  info: Pick<StackInfo, "apiserverUrl" | "runDir">,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const pki = path.join(info.runDir, "pki");
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      info.apiserverUrl + urlPath,
      {
        method,
        ca: fs.readFileSync(path.join(pki, "ca.crt")),
        cert: fs.readFileSync(path.join(pki, "admin.crt")),
        key: fs.readFileSync(path.join(pki, "admin.key")),
        headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {},
        timeout: 10_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
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
    const api = await get(info.apiserverUrl + "/readyz", {
      ca: fs.readFileSync(path.join(info.runDir, "pki", "ca.crt")),
    });
    const s3 = await get(info.s3Endpoint + "/minio/health/ready");
    return api.status === 200 && s3.status === 200;
  } catch {
    return false;
  }
}

/**
 * The PATH `hks dev env` exports: the project's node_modules/.bin, the tools folder, then the caller's
 * PATH without what npm/npx put in front of it for this one command (their `_npx` cache folders, every
 * `node_modules/.bin` up the folder tree, node-gyp-bin) and without duplicates, so evaluating the output
 * twice gives the same PATH.
 */
export function devPath(nodeBin: string, toolsDir: string, callerPath: string): string {
  const npmAdded = (p: string) =>
    /(^|\/)_npx\//.test(p) || /(^|\/)node_modules\/\.bin\/?$/.test(p) || /\/node-gyp-bin\/?$/.test(p);
  const parts = [nodeBin, toolsDir, ...callerPath.split(":").filter((p) => p !== "" && !npmAdded(p))];
  return [...new Set(parts)].join(":");
}

/** Environment variables that point clients (kubectl-style, AWS SDK, Pulumi) at the stack. */
export function stackEnv(info: StackInfo): Record<string, string> {
  const root = packageRoot();
  const nodeBin = path.join(root, "node_modules", ".bin");
  return {
    // pulumi-resource-pulumi-nodejs sits next to `pulumi` in the tools folder (build.sh).
    PATH: devPath(nodeBin, info.toolsDir, process.env.PATH ?? ""),
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
  return (
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${q(v)}`)
      .join("\n") + "\n"
  );
}

/** Options of {@link upStack}. */
export interface UpOptions {
  /** Also start a node (needs root and the node's tools; see node.ts). Default false. */
  readonly node?: boolean;
}

/**
 * Starts the stack in `runDir`, or returns the running one when it is healthy. Progress lines go to `log`.
 */
export async function upStack(runDir: string, tools: ToolPaths, log: Log, opts: UpOptions = {}): Promise<StackInfo> {
  const existing = readStack(runDir);
  if (existing && (existing.node !== undefined) === !!opts.node && (await stackHealthy(existing))) {
    log(`local stack already running in ${runDir}`);
    installPulumiPlugins(existing, tools, log);
    return existing;
  }
  if (opts.node) checkNodeHost(tools.node);
  if (existing || nodeSlotOf(runDir) !== undefined) await downStack(runDir, log);
  fs.mkdirSync(path.join(runDir, "logs"), { recursive: true });
  removeClusterData(runDir);
  const t0 = Date.now();
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const pki = ensurePki(path.join(runDir, "pki"));
  const H = "http://127.0.0.1";
  const processes: Record<string, StackProcess> = {};
  let nodeSlot: number | undefined;
  // Mode 600 from the first write: the records hold MinIO's root password.
  const record = () =>
    fs.writeFileSync(path.join(runDir, "stack.json.partial"), JSON.stringify({ processes, nodeSlot }, null, 2), {
      mode: 0o600,
    });
  const launch = (name: string, spec: Omit<StackProcess, "pid">) => {
    processes[name] = spawnProcess(runDir, name, spec);
    record();
    return processes[name];
  };

  try {
    // etcd: fsync off because this data is thrown away with the run folder.
    const etcdPort = await onFreshPorts(2, async ([etcdPort, peerPort]) => {
      await waitHealthy(
        runDir,
        "etcd",
        launch("etcd", {
          bin: tools.etcd,
          port: etcdPort,
          args: [
            "--name",
            "hks-dev",
            "--data-dir",
            path.join(runDir, "etcd"),
            "--unsafe-no-fsync",
            "--listen-client-urls",
            `${H}:${etcdPort}`,
            "--advertise-client-urls",
            `${H}:${etcdPort}`,
            "--listen-peer-urls",
            `${H}:${peerPort}`,
            "--initial-advertise-peer-urls",
            `${H}:${peerPort}`,
            "--initial-cluster",
            `hks-dev=${H}:${peerPort}`,
            "--log-level",
            "warn",
          ],
          health: { url: `${H}:${etcdPort}/health`, bodyIncludes: '"health":"true"', timeoutMs: 30_000 },
        }),
      );
      return etcdPort;
    });
    log(`  etcd             ready on 127.0.0.1:${etcdPort} (${secs()})`);

    const apiPort = await onFreshPorts(1, async ([apiPort]) => {
      const apiserverUrl = `https://127.0.0.1:${apiPort}`;
      await waitHealthy(
        runDir,
        "kube-apiserver",
        launch("kube-apiserver", {
          bin: tools.kubeApiserver,
          port: apiPort,
          args: [
            `--etcd-servers=${H}:${etcdPort}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            `--cert-dir=${pki.dir}`,
            `--tls-cert-file=${pki.serverCert}`,
            `--tls-private-key-file=${pki.serverKey}`,
            `--client-ca-file=${pki.caCert}`,
            `--service-account-issuer=${apiserverUrl}`,
            `--service-account-key-file=${pki.saPub}`,
            `--service-account-signing-key-file=${pki.saKey}`,
            "--service-cluster-ip-range=10.0.0.0/24",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            "--endpoint-reconciler-type=none",
            "--enable-priority-and-fairness=false",
            // The kubelet: reached at the node's InternalIP (its name does not resolve), with a client
            // certificate in system:masters, which the kubelet's webhook authorization allows.
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            `--kubelet-client-certificate=${pki.adminCert}`,
            `--kubelet-client-key=${pki.adminKey}`,
          ],
          health: { url: `${apiserverUrl}/readyz`, tls: "ca", timeoutMs: 120_000 },
        }),
      );
      return apiPort;
    });
    const apiserverUrl = `https://127.0.0.1:${apiPort}`;
    log(`  kube-apiserver   ready on ${apiserverUrl} (${secs()})`);

    const kubeconfig = path.join(runDir, "kubeconfig");
    fs.writeFileSync(kubeconfig, kubeconfigText(apiserverUrl, pki), { mode: 0o600 });
    const kcmReady = onFreshPorts(1, async ([kcmPort]) => {
      const kcm = launch("kube-controller-manager", {
        bin: tools.kubeControllerManager,
        port: kcmPort,
        args: [
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          // The default set, as in a real cluster: Deployments, ReplicaSets, StatefulSets, Jobs, PV binding,
          // node lifecycle (it lifts the new node's not-ready taint), garbage collection, namespaces, ...
          "--controllers=*",
          "--leader-elect=false",
          "--bind-address=127.0.0.1",
          `--secure-port=${kcmPort}`,
          "--use-service-account-credentials=false",
          `--root-ca-file=${pki.caCert}`,
        ],
        health: { url: `https://127.0.0.1:${kcmPort}/healthz`, tls: "insecure", timeoutMs: 60_000 },
      });
      await waitHealthy(runDir, "kube-controller-manager", kcm);
      return kcmPort;
    });

    const s3AccessKeyId = "hksdevadmin";
    const s3SecretAccessKey = crypto.randomBytes(18).toString("base64url");
    const minioReady = onFreshPorts(2, async ([s3Port, consolePort]) => {
      const minio = launch("minio", {
        bin: tools.minio,
        port: s3Port,
        args: [
          "server",
          path.join(runDir, "minio"),
          "--address",
          `127.0.0.1:${s3Port}`,
          "--console-address",
          `127.0.0.1:${consolePort}`,
          "--quiet",
        ],
        env: {
          MINIO_ROOT_USER: s3AccessKeyId,
          MINIO_ROOT_PASSWORD: s3SecretAccessKey,
          MINIO_BROWSER: "off",
          MINIO_UPDATE: "off",
          MINIO_CI_CD: "1",
          MINIO_KMS_SECRET_KEY: `${KMS_KEY_ID}:${crypto.randomBytes(32).toString("base64")}`,
        },
        health: { url: `${H}:${s3Port}/minio/health/ready`, timeoutMs: 60_000 },
      });
      await waitHealthy(runDir, "minio", minio);
      return s3Port;
    });
    const kcmPort = await kcmReady;
    log(`  controller-mgr   ready on 127.0.0.1:${kcmPort} (${secs()})`);
    const s3Port = await minioReady;
    const s3Endpoint = `${H}:${s3Port}`;
    log(`  minio            ready on ${s3Endpoint} (${secs()})`);

    const info: StackInfo = {
      runDir,
      toolsDir: tools.dir,
      kubeconfig,
      apiserverUrl,
      s3Endpoint,
      s3AccessKeyId,
      s3SecretAccessKey,
      s3Region: "us-east-1",
      kmsKeyId: KMS_KEY_ID,
      pulumiBackendUrl: `file://${path.join(runDir, "pulumi-state")}`,
      pulumiPassphrase: crypto.randomBytes(12).toString("base64url"),
      processes,
      startedAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.join(runDir, "pulumi-state"), { recursive: true });
    fs.mkdirSync(path.join(runDir, "pulumi-home"), { recursive: true });
    installPulumiPlugins(info, tools, log);
    await installSnapshotCrds(info, tools.crdDir);
    log(`  snapshot CRDs    VolumeSnapshot, VolumeSnapshotContent, VolumeSnapshotClass established (${secs()})`);
    if (opts.node && tools.node) {
      const node = await upNode({
        runDir,
        pki,
        apiserverUrl,
        apiPort,
        kubeconfig,
        forwardPorts: [apiPort, s3Port],
        tools: tools.node,
        freePort,
        launch,
        recordSlot: (slot) => {
          nodeSlot = slot;
          record();
        },
        request: (method, urlPath, body) => kubeRequest(info, method, urlPath, body),
        log,
        secs,
      });
      Object.assign(info, { node });
    }
    fs.writeFileSync(path.join(runDir, "stack.json"), JSON.stringify(info, null, 2), { mode: 0o600 });
    fs.rmSync(path.join(runDir, "stack.json.partial"), { force: true });
    fs.writeFileSync(path.join(runDir, "env"), envExports(stackEnv(info)), { mode: 0o600 });
    return info;
  } catch (err) {
    await downStack(runDir, () => undefined);
    throw err;
  }
}

/** Removes etcd's and MinIO's data folders: a stack always starts with an empty cluster and bucket. */
function removeClusterData(runDir: string): void {
  for (const d of ["etcd", "minio"]) fs.rmSync(path.join(runDir, d), { recursive: true, force: true });
}

/**
 * Installs the Kubernetes provider plugin (built by build.sh) into the stack's PULUMI_HOME, as the
 * version `@pulumi/kubernetes` asks for, so its programs run with nothing downloaded
 * (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION is set). Skipped when it is installed already.
 */
export function installPulumiPlugins(info: StackInfo, tools: ToolPaths, log: Log): void {
  const plugin = tools.kubernetesProvider;
  if (!plugin) return;
  const home = stackEnv(info).PULUMI_HOME;
  const dir = path.join(home, "plugins", `resource-kubernetes-v${plugin.version}`);
  const bin = path.join(dir, "pulumi-resource-kubernetes");
  // Pulumi's own layout and rule: a plugin folder with a `.partial` file beside it is incomplete.
  const partial = dir + ".partial";
  if (fs.existsSync(bin) && !fs.existsSync(partial)) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(partial, "");
  fs.rmSync(bin, { force: true });
  // A hard link to the tools cache, not `pulumi plugin install --file`, which copied 160 MB into every
  // stack's folder (six stacks in a test run); a copy only when the cache is on another file system.
  try {
    fs.linkSync(plugin.bin, bin);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
    fs.copyFileSync(plugin.bin, bin);
    fs.chmodSync(bin, 0o755);
  }
  fs.rmSync(partial);
  log(`  pulumi plugins   kubernetes v${plugin.version} installed in ${home}`);
}

async function installSnapshotCrds(info: StackInfo, crdDir: string): Promise<void> {
  const files = fs.readdirSync(crdDir).filter((f) => f.startsWith("snapshot.storage.k8s.io_") && f.endsWith(".yaml"));
  if (files.length !== 3) throw new Error(`expected 3 VolumeSnapshot CRD files in ${crdDir}, found ${files.length}`);
  const names: string[] = [];
  for (const f of files) {
    const crd = parseCoreYaml(fs.readFileSync(path.join(crdDir, f), "utf8")) as { metadata: { name: string } };
    names.push(crd.metadata.name);
    const res = await kubeRequest(info, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`installing CRD ${crd.metadata.name}: HTTP ${res.status} ${res.body}`);
  }
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const res = await kubeRequest(info, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const conds: { type: string; status: string }[] =
        res.status === 200 ? (JSON.parse(res.body).status?.conditions ?? []) : [];
      if (conds.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not established within 30s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The stack's record of `name`, with what a restart needs; throws a clear error otherwise. */
function restartable(info: StackInfo, name: string): StackProcess & Required<Pick<StackProcess, "args" | "health">> {
  const p = info.processes[name];
  if (!p)
    throw new Error(
      `the stack in ${info.runDir} has no process "${name}" (it has: ${Object.keys(info.processes).join(", ")})`,
    );
  if (!p.args || !p.health)
    throw new Error(
      `the stack in ${info.runDir} was started by an older version that did not record how to restart ${name}: ` +
        "restart the stack (hks dev down; hks dev up)",
    );
  return p as StackProcess & Required<Pick<StackProcess, "args" | "health">>;
}

/**
 * Stops one process of a running stack (SIGKILL by default: a crash, not a shutdown) and waits
 * until it has exited. Its record stays in `stack.json`, so {@link startStackProcess} can bring it
 * back on the same port and data folder, and `downStack` still works meanwhile.
 * @returns false when it was not running.
 */
export async function stopStackProcess(
  info: StackInfo,
  name: string,
  signal: "SIGTERM" | "SIGKILL" = "SIGKILL",
): Promise<boolean> {
  return stopProcess(restartable(info, name), signal);
}

/**
 * Starts one process of the stack again exactly as `upStack` did (binary, arguments, added
 * environment: same port, data folder and certificates), waits until it is healthy, and records its
 * new PID in `stack.json`. Refuses when it is still running.
 * @returns the stack's updated record.
 */
export async function startStackProcess(info: StackInfo, name: string): Promise<StackInfo> {
  const old = restartable(info, name);
  if (isOurs(old.pid, old.bin)) throw new Error(`${name} is still running (pid ${old.pid}); stop it first`);
  const { pid: _pid, ...spec } = old;
  await waitPortFree(old.port);
  const p = spawnProcess(info.runDir, name, spec);
  const updated: StackInfo = { ...info, processes: { ...info.processes, [name]: p } };
  // Recorded before the wait, so downStack stops it even if it never becomes healthy.
  fs.writeFileSync(path.join(info.runDir, "stack.json"), JSON.stringify(updated, null, 2), { mode: 0o600 });
  await waitHealthy(info.runDir, name, p);
  return updated;
}

/**
 * Stops the processes this run folder started; keeps logs. With a node: first stops the controllers
 * and the scheduler (so nothing recreates pods), deletes every pod and waits for the kubelet to stop
 * them, and after all processes are stopped removes what the node changed on the machine
 * (node-host.ts). Returns the names stopped; throws when something could not be undone.
 */
export async function downStack(runDir: string, log: Log): Promise<string[]> {
  const files = ["stack.json", "stack.json.partial"].map((f) => path.join(runDir, f)).filter((f) => fs.existsSync(f));
  const stopped: string[] = [];
  const slot = nodeSlotOf(runDir);
  for (const f of files) {
    const rec = JSON.parse(fs.readFileSync(f, "utf8")) as Pick<StackInfo, "processes" | "apiserverUrl" | "node">;
    const procs = rec.processes;
    if (slot !== undefined && procs.kubelet) {
      for (const n of ["kube-controller-manager", "kube-scheduler"])
        if (procs[n] && (await stopProcess(procs[n]))) stopped.push(n);
      const apiUp = procs["kube-apiserver"] && isOurs(procs["kube-apiserver"].pid, procs["kube-apiserver"].bin);
      const api = rec.apiserverUrl ?? `https://127.0.0.1:${procs["kube-apiserver"]?.port}`;
      if (apiUp) {
        await drainNode(
          (m, u, b) => kubeRequest({ apiserverUrl: api, runDir }, m, u, b),
          () => isOurs(procs.kubelet!.pid, procs.kubelet!.bin),
          log,
        ).catch((err: Error) => log(`  could not delete the pods: ${err.message}`));
      }
      const sock = path.join(runDir, "node", "containerd.sock");
      if (
        procs.containerd &&
        isOurs(procs.containerd.pid, procs.containerd.bin) &&
        !(await waitNoTasks(sock, 30_000))
      ) {
        log("  containers still running after 30s; they are killed with their shims");
      }
    }
    stopped.push(...(await stopProcesses(procs)));
    fs.rmSync(f);
  }
  fs.rmSync(path.join(runDir, "env"), { force: true });
  // The cluster's data goes with its processes (the next up starts empty anyway): 60-150 MB a run.
  if (files.length) removeClusterData(runDir);
  let problems: string[] = [];
  if (slot !== undefined) {
    problems = cleanUpNode(runDir, slot);
    stopped.push("node");
  }
  log(
    stopped.length
      ? `stopped ${stopped.join(", ")}; logs kept in ${path.join(runDir, "logs")}`
      : `nothing running in ${runDir}`,
  );
  if (problems.length) throw new Error(`the node in ${runDir} left state behind:\n  - ${problems.join("\n  - ")}`);
  return stopped;
}
