/** The action of `hks ui` (registered lazily by ./command.ts) and its address rules. */
import * as net from "node:net";
import type { Command } from "commander";
import { serve } from "@hono/node-server";
import { InputError } from "../../provider/errors";
import { readCatalogView } from "../../provider/prepare/catalog-view";
import { describeBackup } from "../../provider/engine/catalog/catalog";
import { resolveLocationConfig } from "../../provider/kube/location-config";
import { openLocationStore } from "../../provider/prepare/location-store";
import { listRestoreRecords } from "../../provider/prepare/restore-record";
import { globalOptions, kubeConfigFor } from "../context";
import { clockFrom } from "../plan/clock";
import { createUiApp, newAccessToken } from "./app";
import { kubeUiActions } from "./ui-actions";

/** Flags of `hks ui`. */
export interface UiFlags {
  port: string;
  address: string;
  refresh: string;
  /** Hidden: start the dashboard's clock at this instant (testing). */
  now?: string;
}

const isLoopback = (address: string) =>
  address === "localhost" || (net.isIP(address) !== 0 && (address === "::1" || address.startsWith("127.")));

/** The Host header values a loopback server answers to. */
export function loopbackHosts(address: string, port: number): string[] {
  return [...new Set([address.includes(":") ? `[${address}]` : address, "127.0.0.1", "localhost", "[::1]"])].map(
    (h) => `${h}:${port}`,
  );
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new InputError(flag, `"${text}" is not a whole number from ${min} to ${max}`);
  return n;
}

export async function uiAction(flags: UiFlags, cmd: Command): Promise<void> {
  const port = wholeNumber(flags.port, "--port", 0, 65535);
  const refresh = wholeNumber(flags.refresh, "--refresh", 0, 3600);
  const g = globalOptions(cmd);
  const kc = kubeConfigFor(g);
  const token = newAccessToken();
  const loopback = isLoopback(flags.address);
  if (!loopback)
    process.stderr.write(
      `hks ui: listening on ${flags.address}, not only on this machine: anyone who can reach it and has the URL ` +
        `can read what the dashboard shows; prefer the default 127.0.0.1 with an SSH tunnel\n`,
    );
  let hosts: string[] | undefined;
  const app = createUiApp({
    token,
    namespace: g.namespace,
    readView: (now) => readCatalogView(kc, g.namespace, now),
    actions: kubeUiActions(kc, g.namespace),
    readBackup: async (name, location) => {
      const store = await openLocationStore(kc, await resolveLocationConfig(kc, g.namespace, location, "location"));
      return describeBackup(store, name, location);
    },
    readRestores: () => listRestoreRecords(kc, g.namespace),
    cacheMs: refresh * 1000,
    now: clockFrom(flags.now, "--now") ?? (() => new Date()),
    get allowedHosts() {
      return hosts;
    },
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: flags.address }, (info) => {
      hosts = loopback ? loopbackHosts(flags.address, info.port) : undefined;
      const host = flags.address.includes(":") ? `[${flags.address}]` : flags.address;
      process.stdout.write(`http://${host}:${info.port}/?token=${token}\n`);
      process.stderr.write(`hks ui: serving namespace ${g.namespace}; Ctrl-C stops it\n`);
      resolve(s);
    });
    s.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new InputError("--port", `${flags.address}:${port} is in use: choose another port, or 0 for any free one`)
          : err,
      ),
    );
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close(() => resolve());
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
