/**
 * The RestoreDrill resource class and its typed Args. No I/O here: the provider side lives in
 * provider/handlers/restore-drill.ts and is reached through the serialized stub of sdk/dynamic.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RestoreDrillInputs, RestoreDrillOutputs } from "../provider/types";
import { dynamicProvider } from "./dynamic";
import { withOwner } from "./owner";
import type { RestorableBackup, RestoreLocation } from "./restore";
import type { BackupPlanRunnerArgs, BackupPlanScheduleArgs } from "./backup-plan";
import { isResourceLike, planOf, type BackupPlanLike } from "./resource-args";

/** A command run in a restored pod; the check passes when the exit code (and output, if asked) match. */
export interface RestoreDrillExecCheckArgs {
  /** Source namespace of the pod (the drill maps it to its own). @default the backup's only namespace */
  readonly namespace?: pulumi.Input<string>;
  /** The pod's name, e.g. `"postgres-0"`. Exactly one of `pod` and `selector`. */
  readonly pod?: pulumi.Input<string>;
  /** Label selector of the pod, e.g. `"app=postgres-db"` (the first Ready one). */
  readonly selector?: pulumi.Input<string>;
  /** The container to run the command in. @default the pod's first container */
  readonly container?: pulumi.Input<string>;
  /** argv, e.g. `["psql", "-U", "postgres", "-At", "-c", "select count(*) > 0 from orders"]`; no shell. */
  readonly command: pulumi.Input<pulumi.Input<string>[]>;
  /** What passes. @default `{ exitCode: 0 }` */
  readonly expect?: pulumi.Input<{
    /** Expected exit code (0-255). @default 0 */
    exitCode?: pulumi.Input<number>;
    /** Expected stdout, compared after trimming white space. */
    stdout?: pulumi.Input<string>;
    /** A regular expression (JavaScript syntax) stdout must match. */
    stdoutMatches?: pulumi.Input<string>;
  }>;
}

/** An HTTP GET against a restored Service, sent through the API server's service proxy. */
export interface RestoreDrillHttpCheckArgs {
  /** Source namespace of the Service. @default the backup's only namespace */
  readonly namespace?: pulumi.Input<string>;
  /** The Service's name. */
  readonly service: pulumi.Input<string>;
  /** The Service port's name or number. */
  readonly port: pulumi.Input<string | number>;
  /** The path to GET, starting with '/'. @default "/" */
  readonly path?: pulumi.Input<string>;
  /** What passes. @default `{ status: 200 }` */
  readonly expect?: pulumi.Input<{
    /** Expected HTTP status. @default 200 */
    status?: pulumi.Input<number>;
    /** Text the body must contain. */
    bodyContains?: pulumi.Input<string>;
  }>;
}

/** One check of a drill: exactly one of `exec` and `http`. */
export interface RestoreDrillCheckArgs {
  /** A short name for results, e.g. `"orders-count"`; unique within the drill. */
  readonly name: pulumi.Input<string>;
  /** A command run in a restored pod. */
  readonly exec?: pulumi.Input<RestoreDrillExecCheckArgs>;
  /** An HTTP GET against a restored Service. */
  readonly http?: pulumi.Input<RestoreDrillHttpCheckArgs>;
  /** Seconds the check may take (1-3600). @default 60 */
  readonly timeoutSeconds?: pulumi.Input<number>;
}

