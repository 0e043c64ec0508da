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

export function registerDevCommands(program: Command): void {
  const dev = program
    .command("dev")
    .description("the embedded local environment: etcd, kube-apiserver, kube-controller-manager, MinIO, Pulumi CLI");
  dev
    .command("up")
    .description("build missing tools, start the stack on free loopback ports, print how to use it")
    .option("--dir <path>", "run folder (state, logs, kubeconfig)", defaultRunDir())
    .action(async (opts: { dir: string }) => {
      const say = (s: string) => process.stderr.write(s + "\n");
      say("hks dev up: checking tools (a cold build takes 20-40 minutes; later runs skip it)");
      const tools = ensureTools();
      say(`hks dev up: starting the local stack in ${opts.dir}`);
      const info = await upStack(path.resolve(opts.dir), tools, say);
      say(`hks dev up: ready. Kubernetes ${info.apiserverUrl}, S3 ${info.s3Endpoint}.`);
      say(`  use it in this shell:  eval "$(npx hks dev env)"     stop it:  npx hks dev down`);
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
    .description("stop the processes 'hks dev up' started (logs are kept)")
    .option("--dir <path>", "run folder", defaultRunDir())
    .action(async (opts: { dir: string }) => {
      await downStack(path.resolve(opts.dir), (s) => process.stderr.write(s + "\n"));
    });
  dev
    .command("sample-app")
    .description(
      "create a small sample application to back up (Deployment, StatefulSet with hook annotations, PVC, Service, ConfigMap, Secret, RBAC)",
    )
    .argument("[namespace]", "namespace to create it in", "production")
    .action(async (namespace: string, _opts: unknown, cmd: Command) => {
      const r = await createSampleApp(kubeConfigFor(globalOptions(cmd)), namespace);
      process.stderr.write(
        `sample app in namespace ${namespace}: ${r.created} objects created, ${r.existing} already there\n`,
      );
    });
}
