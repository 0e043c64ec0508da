/**
 * Pure validation of a restore drill (from a drill file today; the same shape a `RestoreDrill`
 * resource will take): every problem is reported with its field path and the fix, before anything
 * is restored; the defaults are applied here, once.
 */
import { parseLabelSelector, SelectorError } from "../format/label-selector";
import type { DrillCheck, DrillSpec } from "../format/drill";
import { nameProblem } from "../store/layout";
import { Checker, type CheckFailure } from "./validate";

/** Defaults of a drill's optional fields. */
export const DRILL_DEFAULTS = {
  pick: "newest",
  windowDays: 7,
  namespacePrefix: "drill",
  restoreVolumes: true,
  volumeSource: "auto",
  deadlineSeconds: 600,
  keepOnFailure: false,
  checkTimeoutSeconds: 60,
  exitCode: 0,
  httpPath: "/",
  httpStatus: 200,
} as const;

/** Longest drill name and namespace prefix: `<prefix>-<random>-<source>` must leave room for the source. */
export const MAX_DRILL_NAME = 40;
export const MAX_NAMESPACE_PREFIX = 20;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

function str(c: Checker, field: string, v: unknown): string | undefined {
  if (!c.present(v)) return undefined;
  if (typeof v !== "string" || v === "") return (c.fail(field, "must be a non-empty string"), undefined);
  return v;
}

function name(c: Checker, field: string, v: unknown, max: number, what: string): string | undefined {
  const s = str(c, field, v);
  if (s === undefined) return undefined;
  if (s.length > max) return (c.fail(field, `${what} is ${s.length} characters long; the limit is ${max}`), undefined);
  const p = nameProblem(s);
  if (p) return (c.fail(field, `${what} ${p}`), undefined);
  return s;
}

function checkExec(c: Checker, f: string, v: unknown): DrillCheck["exec"] {
  if (!isObject(v)) return (c.fail(f, "must be a map: { pod or selector, command, expect }"), undefined);
  const pod = str(c, `${f}.pod`, v.pod);
  const selector = str(c, `${f}.selector`, v.selector);
  if (selector !== undefined) {
    try {
      parseLabelSelector(selector, `${f}.selector`);
    } catch (e) {
      if (e instanceof SelectorError) c.fail(e.field, e.reason);
      else throw e;
    }
  }
  if ((pod === undefined) === (selector === undefined))
    c.fail(f, 'needs exactly one of pod (e.g. "postgres-0") or selector (e.g. "app=postgres-db")');
  const command = v.command;
  if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== "string"))
    c.fail(`${f}.command`, 'must be a non-empty list of strings (argv), e.g. ["psql", "-c", "select 1"]');
  const expect = isObject(v.expect) ? v.expect : {};
  if (c.present(v.expect) && !isObject(v.expect)) c.fail(`${f}.expect`, "must be a map: { exitCode, stdout }");
  c.integer(`${f}.expect.exitCode`, expect.exitCode, 0, 255);
  const stdoutMatches = str(c, `${f}.expect.stdoutMatches`, expect.stdoutMatches);
  if (stdoutMatches !== undefined) {
    try {
      new RegExp(stdoutMatches);
    } catch (e) {
      c.fail(`${f}.expect.stdoutMatches`, `is not a regular expression: ${(e as Error).message}`);
    }
  }
  if (c.present(expect.stdout) && typeof expect.stdout !== "string")
    c.fail(`${f}.expect.stdout`, "must be a string (compared after trimming white space)");
  return {
    namespace: name(c, `${f}.namespace`, v.namespace, 63, "the namespace"),
    pod,
    selector,
    container: str(c, `${f}.container`, v.container),
    command: Array.isArray(command) ? (command as string[]) : [],
    expect: {
      exitCode: typeof expect.exitCode === "number" ? expect.exitCode : DRILL_DEFAULTS.exitCode,
      stdout: typeof expect.stdout === "string" ? expect.stdout : undefined,
      stdoutMatches,
    },
  };
}

function checkHttp(c: Checker, f: string, v: unknown): DrillCheck["http"] {
  if (!isObject(v)) return (c.fail(f, "must be a map: { service, port, path, expect }"), undefined);
  const service = name(c, `${f}.service`, v.service, 63, "the Service name");
  if (service === undefined && !c.present(v.service)) c.fail(`${f}.service`, "is required: the Service to call");
  const port = v.port;
  if (!(typeof port === "string" && port !== "") && !(typeof port === "number" && Number.isInteger(port)))
    c.fail(`${f}.port`, 'is required: the Service port\'s name or number, e.g. 80 or "http"');
  const path = str(c, `${f}.path`, v.path);
  if (path !== undefined && !path.startsWith("/"))
    c.fail(`${f}.path`, `must start with '/', got ${JSON.stringify(path)}`);
  const expect = isObject(v.expect) ? v.expect : {};
  c.integer(`${f}.expect.status`, expect.status, 100, 599);
  return {
    namespace: name(c, `${f}.namespace`, v.namespace, 63, "the namespace"),
    service: service ?? "",
    port: typeof port === "number" || typeof port === "string" ? port : "",
    path: path ?? DRILL_DEFAULTS.httpPath,
    expect: {
      status: typeof expect.status === "number" ? expect.status : DRILL_DEFAULTS.httpStatus,
      bodyContains: str(c, `${f}.expect.bodyContains`, expect.bodyContains),
    },
  };
}

