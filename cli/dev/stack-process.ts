/**
 * The processes of the local stack (stack.ts): starting one detached with its log file, waiting
 * until it is healthy, and stopping it. Each process is recorded with everything needed to start it
 * again identically (binary, arguments, the environment added to ours, the health probe), so one
 * process of a running stack can be stopped and started on the same port and data folder: the fault
 * tests kill MinIO or the apiserver mid-operation and bring it back.
 *
 * Only recorded processes are ever signalled, and only if their command line still names the
 * binary that was started (a recycled PID is left alone).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";

/** How to tell that a process is ready to serve. */
export interface HealthProbe {
  /** GET this URL; healthy on HTTP 200. */
  readonly url: string;
  /** `ca`: verify with the stack's CA (`pki/ca.crt`); `insecure`: accept any certificate. */
  readonly tls?: "ca" | "insecure";
  /** Also require this text in the body (etcd answers 200 while unhealthy). */
  readonly bodyIncludes?: string;
  /** How long start-up may take. */
  readonly timeoutMs: number;
}

/** One process of the stack, as recorded in `stack.json`. */
export interface StackProcess {
  readonly pid: number;
  readonly bin: string;
  readonly port: number;
  /** Arguments it was started with (absent in stack.json files of older versions). */
  readonly args?: readonly string[];
  /** Variables added to the starting process's environment; may hold secrets (stack.json is mode 600). */
  readonly env?: Readonly<Record<string, string>>;
  readonly health?: HealthProbe;
}

/** True when `pid` still runs `bin` (not a recycled PID). */
export function isOurs(pid: number, bin: string): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.split("\0")[0] === bin;
  } catch {
    return false;
  }
}

/**
 * The environment of a stack process: ours without the variables that point a client at another
 * cluster or store (csi-provisioner prefers `KUBECONFIG` to its own `--kubeconfig` flag, so a shell
 * that has run `eval "$(hks dev env)"` for one stack would tie a second stack's sidecars to the
 * first), plus the process's own variables.
 */
export function stackProcessEnv(
  base: NodeJS.ProcessEnv,
  own: Readonly<Record<string, string>> | undefined,
): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const k of Object.keys(env)) if (k === "KUBECONFIG" || k.startsWith("AWS_")) delete env[k];
  return { ...env, ...own };
}

/** How the processes this process started ended, by PID: the reason a start-up failure reports. */
const exits = new Map<number, string>();

/** Starts `bin` detached, appending its output to `logs/<name>.log`; returns its record. */
export function spawnProcess(runDir: string, name: string, spec: Omit<StackProcess, "pid">): StackProcess {
  const fd = fs.openSync(path.join(runDir, "logs", `${name}.log`), "a");
  const child = spawn(spec.bin, [...(spec.args ?? [])], {
    detached: true,
    stdio: ["ignore", fd, fd],
    env: stackProcessEnv(process.env, spec.env),
  });
  fs.closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`could not start ${name} (${spec.bin})`);
  exits.delete(pid);
  child.on("exit", (code, signal) => exits.set(pid, signal ? `killed by ${signal}` : `exit code ${code}`));
  return { ...spec, pid };
}

/** A GET with a 2 s deadline; resolves with status and body. */
export function get(url: string, opts: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
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

/** One health check of `p` (false on any error). */
export async function probeOnce(runDir: string, p: HealthProbe): Promise<boolean> {
  const opts: https.RequestOptions =
    p.tls === "ca"
      ? { ca: fs.readFileSync(path.join(runDir, "pki", "ca.crt")) }
      : p.tls === "insecure"
        ? { rejectUnauthorized: false }
        : {};
  try {
    const res = await get(p.url, opts);
    return res.status === 200 && (p.bodyIncludes === undefined || res.body.includes(p.bodyIncludes));
  } catch {
    return false;
  }
}

/**
 * What a start-up failure says when the process ended before writing a line: killed from outside
 * (with 32,768 PIDs a busy machine recycles them within minutes), not by its own flags or ports.
 */
export const SILENT_EXIT_TEXT = "before printing anything";

/**
 * What a start-up failure says when the process is gone but this process saw no exit (so neither an
 * exit code nor a signal): onFreshPorts starts it again, as for a silent exit.
 */
export const UNSEEN_EXIT_TEXT = "exit status unknown";

/** What /proc shows of `pid`, for a start-up failure's message. */
function procSays(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] || "(no command line)";
    return `state ${state}, ${argv0}`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such process" : (err as Error).message;
  }
}

