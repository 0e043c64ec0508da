/**
 * The provider module that the serialized stubs (sdk/dynamic.ts) load by package name. It maps a
 * resource kind to its handler (pulumi-eks cmd/provider pattern) and gives every method a deadline.
 */
import * as path from "node:path";
import type { ResourceKind } from "./kinds";
import type { HandlerContext, ResourceHandler } from "./handlers/handler";
import { resourceLog } from "./engine-log";
import { engineCheckFailures } from "./check-failures";
import type { CheckFailure } from "./plan/validate";
import { lineProgress } from "./engine/progress";
import { useFastLoading } from "./vendor";

export { RESOURCE_KINDS, typeToken } from "./kinds";
export type { ResourceKind } from "./kinds";

// Every `pulumi up`, preview, refresh and destroy starts a dynamic provider process that loads this
// module: as `hks` does, before any handler loads (vendor.ts). A handler that talks to a cluster
// loads ~0.35 s of CPU faster.
useFastLoading(path.join(__dirname, "..", "vendor"));

type AnyHandler = ResourceHandler<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Handlers are loaded lazily so that a `check` never pays for the engine's imports. */
const HANDLERS: Record<ResourceKind, () => AnyHandler> = {
  BackupStorageLocation: () => require("./handlers/backup-storage-location").backupStorageLocationHandler,
  BackupPlan: () => require("./handlers/backup-plan").backupPlanHandler,
  Backup: () => require("./handlers/backup").backupHandler,
  Restore: () => require("./handlers/restore").restoreHandler,
  RestoreDrill: () => require("./handlers/restore-drill").restoreDrillHandler,
};

/** Deadlines of the pure and read-only methods, in milliseconds. */
const SHORT_DEADLINE_MS = { check: 30_000, diff: 30_000, read: 120_000 } as const;

export type Method = "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * Least time between two progress updates of one step on a resource's row. Not once a second: in a
 * non-interactive run (CI) an update of a row can become a printed line of its own.
 */
const STATUS_INTERVAL_MS = 2000;

/** The resource's URN the SDK sends as `owner` in the inputs (props for read and delete, news for update). */
function ownerOf(method: Method, args: unknown[]): unknown {
  const props = (method === "update" ? args[2] : method === "create" ? args[0] : args[1]) as
    { owner?: unknown } | undefined;
  return props?.owner;
}

/** Runs `method` of `kind`'s handler with a deadline; the stubs in sdk/dynamic.ts call only this. */
export async function dispatch(kind: ResourceKind, method: Method, args: unknown[]): Promise<unknown> {
  const load = HANDLERS[kind];
  if (!load) throw new Error(`unknown hks resource kind "${kind}"`);
  const handler = load();
  const ms =
    method in SHORT_DEADLINE_MS ? SHORT_DEADLINE_MS[method as keyof typeof SHORT_DEADLINE_MS] : handler.applyDeadlineMs;
  const ac = new AbortController();
  const out = method === "check" || method === "diff" ? undefined : resourceLog(ownerOf(method, args));
  const ctx: HandlerContext = {
    signal: ac.signal,
    log: (line) => (out ? out.info(line) : console.log(line)),
    progress: lineProgress((line) => out?.status(line), STATUS_INTERVAL_MS),
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`${kind}.${method} did not finish within ${Math.round(ms / 1000)}s`));
    }, ms);
  });
  const fn = handler[method] as (...a: unknown[]) => Promise<unknown>;
  const withCtx = method === "check" || method === "diff" ? args : [...args, ctx];
  try {
    let result = await Promise.race([fn.apply(handler, withCtx), deadline]);
    if (method === "check") {
      const r = result as { inputs: unknown; failures?: CheckFailure[] };
      result = { ...r, failures: engineCheckFailures(r.failures ?? [], (args[1] ?? {}) as object) };
    }
    // The engine's protobuf Struct rejects `undefined` ("Unexpected struct type"): send plain JSON.
    return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
  } finally {
    clearTimeout(timer);
    // Delivered before Pulumi hears the result, so the lines sit under the resource in order.
    await out?.flush();
  }
}
