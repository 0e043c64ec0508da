/**
 * The hks-backup policy rules, as pure functions over resource inputs, so they are unit-tested
 * without starting a policy pack. `policy/pack/index.js` wraps them in a CrossGuard PolicyPack.
 * Resources are matched on their type token (`pulumi-nodejs:dynamic/hks:<Kind>`) and, for SDKs that
 * predate module tokens, on the `resourceKind` input every hks resource carries.
 */
import type { RetentionPolicy } from "../provider/format/retention";
import { minIntervalSeconds, validateCron, validateTimeZone } from "../provider/format/schedule";

/** A resource as CrossGuard shows it to a rule. */
export interface PolicyResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

export type EnforcementLevel = "advisory" | "mandatory" | "disabled";

/** One rule: metadata for the pack, defaults for its config, and the check itself. */
export interface RuleDefinition<C> {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  /** Config defaults; a pack config file (`--policy-pack-config`) overrides them per key. */
  readonly defaults: C;
  /** JSON schema of the config, for CrossGuard. */
  readonly configSchema: Record<string, unknown>;
  /** Resource rule: the violations of one resource (empty when it complies). */
  readonly validateResource?: (r: PolicyResource, config: C) => string[];
  /** Stack rule: violations found across resources, each with the resource it concerns. */
  readonly validateStack?: (
    resources: readonly PolicyResource[],
    config: C,
  ) => { resource: PolicyResource; message: string }[];
}

export type HksKind = "BackupStorageLocation" | "BackupPlan" | "Backup" | "Restore" | "RestoreDrill";

/** The hks kind of a resource, or undefined for other resources. */
export function kindOf(r: PolicyResource): HksKind | undefined {
  const m = /^pulumi-nodejs:dynamic\/hks:(\w+)$/.exec(r.type);
  const k =
    m?.[1] ?? (r.type.startsWith("pulumi-nodejs:dynamic") ? (r.props.resourceKind as string | undefined) : undefined);
  return k === "BackupStorageLocation" ||
    k === "BackupPlan" ||
    k === "Backup" ||
    k === "Restore" ||
    k === "RestoreDrill"
    ? k
    : undefined;
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** Shell-style glob (`*`, `?`) to a RegExp. */
function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
}

const locationEncryption: RuleDefinition<{ allowServerSideEncryption: boolean }> = {
  name: "hks-location-encryption",
  description:
    "Every storage location encrypts backups: client-side (encryption.recipients) or, for object storage, server-side.",
  enforcementLevel: "mandatory",
  defaults: { allowServerSideEncryption: true },
  configSchema: { properties: { allowServerSideEncryption: { type: "boolean" } } },
  validateResource(r, c) {
    if (kindOf(r) !== "BackupStorageLocation" || r.props.accessMode === "ReadOnly") return [];
    const recipients = obj(r.props.encryption).recipients;
    if (Array.isArray(recipients) && recipients.length > 0) return [];
    if (c.allowServerSideEncryption && r.props.serverSideEncryption && r.props.objectStorage) return [];
    return [
      `location "${r.name}" stores backups unencrypted: set encryption.recipients to age public ` +
        `keys${c.allowServerSideEncryption ? " (or serverSideEncryption for object storage)" : ""}`,
    ];
  },
};

/** The smallest count the policy accepts per retention rule. */
type RetentionMinimums = Omit<RetentionPolicy, "keepFailed">;
const retentionMinimum: RuleDefinition<RetentionMinimums> = {
  name: "hks-retention-minimum",
  description: "Backup plans keep at least the configured number of backups per period (default: 7 daily).",
  enforcementLevel: "mandatory",
  defaults: { daily: 7 },
  configSchema: {
    properties: Object.fromEntries(
      ["last", "hourly", "daily", "weekly", "monthly", "yearly"].map((k) => [k, { type: "integer", minimum: 0 }]),
    ),
  },
  validateResource(r, c) {
    if (kindOf(r) !== "BackupPlan") return [];
    const retention = obj(r.props.retention);
    const out: string[] = [];
    for (const [key, min] of Object.entries(c)) {
      if (typeof min !== "number" || min <= 0) continue;
      const v = retention[key];
      if (v === undefined && r.props.retention === undefined) continue; // unknown during preview
      const n = typeof v === "number" ? v : 0;
      if (n < min)
        out.push(
          `plan "${r.name}" keeps ${n} ${key} backup(s); policy requires at least ${min}: set retention.${key}: ${min}`,
        );
    }
    return out;
  },
};

