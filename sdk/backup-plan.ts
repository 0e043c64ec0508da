/**
 * The BackupPlan resource class and its typed Args. No I/O here: the provider side lives in
 * provider/handlers/backup-plan.ts and is reached through the serialized stub of sdk/dynamic.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import type { BackupPlanInputs, BackupPlanOutputs, InstalledObjectOutputs } from "../provider/types";
import { dynamicProvider } from "./dynamic";
import { ownerUrn } from "./owner";

/** A storage location: a `BackupStorageLocation` resource (its `locationName` and `namespace`) or the location's
 * name. */
export type PlanLocation =
  pulumi.Input<string> | { readonly locationName: pulumi.Output<string>; readonly namespace: pulumi.Output<string> };

/** What a plan backs up: the seed's `target: { namespace: "production", selector: { app: "postgres-db" } }`. */
export interface BackupPlanTargetArgs {
  /** One namespace to back up. Exclusive with `namespaces`. */
  readonly namespace?: pulumi.Input<string>;
  /** Namespaces to back up; `["*"]` backs up every namespace (the runner then gets cluster-wide read access).
   * Exclusive with `namespace`. @default none: then `selector` is required and selects across all namespaces */
  readonly namespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** Namespaces never backed up (useful with `["*"]` or a selector-only target). @default none */
  readonly excludeNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** Only objects with these labels: a map (`{ app: "postgres-db" }`) or selector text (`"app=web,tier!=cache"`).
   * @default every object */
  readonly selector?: pulumi.Input<Record<string, pulumi.Input<string>> | string>;
  /** Resource types to back up, lowercase plural with optional group: `"configmaps"`, `"deployments.apps"`. Narrows
   * the runner's RBAC too. @default all */
  readonly includeResources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Resource types never backed up; wins over `includeResources`. @default none (events are never backed up) */
  readonly excludeResources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Take a CSI VolumeSnapshot of every included PVC. @default false */
  readonly snapshotVolumes?: pulumi.Input<boolean>;
  /** VolumeSnapshotClass for every snapshot (requires `snapshotVolumes`). @default the class matching each PVC's CSI
   * driver */
  readonly volumeSnapshotClass?: pulumi.Input<string>;
  /**
   * Copy the files of snapshotted PVCs into the storage location (requires `snapshotVolumes`): a mover Pod
   * running the runner image reads a volume made from each snapshot and uploads its files, deduplicated
   * against the PVC's earlier backups and encrypted for the location's recipients, so the data survives the
   * cluster and its storage. `{}` copies every snapshotted PVC; the filters narrow it, and a PVC's annotation
   * `hks.io/volume-data: "copy"` or `"skip"` overrides them. A failed copy makes the backup PartiallyFailed.
   * @default no copy (the data stays in the VolumeSnapshots only)
   */
  readonly volumeData?: pulumi.Input<VolumeDataArgs>;
}

/** Which snapshotted PVCs have their files copied into the storage location. */
export interface VolumeDataArgs {
  /** Only PVCs of these StorageClasses (checked to exist before the backup starts). @default any class */
  readonly storageClasses?: pulumi.Input<pulumi.Input<string>[]>;
  /** Only PVCs whose labels match: a map (`{ tier: "db" }`) or selector text (`"tier in (db,cache)"`). @default any
   * labels */
  readonly selector?: pulumi.Input<string | Record<string, pulumi.Input<string>>>;
  /** Keep each copied PVC's VolumeSnapshot beside its copy (fast restores in this cluster). `false`: the copy replaces
   * it: the snapshot is deleted once its data is copied (by a plan, once every copy location has its copy); restores
   * then read the copy. A PVC whose copy failed keeps its snapshot. @default true */
  readonly keepSnapshots?: pulumi.Input<boolean>;
}

/** When the plan runs. */
export interface BackupPlanScheduleArgs {
  /** Cron expression (`minute hour day-of-month month day-of-week`, e.g. `"0 2 * * *"`) or a macro such as
   * `"@daily"`, as Kubernetes CronJobs accept it. */
  readonly cron: pulumi.Input<string>;
  /** IANA time zone the cron is read in, e.g. `"Europe/Berlin"`; always written to the CronJob. Retention periods are
   * computed in it too. @default "UTC" */
  readonly timeZone?: pulumi.Input<string>;
  /** Suspend the schedule: no new runs (existing backups are unaffected). @default false */
  readonly suspend?: pulumi.Input<boolean>;
  /** Seconds after a missed run time during which the run may still start (at least 10). @default no deadline */
  readonly startingDeadlineSeconds?: pulumi.Input<number>;
}

/**
 * How many backups to keep (GFS, as restic/k8up `forget`), counted per location in the plan's time
 * zone. The newest Completed backup is never deleted. A period rule finer than the schedule (e.g.
 * `hourly` with a daily cron) is refused by `check`: use `last` for "the N newest runs".
 */
