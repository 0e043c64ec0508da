/**
 * The real executor (client-node Exec) over an injected websocket layer: how the exec API's final
 * status becomes an exit code, output is captured and bounded, and a silent command times out.
 */
import { EventEmitter } from "node:events";
import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { exitCodeOf, ExecTimeoutError, kubeExecutor, MAX_OUTPUT_BYTES } from "../../../provider/kube/exec";

const kc = new k8s.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: "c", server: "https://127.0.0.1:1", skipTLSVerify: true }],
  users: [{ name: "u", token: "t" }],
  contexts: [{ name: "x", cluster: "c", user: "u" }],
  currentContext: "x",
});

/** A fake websocket layer: plays `frames` (stream number, payload) and then closes, unless `hang`. */
function fakeWs(frames: [number, string][], opts: { hang?: boolean } = {}) {
  const paths: string[] = [];
  return {
    paths,
    connect: async (path: string, _text: unknown, binary: ((stream: number, buff: Buffer) => boolean) | null) => {
      paths.push(path);
      const ws = Object.assign(new EventEmitter(), { close: () => ws.emit("close") });
      setTimeout(() => {
        for (const [n, s] of frames) binary?.(n, Buffer.from(s));
        if (!opts.hang) ws.emit("close");
      }, 5);
      return ws as never;
    },
  };
}

const req = {
  namespace: "prod",
  pod: "db",
  container: "postgres",
  command: ["/bin/sh", "-c", "echo hi"],
  timeoutMs: 2000,
};

describe("kubeExecutor", () => {
  it("runs the command in the named container and returns exit 0 with output", async () => {
    const ws = fakeWs([
      [1, "hi\n"],
      [3, JSON.stringify({ status: "Success" })],
    ]);
    const res = await kubeExecutor(kc, ws).exec(req);
    expect(res).toEqual({ exitCode: 0, stdout: "hi\n", stderr: "" });
    expect(ws.paths[0]).toBe(
      "/api/v1/namespaces/prod/pods/db/exec?stdout=true&stderr=true&stdin=false&tty=false" +
        "&command=%2Fbin%2Fsh&command=-c&command=echo%20hi&container=postgres",
    );
  });
  it("reads a non-zero exit code from the NonZeroExitCode status", async () => {
    const status = {
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "42" }] },
    };
    const res = await kubeExecutor(
      kc,
      fakeWs([
        [2, "boom"],
        [3, JSON.stringify(status)],
      ]),
    ).exec(req);
    expect(res).toEqual({ exitCode: 42, stdout: "", stderr: "boom" });
  });
  it("fails when the server reports an error status, or closes without one", async () => {
    await expect(
      kubeExecutor(
        kc,
        fakeWs([[3, JSON.stringify({ status: "Failure", message: 'container not found ("postgres")' })]]),
      ).exec(req),
    ).rejects.toThrow(/exec in prod\/db container postgres: container not found/);
    await expect(kubeExecutor(kc, fakeWs([])).exec(req)).rejects.toThrow(/closed without an exit status/);
  });
  it("abandons a command that does not finish within its timeout", async () => {
    const err = await kubeExecutor(kc, fakeWs([[1, "still running"]], { hang: true }))
      .exec({ ...req, timeoutMs: 50 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ExecTimeoutError);
    expect(err.message).toBe(
      "HookError: exec in prod/db container postgres: no result within 0.05s (timeout); the command was abandoned",
    );
  });
  it("keeps only the tail of long output", async () => {
    const res = await kubeExecutor(
      kc,
      fakeWs([
        [1, "x".repeat(MAX_OUTPUT_BYTES * 3) + "END"],
        [3, JSON.stringify({ status: "Success" })],
      ]),
    ).exec(req);
    expect(res.stdout).toHaveLength(MAX_OUTPUT_BYTES);
    expect(res.stdout.endsWith("END")).toBe(true);
  });
  it("maps statuses to exit codes", () => {
    expect(exitCodeOf({ status: "Success" })).toBe(0);
    expect(
      exitCodeOf({
        status: "Failure",
        reason: "NonZeroExitCode",
        details: { causes: [{ reason: "ExitCode", message: "7" }] },
      }),
    ).toBe(7);
    expect(exitCodeOf({ status: "Failure", reason: "InternalError" })).toBeUndefined();
  });
});
