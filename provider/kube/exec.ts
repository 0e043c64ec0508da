/**
 * Running a command in a container through the Kubernetes exec API (a websocket to the API server,
 * which proxies to the kubelet), behind a small interface so the hook logic can be tested with an
 * injected executor: no kubelet runs in the local test stack.
 */
import { Writable } from "node:stream";
import type * as k8s from "@kubernetes/client-node";
import { HookError } from "../errors";

/** One command to run. */
export interface ExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  /** argv; no shell is involved unless the command starts one. */
  readonly command: readonly string[];
  /** The command is abandoned (connection closed) after this long. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** How a command ended. */
export interface ExecResult {
  /** 0 on success. */
  readonly exitCode: number;
  /** The last {@link MAX_OUTPUT_BYTES} of stdout. */
  readonly stdout: string;
  /** The last {@link MAX_OUTPUT_BYTES} of stderr. */
  readonly stderr: string;
}

/** The seam: runs a command in a container. */
export interface PodExecutor {
  /**
   * Resolves with the exit code once the command ended. Rejects with {@link ExecTimeoutError}
   * after `timeoutMs`, or a HookError when the command could not be started (pod not running, no
   * such container, exec forbidden, no kubelet).
   */
  exec(req: ExecRequest): Promise<ExecResult>;
}

/** The command did not end within its timeout. */
export class ExecTimeoutError extends HookError {
  constructor(
    readonly timeoutMs: number,
    where: string,
  ) {
    super(`${where}: no result within ${timeoutMs / 1000}s (timeout); the command was abandoned`);
  }
}

/** Output kept per stream: enough for an error message, bounded whatever the command prints. */
export const MAX_OUTPUT_BYTES = 4096;

function tailSink(): { stream: Writable; text: () => string } {
  let buf = Buffer.alloc(0);
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > MAX_OUTPUT_BYTES) buf = buf.subarray(buf.length - MAX_OUTPUT_BYTES);
      cb();
    },
  });
  return { stream, text: () => buf.toString("utf8") };
}

/** Reads the exit code from the exec API's final status (`NonZeroExitCode` carries it as a cause). */
export function exitCodeOf(status: k8s.V1Status): number | undefined {
  if (status.status === "Success") return 0;
  if (status.reason === "NonZeroExitCode") {
    const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
    const n = Number(cause?.message);
    return Number.isInteger(n) ? n : 1;
  }
  return undefined;
}

/** The message of whatever the websocket layer rejected with (an Error, or a ws ErrorEvent). */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  const m = (err as { message?: unknown })?.message;
  return typeof m === "string" ? m : String(err);
}

/**
 * Why an exec could not start. The websocket handshake reports only the HTTP status ("Unexpected
 * server response: 400"), not the server's reason, so the pod is read to say what is wrong with it.
 */
async function explainStartFailure(kc: k8s.KubeConfig, req: ExecRequest, err: unknown): Promise<string> {
  const k8sMod = await import("@kubernetes/client-node");
  const base = messageOf(err);
  try {
    const pod = await kc.makeApiClient(k8sMod.CoreV1Api).readNamespacedPod({ name: req.pod, namespace: req.namespace });
    if (!pod.spec?.containers.some((c) => c.name === req.container))
      return `${base}: the pod has no container "${req.container}"`;
    if (!pod.spec?.nodeName)
      return (
        `${base}: the pod is ${pod.status?.phase ?? "Pending"} and not scheduled to a node, so no kubelet can ` +
        `run the command`
      );
    const cs = pod.status?.containerStatuses?.find((c) => c.name === req.container);
    if (!cs?.state?.running)
      return `${base}: container "${req.container}" is not running (pod phase ${pod.status?.phase ?? "unknown"})`;
    return base;
  } catch (e) {
    const status = (e as { code?: unknown }).code;
    return status === 404 ? `${base}: pod ${req.namespace}/${req.pod} does not exist` : base;
  }
}

/**
 * The real executor, through client-node's `Exec`. `wsInterface` replaces the websocket layer
 * (tests); by default it connects to the API server of `kc`.
 */
export function kubeExecutor(kc: k8s.KubeConfig, wsInterface?: ConstructorParameters<typeof k8s.Exec>[1]): PodExecutor {
  return {
    async exec(req) {
      const k8sMod = await import("@kubernetes/client-node");
      const where = `exec in ${req.namespace}/${req.pod} container ${req.container}`;
      const out = tailSink();
      const err = tailSink();
      let status: k8s.V1Status | undefined;
      let ws: { close(): void; on(ev: string, fn: (...a: unknown[]) => void): void } | undefined;
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<ExecResult>((resolve, reject) => {
        // Reject before closing: closing emits "close", which would otherwise report a missing status.
        timer = setTimeout(() => {
          reject(new ExecTimeoutError(req.timeoutMs, where));
          ws?.close();
        }, req.timeoutMs);
        req.signal?.addEventListener(
          "abort",
          () => {
            reject(new HookError(`${where}: aborted`, { cause: req.signal?.reason }));
            ws?.close();
          },
          { once: true },
        );
        new k8sMod.Exec(kc, wsInterface)
          .exec(req.namespace, req.pod, req.container, [...req.command], out.stream, err.stream, null, false, (s) => {
            status = s;
          })
          .then(
            (socket) => {
              ws = socket as unknown as typeof ws;
              ws!.on("close", () => {
                if (!status) return reject(new HookError(`${where}: the connection closed without an exit status`));
                const code = exitCodeOf(status);
                if (code === undefined)
                  return reject(new HookError(`${where}: ${status.message ?? status.reason ?? "failed"}`));
                resolve({ exitCode: code, stdout: out.text(), stderr: err.text() });
              });
            },
            (e: unknown) => {
              void explainStartFailure(kc, req, e).then((why) =>
                reject(new HookError(`${where}: the exec request failed: ${why}`, { cause: e })),
              );
            },
          );
      });
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