const schedulePolicy: RuleDefinition<{ minIntervalMinutes: number }> = {
  name: "hks-schedule",
  description:
    "Plan schedules are valid cron expressions and run no more often than the configured minimum interval " +
    "(default 60 minutes).",
  enforcementLevel: "mandatory",
  defaults: { minIntervalMinutes: 60 },
  configSchema: { properties: { minIntervalMinutes: { type: "integer", minimum: 1 } } },
  validateResource(r, c) {
    if (kindOf(r) !== "BackupPlan") return [];
    const schedule = obj(r.props.schedule);
    const cron = str(schedule.cron);
    if (cron === undefined) return [];
    try {
      const tz = validateTimeZone(schedule.timeZone ?? "UTC");
      validateCron(cron);
      const gap = minIntervalSeconds(cron, tz);
      if (gap < c.minIntervalMinutes * 60) {
        return [
          `plan "${r.name}" runs every ${Math.round(gap / 60)} minute(s) ("${cron}"); policy allows at most ` +
            `one run per ${c.minIntervalMinutes} minutes`,
        ];
      }
      return [];
    } catch (err) {
      return [`plan "${r.name}": ${(err as Error).message}`];
    }
  },
};

const requiredLabels: RuleDefinition<{ labels: string[] }> = {
  name: "hks-required-labels",
  description: "Backup plans and backups carry the configured labels (tags), so backups can be found at restore time.",
  enforcementLevel: "advisory",
  defaults: { labels: [] },
  configSchema: { properties: { labels: { type: "array", items: { type: "string" } } } },
  validateResource(r, c) {
    const k = kindOf(r);
    if ((k !== "BackupPlan" && k !== "Backup") || c.labels.length === 0) return [];
    const labels = obj(r.props.labels);
    const missing = c.labels.filter((l) => typeof labels[l] !== "string" || labels[l] === "");
    return missing.length ? [`${k} "${r.name}" lacks required label(s) ${missing.join(", ")}: add them to labels`] : [];
  },
};

const DB_PATTERN_DEFAULT = [
  "postgres",
  "mysql",
  "mariadb",
  "mongo",
  "redis",
  "cassandra",
  "elasticsearch",
  "opensearch",
  "etcd",
  "kafka",
  "rabbitmq",
  "cockroach",
  "clickhouse",
];
const databaseHooks: RuleDefinition<{ patterns: string[] }> = {
  name: "hks-database-hooks",
  description:
    "Plans whose target looks like a database (by its label selector or labels) declare pre-backup hooks for " +
    "application consistency.",
  enforcementLevel: "advisory",
  defaults: { patterns: DB_PATTERN_DEFAULT },
  configSchema: { properties: { patterns: { type: "array", items: { type: "string" } } } },
  validateResource(r, c) {
    const k = kindOf(r);
    if (k !== "BackupPlan" && k !== "Backup") return [];
    const target = obj(r.props.target);
    const sel = target.selector;
    const words = [
      ...(typeof sel === "string" ? [sel] : Object.entries(obj(sel)).flat().map(String)),
      ...Object.entries(obj(r.props.labels)).flat().map(String),
    ]
      .join(" ")
      .toLowerCase();
    const hit = c.patterns.find((p) => words.includes(p.toLowerCase()));
    if (!hit) return [];
    const pre = obj(r.props.hooks).pre;
    if (Array.isArray(pre) && pre.length > 0) return [];
    // The seed's hooks live on the pods (pre.hook.backup.hks.io/*), which a policy cannot see: a label says so.
    if (obj(r.props.labels)["hks.io/hooks"] === "pod-annotations") return [];
    return [
      `${k} "${r.name}" targets what looks like a database ("${hit}") but declares no pre-backup hook: add ` +
        `hooks.pre (e.g. a CHECKPOINT or a flush), or annotate the pods with pre.hook.backup.hks.io/command and ` +
        `label the ${k} "hks.io/hooks": "pod-annotations"`,
    ];
  },
};

