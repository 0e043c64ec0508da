/**
 * Helpers of the fault-injection tests (test/integration/faults-*.integ.spec.ts). A fault test file
 * that kills or freezes a process of the stack (kube-apiserver, MinIO) starts its OWN stack (etcd,
 * kube-apiserver, controller-manager, MinIO) in a temp folder: the shared stack of the run is never
 * disturbed. One that kills only its own processes (the runner) uses the shared stack.
 * The CLI runs as a real child process (`node bin/hks.js`, compiled dist/) with that stack's
 * environment, so a fault hits it exactly as it would hit an operator or the CronJob.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import * as k8s from "@kubernetes/client-node";
import pLimit from "p-limit";
import { downStack, stackEnv, startStackProcess, upStack, type StackInfo } from "../../cli/dev/stack";
import { isOurs } from "../../cli/dev/stack-process";
import type { ObjectStore } from "../../provider/store";
import { createTestLocation } from "./backup-fixture";
import { ensureTools } from "../../cli/dev/tools";
import { backupPlanHandler } from "../../provider/handlers/backup-plan";
import { checkBackupPlan } from "../../provider/plan/plan";
import { createS3Client } from "../../provider/store";
import type { BackupPlanInputs } from "../../provider/types";

const ROOT = path.resolve(__dirname, "..", "..");

/** Starts a private stack for one test file; `label` tags its log lines. */
export async function startPrivateStack(label: string): Promise<StackInfo> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hks-${label}-`));
  return upStack(dir, ensureTools(), (l) => process.stderr.write(`[${label} stack] ${l}\n`));
}

/** Stops a private stack and removes its folder (logs included: a failing test prints what it needs). */
export async function stopPrivateStack(info: StackInfo | undefined): Promise<void> {
  if (!info) return;
  await downStack(info.runDir, () => undefined);
  fs.rmSync(info.runDir, { recursive: true, force: true });
}

/** The admin kubeconfig of `info`. */
export function adminKc(info: StackInfo): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  return kc;
}

/** The S3 settings of a stack, as test locations take them. */
export function s3Of(info: StackInfo): {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
} {
  return {
    endpoint: info.s3Endpoint,
    region: info.s3Region,
    accessKeyId: info.s3AccessKeyId,
    secretAccessKey: info.s3SecretAccessKey,
  };
}

/** Freezes (SIGSTOP) a process of the stack: every request to it hangs from now on. */
export function freeze(info: StackInfo, name: string): void {
  const p = info.processes[name]!;
  if (!isOurs(p.pid, p.bin)) throw new Error(`${name} (pid ${p.pid}) is not running`);
  process.kill(p.pid, "SIGSTOP");
}

/** Lets a frozen process of the stack run again (a no-op for a running one, or one that is gone). */
export function thaw(info: StackInfo, name: string): void {
  const p = info.processes[name];
  if (p && isOurs(p.pid, p.bin)) process.kill(p.pid, "SIGCONT");
}

/** A running `hks` command: its output so far, a way to wait for a line, and its end. */
export interface HksRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr or stdout matches `re` (rejects if the process ends first or after `ms`). */
  waitForOutput(re: RegExp, ms?: number): Promise<void>;
  /** Exit code (null when killed) and signal. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/hks.js <args>` against `info` (its kubeconfig and S3 endpoint), with `env`
 * added. The child is its own process group leader, so tests can kill exactly it.
 */
