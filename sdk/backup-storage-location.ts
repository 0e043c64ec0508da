import * as pulumi from "@pulumi/pulumi";
import type { BackupStorageLocationInputs, BackupStorageLocationOutputs } from "../provider/types";
import { dynamicProvider } from "./dynamic";
import { ownerUrn } from "./owner";

/** An S3-compatible bucket: AWS S3, MinIO, Google Cloud Storage (interoperability mode), Ceph RGW, ... */
export interface ObjectStorageArgs {
  /** Bucket name (S3 rules: 3-63 lowercase letters, digits, '.', '-'). A path goes in `prefix`, not here. */
  readonly bucket: pulumi.Input<string>;
  /** Region of the bucket. @default "us-east-1" */
  readonly region?: pulumi.Input<string>;
  /** Endpoint URL of a non-AWS service, e.g. `"https://minio.example.com:9000"`. @default the AWS endpoint of `region` */
  readonly endpoint?: pulumi.Input<string>;
  /** Key prefix under which `hks/v1/...` is written, without leading or trailing '/'. @default "" (bucket root) */
  readonly prefix?: pulumi.Input<string>;
  /** Use path-style URLs (`https://host/bucket/key`); MinIO and most on-premises services need it. @default true when `endpoint` is set */
  readonly forcePathStyle?: pulumi.Input<boolean>;
  /** PEM bundle of the CA that signed the endpoint's certificate, for private CAs. @default the system CAs */
  readonly caBundle?: pulumi.Input<string>;
  /**
   * Seconds a request to the service may go without a byte sent or received (or a connection may
   * take to open) before it is abandoned; the S3 client retries it up to 3 times, then the backup or
   * restore fails naming the location. Without it, a frozen endpoint would hang a backup forever.
   * Whole seconds, 1-3600. @default 60
   */
  readonly idleTimeoutSeconds?: pulumi.Input<number>;
}

/** An NFS share holding backups (the same layout as in a bucket). */
export interface NfsArgs {
  /** NFS server host name or IP, e.g. `"192.168.1.100"`. Mounted by the CronJob's pod. */
  readonly server: pulumi.Input<string>;
  /** Exported path on the server, e.g. `"/exports/backups"`. */
  readonly path: pulumi.Input<string>;
  /** Where the machine running `pulumi up` or `hks` has this share mounted. @default `path` */
  readonly localPath?: pulumi.Input<string>;
}

/** Static S3 credentials. Always stored as Pulumi secrets; written to the cluster only as a Secret. */
export interface S3CredentialsArgs {
  /** Access key id. */
  readonly accessKeyId: pulumi.Input<string>;
  /** Secret access key. */
  readonly secretAccessKey: pulumi.Input<string>;
  /** Session token for temporary credentials. @default none */
  readonly sessionToken?: pulumi.Input<string>;
}

/** A reference to an existing Kubernetes Secret with S3 credentials. */
export interface SecretRefArgs {
  /** Name of the Secret. */
  readonly name: pulumi.Input<string>;
  /** Namespace of the Secret. @default the location's `namespace` */
  readonly namespace?: pulumi.Input<string>;
  /** Key holding the access key id. @default "AWS_ACCESS_KEY_ID" */
  readonly accessKeyIdKey?: pulumi.Input<string>;
  /** Key holding the secret access key. @default "AWS_SECRET_ACCESS_KEY" */
  readonly secretAccessKeyKey?: pulumi.Input<string>;
}