const protectedNamespaces: RuleDefinition<{ protected: string[]; allow: string[]; requireMapping: boolean }> = {
  name: "hks-protected-namespaces",
  description:
    "Restores never write into protected namespaces (default: production, prod-*) unless explicitly allowed.",
  enforcementLevel: "mandatory",
  defaults: { protected: ["production", "prod-*"], allow: [], requireMapping: true },
  configSchema: {
    properties: {
      protected: { type: "array", items: { type: "string" } },
      allow: { type: "array", items: { type: "string" } },
      requireMapping: { type: "boolean" },
    },
  },
  validateResource(r, c) {
    if (kindOf(r) !== "Restore") return [];
    const mapping = obj(r.props.namespaceMapping);
    const mapped = Object.values(mapping).filter((v): v is string => typeof v === "string");
    const inPlace = Array.isArray(r.props.includeNamespaces)
      ? (r.props.includeNamespaces as unknown[]).filter((v): v is string => typeof v === "string" && !(v in mapping))
      : [];
    const targets = [...mapped, ...inPlace];
    const isProtected = (ns: string) =>
      c.protected.some((p) => glob(p).test(ns)) && !c.allow.some((p) => glob(p).test(ns));
    const out = targets
      .filter(isProtected)
      .map(
        (ns) =>
          `restore "${r.name}" writes into protected namespace "${ns}": map it elsewhere with ` +
          `namespaceMapping, or add it to the policy's allow list`,
      );
    if (
      c.requireMapping &&
      mapped.length === 0 &&
      inPlace.length === 0 &&
      r.props.namespaceMapping === undefined &&
      r.props.includeNamespaces === undefined
    ) {
      out.push(
        `restore "${r.name}" restores into the backup's own namespaces, which may be protected: give a ` +
          `namespaceMapping (e.g. { production: "staging" })`,
      );
    }
    return out;
  },
};

const offsiteCopy: RuleDefinition<Record<string, never>> = {
  name: "hks-offsite-copy",
  description: "3-2-1: every plan copies its backups to a second location in another region or with another provider.",
  enforcementLevel: "advisory",
  defaults: {},
  configSchema: { properties: {} },
  validateStack(resources) {
    const locations = new Map<string, PolicyResource>();
    for (const r of resources)
      if (kindOf(r) === "BackupStorageLocation" && typeof r.props.locationName === "string")
        locations.set(r.props.locationName, r);
    const site = (l: PolicyResource | undefined) => {
      if (!l) return undefined;
      const os = obj(l.props.objectStorage);
      return l.props.nfs
        ? `nfs:${str(obj(l.props.nfs).server)}`
        : `${str(l.props.provider) ?? "aws"}:${str(os.endpoint) ?? ""}:${str(os.region) ?? "us-east-1"}`;
    };
    const out: { resource: PolicyResource; message: string }[] = [];
    for (const plan of resources.filter((r) => kindOf(r) === "BackupPlan")) {
      const primaryName = str(plan.props.storageLocation);
      const primary = site(primaryName ? locations.get(primaryName) : undefined);
      const copies = Array.isArray(plan.props.copies)
        ? (plan.props.copies as unknown[]).map((c) => str(obj(c).storageLocation))
        : [];
      if (copies.length === 0) {
        out.push({
          resource: plan,
          message:
            `plan "${plan.name}" keeps every backup in one location: add copies: [{ storageLocation: <a location ` +
            `in another region or provider> }]`,
        });
        continue;
      }
      const offsite = copies.some(
        (n) => n !== undefined && site(locations.get(n)) !== undefined && site(locations.get(n)) !== primary,
      );
      if (!offsite) {
        out.push({
          resource: plan,
          message:
            `plan "${plan.name}" copies only to locations in the same region and provider as "${primaryName}" ` +
            `(or not declared in this stack): copy to another region or provider`,
        });
      }
    }
    return out;
  },
};

