/**
 * Hooks with an injected executor: every outcome (success, non-zero exit, timeout, exec error) and
 * what it means under onError Fail/Continue, pre vs post, plan vs pod: the pure rules, each outcome
 * made on demand. The same outcomes in real containers on the local node (exec through the API
 * server and the kubelet) are in test/integration/node-hooks.integ.spec.ts.
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HOOK_TIMEOUT_MS,
  parseDuration,
  parseHookCommand,
  podHookFromAnnotations,
  type PlanHook,
  type PodSummary,
} from "../../../../provider/format/hook-annotations";
import { mergeHookResults, runHook, runPlanHooks, runPodHooks } from "../../../../provider/engine/hooks/hooks";
import { HookError } from "../../../../provider/errors";
import { ExecTimeoutError, type ExecRequest, type ExecResult, type PodExecutor } from "../../../../provider/kube/exec";

const pod = (name: string, annotations: Record<string, string> = {}, pvcs: string[] = []): PodSummary => ({
  namespace: "prod",
  name,
  containers: ["postgres", "sidecar"],
  annotations,
  pvcs,
});

/** An executor scripted per pod: returns an exit code, times out, or fails to start. */
function scripted(
  behaviour: Record<string, number | "timeout" | "unreachable">,
): PodExecutor & { calls: ExecRequest[] } {
  const calls: ExecRequest[] = [];
  return {
    calls,
    async exec(req): Promise<ExecResult> {
      calls.push(req);
      const b = behaviour[req.pod] ?? 0;
      if (b === "timeout") throw new ExecTimeoutError(req.timeoutMs, `exec in ${req.namespace}/${req.pod}`);
      if (b === "unreachable")
        throw new HookError(`exec in ${req.namespace}/${req.pod}: the exec request failed: pod is not running`);
      return { exitCode: b, stdout: "out", stderr: b ? "line1\nERROR: could not checkpoint\n" : "" };
    },
  };
}

let t = 0;
const clock = () => (t += 5);

