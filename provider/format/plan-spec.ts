/**
 * The plan as the CronJob runner reads it: `plan.json` in the ConfigMap `hks-plan-<name>`, written by
 * the BackupPlan resource and read by `hks run-plan`. It is a contract between two versions of this
 * package (the provider that installed the plan and the runner image that runs it), so it carries a
 * format version, fields are only ever added, and it never holds secrets: locations are referred to
 * by name and their credentials stay in their own Secrets.
 */
import { InputError, StorageError } from "../errors";
import type { NormalizedRetentionPolicy } from "./retention";
import type { PlanHook } from "./hook-annotations";
import type { BackupTarget } from "./manifest";

/** Version of `plan.json`; a runner refuses a newer one with an "upgrade the runner image" message. */
export const PLAN_SPEC_FORMAT_VERSION = 1;

/** Key of the plan document in the ConfigMap. */
export const PLAN_SPEC_KEY = "plan.json";

/** Label carried by every object a plan installs, with the plan's name as value. */
export const PLAN_LABEL = "hks.io/plan";

/** Label carried by every object a plan installs, with the plan's namespace as value. */
export const PLAN_NAMESPACE_LABEL = "hks.io/plan-namespace";

/** Name of the plan's CronJob and ConfigMap (and of the ServiceAccount the plan creates). */
export const planObjectName = (plan: string): string => `hks-plan-${plan}`;

/** One secondary location of a plan and its retention. */
export interface PlanCopySpec {
  readonly storageLocation: string;
  readonly retention: NormalizedRetentionPolicy;
}

/** Everything `hks run-plan` needs to run a plan once. */
export interface PlanSpec {
  readonly formatVersion: typeof PLAN_SPEC_FORMAT_VERSION;
  /** The plan's name: backups are `<name>-YYYYMMDDHHMMSS` and carry `plan: <name>`. */
  readonly name: string;
  /** Namespace of the plan's objects and of its storage locations' records. */
  readonly namespace: string;
  /** The primary location: it holds the run lock and the first copy of every backup. */
  readonly storageLocation: string;
  readonly copies: readonly PlanCopySpec[];
  readonly target: BackupTarget;
  readonly volumeSnapshotClass?: string;
  readonly retention: NormalizedRetentionPolicy;
  /** The schedule, for the record and for retention's time zone. */
  readonly schedule: { readonly cron: string; readonly timeZone: string };
  readonly hooks: { readonly pre: readonly PlanHook[]; readonly post: readonly PlanHook[] };
  /** Tags written into every backup's manifest. */
  readonly labels: Readonly<Record<string, string>>;
  /** How long a run lock is valid; matches the Job's `activeDeadlineSeconds`. */
  readonly lockTtlSeconds: number;
  /** Read every location's copy back after publishing (engine/catalog/verify-backup.ts). @default false */
  readonly verifyAfterBackup?: boolean;
}

/**
 * Parses `plan.json`, refusing a newer format and documents lacking what a run needs.
 * @param where names the ConfigMap in messages.
 */
export function parsePlanSpec(text: string, where: string): PlanSpec {
  let spec: PlanSpec;
  try {
    spec = JSON.parse(text) as PlanSpec;
  } catch (err) {
    throw new StorageError(
      `${where}: ${PLAN_SPEC_KEY} is not valid JSON (${(err as Error).message}); re-apply the plan with 'pulumi up'`,
      { cause: err },
    );
  }
  if (typeof spec?.formatVersion !== "number" || spec.formatVersion > PLAN_SPEC_FORMAT_VERSION) {
    throw new InputError(
      "runner.image",
      `${where} has plan format ${JSON.stringify(spec?.formatVersion)}, but this runner reads up to ` +
        `${PLAN_SPEC_FORMAT_VERSION}: use a runner image of the same hks-backup version as the Pulumi program`,
    );
  }
  for (const key of ["name", "namespace", "storageLocation", "target", "retention", "schedule"] as const) {
    if (spec[key] === undefined)
      throw new StorageError(`${where}: ${PLAN_SPEC_KEY} lacks "${key}"; re-apply the plan with 'pulumi up'`);
  }
  return {
    ...spec,
    copies: spec.copies ?? [],
    hooks: { pre: spec.hooks?.pre ?? [], post: spec.hooks?.post ?? [] },
    labels: spec.labels ?? {},
  };
}