export interface BackupStorageLocationArgs {
  /** `"aws"` for S3 and S3-compatible services, `"generic"` for NFS (or S3-compatible). @default "aws" with
   * objectStorage, "generic" with nfs */
  readonly provider?: pulumi.Input<"aws" | "generic">;
  /** Store backups in an S3-compatible bucket. Exactly one of `objectStorage` and `nfs`. */
  readonly objectStorage?: pulumi.Input<ObjectStorageArgs>;
  /** Store backups on an NFS share (or a plain directory). Exactly one of `objectStorage` and `nfs`. */
  readonly nfs?: pulumi.Input<NfsArgs>;
  /** S3 credentials (made secret). Without them and `credentialsSecretRef`, the ambient AWS chain is used (env
   * `AWS_*`, profile, IRSA). */
  readonly credentials?: pulumi.Input<S3CredentialsArgs>;
  /** Use S3 credentials from an existing Kubernetes Secret instead of `credentials`. */
  readonly credentialsSecretRef?: pulumi.Input<SecretRefArgs>;
  /** Create the bucket when it does not exist. @default true */
  readonly createBucket?: pulumi.Input<boolean>;
  /** Enable bucket versioning. @default unchanged (on when objectLock is set) */
  readonly versioning?: pulumi.Input<boolean>;
  /** Default server-side encryption of the bucket: `{ type: "SSE-S3" }` or `{ type: "SSE-KMS", kmsKeyId }`. @default
   * unchanged */
  readonly serverSideEncryption?: pulumi.Input<
    { type: "SSE-S3" } | { type: "SSE-KMS"; kmsKeyId: pulumi.Input<string> }
  >;
  /** Object lock (WORM) with a default retention; only possible when the bucket is created. @default none */
  readonly objectLock?: pulumi.Input<{ mode: "GOVERNANCE" | "COMPLIANCE"; /** days */ days: number }>;
  /** Lifecycle rules for everything under the prefix: `expireDays` and `abortIncompleteUploadDays`. @default none */
  readonly lifecycle?: pulumi.Input<{ expireDays?: number; abortIncompleteUploadDays?: number }>;
  /** Bucket tags (at most 50). @default none */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Client-side encryption: every backup written here is encrypted (age, X25519) to these public keys (`age1...`).
   * Restores need a matching identity. @default none */
  readonly encryption?: pulumi.Input<{ recipients: pulumi.Input<pulumi.Input<string>[]> }>;
  /** `"ReadOnly"` for restore-only locations (e.g. another cluster's backups): nothing is ever written or deleted.
   * @default "ReadWrite" */
  readonly accessMode?: pulumi.Input<"ReadWrite" | "ReadOnly">;
  /** What `pulumi destroy` does with the data: `"Retain"` keeps bucket and backups; `"Delete"` removes what this
   * resource created (refused while locked objects remain). @default "Retain" */
  readonly deletionPolicy?: pulumi.Input<"Retain" | "Delete">;
  /** Use this location when a plan or `hks backup create` names none. @default false */
  readonly default?: pulumi.Input<boolean>;
  /** Name of the location in the cluster (ConfigMap `hks-location-<name>`), used by `hks --storage-location`.
   * @default the resource name */
  readonly name?: pulumi.Input<string>;
  /**
   * Take over in-cluster objects of the same name that another owner recorded: another stack, the
   * `hks` CLI, or an hks-backup that did not record owners. Without it such objects are refused
   * (at `pulumi preview` where the cluster can be read, else before create changes anything), naming
   * both owners. Every object this resource writes is annotated `hks.io/owner` (its URN) and
   * `hks.io/owner-stack` (`<project>/<stack>`). @default false
   */
  readonly adopt?: pulumi.Input<boolean>;
  /** Namespace where the location's config and credentials Secret are written. @default "hks-system" */
  readonly namespace?: pulumi.Input<string>;
  /** Content of a kubeconfig file for the cluster (made secret). @default KUBECONFIG, then in-cluster */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Context in the kubeconfig. @default its current context */
  readonly context?: pulumi.Input<string>;
}

/**
 * Where backups are stored: an S3-compatible bucket or an NFS share. `pulumi up` provisions the bucket
 * (versioning, encryption, object lock, lifecycle, tags), proves access with a probe object, and
 * writes the location's config into the cluster so schedules and the `hks` CLI find it by name.
 */
export class BackupStorageLocation extends pulumi.dynamic.Resource {
  /** `Available` once access was proven. */
  declare readonly phase: pulumi.Output<string>;
  /** `s3://bucket/prefix` or `file:///path`. */
  declare readonly url: pulumi.Output<string>;
  /** In-cluster name of the location. */
  declare readonly locationName: pulumi.Output<string>;
  /** Namespace holding the location's config. */
  declare readonly namespace: pulumi.Output<string>;
  /** Bucket name, for object storage locations. */
  declare readonly bucket: pulumi.Output<string | undefined>;
  /** Endpoint URL of a non-AWS service, when one was given. */
  declare readonly endpoint: pulumi.Output<string | undefined>;
  /** Capabilities found on the store: versioning, object lock, server-side and client-side encryption. */
  declare readonly capabilities: pulumi.Output<BackupStorageLocationOutputs["capabilities"]>;
  /** ConfigMap holding the location's non-secret config. */
  declare readonly configMapName: pulumi.Output<string>;
  /** Out-of-band changes of the in-cluster record found by the last `pulumi refresh` (the next `pulumi up` writes it
   * again). */
  declare readonly drift: pulumi.Output<string[]>;

  constructor(name: string, args: BackupStorageLocationArgs, opts?: pulumi.CustomResourceOptions) {
    const props: Record<keyof BackupStorageLocationInputs | keyof BackupStorageLocationOutputs, unknown> = {
      resourceKind: "BackupStorageLocation",
      locationName: args.name ?? name,
      owner: ownerUrn("BackupStorageLocation", name, opts),
      adopt: args.adopt,
      provider: args.provider,
      objectStorage: args.objectStorage,
      nfs: args.nfs,
      credentials: args.credentials === undefined ? undefined : pulumi.secret(args.credentials),
      credentialsSecretRef: args.credentialsSecretRef,
      createBucket: args.createBucket,
      versioning: args.versioning,
      serverSideEncryption: args.serverSideEncryption,
      objectLock: args.objectLock,
      lifecycle: args.lifecycle,
      tags: args.tags,
      encryption: args.encryption,
      accessMode: args.accessMode,
      deletionPolicy: args.deletionPolicy,
      default: args.default,
      namespace: args.namespace,
      kubeconfig: args.kubeconfig === undefined ? undefined : pulumi.secret(args.kubeconfig),
      context: args.context,
      phase: undefined,
      url: undefined,
      bucket: undefined,
      endpoint: undefined,
      bucketCreated: undefined,
      capabilities: undefined,
      configMapName: undefined,
      credentialsSecretName: undefined,
      drift: undefined,
    };
    super(
      dynamicProvider("BackupStorageLocation"),
      name,
      props,
      {
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "credentials", "kubeconfig"],
      },
      "hks",
      "BackupStorageLocation",
    );
  }
}