describe("hook annotations (the seed's contract)", () => {
  it("reads the seed's example", () => {
    const { hook } = podHookFromAnnotations(
      pod("postgres-pod", {
        "pre.hook.backup.hks.io/container": "postgres",
        "pre.hook.backup.hks.io/command": `["/bin/psql", "-c", "CHECKPOINT; SELECT pg_start_backup('hks-backup');"]`,
      }),
      "pre",
    );
    expect(hook).toEqual({
      phase: "pre",
      scope: "pod",
      namespace: "prod",
      pod: "postgres-pod",
      container: "postgres",
      command: ["/bin/psql", "-c", "CHECKPOINT; SELECT pg_start_backup('hks-backup');"],
      timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
      onError: "Fail",
    });
  });
  it("defaults the container to the first one; reads timeout and on-error; a plain string is one argument", () => {
    const { hook } = podHookFromAnnotations(
      pod("p", {
        "post.hook.backup.hks.io/command": "/usr/bin/thaw",
        "post.hook.backup.hks.io/timeout": "1m30s",
        "post.hook.backup.hks.io/on-error": "Continue",
      }),
      "post",
    );
    expect(hook).toMatchObject({
      phase: "post",
      container: "postgres",
      command: ["/usr/bin/thaw"],
      timeoutMs: 90_000,
      onError: "Continue",
    });
    expect(podHookFromAnnotations(pod("p", { "post.hook.backup.hks.io/command": "x" }), "pre")).toEqual({});
  });
  it.each([
    {
      name: "container without command",
      a: { "pre.hook.backup.hks.io/container": "postgres" },
      why: "pre.hook.backup.hks.io/container is set but pre.hook.backup.hks.io/command is missing",
    },
    {
      name: "timeout without command",
      a: { "pre.hook.backup.hks.io/timeout": "2m" },
      why: "pre.hook.backup.hks.io/timeout is set but pre.hook.backup.hks.io/command is missing",
    },
    {
      name: "a misspelt annotation (not ignored)",
      a: { "pre.hook.backup.hks.io/comand": `["sync"]` },
      why: "pre.hook.backup.hks.io/comand is not a hook annotation (did you mean pre.hook.backup.hks.io/command?)",
    },
    {
      name: "a misspelt container annotation",
      a: { "pre.hook.backup.hks.io/command": "x", "pre.hook.backup.hks.io/containr": "postgres" },
      why: "pre.hook.backup.hks.io/containr is not a hook annotation (did you mean pre.hook.backup.hks.io/container?)",
    },
    {
      name: "an unknown annotation next to a valid hook",
      a: { "pre.hook.backup.hks.io/command": "x", "pre.hook.backup.hks.io/retries": "3" },
      why: "pre.hook.backup.hks.io/retries is not a hook annotation; known: pre.hook.backup.hks.io/command,",
    },
    {
      name: "broken JSON",
      a: { "pre.hook.backup.hks.io/command": `["a",` },
      why: "pre.hook.backup.hks.io/command is not a valid JSON array",
    },
    {
      name: "a \\' escape (not JSON)",
      a: { "pre.hook.backup.hks.io/command": `["/bin/psql", "-c", "SELECT pg_start_backup(\\'hks\\');"]` },
      why: `JSON has no \\' escape: write a single quote inside "..." as it is`,
    },
    {
      name: "JSON that is not argv",
      a: { "pre.hook.backup.hks.io/command": `[1, 2]` },
      why: "must be a non-empty JSON array of strings",
    },
    {
      name: "unknown container",
      a: { "pre.hook.backup.hks.io/command": "x", "pre.hook.backup.hks.io/container": "mysql" },
      why: `"mysql" is not a container of the pod (it has: postgres, sidecar)`,
    },
    {
      name: "bad timeout",
      a: { "pre.hook.backup.hks.io/command": "x", "pre.hook.backup.hks.io/timeout": "soon" },
      why: `timeout "soon" is not a duration`,
    },
    {
      name: "bad on-error",
      a: { "pre.hook.backup.hks.io/command": "x", "pre.hook.backup.hks.io/on-error": "Ignore" },
      why: `on-error "Ignore" must be "Fail" or "Continue"`,
    },
  ])("reports $name", ({ a, why }) => {
    expect(podHookFromAnnotations(pod("p", a as unknown as Record<string, string>), "pre").error).toContain(why);
  });
  it.each([
    ["30s", 30_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["45", 45_000],
    ["1.5s", 1500],
    ["abc", undefined],
    ["10x", undefined],
  ] as const)("parses duration %s", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it("parses commands", () => {
    expect(parseHookCommand(`["sh","-c","a b"]`)).toEqual(["sh", "-c", "a b"]);
    expect(() => parseHookCommand("  ")).toThrow(/is empty/);
  });
});

describe("runHook outcomes", () => {
  const spec = {
    phase: "pre" as const,
    scope: "pod" as const,
    namespace: "prod",
    container: "postgres",
    command: ["x"],
    timeoutMs: 1000,
    onError: "Fail" as const,
  };
  it.each([
    { name: "success", b: 0, outcome: "Succeeded", exitCode: 0, error: undefined },
    {
      name: "non-zero exit, with the stderr tail",
      b: 3,
      outcome: "Failed",
      exitCode: 3,
      error: "exit code 3: line1 | ERROR: could not checkpoint",
    },
    {
      name: "timeout",
      b: "timeout" as const,
      outcome: "TimedOut",
      exitCode: undefined,
      error: "HookError: exec in prod/p: no result within 1s (timeout); the command was abandoned",
    },
    {
      name: "exec could not start",
      b: "unreachable" as const,
      outcome: "Failed",
      exitCode: undefined,
      error: "HookError: exec in prod/p: the exec request failed: pod is not running",
    },
  ])("$name", async ({ b, outcome, exitCode, error }) => {
    const rec = await runHook(scripted({ p: b }), { ...spec, pod: "p" }, clock);
    const { timeoutMs: _t, ...recorded } = spec;
    expect(rec).toEqual({
      ...recorded,
      pod: "p",
      command: ["x"],
      outcome,
      durationMs: 5,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(error ? { error } : {}),
    });
  });
});

describe("pod hooks: what failures mean", () => {
  const pods = [
    pod("ok", { "pre.hook.backup.hks.io/command": "ok", "post.hook.backup.hks.io/command": "thaw" }, ["ok-data"]),
    pod("fails", { "pre.hook.backup.hks.io/command": "x" }, ["fails-data"]),
    pod("slow", {
      "pre.hook.backup.hks.io/command": "x",
      "pre.hook.backup.hks.io/on-error": "Continue",
      "pre.hook.backup.hks.io/timeout": "2s",
    }),
    pod("down", { "pre.hook.backup.hks.io/command": "x" }),
    pod("typo", { "pre.hook.backup.hks.io/command": "[", "pre.hook.backup.hks.io/on-error": "Continue" }),
    pod("none"),
  ];
  const exec = scripted({ fails: 1, slow: "timeout", down: "unreachable" });

  it(
    "pre: Fail → error, Continue → warning; every failed pod is marked (its volumes are not " + "snapshotted)",
    async () => {
      const r = await runPodHooks("pre", pods, exec, clock);
      expect(exec.calls.map((c) => [c.pod, c.timeoutMs])).toEqual([
        ["ok", 30_000],
        ["fails", 30_000],
        ["slow", 2000],
        ["down", 30_000],
      ]);
      expect(r.records.map((x) => [x.pod, x.outcome])).toEqual([
        ["typo", "Failed"],
        ["ok", "Succeeded"],
        ["fails", "Failed"],
        ["slow", "TimedOut"],
        ["down", "Failed"],
      ]);
      expect(r.errors.map((e) => e.item)).toEqual(["hook/pre/prod/fails", "hook/pre/prod/down"]);
      expect(r.warnings).toEqual([
        expect.stringMatching(
          /^pre hook in prod\/typo container \? failed: invalid hook annotations: .*\(onError: Continue\)$/,
        ),
        expect.stringMatching(/^pre hook in prod\/slow container postgres timed out: .*\(onError: Continue\)$/),
      ]);
      expect([...r.failedPods].sort()).toEqual(["prod/down", "prod/fails", "prod/slow", "prod/typo"]);
      expect(r.fatal).toBeUndefined();
    },
  );

  it("post: failures are errors or warnings, never mark pods", async () => {
    const r = await runPodHooks(
      "post",
      [pod("p", { "post.hook.backup.hks.io/command": "x" })],
      scripted({ p: 2 }),
      clock,
    );
    expect(r.errors).toEqual([
      {
        item: "hook/post/prod/p",
        reason: "post hook in prod/p container postgres failed: exit code 2: line1 | ERROR: could not checkpoint",
      },
    ]);
    expect(r.failedPods.size).toBe(0);
  });
});

describe("plan-level hooks", () => {
  const freeze: PlanHook = {
    name: "freeze",
    selector: "app=db",
    container: "postgres",
    command: ["fsfreeze", "-f", "/data"],
    timeoutSeconds: 5,
  };
  const finder = (pods: PodSummary[]) => async () => pods;

  it("a failed pre hook with onError Fail is fatal (the backup fails)", async () => {
    const r = await runPlanHooks("pre", [freeze], finder([pod("a"), pod("b")]), scripted({ b: 1 }), clock);
    expect(r.records.map((x) => [x.pod, x.scope, x.outcome])).toEqual([
      ["a", "plan", "Succeeded"],
      ["b", "plan", "Failed"],
    ]);
    expect(r.fatal).toBe("freeze failed in prod/b: exit code 1: line1 | ERROR: could not checkpoint");
  });
  it("with Continue it is a warning and not fatal; a post hook failure is never fatal", async () => {
    const pre = await runPlanHooks(
      "pre",
      [{ ...freeze, onError: "Continue" }],
      finder([pod("b")]),
      scripted({ b: "timeout" }),
      clock,
    );
    expect(pre.fatal).toBeUndefined();
    expect(pre.warnings).toHaveLength(1);
    const post = await runPlanHooks("post", [freeze], finder([pod("b")]), scripted({ b: 1 }), clock);
    expect(post.fatal).toBeUndefined();
    expect(post.errors).toHaveLength(1);
  });
  it("uses the hook's timeout; warns when no pod matches; a pod lookup failure is fatal for Fail", async () => {
    const exec = scripted({});
    await runPlanHooks("pre", [freeze], finder([pod("a")]), exec, clock);
    expect(exec.calls[0]).toMatchObject({
      pod: "a",
      container: "postgres",
      command: ["fsfreeze", "-f", "/data"],
      timeoutMs: 5000,
    });
    const none = await runPlanHooks("pre", [freeze], finder([]), exec, clock);
    expect(none.warnings).toEqual([`freeze: no pod matches selector "app=db"; nothing ran`]);
    const broken = await runPlanHooks(
      "pre",
      [freeze],
      async () => {
        throw new Error("HTTP 403");
      },
      exec,
      clock,
    );
    expect(broken.fatal).toMatch(/freeze: finding its pods \(selector "app=db"\) failed: HTTP 403/);
  });
  it("merges stage results in order", () => {
    const a = { records: [], errors: [{ item: "a", reason: "r" }], warnings: ["w1"], failedPods: new Set(["x"]) };
    const b = { records: [], errors: [], warnings: ["w2"], failedPods: new Set(["y"]), fatal: "f" };
    expect(mergeHookResults(a, b)).toEqual({
      records: [],
      errors: [{ item: "a", reason: "r" }],
      warnings: ["w1", "w2"],
      failedPods: new Set(["x", "y"]),
      fatal: "f",
    });
  });
});