export function spawnHks(info: StackInfo, args: string[], env: Record<string, string> = {}): HksRun {
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "hks.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...stackEnv(info), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    notify();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    notify();
  });
  let ended = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      ended = true;
      resolve({ code, signal });
      notify();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitForOutput(re, ms = 120_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => done(new Error(`no output matching ${re} within ${ms / 1000}s; stderr:\n${err}\nstdout:\n${out}`)),
          ms,
        );
        const check = () => {
          if (re.test(err) || re.test(out)) done();
          else if (ended) done(new Error(`hks ended before printing ${re}; stderr:\n${err}\nstdout:\n${out}`));
        };
        const done = (e?: Error) => {
          clearTimeout(timer);
          waiters.delete(check);
          if (e) reject(e);
          else resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs `hks <args>` to the end. */
export async function hks(
  info: StackInfo,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = spawnHks(info, args, env);
  const { code } = await r.exit;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** Starts `name` again if it is not running (after a test that failed half-way); returns the stack's record. */
export async function ensureRunning(info: StackInfo, name: string): Promise<StackInfo> {
  const p = info.processes[name]!;
  if (isOurs(p.pid, p.bin)) {
    process.kill(p.pid, "SIGCONT"); // harmless when it was not frozen
    return info;
  }
  return startStackProcess(info, name);
}

/**
 * Multipart uploads begun at `key` (bucket-relative) and neither completed nor aborted. Asked by
 * exact key: once restarted, MinIO lists an incomplete upload only under its exact key (a listing
 * of the bucket or of a folder no longer shows it).
 */
export async function incompleteUploads(info: StackInfo, bucket: string, key: string): Promise<number> {
  const client = createS3Client({
    region: info.s3Region,
    endpoint: info.s3Endpoint,
    credentials: { accessKeyId: info.s3AccessKeyId, secretAccessKey: info.s3SecretAccessKey },
  });
  try {
    const res = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
    return (res.Uploads ?? []).filter((u) => u.Key === key).length;
  } finally {
    client.destroy();
  }
}

/**
 * Creates `count` ConfigMaps `cm-<i>` in `namespace`, each holding `bytes` of random binary data
 * (random, so the archive does not compress below the multipart threshold).
 */
export async function seedConfigMaps(
  kc: k8s.KubeConfig,
  namespace: string,
  count: number,
  bytes: number,
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const limit = pLimit(16);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(() =>
        core.createNamespacedConfigMap({
          namespace,
          body: {
            metadata: { name: `cm-${i}`, labels: { seq: String(i) } },
            binaryData: bytes ? { blob: randomBase64(bytes) } : undefined,
            data: { i: String(i) },
          },
        }),
      ),
    ),
  );
}

function randomBase64(bytes: number): string {
  return crypto.randomBytes(bytes).toString("base64");
}

/**
 * Installs a BackupPlan in the stack of `info` through the resource's own handler (CronJob
 * suspended: the tests run `hks run-plan` themselves, as the Job would).
 */
export async function installPlan(
  info: StackInfo,
  p: { plan: string; namespace: string; targetNamespace: string; storageLocation: string },
): Promise<void> {
  const { inputs, failures } = checkBackupPlan({
    planName: p.plan,
    namespace: p.namespace,
    target: { namespace: p.targetNamespace },
    storageLocation: p.storageLocation,
    schedule: { cron: "0 2 * * *", suspend: true },
    retention: { daily: 7 },
    kubeconfig: fs.readFileSync(info.kubeconfig, "utf8"),
  } as Partial<BackupPlanInputs>);
  if (failures.length) throw new Error(`invalid test plan: ${JSON.stringify(failures)}`);
  await backupPlanHandler.create(inputs, {
    signal: new AbortController().signal,
    log: () => undefined,
    progress: () => undefined,
  });
}

/** The scene both upload-fault files use: a stack, a namespace worth several multipart parts, a location and
 * a plan. */
export interface UploadFaultScene {
  info: StackInfo;
  store: ObjectStore;
}

/**
 * Makes, on stack `on` or else on a private stack it starts, namespace `src` holding 64 ConfigMaps
 * of 768 KiB random bytes (~48 MiB of gzip that does not shrink: six 8 MiB parts), location "main"
 * (bucket `bucket`, prefix team-a) recorded in `locationNamespace`, and plan "nightly" backing up
 * `src` there.
 */
export async function startUploadFaultScene(
  label: string,
  o: { src: string; locationNamespace: string; bucket: string },
  on?: StackInfo,
): Promise<UploadFaultScene> {
  const info = on ?? (await startPrivateStack(label));
  const kc = adminKc(info);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (const ns of [o.src, o.locationNamespace]) await core.createNamespace({ body: { metadata: { name: ns } } });
  await seedConfigMaps(kc, o.src, 64, 768 * 1024);
  const { store } = await createTestLocation(kc, {
    name: "main",
    namespace: o.locationNamespace,
    bucket: o.bucket,
    prefix: "team-a",
    s3: s3Of(info),
  });
  await installPlan(info, {
    plan: "nightly",
    namespace: o.locationNamespace,
    targetNamespace: o.src,
    storageLocation: "main",
  });
  return { info, store };
}
