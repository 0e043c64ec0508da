import * as pulumi from "@pulumi/pulumi";
import type { RestoreInputs, RestoreOutputs, RestoreReasonGroupOutputs } from "../provider/types";
import { dynamicProvider } from "./dynamic";
import { ownerUrn } from "./owner";
import { isResourceLike } from "./resource-args";

/** One RFC 6902 JSON Patch operation, as `kubectl patch --type json` takes it. */
export interface JsonPatchOperationArgs {
  /** `add`, `remove`, `replace`, `move`, `copy` or `test`. */
  readonly op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  /** JSON Pointer to the target, e.g. `"/spec/replicas"` or `"/spec/template/spec/containers/0/image"`. */
  readonly path: string;
  /** Source pointer of `move` and `copy`. */
  readonly from?: string;
  /** The value of `add`, `replace` and `test`. */
  readonly value?: unknown;
}

/** A JSON patch applied to restored objects of one group/kind, e.g. a smaller replica count for a clone. */
export interface RestorePatchArgs {
  /** API group of the objects: `"apps"`, or `""` (or `"core"`) for the core group. */
  readonly group: pulumi.Input<string>;
  /** Kind of the objects, e.g. `"Deployment"`. */
  readonly kind: pulumi.Input<string>;
  /** Only the object with this name (as in the backup). @default every object of the kind */
  readonly name?: pulumi.Input<string>;
  /**
   * The operations, applied after namespace mapping; they may change content, not apiVersion, kind,
   * name or namespace. An object the patch does not apply to (a failing `test`, a missing path) fails.
   * @see https://www.rfc-editor.org/rfc/rfc6902
   */
  readonly patch: pulumi.Input<pulumi.Input<JsonPatchOperationArgs>[]>;
}

/**
 * A backup to restore: a `Backup` resource of this package (or any resource with its outputs: the
 * backup's `name`, and the `storageLocationName` and `locationNamespace` it was written to).
 */
export interface RestorableBackup {
  readonly name: pulumi.Output<string>;
  readonly storageLocationName?: pulumi.Output<string>;
  readonly locationNamespace?: pulumi.Output<string>;
}

/** A storage location: a `BackupStorageLocation` resource (its `locationName` and `namespace`). */
export interface RestoreLocation {
  readonly locationName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
}

/** Arguments of a {@link Restore}. */
export interface RestoreArgs {
  /** The backup to restore: a `Backup` resource or a backup name. Exactly one of `backup` and `plan` + `latest`. */
  readonly backup?: pulumi.Input<string> | RestorableBackup;
  /** Restore the newest Completed backup of this plan (requires `latest: true`). */
  readonly plan?: pulumi.Input<string>;
  /** With `plan`: pick the newest Completed backup when the Restore is created (later backups do not re-run it). */
  readonly latest?: pulumi.Input<boolean>;
  /**
   * Where the backup is read from, as recorded in the TARGET cluster: a `BackupStorageLocation`
   * resource or its name. To restore into another cluster, record the source's bucket there with
   * `accessMode: "ReadOnly"`. @default the `Backup` resource's location, else the target's default location
   */
  readonly storageLocation?: pulumi.Input<string> | RestoreLocation;
  /** Source → target namespaces, e.g. `{ production: "staging" }`; also rewrites fields naming a namespace
   * (RoleBinding subjects, ...). @default none: same names */
  readonly namespaceMapping?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Source namespaces to restore. @default every namespace of the backup */
  readonly includeNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
  /** Resource types to restore: `"configmaps"`, `"deployments.apps"`, `"*"`. @default all */
  readonly includeResources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Resource types never restored; wins over `includeResources`. @default none */
  readonly excludeResources?: pulumi.Input<pulumi.Input<string>[]>;
  /** Restore only objects with these labels: a map (`{ app: "web" }`) or a selector string (`"app=web,tier!=cache"`).
   * @default all */
  readonly selector?: pulumi.Input<Record<string, pulumi.Input<string>> | string>;
  /** An object that already exists: `"none"` skips it (reported with a count and reason), `"update"` replaces the
   * live object. @default "none" */
  readonly existingResourcePolicy?: pulumi.Input<"none" | "update">;
  /** Restore PVCs with their data: from the backup's VolumeSnapshots (a pre-bound VolumeSnapshotContent for another
   * namespace; a claim asking for less than its snapshot's restoreSize is raised to it) or from its volume data (see
   * `volumeSource`). @default false: new empty volumes */
  readonly restoreVolumes?: pulumi.Input<boolean>;
  /** Where claims get their data with `restoreVolumes`: `"snapshot"`, `"volume-data"` (the files the backup copied
   * into the location, filled into each new claim by a mover Pod before its workload starts; works in any cluster
   * that reaches the location), or `"auto"`: the snapshot when it still exists in the source namespace of this
   * cluster, else the volume data, else the recorded snapshot handle. @default "auto" */
  readonly volumeSource?: pulumi.Input<"auto" | "snapshot" | "volume-data">;
  /** Keep Services' nodePorts (e.g. into another cluster); by default the target assigns new ones so a clone does not
   * collide. @default false */
  readonly preserveNodePorts?: pulumi.Input<boolean>;
  /** JSON patches per group/kind, e.g. a staging image or StorageClass for a clone. @default none */
  readonly patches?: pulumi.Input<pulumi.Input<RestorePatchArgs>[]>;
  /** On `pulumi destroy`, delete the namespaces this restore created (and only those). @default true */
  readonly cleanupOnDelete?: pulumi.Input<boolean>;
  /** age identity file content (AGE-SECRET-KEY-1...) for an encrypted backup; made secret. Changing it does not
   * re-run the restore. */
  readonly identity?: pulumi.Input<string>;
  /** Name of the restore in the cluster (result ConfigMap `hks-restore-<name>`). @default the resource name */
  readonly name?: pulumi.Input<string>;
  /**
   * Take over in-cluster objects of the same name that another owner recorded: another stack, the
   * `hks` CLI, or an hks-backup that did not record owners. Without it such objects are refused
   * (at `pulumi preview` where the cluster can be read, else before create changes anything), naming
   * both owners. Every object this resource writes is annotated `hks.io/owner` (its URN) and
   * `hks.io/owner-stack` (`<project>/<stack>`). @default false
   */
  readonly adopt?: pulumi.Input<boolean>;
  /** Namespace where storage locations are recorded in the target cluster. @default the location resource's (or the
   * `Backup`'s) namespace, else "hks-system" */
  readonly namespace?: pulumi.Input<string>;
  /** Content of a kubeconfig for the TARGET cluster (made secret). @default KUBECONFIG, then in-cluster */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Context in the kubeconfig. @default its current context */
  readonly context?: pulumi.Input<string>;
}