export interface BackupPlanRetentionArgs {
  /** Keep the N newest good (Completed or PartiallyFailed) backups. @default 0 */
  readonly last?: pulumi.Input<number>;
  /** Keep one backup for each of the N most recent hours that have one. @default 0 */
  readonly hourly?: pulumi.Input<number>;
  /** Keep one backup for each of the N most recent days that have one. @default 0 */
  readonly daily?: pulumi.Input<number>;
  /** Keep one backup for each of the N most recent ISO weeks (Monday start) that have one. @default 0 */
  readonly weekly?: pulumi.Input<number>;
  /** Keep one backup for each of the N most recent months that have one. @default 0 */
  readonly monthly?: pulumi.Input<number>;
  /** Keep one backup for each of the N most recent years that have one. @default 0 */
  readonly yearly?: pulumi.Input<number>;
  /** Keep the N newest Failed runs newer than the newest good backup (their records explain the outage). @default 1 */
  readonly keepFailed?: pulumi.Input<number>;
}

/** A plan-level hook, run in every pod its selector matches (in addition to the pods' annotation hooks). */
export interface BackupPlanHookArgs {
  /** A label for logs and the manifest. @default "pre hook <index>" / "post hook <index>" */
  readonly name?: pulumi.Input<string>;
  /** Namespace of the pods. @default each namespace of the target */
  readonly namespace?: pulumi.Input<string>;
  /** The pods: a label map or selector text. */
  readonly selector: pulumi.Input<Record<string, pulumi.Input<string>> | string>;
  /** The container to run the command in. */
  readonly container: pulumi.Input<string>;
  /** argv, e.g. `["/bin/psql", "-U", "postgres", "-c", "CHECKPOINT"]` (no shell unless you call one). */
  readonly command: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds before the hook is stopped, 1..3600. @default 30 */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** `"Fail"`: a failing pre hook fails the backup; `"Continue"`: it is a warning. @default "Fail" */
  readonly onError?: pulumi.Input<"Fail" | "Continue">;
}

/** A secondary location every backup is copied to (the 3-2-1 rule), encrypted for that location's own recipients. */
export interface BackupPlanCopyArgs {
  /** A `BackupStorageLocation` resource or its name; must differ from the primary and other copies, and be recorded
   * in the plan's namespace. */
  readonly storageLocation: PlanLocation;
  /** Retention in this location. @default the plan's retention */
  readonly retention?: pulumi.Input<BackupPlanRetentionArgs>;
}

/** How the CronJob's Job runs. */
export interface BackupPlanRunnerArgs {
  /**
   * The runner image: built from this repository's `Dockerfile` (entrypoint `node /app/bin/hks.js`),
   * published per release. Use the same hks-backup version as the Pulumi program.
   * @default "ghcr.io/hks-backup/runner:<installed hks-backup version>"
   */
  readonly image?: pulumi.Input<string>;
  /** When the kubelet pulls the runner image. @default "IfNotPresent" */
  readonly imagePullPolicy?: pulumi.Input<"Always" | "IfNotPresent" | "Never">;
  /** Container requests/limits, e.g. `{ requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } }`.
   * @default exactly that */
  readonly resources?: pulumi.Input<{
    requests?: Record<string, pulumi.Input<string>>;
    limits?: Record<string, pulumi.Input<string>>;
  }>;
  /** Run as this existing ServiceAccount (e.g. one with cloud IAM annotations); the plan binds its Roles to it and
   * never deletes it. @default a ServiceAccount `hks-plan-<name>` created by the plan */
  readonly serviceAccountName?: pulumi.Input<string>;
  /** Deadline of one run in seconds (Job `activeDeadlineSeconds`), also the run lock's lifetime; 60..604800. @default
   * 21600 (6 hours) */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** Finished successful Jobs kept (with their logs). @default 3 */
  readonly successfulJobsHistoryLimit?: pulumi.Input<number>;
  /** Finished failed Jobs kept (with their logs). @default 3 */
  readonly failedJobsHistoryLimit?: pulumi.Input<number>;
}

/** The arguments of a {@link BackupPlan}: the seed's `target`, `storageLocation`, `schedule` and `retention`, plus
 * hooks, copies, labels and the runner. */
