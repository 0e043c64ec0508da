/** `hks dev up | env | down`: the embedded local environment (see ./stack.ts). */
import type { Command } from "commander";
import { lazyAction } from "../lazy";
import { defaultRunDir } from "./run-dir";

const actions = () => import("./actions.js");

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
    .action(lazyAction(actions, "upAction"));
  dev
    .command("env")
    .description("print export lines for PATH (Node 24, pulumi, tools), KUBECONFIG, AWS_* and PULUMI_*")
    .option("--dir <path>", "run folder", defaultRunDir())
    .action(lazyAction(actions, "envAction"));
  dev
    .command("down")
    .description(
      "delete the node's pods, stop the processes 'hks dev up' started and undo the node's changes to the " +
        "machine (logs are kept)",
    )
    .option("--dir <path>", "run folder", defaultRunDir())
    .action(lazyAction(actions, "downAction"));
  dev
    .command("sample-app")
    .description(
      "create a small sample application to back up (Deployment, StatefulSet with hook annotations, PVC, " +
        "Service, ConfigMap, Secret, RBAC)",
    )
    .argument("[namespace]", "namespace to create it in", "production")
    .action(lazyAction(actions, "sampleAppAction"));
}