/** Arguments of a {@link RestoreDrill}. */
export interface RestoreDrillArgs {
  /** The backup to drill: a `Backup` resource or a backup name. Exactly one of `backup` and `plan`. */
  readonly backup?: pulumi.Input<string> | RestorableBackup;
  /** Drill a backup of this plan (a `BackupPlan` resource or a plan name), chosen by `pick`. */
  readonly plan?: pulumi.Input<string> | BackupPlanLike;
  /** With `plan`: `"newest"` Completed backup, or a `"random"` Completed one from the last `windowDays`.
   * @default "newest" */
  readonly pick?: pulumi.Input<"newest" | "random">;
  /** With `pick: "random"`: how far back, in days (1-3660). @default 7 */
  readonly windowDays?: pulumi.Input<number>;
  /** Where the backup is read from: a `BackupStorageLocation` resource or its name. @default the `Backup` resource's
   * location, else the default location */
  readonly storageLocation?: pulumi.Input<string> | RestoreLocation;
  /** Namespace where the location is recorded. @default the location's or backup's, else "hks-system" */
  readonly locationNamespace?: pulumi.Input<string>;
  /** Drill namespaces are `<prefix>-<random>-<source namespace>` (at most 20 characters). @default "drill" */
  readonly namespacePrefix?: pulumi.Input<string>;
  /** Source namespaces to restore. @default every namespace of the backup */
  readonly includeNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** Restore claims with their data (from the backup's VolumeSnapshots or its volume data). @default true */
  readonly restoreVolumes?: pulumi.Input<boolean>;
  /** Where claims get their data: `"snapshot"`, `"volume-data"` (the files the backup copied into the location,
   * filled in by a mover Pod: proves the off-site copy restores), or `"auto"`: the snapshot when it still exists,
   * else the volume data. @default "auto" */
  readonly volumeSource?: pulumi.Input<"auto" | "snapshot" | "volume-data">;
  /** Run in order once every workload is healthy. @default none: health alone decides */
  readonly checks?: pulumi.Input<pulumi.Input<RestoreDrillCheckArgs>[]>;
  /** Restore, health and checks must finish within this many seconds (10-86400). @default 600 */
  readonly deadlineSeconds?: pulumi.Input<number>;
  /** Keep a failed drill's namespaces for inspection. @default false */
  readonly keepOnFailure?: pulumi.Input<boolean>;
  /** Values whose change runs the drill again on the next `pulumi up` (e.g. a date). @default none */
  readonly triggers?: pulumi.Input<unknown[]>;
  /** The drill's name: its records are kept per name. @default the resource name */
  readonly name?: pulumi.Input<string>;
  /** age identity file content (AGE-SECRET-KEY-1...) for an encrypted backup; made secret. @default none */
  readonly identity?: pulumi.Input<string>;
  /** Content of a kubeconfig file for the cluster the drill restores into (made secret). @default KUBECONFIG, then
   * in-cluster */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Context in the kubeconfig. @default its current context */
  readonly context?: pulumi.Input<string>;
  /**
   * Run the drill on a schedule, like a plan: a CronJob `hks-drill-<name>` in the location's namespace runs
   * `hks drill run <name>` in the runner image. Its ServiceAccount may create and delete only namespaces named
   * `<namespacePrefix>-...` and write only inside them (RBAC plus a ValidatingAdmissionPolicy); it reads no Secret
   * but the location's credentials and the drill's identity. Each run is recorded beside the backup it restored;
   * a failed drill is a failed Job with the reason in its log. @default none: the drill runs on `pulumi up` only
   */
  readonly schedule?: pulumi.Input<BackupPlanScheduleArgs>;
  /** How the scheduled drill's Job runs: image, resources, deadline, history. Only with `schedule`.
   * @default as for a BackupPlan's runner */
  readonly runner?: pulumi.Input<BackupPlanRunnerArgs>;
  /** Also run the drill once during `pulumi up` (and again when an input or `triggers` change).
   * @default true without `schedule`, false with it */
  readonly runOnApply?: pulumi.Input<boolean>;
  /** Take over a scheduled drill's in-cluster objects that another owner (another stack, an older
   * hks-backup) recorded under the same name. @default false */
  readonly adopt?: pulumi.Input<boolean>;
}

/**
 * A restore drill, run during `pulumi up` or on a `schedule` by a CronJob: the backup is restored
 * into throwaway namespaces (namespaced objects only, nothing else in the cluster changes), the
 * application must become healthy (Deployments Available, StatefulSets ready, claims Bound) and pass
 * `checks`, then the namespaces are deleted and the result is recorded beside the backup (`hks drill
 * list`). A failed run during `pulumi up` fails it with the reason; a failed scheduled run is a failed
 * Job. A change of `schedule` or `runner` updates the CronJob; any other input change, or a change of
 * `triggers`, replaces the drill (running it again when `runOnApply`).
 */
export class RestoreDrill extends pulumi.dynamic.Resource {
  /** `Passed` after a run during `pulumi up` (a failed drill fails `pulumi up`); `Scheduled` when `pulumi up` only
   * installed the schedule. */
  declare readonly phase: pulumi.Output<string>;
  /** The scheduled drill's CronJob (`hks-drill-<name>`), when it has a schedule. */
  declare readonly cronJobName: pulumi.Output<string | undefined>;
  /** This run's id (its UTC start time and a random part). */
  declare readonly runId: pulumi.Output<string>;
  /** The backup the drill restored. */
  declare readonly drilledBackup: pulumi.Output<string>;
  /** Seconds from the restore's start until every workload was healthy: the measured RTO. */
  declare readonly rtoSeconds: pulumi.Output<number>;
  /** Objects restored. */
  declare readonly objectsRestored: pulumi.Output<number>;
  /** Each check with its output (the last 1 KiB). */
  declare readonly checkResults: pulumi.Output<{ name: string; passed: boolean; output: string }[]>;
  /** Where the result is recorded. */
  declare readonly recordUrl: pulumi.Output<string>;

  constructor(name: string, args: RestoreDrillArgs, opts?: pulumi.CustomResourceOptions) {
    const b = args.backup;
    const backup = isResourceLike(b) ? (b as RestorableBackup) : undefined;
    const loc = args.storageLocation;
    const location = isResourceLike(loc) ? (loc as RestoreLocation) : undefined;
    const plan = planOf(args.plan);
    const props: Record<keyof RestoreDrillInputs | keyof RestoreDrillOutputs, unknown> = {
      resourceKind: "RestoreDrill",
      drillName: args.name ?? name,
      backupName: backup ? backup.name : b,
      plan: plan.name,
      pick: args.pick,
      windowDays: args.windowDays,
      storageLocation: location ? location.locationName : (loc ?? backup?.storageLocationName),
      locationNamespace: args.locationNamespace ?? location?.namespace ?? backup?.locationNamespace ?? plan.namespace,
      namespacePrefix: args.namespacePrefix,
      includeNamespaces: args.includeNamespaces,
      restoreVolumes: args.restoreVolumes,
      volumeSource: args.volumeSource,
      checks: args.checks,
      deadlineSeconds: args.deadlineSeconds,
      keepOnFailure: args.keepOnFailure,
      triggers: args.triggers,
      identity: args.identity === undefined ? undefined : pulumi.secret(args.identity),
      kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
      context: args.context,
      schedule: args.schedule,
      runner: args.runner,
      runOnApply: args.runOnApply,
      adopt: args.adopt,
      owner: undefined,
      phase: undefined,
      cronJobName: undefined,
      installed: undefined,
      runId: undefined,
      drilledBackup: undefined,
      storageLocationName: undefined,
      rtoSeconds: undefined,
      objectsRestored: undefined,
      checkResults: undefined,
      recordUrl: undefined,
      startedAt: undefined,
      completedAt: undefined,
    };
    super(
      dynamicProvider("RestoreDrill"),
      name,
      withOwner("RestoreDrill", name, opts, props),
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "identity", "kubeconfig"],
      },
      "hks",
      "RestoreDrill",
    );
  }
}