export interface BackupPlanArgs {
  /** What to back up. */
  readonly target: pulumi.Input<BackupPlanTargetArgs>;
  /** The primary location (a `BackupStorageLocation` resource or its name): it receives every backup and holds the
   * run lock. */
  readonly storageLocation: PlanLocation;
  /** When to run. */
  readonly schedule: pulumi.Input<BackupPlanScheduleArgs>;
  /** How long to keep backups, e.g. `{ daily: 7, weekly: 4, monthly: 6 }`. */
  readonly retention: pulumi.Input<BackupPlanRetentionArgs>;
  /** Plan-level hooks run before (`pre`) and after (`post`, always, also after a failure) every backup. @default none
   * */
  readonly hooks?: pulumi.Input<{
    pre?: pulumi.Input<pulumi.Input<BackupPlanHookArgs>[]>;
    post?: pulumi.Input<pulumi.Input<BackupPlanHookArgs>[]>;
  }>;
  /** Secondary locations (3-2-1): each backup is copied to each, then retention runs there with its own policy.
   * @default none */
  readonly copies?: BackupPlanCopyArgs[];
  /** Tags written into every backup's manifest (`hks backup list` shows and filters them). @default none */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * After publishing, read every location's copy back as `hks backup verify` does: size and SHA-256
   * of what the location stores, and (unencrypted) every object parsed against the manifest's counts.
   * A mismatch fails the run (exit 1) naming the location. Costs one download per location per run.
   * @default false
   */
  readonly verifyAfterBackup?: pulumi.Input<boolean>;
  /** The Job's image, resources, ServiceAccount and deadline. @default see each field */
  readonly runner?: pulumi.Input<BackupPlanRunnerArgs>;
  /** Name of the plan in the cluster (CronJob `hks-plan-<name>`, backups `<name>-YYYYMMDDHHMMSS`); at most 43
   * characters. @default the resource name */
  readonly name?: pulumi.Input<string>;
  /**
   * Take over in-cluster objects of the same name that another owner recorded: another stack, the
   * `hks` CLI, or an hks-backup that did not record owners. Without it such objects are refused
   * (at `pulumi preview` where the cluster can be read, else before create changes anything), naming
   * both owners. Every object this resource writes is annotated `hks.io/owner` (its URN) and
   * `hks.io/owner-stack` (`<project>/<stack>`). @default false
   */
  readonly adopt?: pulumi.Input<boolean>;
  /** Namespace of the plan's objects; the plan's storage locations must be recorded there. @default the primary
   * location resource's namespace, else "hks-system" */
  readonly namespace?: pulumi.Input<string>;
  /** Content of a kubeconfig for the cluster (made secret). @default KUBECONFIG, then in-cluster */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Context in the kubeconfig; changing it replaces the plan. @default its current context */
  readonly context?: pulumi.Input<string>;
}

function locationOf(l: PlanLocation | undefined): {
  name: pulumi.Input<string> | undefined;
  namespace?: pulumi.Output<string>;
} {
  // A BackupStorageLocation resource, or anything with its outputs (never an Output of a name).
  if (
    l &&
    typeof l === "object" &&
    (pulumi.Resource.isInstance(l) || (!pulumi.Output.isInstance(l) && "locationName" in l))
  ) {
    const r = l as { locationName: pulumi.Output<string>; namespace: pulumi.Output<string> };
    return { name: r.locationName, namespace: r.namespace };
  }
  return { name: l as pulumi.Input<string> | undefined };
}

/**
 * A scheduled backup plan (the seed's `BackupPlan`): `pulumi up` installs a CronJob that runs
 * `hks run-plan` on the schedule, with a ServiceAccount and least-privilege RBAC; each run backs up
 * the target, copies the backup to every copy location and applies GFS retention per location.
 * `pulumi destroy` uninstalls the schedule and keeps every backup.
 */
export class BackupPlan extends pulumi.dynamic.Resource {
  /** In-cluster name of the plan. */
  declare readonly planName: pulumi.Output<string>;
  /** Namespace of the plan's CronJob, ServiceAccount, Roles and ConfigMap. */
  declare readonly namespace: pulumi.Output<string>;
  /** The CronJob running the plan (`hks-plan-<name>`). */
  declare readonly cronJobName: pulumi.Output<string>;
  /** The ConfigMap holding plan.json. */
  declare readonly configMapName: pulumi.Output<string>;
  /** The ServiceAccount the runner uses. */
  declare readonly serviceAccountName: pulumi.Output<string>;
  /** Every Kubernetes object the plan installed (exactly what destroy removes). */
  declare readonly installed: pulumi.Output<InstalledObjectOutputs[]>;
  /** Out-of-band changes found by the last `pulumi refresh` (the next `pulumi up` repairs them). */
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: BackupPlanArgs, opts?: pulumi.CustomResourceOptions) {
    const primary = locationOf(args.storageLocation);
    const props: Record<keyof BackupPlanInputs | keyof BackupPlanOutputs, unknown> = {
      resourceKind: "BackupPlan",
      planName: args.name ?? name,
      owner: ownerUrn("BackupPlan", name, opts),
      adopt: args.adopt,
      namespace: args.namespace ?? primary.namespace,
      target: args.target,
      storageLocation: primary.name,
      schedule: args.schedule,
      retention: args.retention,
      hooks: args.hooks,
      copies: args.copies?.map((c) => ({
        storageLocation: locationOf(c.storageLocation).name,
        retention: c.retention,
      })),
      labels: args.labels,
      verifyAfterBackup: args.verifyAfterBackup,
      runner: args.runner,
      kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
      context: args.context,
      cronJobName: undefined,
      configMapName: undefined,
      serviceAccountName: undefined,
      installed: undefined,
      drift: undefined,
    };
    super(
      dynamicProvider("BackupPlan"),
      name,
      props,
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "kubeconfig"],
      },
      "hks",
      "BackupPlan",
    );
  }
}
