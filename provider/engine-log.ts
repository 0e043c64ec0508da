/**
 * Messages for the person running `pulumi up`, sent to the Pulumi engine under the resource's URN.
 *
 * Why (issue 15): a dynamic provider has no engine connection of its own (pulumi/pulumi#6065,
 * #18249); what it prints on stdout or stderr ends up, one diagnostic per line, under the Stack, not
 * the resource. The engine's address is the provider process's first argument, though, and its
 * `Engine.Log` RPC takes a URN and an `ephemeral` flag. So:
 * - `info`/`warn` lines are kept in the resource's own diagnostics (a few per resource: what was
 *   created, counts, sizes, skips);
 * - `status` lines are ephemeral: the engine shows the latest one on the resource's row while the
 *   operation runs and keeps none of them, which is where progress counters belong.
 * Without an engine (tests calling `dispatch`, a provider process started another way) or without a
 * URN (state written by an SDK that did not send one), kept lines go to stdout as before and status
 * lines are dropped.
 */
import * as path from "node:path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as enginePb from "@pulumi/pulumi/proto/engine_pb";

/** Where a handler's messages go. */
export interface ResourceLog {
  /** A line kept in the resource's diagnostics. */
  info(line: string): void;
  /** A warning kept in the resource's diagnostics. */
  warn(line: string): void;
  /** A transient line (progress) shown on the resource's row while it runs; never kept. */
  status(line: string): void;
  /** Resolves when every message sent so far was delivered (or given up on). */
  flush(): Promise<void>;
}

/** The engine's address when this process is Pulumi's Node.js dynamic provider, else undefined. */
export function engineAddressOf(argv: readonly string[]): string | undefined {
  const script = argv[1] ?? "";
  const addr = argv[2] ?? "";
  if (!/[\\/]dynamic-provider([\\/]index(\.js)?)?$/.test(script)) return undefined;
  return /^[\w.-]*:\d+$/.test(addr) ? addr : undefined;
}

/** A URN the engine knows, or undefined. */
export function urnOf(owner: unknown): string | undefined {
  return typeof owner === "string" && /^urn:pulumi:[^:]+::[^:]+::.+::.*$/.test(owner) ? owner : undefined;
}

/** Sends one message to the engine under `urn`. */
export type EngineSend = (
  urn: string,
  severity: "info" | "warning",
  message: string,
  ephemeral: boolean,
) => Promise<void>;

/** How long one message may take to reach the engine before it is given up on. */
const SEND_DEADLINE_MS = 10_000;

let engineSend: EngineSend | null | undefined;

/** One client per process, made on first use; null when there is no engine to talk to. */
function engineSender(): EngineSend | null {
  if (engineSend !== undefined) return engineSend;
  const addr = engineAddressOf(process.argv);
  if (!addr) return (engineSend = null);
  try {
    // The @grpc/grpc-js that @pulumi/pulumi's generated client was built with (one module instance);
    // loaded only here, inside Pulumi's provider process, never by the CLI or the runner.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] })) as typeof grpcTypes;
    const rpc = require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof engineGrpc;
    const pb = require("@pulumi/pulumi/proto/engine_pb") as typeof enginePb;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const client = new rpc.EngineClient(addr, grpc.credentials.createInsecure());
    engineSend = (urn, severity, message, ephemeral) => {
      const req = new pb.LogRequest();
      req.setSeverity(severity === "warning" ? pb.LogSeverity.WARNING : pb.LogSeverity.INFO);
      req.setMessage(message);
      req.setUrn(urn);
      req.setEphemeral(ephemeral);
      const deadline = Date.now() + SEND_DEADLINE_MS;
      return new Promise<void>((resolve, reject) =>
        client.log(req, new grpc.Metadata(), { deadline }, (err) => (err ? reject(err) : resolve())),
      );
    };
  } catch {
    engineSend = null;
  }
  return engineSend;
}

/** Test seam: replaces the engine connection (`null`: none; `undefined`: detect it again). */
export function setEngineSendForTests(send: EngineSend | null | undefined): void {
  engineSend = send;
}

/**
 * The log of the resource `owner` names (its URN, as the SDK sends it). Messages keep their order;
 * a failed delivery of a kept line falls back to stdout, so nothing the person should read is lost.
 */
export function resourceLog(owner: unknown, fallback: (line: string) => void = (l) => console.log(l)): ResourceLog {
  const urn = urnOf(owner);
  const send = urn ? engineSender() : null;
  if (!urn || !send) {
    return {
      info: fallback,
      warn: (l) => fallback(`warning: ${l}`),
      status: () => undefined,
      flush: async () => undefined,
    };
  }
  let chain = Promise.resolve();
  const enqueue = (severity: "info" | "warning", message: string, ephemeral: boolean) => {
    chain = chain.then(() =>
      send(urn, severity, message, ephemeral).catch(() => {
        if (!ephemeral) fallback(severity === "warning" ? `warning: ${message}` : message);
      }),
    );
  };
  return {
    info: (l) => enqueue("info", l, false),
    warn: (l) => enqueue("warning", l, false),
    status: (l) => enqueue("info", l, true),
    flush: () => chain,
  };
}
