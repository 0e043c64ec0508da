/** The actions of `hks dev up | env | down | sample-app` (registered lazily by ./command.ts). */
import type { Command } from "commander";
import * as path from "node:path";
import { downStack, envExports, readStack, stackEnv, stackHealthy, upStack } from "./stack";
import { ensureTools } from "./tools";
import { createSampleApp } from "./sample-app";
import { globalOptions, kubeConfigFor } from "../context";
import { defaultRunDir, usageHint } from "./run-dir";

/** `hks dev up`: builds missing tools, starts the stack, prints how to use it. */
export async function upAction(opts: { dir: string; node: boolean }): Promise<void> {
  const say = (s: string) => process.stderr.write(s + "\n");
  say("hks dev up: checking tools (a cold build takes 30-60 minutes; later runs skip it)");
  const tools = ensureTools(opts.node ? "all" : "base");
  say(`hks dev up: starting the local stack${opts.node ? " and its node" : ""} in ${opts.dir}`);
  const info = await upStack(path.resolve(opts.dir), tools, say, { node: opts.node });
  const node = info.node ? `, node ${info.node.name}` : "";
  say(`hks dev up: ready. Kubernetes ${info.apiserverUrl}, S3 ${info.s3Endpoint}${node}.`);
  say(usageHint(path.resolve(opts.dir), defaultRunDir()));
}

/** `hks dev env`: export lines for the stack in `--dir`. */
export async function envAction(opts: { dir: string }): Promise<void> {
  const info = readStack(path.resolve(opts.dir));
  if (!info) throw new Error(`no local stack in ${opts.dir}: start one with 'npx hks dev up'`);
  if (!(await stackHealthy(info)))
    process.stderr.write(
      `hks dev env: warning: the stack in ${opts.dir} is not healthy; restart it with 'npx hks dev up'\n`,
    );
  process.stdout.write(envExports(stackEnv(info)));
}

/** `hks dev down`. */
export async function downAction(opts: { dir: string }): Promise<void> {
  await downStack(path.resolve(opts.dir), (s) => process.stderr.write(s + "\n"));
}

/** `hks dev sample-app [namespace]`. */
export async function sampleAppAction(namespace: string, _opts: unknown, cmd: Command): Promise<void> {
  const r = await createSampleApp(kubeConfigFor(globalOptions(cmd)), namespace);
  process.stderr.write(
    `sample app in namespace ${namespace}: ${r.created} objects created, ${r.existing} already there\n`,
  );
}
