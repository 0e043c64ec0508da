import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { onFreshPorts } from "../../../../cli/dev/stack";
import { SILENT_EXIT_TEXT, spawnProcess, stackProcessEnv, waitHealthy } from "../../../../cli/dev/stack-process";

describe("stackProcessEnv", () => {
  it("drops another stack's KUBECONFIG and AWS_* (csi-provisioner prefers KUBECONFIG to --kubeconfig)", () => {
    const env = stackProcessEnv(
      { PATH: "/usr/bin", HOME: "/root", KUBECONFIG: "/a/kubeconfig", AWS_ENDPOINT_URL: "http://a", AWS_REGION: "x" },
      { MINIO_ROOT_USER: "u" },
    );
    expect(env).toEqual({ PATH: "/usr/bin", HOME: "/root", MINIO_ROOT_USER: "u" });
  });

  it("keeps a variable the process sets itself, even one of those names", () => {
    expect(stackProcessEnv({ KUBECONFIG: "/a" }, { KUBECONFIG: "/b" })).toEqual({ KUBECONFIG: "/b" });
  });
});

describe("waitHealthy", () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "hks-stack-process-"));
  fs.mkdirSync(path.join(runDir, "logs"));
  afterAll(() => fs.rmSync(runDir, { recursive: true, force: true }));
  // Nothing listens on port 1: the probe fails until the process is gone.
  const health = { url: "http://127.0.0.1:1/health", timeoutMs: 20_000 };

  it("reports a process that ended on its own with its exit code and its last lines", async () => {
    const p = spawnProcess(runDir, "fails", {
      bin: "/bin/sh",
      args: ["-c", "echo bad flag >&2; exit 3"],
      port: 1,
      health,
    });
    const err = (await waitHealthy(runDir, "fails", p).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(
      /^fails exited during start-up \(exit code 3\); last lines of .*fails\.log:\nbad flag$/,
    );
    expect(err.message).not.toContain(SILENT_EXIT_TEXT);
  });

  it("reports a process killed before it printed anything as such, which onFreshPorts starts again", async () => {
    let attempts = 0;
    const err = (await onFreshPorts(1, async () => {
      attempts++;
      const p = spawnProcess(runDir, `killed-${attempts}`, {
        bin: "/bin/sh",
        args: ["-c", "kill -9 $$"],
        port: 1,
        health,
      });
      await waitHealthy(runDir, `killed-${attempts}`, p);
    }).catch((e: Error) => e)) as Error;
    expect(err.message).toBe(`killed-3 exited during start-up (killed by SIGKILL) ${SILENT_EXIT_TEXT}`);
    expect(attempts).toBe(3);
  });
});