const complianceObjectLock: RuleDefinition<{ tag: string; value: string; requireComplianceMode: boolean }> = {
  name: "hks-compliance-object-lock",
  description: "Locations tagged as compliance storage (default tag compliance=true) use object lock (WORM).",
  enforcementLevel: "mandatory",
  defaults: { tag: "compliance", value: "true", requireComplianceMode: false },
  configSchema: {
    properties: { tag: { type: "string" }, value: { type: "string" }, requireComplianceMode: { type: "boolean" } },
  },
  validateResource(r, c) {
    if (kindOf(r) !== "BackupStorageLocation") return [];
    if (obj(r.props.tags)[c.tag] !== c.value) return [];
    const lock = obj(r.props.objectLock);
    if (!r.props.objectLock)
      return [
        `location "${r.name}" is tagged ${c.tag}=${c.value} but has no objectLock: set objectLock: { mode: ` +
          `"COMPLIANCE", days: <retention> } (only possible on a new bucket)`,
      ];
    if (c.requireComplianceMode && lock.mode !== "COMPLIANCE")
      return [`location "${r.name}" uses objectLock mode ${String(lock.mode)}; policy requires COMPLIANCE`];
    return [];
  },
};

const verifiedBackups: RuleDefinition<Record<string, never>> = {
  name: "hks-verified-backups",
  description:
    "An untested backup is no backup: every plan reads each backup back after writing it (verifyAfterBackup).",
  enforcementLevel: "advisory",
  defaults: {},
  configSchema: { properties: {} },
  validateResource(r) {
    if (kindOf(r) !== "BackupPlan" || r.props.verifyAfterBackup === true) return [];
    return [
      `plan "${r.name}" never reads its backups back: set verifyAfterBackup: true (checksums and every object, ` +
        `each run), or run 'hks backup verify' on its backups`,
    ];
  },
};

const restoreDrills: RuleDefinition<Record<string, never>> = {
  name: "hks-restore-drills",
  description:
    "A backup you never restored is a hope: every plan has a restore drill (a RestoreDrill of the plan or of one " +
    "of its backups) proving its backups restore and the application comes up.",
  enforcementLevel: "advisory",
  defaults: {},
  configSchema: { properties: {} },
  validateStack(resources) {
    const drills = resources.filter((x) => kindOf(x) === "RestoreDrill");
    // A drill of the plan, or of one of its backups (named `<plan>-<YYYYMMDDHHMMSS>`).
    const drilled = (plan: string) =>
      drills.some((d) => str(d.props.plan) === plan || str(d.props.backupName)?.startsWith(`${plan}-`));
    return resources
      .filter((r) => kindOf(r) === "BackupPlan" && !drilled(str(r.props.planName) ?? r.name))
      .map((plan) => ({
        resource: plan,
        message:
          `plan "${plan.name}" has no restore drill: add a RestoreDrill with plan: <this plan> (it restores the ` +
          `newest backup into a throwaway namespace and checks the app), or run 'hks drill run' on a schedule`,
      }));
  },
};

/** Every rule of the pack, in the order they are reported. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rules over different resource shapes
export const RULES: readonly RuleDefinition<any>[] = [
  locationEncryption,
  retentionMinimum,
  offsiteCopy,
  databaseHooks,
  protectedNamespaces,
  schedulePolicy,
  requiredLabels,
  complianceObjectLock,
  verifiedBackups,
  restoreDrills,
];

/** The rule's config: its defaults overridden by the keys a pack config gives. */
export function withDefaults<C extends object>(rule: RuleDefinition<C>, given: Partial<C> | undefined): C {
  return { ...rule.defaults, ...(given ?? {}) };
}

/**
 * What the pack's `hks-protected-namespaces` rule (with its defaults) says of a restore of `props`
 * (`namespaceMapping`, `includeNamespaces`): the dashboard refuses a restore the pack would refuse.
 */
export function restoreProtectionProblems(name: string, props: Record<string, unknown>): string[] {
  return protectedNamespaces.validateResource!(
    { type: "pulumi-nodejs:dynamic/hks:Restore", name, props },
    withDefaults(protectedNamespaces, undefined),
  );
}