/**
 * Restores a backup during `pulumi up`, e.g. a production clone into staging. Immutable: changing
 * what or where to restore replaces it (the old clone is removed first). `pulumi destroy` deletes the
 * namespaces it created when `cleanupOnDelete` is true. Fails `pulumi up` only when the restore
 * Failed; a PartiallyFailed one succeeds and lists its failures in `failed`.
 */
export class Restore extends pulumi.dynamic.Resource {
  /** `Completed` or `PartiallyFailed`. */
  declare readonly phase: pulumi.Output<string>;
  /** The backup that was restored (resolved from the plan with `latest`). */
  declare readonly backupName: pulumi.Output<string>;
  /** Name of the restore in the cluster (its result ConfigMap is `hks-restore-<restoreName>`). */
  declare readonly restoreName: pulumi.Output<string>;
  /** Objects restored (created, updated, unchanged), skipped and failed. */
  declare readonly counts: pulumi.Output<RestoreOutputs["counts"]>;
  /** Skipped objects grouped by reason. */
  declare readonly skipped: pulumi.Output<RestoreReasonGroupOutputs[]>;
  /** Failed objects grouped by reason. */
  declare readonly failed: pulumi.Output<RestoreReasonGroupOutputs[]>;
  /** What the restore could not do fully (PVCs restored without data, owner references dropped, ...). */
  declare readonly warnings: pulumi.Output<string[]>;
  /** Namespaces this restore created: what `cleanupOnDelete` deletes. */
  declare readonly createdNamespaces: pulumi.Output<{ name: string; uid: string }[]>;
  /** How each PVC's data was restored. */
  declare readonly volumes: pulumi.Output<{ claim: string; source: string }[]>;
  /** ConfigMap holding the result (`hks restore describe <name>`). */
  declare readonly resultConfigMap: pulumi.Output<string>;

  constructor(name: string, args: RestoreArgs, opts?: pulumi.CustomResourceOptions) {
    const b = args.backup;
    const fromResource = isResourceLike(b) ? (b as RestorableBackup) : undefined;
    const loc = args.storageLocation;
    const locResource = isResourceLike(loc) ? (loc as unknown as RestoreLocation) : undefined;
    const props: Record<keyof RestoreInputs | keyof RestoreOutputs, unknown> = {
      resourceKind: "Restore",
      restoreName: args.name ?? name,
      owner: ownerUrn("Restore", name, opts),
      adopt: args.adopt,
      backupName: fromResource ? fromResource.name : b,
      plan: args.plan,
      latest: args.latest,
      storageLocation: locResource ? locResource.locationName : (loc ?? fromResource?.storageLocationName),
      namespace: args.namespace ?? locResource?.namespace ?? fromResource?.locationNamespace,
      includeNamespaces: args.includeNamespaces,
      namespaceMapping: args.namespaceMapping,
      includeResources: args.includeResources,
      excludeResources: args.excludeResources,
      selector: args.selector,
      existingResourcePolicy: args.existingResourcePolicy,
      restoreVolumes: args.restoreVolumes,
      volumeSource: args.volumeSource,
      preserveNodePorts: args.preserveNodePorts,
      patches: args.patches,
      cleanupOnDelete: args.cleanupOnDelete,
      identity: args.identity === undefined ? undefined : pulumi.secret(args.identity),
      kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
      context: args.context,
      phase: undefined,
      counts: undefined,
      skipped: undefined,
      failed: undefined,
      warnings: undefined,
      createdNamespaces: undefined,
      createdSnapshotContents: undefined,
      volumes: undefined,
      storageLocationName: undefined,
      targetCluster: undefined,
      startedAt: undefined,
      completedAt: undefined,
      objectsPerSecond: undefined,
      resultConfigMap: undefined,
    };
    super(
      dynamicProvider("Restore"),
      name,
      props,
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "identity", "kubeconfig"],
      },
      "hks",
      "Restore",
    );
  }
}