/** Waits until `p` passes its health probe; fails early, with the log's tail, if it exits. */
export async function waitHealthy(runDir: string, name: string, p: StackProcess): Promise<void> {
  if (!p.health) throw new Error(`${name} has no recorded health probe`);
  const logFile = path.join(runDir, "logs", `${name}.log`);
  const deadline = Date.now() + p.health.timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurs(p.pid, p.bin)) {
      // The exit event comes a moment after /proc forgets the process. Without one, look again: a
      // loaded CI machine once reported a starting etcd gone that had printed its usual lines.
      for (let i = 0; i < 50 && !exits.has(p.pid); i++) await new Promise((r) => setTimeout(r, 20));
      if (!exits.has(p.pid) && isOurs(p.pid, p.bin)) continue;
      const how = exits.get(p.pid) ?? `${UNSEEN_EXIT_TEXT}; /proc: ${procSays(p.pid)}`;
      const tail = fs.existsSync(logFile)
        ? fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-15).join("\n")
        : "";
      throw new Error(
        tail
          ? `${name} exited during start-up (${how}); last lines of ${logFile}:\n${tail}`
          : `${name} exited during start-up (${how}) ${SILENT_EXIT_TEXT}`,
      );
    }
    if (await probeOnce(runDir, p.health)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become healthy within ${p.health.timeoutMs / 1000}s; see ${logFile}`);
}

/**
 * Waits until `port` can be listened on again. Right after a process is killed, the kernel keeps its
 * server side of open connections in FIN-WAIT for a moment, and a new listener on that port fails
 * with "address already in use" until they reach TIME-WAIT (which SO_REUSEADDR, set by Go and by
 * Node alike, allows).
 */
export async function waitPortFree(port: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} is still in use after ${ms / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits up to `ms` for `p` to exit; true when it did. */
async function waitExit(p: Pick<StackProcess, "pid" | "bin">, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isOurs(p.pid, p.bin) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !isOurs(p.pid, p.bin);
}

/**
 * Sends `signal` to the recorded process if it is still ours, then waits for it to exit (SIGKILL
 * after 10 s). A process frozen with SIGSTOP is continued first, so SIGTERM can reach it.
 * Returns false when it was not running.
 */
export async function stopProcess(
  p: Pick<StackProcess, "pid" | "bin">,
  signal: "SIGTERM" | "SIGKILL" = "SIGTERM",
): Promise<boolean> {
  if (!isOurs(p.pid, p.bin)) return false;
  try {
    process.kill(p.pid, signal);
    if (signal !== "SIGKILL") process.kill(p.pid, "SIGCONT");
  } catch {
    /* already gone */
  }
  if (!(await waitExit(p, 10_000)))
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      /* gone */
    }
  await waitExit(p, 5_000);
  return true;
}

/** Stops several processes in reverse start order (clients before the stores they talk to). */
export async function stopProcesses(processes: Record<string, Pick<StackProcess, "pid" | "bin">>): Promise<string[]> {
  const entries = Object.entries(processes)
    .reverse()
    .filter(([, p]) => isOurs(p.pid, p.bin));
  for (const [, p] of entries) {
    try {
      process.kill(p.pid, "SIGTERM");
      process.kill(p.pid, "SIGCONT");
    } catch {
      /* already gone */
    }
  }
  await Promise.all(entries.map(([, p]) => stopProcess(p, "SIGTERM")));
  return entries.map(([name]) => name);
}
