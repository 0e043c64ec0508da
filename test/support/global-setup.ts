/**
 * Starts the real local stack once per test run and stops it at the end. When `HKS_DEV_DIR` names a
 * running stack (`npx hks dev up`), that one is reused and left running.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TestProject } from "vitest/node";
import {
  downStack,
  installPulumiPlugins,
  readStack,
  stackEnv,
  stackHealthy,
  upStack,
  type StackInfo,
} from "../../cli/dev/stack";
import { ensureTools } from "../../cli/dev/tools";
import { keepOnlyLogs, removeTestTmp, useTestTmp } from "./test-tmp";

declare module "vitest" {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (s: string) => process.stderr.write(`[stack] ${s}\n`);
  // Pulumi's dynamic provider loads "hks-backup/provider" by package name (see scripts/link-self.js).
  require("../../scripts/link-self.js");
  let info: StackInfo | undefined;
  let owned = false;
  const given = process.env.HKS_DEV_DIR;
  if (given) {
    const existing = readStack(given);
    if (existing && (await stackHealthy(existing))) {
      info = existing;
      log(`reusing the stack in ${given}`);
      // A stack started before the Kubernetes provider plugin was built gets it now.
      installPulumiPlugins(info, ensureTools("base"), log);
    } else {
      throw new Error(`HKS_DEV_DIR=${given} names no healthy stack: run 'npx hks dev up' there, or unset HKS_DEV_DIR`);
    }
  }
  if (!info) {
    const tools = ensureTools();
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-test-"));
    log(`starting etcd, kube-apiserver, kube-controller-manager, MinIO and a node in ${runDir}`);
    info = await upStack(runDir, tools, log, { node: true });
    owned = true;
  }
  Object.assign(process.env, stackEnv(info));
  project.provide("stack", info);
  const testTmp = useTestTmp();
  return async () => {
    if (owned && info) {
      await downStack(info.runDir, log);
      keepOnlyLogs(info.runDir);
    }
    const kept = removeTestTmp(testTmp);
    if (kept.length) log(`the tests' temp files are removed; ${kept.length} other stacks' logs kept in ${testTmp}`);
  };
}
