/** `hks dev up | env | down`: the embedded local environment (see ./stack.ts). */
import type { Command } from "commander";
import * as path from "node:path";
import { downStack, envExports, readStack, stackEnv, stackHealthy, upStack } from "./stack";
import { ensureTools, packageRoot } from "./tools";
import { createSampleApp } from "./sample-app";
import { globalOptions, kubeConfigFor } from "../context";

/** The run folder: `HKS_DEV_DIR`, else `.hks/dev` in the package root. */
export function defaultRunDir(): string {
  return process.env.HKS_DEV_DIR ? path.resolve(process.env.HKS_DEV_DIR) : path.join(packageRoot(), ".hks", "dev");
}

/** The "use it / stop it" line `hks dev up` prints; names the run folder unless it is the default one. */
export function usageHint(runDir: string, defaultDir: string): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const dir = path.resolve(runDir) === path.resolve(defaultDir) ? "" : ` --dir ${q(path.resolve(runDir))}`;
  return `  use it in this shell:  eval "$(npx hks dev env${dir})"     stop it:  npx hks dev down${dir}`;
}

export function registerDevCommands(program: Command): void {
  const dev = program
    .command("dev")
    .description(
      "the embedded local environment: etcd, kube-apiserver, kube-controller-manager, MinIO, Pulumi CLI, " +
        "and a node (containerd, kubelet, kube-scheduler, CSI)",
    );
  dev
    .command("up")
    .description("build missing tools, start the stack on free loopback ports, print how to use it")
    .option("--dir <path>", "run folder (state, logs, kubeconfig)", defaultRunDir())
    .option("--no-node", "without the node (containerd, kubelet, scheduler, CSI): no root needed, pods stay Pending")
    .action(async (opts: { dir: string; node: boolean }) => {
      const say = (s: string) => process.stderr.write(s + "\n");
      say("hks dev up: checking tools (a cold build takes 30-60 minutes; later runs skip it)");
      const tools = ensureTools(opts.node ? "all" : "base");
      say(`hks dev up: starting the local stack${opts.node ? " and its node" : ""} in ${opts.dir}`);
      const info = await upStack(path.resolve(opts.dir), tools, say, { node: opts.node });
      const node = info.node ? `, node ${info.node.name}` : "";
      say(`hks dev up: ready. Kubernetes ${info.apiserverUrl}, S3 ${info.s3Endpoint}${node}.`);
      say(usageHint(path.resolve(opts.dir), defaultRunDir()));
    });
  dev
    .command("env")
    .description("print export lines for PATH (Node 24, pulumi, tools), KUBECONFIG, AWS_* and PULUMI_*")
    .option("--dir <path>", "run folder", defaultRunDir())
    .action(async (opts: { dir: string }) => {
      const info = readStack(path.resolve(opts.dir));
      if (!info) throw new Error(`no local stack in ${opts.dir}: start one with 'npx hks dev up'`);
      if (!(await stackHealthy(info)))
        process.stderr.write(
          `hks dev env: warning: the stack in ${opts.dir} is not healthy; restart it with 'npx hks dev up'\n`,
        );
      process.stdout.write(envExports(stackEnv(info)));
    });
  dev
    .command("down")
    .description(
      "delete the node's pods, stop the processes 'hks dev up' started and undo the node's changes to the " +
        "machine (logs are kept)",
    )
    .option("--dir <path>", "run folder", defaultRunDir())
    .action(async (opts: { dir: string }) => {
      await downStack(path.resolve(opts.dir), (s) => process.stderr.write(s + "\n"));
    });
  dev
    .command("sample-app")
    .description(
      "create a small sample application to back up (Deployment, StatefulSet with hook annotations, PVC, " +
        "Service, ConfigMap, Secret, RBAC)",
    )
    .argument("[namespace]", "namespace to create it in", "production")
    .action(async (namespace: string, _opts: unknown, cmd: Command) => {
      const r = await createSampleApp(kubeConfigFor(globalOptions(cmd)), namespace);
      process.stderr.write(
        `sample app in namespace ${namespace}: ${r.created} objects created, ${r.existing} already there\n`,
      );
    });
}
