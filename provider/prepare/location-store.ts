/**
 * Turns a storage location's recorded config (ConfigMap) or resource inputs into an ObjectStore.
 * One function for the provider, the CronJob runner and the CLI, so they always agree on where a
 * location's data is.
 */
import type * as k8s from "@kubernetes/client-node";
import type { LocationConfig } from "../kube/location-config";
import { readLocationCredentials } from "../kube/location-config";
import { storeFromConfig, type ObjectStore, type StoreConfig } from "../store";
import type { BackupStorageLocationInputs } from "../types";

type Creds = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** The store config of a location. `credentials` undefined means the ambient AWS chain. */
export function storeConfigOf(
  cfg: Pick<LocationConfig, "objectStorage" | "nfs" | "serverSideEncryption">,
  credentials?: Creds,
): StoreConfig {
  if (cfg.nfs) return { kind: "filesystem", path: cfg.nfs.localPath ?? cfg.nfs.path };
  const os = cfg.objectStorage!;
  const sse = cfg.serverSideEncryption;
  return {
    kind: "s3",
    bucket: os.bucket,
    prefix: os.prefix,
    region: os.region,
    endpoint: os.endpoint,
    forcePathStyle: os.forcePathStyle ?? (os.endpoint ? true : undefined),
    caBundle: os.caBundle,
    idleTimeoutMs: os.idleTimeoutSeconds === undefined ? undefined : os.idleTimeoutSeconds * 1000,
    credentials,
    sse: sse ? (sse.type === "SSE-KMS" ? { type: "aws:kms", kmsKeyId: sse.kmsKeyId } : { type: "AES256" }) : undefined,
  };
}

/** The LocationConfig recorded in the cluster for resource inputs (no secrets in it). */
export function locationConfigOf(inputs: BackupStorageLocationInputs): LocationConfig {
  const ref = inputs.credentialsSecretRef;
  return {
    name: inputs.locationName,
    namespace: inputs.namespace,
    provider: inputs.provider,
    objectStorage: inputs.objectStorage
      ? {
          bucket: inputs.objectStorage.bucket,
          region: inputs.objectStorage.region ?? "us-east-1",
          endpoint: inputs.objectStorage.endpoint,
          prefix: inputs.objectStorage.prefix ?? "",
          forcePathStyle: inputs.objectStorage.forcePathStyle,
          caBundle: inputs.objectStorage.caBundle,
          idleTimeoutSeconds: inputs.objectStorage.idleTimeoutSeconds,
        }
      : undefined,
    nfs: inputs.nfs,
    serverSideEncryption: inputs.serverSideEncryption,
    recipients: inputs.encryption?.recipients ?? [],
    accessMode: inputs.accessMode,
    default: inputs.default,
    credentials: inputs.credentials
      ? {
          kind: "secret",
          name: `hks-location-${inputs.locationName}-credentials`,
          namespace: inputs.namespace,
          accessKeyIdKey: "AWS_ACCESS_KEY_ID",
          secretAccessKeyKey: "AWS_SECRET_ACCESS_KEY",
          sessionTokenKey: "AWS_SESSION_TOKEN",
        }
      : ref
        ? {
            kind: "secret",
            name: ref.name,
            namespace: ref.namespace ?? inputs.namespace,
            accessKeyIdKey: ref.accessKeyIdKey ?? "AWS_ACCESS_KEY_ID",
            secretAccessKeyKey: ref.secretAccessKeyKey ?? "AWS_SECRET_ACCESS_KEY",
          }
        : { kind: "ambient" },
  };
}

/** Opens the store of a location recorded in the cluster (reading its credentials Secret). */
export async function openLocationStore(kc: k8s.KubeConfig, cfg: LocationConfig): Promise<ObjectStore> {
  const creds = cfg.nfs ? undefined : await readLocationCredentials(kc, cfg);
  return storeFromConfig(storeConfigOf(cfg, creds));
}
