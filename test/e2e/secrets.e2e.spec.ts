/**
 * Secrets never appear in plain text: after `pulumi up` of a program that uses S3 keys, an age
 * identity, a plan, a backup and an encrypted restore, search for the actual values in the exported
 * state, every ConfigMap, CronJob and Job in the cluster, the Pulumi output, and the CLI's output.
 */
import * as k8s from "@kubernetes/client-node";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { stackEnv } from "../../cli/dev/stack";
import { createSampleApp } from "../../cli/dev/sample-app";
import { generateIdentity } from "../../provider/engine/archive/encrypt";
import { pulumiProject } from "../support/pulumi";

const stack = inject("stack");
const ROOT = path.resolve(__dirname, "../..");

function hks(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, "bin", "hks.js"), ...args],
      { env: { ...process.env, ...stackEnv(stack) } },
      (_e, out, err) => resolve(out + err),
    );
  });
}

describe("secrets stay secret", () => {
  it(
    "keys and the age identity are absent from state, cluster objects other than Secrets, and " + "all output",
    async () => {
      const ns = `sec-${crypto.randomBytes(3).toString("hex")}`;
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(stack.kubeconfig);
      await createSampleApp(kc, ns);
      const { identity, recipient } = await generateIdentity();
      const p = await pulumiProject(path.join(ROOT, "test", "fixtures", "programs", "secrets"));
      try {
        await p.setConfig("bucket", `${ns}-bucket`);
        await p.setConfig("s3Endpoint", stack.s3Endpoint);
        await p.setConfig("namespace", ns);
        await p.setConfig("ageRecipient", recipient);
        await p.setConfig("s3AccessKeyId", stack.s3AccessKeyId, true);
        await p.setConfig("s3SecretAccessKey", stack.s3SecretAccessKey, true);
        await p.setConfig("ageIdentity", identity, true);
        const up = await p.up();
        expect((await p.outputs()).restorePhase).toBe("Completed");
        const preview = await p.preview();
        const state = JSON.stringify(await p.exportState());

        const core = kc.makeApiClient(k8s.CoreV1Api);
        const batch = kc.makeApiClient(k8s.BatchV1Api);
        const cluster = JSON.stringify([
          (await core.listConfigMapForAllNamespaces()).items,
          (await batch.listCronJobForAllNamespaces()).items,
          (await batch.listJobForAllNamespaces()).items,
        ]);
        const cli = (await hks(["backup", "list"])) + (await hks(["backup", "list", "-o", "json"]));
        const haystacks = {
          state,
          cluster,
          "pulumi up output": up.stdout + up.stderr,
          "preview output": preview.stdout + preview.stderr,
          "CLI output": cli,
        };
        // The location's identity is used, so the encrypted restore proves the secret reached the provider.
        for (const [where, text] of Object.entries(haystacks)) {
          expect(text.includes(stack.s3SecretAccessKey), `S3 secret key in ${where}`).toBe(false);
          expect(text.includes(identity), `age identity in ${where}`).toBe(false);
        }
        expect(state.length).toBeGreaterThan(1000); // the search ran over a real state
        expect(cluster).toContain(recipient); // public keys are recorded: only private material is hidden
        await p.destroy();
      } finally {
        await p.dispose();
      }
    },
  );
});
