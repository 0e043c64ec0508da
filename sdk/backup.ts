/**
 * The Backup resource class and its typed Args. No I/O here: the provider side lives in
 * provider/handlers/backup.ts and is reached through the serialized stub of sdk/dynamic.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import type { VolumeDataArgs } from "./backup-plan";
import type { BackupInputs, BackupOutputs } from "../provider/types";
import { BackupStorageLocation } from "./backup-storage-location";
import { dynamicProvider } from "./dynamic";
import { withOwner } from "./owner";
import { planOf, type BackupPlanLike } from "./resource-args";

export type { BackupPlanLike } from "./resource-args";

/** A plan-level hook: a command run in every pod the selector matches, before or after the backup. */
export interface BackupHookArgs {
  /** A label for messages and the manifest's hook records. @default "<phase> hook <index>" */
  readonly name?: pulumi.Input<string>;
  /** Namespace of the pods. @default each namespace of the target */
  readonly namespace?: pulumi.Input<string>;
  /** Pods to run in: a label map (`{ app: "postgres-db" }`) or selector text (`"app=postgres-db"`). */
  readonly selector: pulumi.Input<string | Record<string, pulumi.Input<string>>>;
  /** Container to run the command in. */
  readonly container: pulumi.Input<string>;
  /** argv, e.g. `["/bin/sh", "-c", "sync"]`; no shell is involved unless the command starts one. */
  readonly command: pulumi.Input<pulumi.Input<string>[]>;
  /** Seconds before the command is abandoned (1-3600). @default 30 */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /**
   * What a failure means. `"Fail"`: a failed pre hook fails the whole backup, a failed post hook
   * makes it PartiallyFailed. `"Continue"`: recorded as a warning. @default "Fail"
   */
  readonly onError?: pulumi.Input<"Fail" | "Continue">;
}

