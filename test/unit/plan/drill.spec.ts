import { describe, expect, it } from "vitest";
import { checkDrill, DRILL_DEFAULTS } from "../../../provider/plan/drill";

const ok = { name: "orders", plan: "nightly" };

describe("checkDrill", () => {
  it("applies every default", () => {
    expect(checkDrill(ok)).toEqual({
      failures: [],
      spec: {
        name: "orders",
        storageLocation: undefined,
        plan: "nightly",
        backupName: undefined,
        pick: "newest",
        windowDays: DRILL_DEFAULTS.windowDays,
        namespacePrefix: "drill",
        includeNamespaces: undefined,
        restoreVolumes: true,
        volumeSource: "auto",
        checks: [],
        deadlineSeconds: 600,
        keepOnFailure: false,
      },
    });
  });

  it("keeps volumeSource as written", () => {
    for (const v of ["auto", "snapshot", "volume-data"] as const)
      expect(checkDrill({ ...ok, volumeSource: v }).spec?.volumeSource).toBe(v);
  });

  it("keeps a full exec and http check with their defaults", () => {
    const { spec, failures } = checkDrill({
      ...ok,
      checks: [
        { name: "rows", exec: { pod: "postgres-0", command: ["psql", "-c", "select 1"], expect: { stdout: "1" } } },
        { name: "web", http: { service: "web", port: "http" }, timeoutSeconds: 5 },
      ],
    });
    expect(failures).toEqual([]);
    expect(spec!.checks).toEqual([
      {
        name: "rows",
        exec: {
          namespace: undefined,
          pod: "postgres-0",
          selector: undefined,
          container: undefined,
          command: ["psql", "-c", "select 1"],
          expect: { exitCode: 0, stdout: "1", stdoutMatches: undefined },
        },
        http: undefined,
        timeoutSeconds: 60,
      },
      {
        name: "web",
        exec: undefined,
        http: {
          namespace: undefined,
          service: "web",
          port: "http",
          path: "/",
          expect: { status: 200, bodyContains: undefined },
        },
        timeoutSeconds: 5,
      },
    ]);
  });

  it.each([
    { name: "not a map", raw: [], field: "drill", reason: /must be a map/ },
    { name: "no name", raw: { plan: "p" }, field: "name", reason: /is required/ },
    { name: "bad name", raw: { ...ok, name: "Orders" }, field: "name", reason: /DNS-1123/ },
    { name: "long name", raw: { ...ok, name: "a".repeat(41) }, field: "name", reason: /limit is 40/ },
    { name: "neither plan nor backup", raw: { name: "x" }, field: "plan", reason: /exactly one of plan/ },
    { name: "both plan and backup", raw: { ...ok, backup: "b" }, field: "plan", reason: /exactly one of plan/ },
    { name: "unknown field", raw: { ...ok, deadline: 5 }, field: "deadline", reason: /not a drill field/ },
    { name: "bad pick", raw: { ...ok, pick: "oldest" }, field: "pick", reason: /"newest", "random"/ },
    {
      name: "random with a backup",
      raw: { name: "x", backup: "b", pick: "random" },
      field: "pick",
      reason: /applies to plan/,
    },
    { name: "window 0", raw: { ...ok, windowDays: 0 }, field: "windowDays", reason: /from 1/ },
    {
      name: "prefix too long",
      raw: { ...ok, namespacePrefix: "p".repeat(21) },
      field: "namespacePrefix",
      reason: /limit is 20/,
    },
    { name: "prefix with a dot", raw: { ...ok, namespacePrefix: "a.b" }, field: "namespacePrefix", reason: /'\.'/ },
    {
      name: "empty includeNamespaces",
      raw: { ...ok, includeNamespaces: [] },
      field: "includeNamespaces",
      reason: /non-empty/,
    },
    {
      name: "bad namespace",
      raw: { ...ok, includeNamespaces: ["A"] },
      field: "includeNamespaces[0]",
      reason: /DNS-1123/,
    },
    {
      name: "restoreVolumes not boolean",
      raw: { ...ok, restoreVolumes: "yes" },
      field: "restoreVolumes",
      reason: /true or false/,
    },
    {
      name: "volumeSource unknown",
      raw: { ...ok, volumeSource: "copy" },
      field: "volumeSource",
      reason: /one of "auto", "snapshot", "volume-data", got "copy"/,
    },
    {
      name: "volumeSource without restoreVolumes",
      raw: { ...ok, restoreVolumes: false, volumeSource: "volume-data" },
      field: "volumeSource",
      reason: /restoreVolumes is false: set restoreVolumes: true, or remove volumeSource/,
    },
    { name: "deadline too short", raw: { ...ok, deadlineSeconds: 5 }, field: "deadlineSeconds", reason: /from 10/ },
    { name: "checks not a list", raw: { ...ok, checks: {} }, field: "checks", reason: /list of checks/ },
    {
      name: "check without name",
      raw: { ...ok, checks: [{ http: { service: "w", port: 80 } }] },
      field: "checks[0].name",
      reason: /is required/,
    },
    {
      name: "two checks with one name",
      raw: {
        ...ok,
        checks: [
          { name: "a", http: { service: "w", port: 80 } },
          { name: "a", http: { service: "w", port: 80 } },
        ],
      },
      field: "checks[1].name",
      reason: /used by an earlier check/,
    },
    {
      name: "check with both kinds",
      raw: { ...ok, checks: [{ name: "a", exec: {}, http: {} }] },
      field: "checks[0]",
      reason: /exactly one of exec/,
    },
    {
      name: "check with neither",
      raw: { ...ok, checks: [{ name: "a" }] },
      field: "checks[0]",
      reason: /exactly one of exec/,
    },
    {
      name: "exec without pod or selector",
      raw: { ...ok, checks: [{ name: "a", exec: { command: ["x"] } }] },
      field: "checks[0].exec",
      reason: /exactly one of pod/,
    },
    {
      name: "exec with empty command",
      raw: { ...ok, checks: [{ name: "a", exec: { pod: "p", command: [] } }] },
      field: "checks[0].exec.command",
      reason: /non-empty list/,
    },
    {
      name: "exec command a string",
      raw: { ...ok, checks: [{ name: "a", exec: { pod: "p", command: "psql" } }] },
      field: "checks[0].exec.command",
      reason: /argv/,
    },
    {
      name: "exec bad selector",
      raw: { ...ok, checks: [{ name: "a", exec: { selector: "a in", command: ["x"] } }] },
      field: "checks[0].exec.selector",
      reason: /not a label selector/,
    },
    {
      name: "exec bad regex",
      raw: { ...ok, checks: [{ name: "a", exec: { pod: "p", command: ["x"], expect: { stdoutMatches: "(" } } }] },
      field: "checks[0].exec.expect.stdoutMatches",
      reason: /not a regular expression/,
    },
    {
      name: "exec exit code 300",
      raw: { ...ok, checks: [{ name: "a", exec: { pod: "p", command: ["x"], expect: { exitCode: 300 } } }] },
      field: "checks[0].exec.expect.exitCode",
      reason: /0 to 255/,
    },
    {
      name: "http without port",
      raw: { ...ok, checks: [{ name: "a", http: { service: "w" } }] },
      field: "checks[0].http.port",
      reason: /is required/,
    },
    {
      name: "http without service",
      raw: { ...ok, checks: [{ name: "a", http: { port: 80 } }] },
      field: "checks[0].http.service",
      reason: /is required/,
    },
    {
      name: "http relative path",
      raw: { ...ok, checks: [{ name: "a", http: { service: "w", port: 80, path: "health" } }] },
      field: "checks[0].http.path",
      reason: /start with '\/'/,
    },
    {
      name: "http status 42",
      raw: { ...ok, checks: [{ name: "a", http: { service: "w", port: 80, expect: { status: 42 } } }] },
      field: "checks[0].http.expect.status",
      reason: /100 to 599/,
    },
    {
      name: "check timeout 0",
      raw: { ...ok, checks: [{ name: "a", http: { service: "w", port: 80 }, timeoutSeconds: 0 }] },
      field: "checks[0].timeoutSeconds",
      reason: /from 1/,
    },
  ])("$name: fails on $field", ({ raw, field, reason }) => {
    const { spec, failures } = checkDrill(raw);
    expect(spec).toBeUndefined();
    const f = failures.find((x) => x.property === field);
    expect(f, JSON.stringify(failures)).toBeDefined();
    expect(f!.reason).toMatch(reason);
  });
});