function checkChecks(c: Checker, v: unknown): DrillCheck[] {
  if (!c.present(v)) return [];
  if (!Array.isArray(v))
    return (c.fail("checks", "must be a list of checks, each { name, exec } or { name, http }"), []);
  const seen = new Set<string>();
  return v.flatMap((raw, i): DrillCheck[] => {
    const f = `checks[${i}]`;
    if (!isObject(raw)) return (c.fail(f, "must be a map: { name, exec } or { name, http }"), []);
    const n = name(c, `${f}.name`, raw.name, 63, "the check's name");
    if (n === undefined && !c.present(raw.name)) c.fail(`${f}.name`, 'is required: a short name, e.g. "orders-count"');
    if (n !== undefined && seen.has(n)) c.fail(`${f}.name`, `"${n}" is used by an earlier check; names must differ`);
    if (n !== undefined) seen.add(n);
    if (c.present(raw.exec) === c.present(raw.http)) {
      c.fail(f, "needs exactly one of exec (a command in a pod) or http (a GET against a Service)");
      return [];
    }
    c.integer(`${f}.timeoutSeconds`, raw.timeoutSeconds, 1, 3600, "seconds");
    return [
      {
        name: n ?? "",
        exec: c.present(raw.exec) ? checkExec(c, `${f}.exec`, raw.exec) : undefined,
        http: c.present(raw.http) ? checkHttp(c, `${f}.http`, raw.http) : undefined,
        timeoutSeconds:
          typeof raw.timeoutSeconds === "number" ? raw.timeoutSeconds : DRILL_DEFAULTS.checkTimeoutSeconds,
      },
    ];
  });
}

const KNOWN_FIELDS = new Set([
  "name",
  "storageLocation",
  "plan",
  "backup",
  "pick",
  "windowDays",
  "namespacePrefix",
  "includeNamespaces",
  "restoreVolumes",
  "volumeSource",
  "checks",
  "deadlineSeconds",
  "keepOnFailure",
]);

/**
 * Validates a drill and applies its defaults. `spec` is set only when there are no failures.
 * @param raw the drill as written (a parsed drill file).
 */
export function checkDrill(raw: unknown): { spec?: DrillSpec; failures: CheckFailure[] } {
  const c = new Checker();
  if (!isObject(raw)) {
    c.fail("drill", "must be a map with at least name and plan (or backup)");
    return { failures: c.failures };
  }
  for (const k of Object.keys(raw))
    if (!KNOWN_FIELDS.has(k)) c.fail(k, `is not a drill field; the fields are ${[...KNOWN_FIELDS].join(", ")}`);
  const drillName = name(c, "name", raw.name, MAX_DRILL_NAME, "the drill's name");
  if (!c.present(raw.name)) c.fail("name", 'is required: the drill\'s name, e.g. "orders-db"');
  const plan = name(c, "plan", raw.plan, 253, "the plan name");
  const backupName = name(c, "backup", raw.backup, 253, "the backup name");
  if (
    (plan === undefined) === (backupName === undefined) &&
    !c.failures.some((f) => /^(plan|backup)$/.test(f.property))
  )
    c.fail(
      "plan",
      "needs exactly one of plan (restore its newest or a random Completed backup) or backup (one backup)",
    );
  const pickOk = c.oneOf("pick", raw.pick, ["newest", "random"] as const);
  if (raw.pick === "random" && backupName !== undefined) c.fail("pick", "applies to plan; backup names one backup");
  c.integer("windowDays", raw.windowDays, 1, 3660, "days");
  const prefix = name(c, "namespacePrefix", raw.namespacePrefix, MAX_NAMESPACE_PREFIX, "the prefix");
  if (prefix?.includes(".")) c.fail("namespacePrefix", `must not contain '.' (namespace names are DNS labels)`);
  const include = raw.includeNamespaces;
  if (c.present(include)) {
    if (!Array.isArray(include) || include.length === 0) c.fail("includeNamespaces", "must be a non-empty list");
    else include.forEach((ns, i) => c.dnsLabel(`includeNamespaces[${i}]`, ns, "a namespace"));
  }
  c.boolean("restoreVolumes", raw.restoreVolumes);
  const volumeSourceOk = c.oneOf("volumeSource", raw.volumeSource, ["auto", "snapshot", "volume-data"] as const);
  if (volumeSourceOk && raw.restoreVolumes === false)
    c.fail("volumeSource", "is set but restoreVolumes is false: set restoreVolumes: true, or remove volumeSource");
  c.boolean("keepOnFailure", raw.keepOnFailure);
  c.integer("deadlineSeconds", raw.deadlineSeconds, 10, 24 * 3600, "seconds");
  const checks = checkChecks(c, raw.checks);
  if (c.failures.length) return { failures: c.failures };
  return {
    failures: [],
    spec: {
      name: drillName!,
      storageLocation: str(c, "storageLocation", raw.storageLocation),
      plan,
      backupName,
      pick: pickOk ? (raw.pick as DrillSpec["pick"]) : DRILL_DEFAULTS.pick,
      windowDays: typeof raw.windowDays === "number" ? raw.windowDays : DRILL_DEFAULTS.windowDays,
      namespacePrefix: prefix ?? DRILL_DEFAULTS.namespacePrefix,
      includeNamespaces: Array.isArray(include) ? (include as string[]) : undefined,
      restoreVolumes: typeof raw.restoreVolumes === "boolean" ? raw.restoreVolumes : DRILL_DEFAULTS.restoreVolumes,
      volumeSource: volumeSourceOk ? (raw.volumeSource as DrillSpec["volumeSource"]) : DRILL_DEFAULTS.volumeSource,
      checks,
      deadlineSeconds: typeof raw.deadlineSeconds === "number" ? raw.deadlineSeconds : DRILL_DEFAULTS.deadlineSeconds,
      keepOnFailure: typeof raw.keepOnFailure === "boolean" ? raw.keepOnFailure : DRILL_DEFAULTS.keepOnFailure,
    },
  };
}