/** What to back up. Give `namespaces` (or `namespace`), a `selector`, or both. */
export interface BackupTargetArgs {
  /** Namespaces to back up; `["*"]` for every namespace. @default none (then `selector` is required and applies
   * across all namespaces) */
  readonly namespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** One namespace: shorthand for `namespaces: [namespace]` (the seed's BackupPlan shape). Not with `namespaces`. */
  readonly namespace?: pulumi.Input<string>;
  /** Namespaces left out (useful with `["*"]` or a cluster-wide selector). @default none */
  readonly excludeNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** Only objects with these labels: a map (`{ app: "postgres-db" }`) or selector text (`"tier in (web,api)"`).
   * @default every object */
  readonly selector?: pulumi.Input<string | Record<string, pulumi.Input<string>>>;
  /** Resource types to include, as `<plural>` or `<plural>.<group>` (`"configmaps"`, `"deployments.apps"`). @default
   * all */
  readonly includeResources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Resource types to leave out, same syntax. Events are never backed up. @default none */
  readonly excludeResources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Take a CSI VolumeSnapshot of every included PVC and wait until it is readyToUse. @default false */
  readonly snapshotVolumes?: pulumi.Input<boolean>;
  /** VolumeSnapshotClass for every PVC. @default the class whose driver matches the PVC's StorageClass provisioner,
   * else the default class */
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

export interface BackupArgs {
  /** Where to store the backup: a BackupStorageLocation resource or a location name recorded in the cluster. @default
   * the plan's storage location when `target` is taken from `plan`, else the default location */
  readonly storageLocation?: pulumi.Input<string> | BackupStorageLocation;
  /** Namespace where the location (and a plan given by name) is recorded. @default the BackupStorageLocation's
   * namespace, else the BackupPlan's, else "hks-system" */
  readonly locationNamespace?: pulumi.Input<string>;
  /** What to back up. Required unless `plan` is given. @default the plan's target */
  readonly target?: pulumi.Input<BackupTargetArgs>;
  /**
   * The BackupPlan this backup belongs to: a `BackupPlan` resource or a plan name. It is recorded in
   * the manifest (retention and listings group by it) and names the backup `<plan>-<YYYYMMDDHHMMSS>`.
   * Without `target`, the backup takes the installed plan's target, storage location (unless
   * `storageLocation` is given), hooks (unless `hooks` is given) and labels (under `labels`); the plan
   * must then be installed when the backup runs, which passing the resource guarantees. @default none
   */
  readonly plan?: pulumi.Input<string> | BackupPlanLike;
  /** Labels recorded with the backup (tags for finding it later). @default none */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Plan-level hooks, in addition to the pods' `pre.hook.backup.hks.io/*` annotations. Post hooks always run.
   * @default none */
  readonly hooks?: pulumi.Input<{ pre?: pulumi.Input<BackupHookArgs>[]; post?: pulumi.Input<BackupHookArgs>[] }>;
  /**
   * Seconds each VolumeSnapshot may take to become readyToUse (1-86400). An error the snapshot
   * controller reports meanwhile is shown and retried by it, not a failure on sight; one still
   * standing at the deadline is named in the backup's error. @default 600
   */
  readonly snapshotTimeoutSeconds?: pulumi.Input<number>;
  /**
   * The backup's name in the store. It must be unused: backups are never overwritten, so with a
   * fixed name any change to this resource fails until the name changes too.
   * @default `<plan or resource name>-<YYYYMMDDHHMMSS>` (UTC), chosen when the backup runs
   */
  readonly name?: pulumi.Input<string>;
  /** What `pulumi destroy` does: `"Retain"` keeps the backup; `"Delete"` removes its objects and VolumeSnapshots.
   * @default "Retain" */
  readonly deletionPolicy?: pulumi.Input<"Retain" | "Delete">;
  /** Content of a kubeconfig file for the cluster to back up (made secret). @default KUBECONFIG, then in-cluster */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Context in the kubeconfig. @default its current context */
  readonly context?: pulumi.Input<string>;
}

/**
 * An on-demand backup, taken while `pulumi up` creates this resource: the target's objects as YAML in
 * a tar+gzip archive (encrypted when the location has recipients), optional volume snapshots, hooks,
 * and a manifest written last. Immutable: changing any input takes a new backup. `pulumi up` fails
 * when the backup Failed; a PartiallyFailed backup succeeds and lists what is missing in `errors`.
 */
export class Backup extends pulumi.dynamic.Resource {
  /** The backup's name in the store. */
  declare readonly name: pulumi.Output<string>;
  /** `Completed` or `PartiallyFailed`. */
  declare readonly phase: pulumi.Output<string>;
  /** The location used. */
  declare readonly storageLocationName: pulumi.Output<string>;
  /** The backup's folder, e.g. `s3://bucket/prefix/hks/v1/backups/<name>/`. */
  declare readonly url: pulumi.Output<string>;
  /** Objects in the archive. */
  declare readonly itemsBackedUp: pulumi.Output<number>;
  /** Objects per `resource.group`. */
  declare readonly itemsByResource: pulumi.Output<Record<string, number>>;
  /** Stored bytes of the archive. */
  declare readonly bytes: pulumi.Output<number>;
  /** `namespace/name` of each VolumeSnapshot taken. */
  declare readonly snapshots: pulumi.Output<string[]>;
  /** Things worth knowing that did not make anything missing (e.g. a hook with onError Continue failed). */
  declare readonly warnings: pulumi.Output<string[]>;
  /** What failed in a PartiallyFailed backup, as `item: reason`. */
  declare readonly errors: pulumi.Output<string[]>;
  /** When the backup started (ISO 8601, UTC). */
  declare readonly startedAt: pulumi.Output<string>;
  /** When the manifest was written (ISO 8601, UTC). */
  declare readonly completedAt: pulumi.Output<string>;

  constructor(name: string, args: BackupArgs, opts?: pulumi.CustomResourceOptions) {
    const loc = args.storageLocation;
    const isResource = loc instanceof BackupStorageLocation;
    const plan = planOf(args.plan);
    const props: Record<keyof BackupInputs | keyof BackupOutputs, unknown> = {
      resourceKind: "Backup",
      resourceName: name,
      requestedName: args.name,
      storageLocation: isResource ? loc.locationName : loc,
      locationNamespace: args.locationNamespace ?? (isResource ? loc.namespace : plan.namespace),
      target: args.target,
      plan: plan.name,
      planNamespace: plan.namespace,
      labels: args.labels,
      hooks: args.hooks,
      snapshotTimeoutSeconds: args.snapshotTimeoutSeconds,
      deletionPolicy: args.deletionPolicy,
      kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
      context: args.context,
      name: undefined,
      phase: undefined,
      storageLocationName: undefined,
      url: undefined,
      itemsBackedUp: undefined,
      itemsByResource: undefined,
      bytes: undefined,
      uncompressedBytes: undefined,
      snapshots: undefined,
      warnings: undefined,
      errors: undefined,
      startedAt: undefined,
      completedAt: undefined,
    };
    super(
      dynamicProvider("Backup"),
      name,
      withOwner("Backup", name, opts, props),
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "kubeconfig"],
      },
      "hks",
      "Backup",
    );
  }
}
