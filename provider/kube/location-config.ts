/**
 * A storage location's record in the cluster, so the CronJob runner and the `hks` CLI find it by
 * name: a ConfigMap `hks-location-<name>` with the non-secret config, and, when credentials were given
 * inline, a Secret `hks-location-<name>-credentials`. Credentials never go into the ConfigMap.
 */
import * as k8s from "@kubernetes/client-node";
import { InputError, StorageError } from "../errors";
import { ownerAnnotations, ownerOf } from "../format/owner";
import { isConflict, isNotFound, kubeError } from "./client";
import { judgeRecord, type Claimant, type RecordRef } from "./ownership";

export const MANAGED_BY = { "app.kubernetes.io/managed-by": "hks-backup" } as const;
export const LOCATION_LABEL = "hks.io/location";
export const DEFAULT_LOCATION_LABEL = "hks.io/default-location";
/** Keys of the credentials Secret, the AWS SDK's environment variable names. */
export const CREDENTIAL_KEYS = {
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
} as const;

/** Where a location's S3 credentials come from. */
export type CredentialsSource =
  | { kind: "ambient" }
  | {
      kind: "secret";
      name: string;
      namespace: string;
      accessKeyIdKey: string;
      secretAccessKeyKey: string;
      sessionTokenKey?: string;
    };

/** The non-secret configuration of a location, as stored in its ConfigMap (`location.json`). */
export interface LocationConfig {
  name: string;
  namespace: string;
  provider: "aws" | "generic";
  objectStorage?: {
    bucket: string;
    region: string;
    endpoint?: string;
    prefix: string;
    forcePathStyle?: boolean;
    caBundle?: string;
    idleTimeoutSeconds?: number;
  };
  nfs?: { server: string; path: string; localPath?: string };
  serverSideEncryption?: { type: "SSE-S3" } | { type: "SSE-KMS"; kmsKeyId: string };
  /** age recipients (public keys) every backup here is encrypted to. */
  recipients: string[];
  accessMode: "ReadWrite" | "ReadOnly";
  default: boolean;
  credentials: CredentialsSource;
}

export const configMapName = (location: string) => `hks-location-${location}`;
export const credentialsSecretName = (location: string) => `hks-location-${location}-credentials`;

/** The records of a location (ConfigMap, and the inline-credentials Secret), for the ownership rule. */
export function locationRecords(namespace: string, name: string, withSecret: boolean): RecordRef[] {
  return [
    { kind: "ConfigMap", namespace, name: configMapName(name) },
    ...(withSecret ? [{ kind: "Secret" as const, namespace, name: credentialsSecretName(name) }] : []),
  ];
}

export async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.readNamespace({ name });
  } catch (err) {
    if (!isNotFound(err)) throw kubeError(`reading namespace ${name}`, err);
    try {
      await core.createNamespace({ body: { metadata: { name, labels: { ...MANAGED_BY } } } });
    } catch (e) {
      if (!isConflict(e)) throw kubeError(`creating namespace ${name}`, e);
    }
  }
}

async function upsertConfigMap(core: k8s.CoreV1Api, body: k8s.V1ConfigMap): Promise<void> {
  const { name, namespace } = body.metadata as { name: string; namespace: string };
  try {
    await core.createNamespacedConfigMap({ namespace, body });
  } catch (err) {
    if (!isConflict(err)) throw kubeError(`creating ConfigMap ${namespace}/${name}`, err);
    await core.replaceNamespacedConfigMap({ name, namespace, body }).catch((e) => {
      throw kubeError(`updating ConfigMap ${namespace}/${name}`, e);
    });
  }
}

async function upsertSecret(core: k8s.CoreV1Api, body: k8s.V1Secret): Promise<void> {
  const { name, namespace } = body.metadata as { name: string; namespace: string };
  try {
    await core.createNamespacedSecret({ namespace, body });
  } catch (err) {
    if (!isConflict(err)) throw kubeError(`creating Secret ${namespace}/${name}`, err);
    await core.replaceNamespacedSecret({ name, namespace, body }).catch((e) => {
      throw kubeError(`updating Secret ${namespace}/${name}`, e);
    });
  }
}

/**
 * Writes (or replaces) the location's ConfigMap and, for inline credentials, its Secret, both
 * annotated with `owner`. Returns the names written. Idempotent. The caller claims the records first
 * (kube/ownership.ts `claimRecords`): this function overwrites.
 */
export async function writeLocationConfig(
  kc: k8s.KubeConfig,
  config: LocationConfig,
  inlineCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  owner?: string,
): Promise<{ configMap: string; secret?: string }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await ensureNamespace(kc, config.namespace);
  const labels = { ...MANAGED_BY, [LOCATION_LABEL]: config.name, [DEFAULT_LOCATION_LABEL]: String(config.default) };
  const annotations = ownerAnnotations(owner);
  let secret: string | undefined;
  if (inlineCredentials) {
    secret = credentialsSecretName(config.name);
    const stringData: Record<string, string> = {
      [CREDENTIAL_KEYS.accessKeyId]: inlineCredentials.accessKeyId,
      [CREDENTIAL_KEYS.secretAccessKey]: inlineCredentials.secretAccessKey,
    };
    if (inlineCredentials.sessionToken) stringData[CREDENTIAL_KEYS.sessionToken] = inlineCredentials.sessionToken;
    await upsertSecret(core, {
      metadata: { name: secret, namespace: config.namespace, labels, annotations },
      type: "Opaque",
      stringData,
    });
  }
  const cm = configMapName(config.name);
  await upsertConfigMap(core, {
    metadata: { name: cm, namespace: config.namespace, labels, annotations },
    data: { "location.json": JSON.stringify(config, null, 2) },
  });
  return { configMap: cm, secret };
}

/** Reads a location's config by name; undefined when it does not exist. */
export async function readLocationConfig(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
): Promise<LocationConfig | undefined> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    const cm = await core.readNamespacedConfigMap({ name: configMapName(name), namespace });
    const text = cm.data?.["location.json"];
    if (!text)
      throw new StorageError(
        `ConfigMap ${namespace}/${configMapName(name)} has no location.json: recreate the location with 'pulumi up'`,
      );
    return JSON.parse(text) as LocationConfig;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if (err instanceof StorageError) throw err;
    throw kubeError(`reading storage location ${namespace}/${name}`, err);
  }
}

/**
 * The raw record for refresh: its parsed config (undefined when location.json is missing or not
 * JSON) and its owner; undefined when the ConfigMap does not exist.
 */
export async function readLocationRecord(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
): Promise<{ config?: LocationConfig; owner?: string } | undefined> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let cm: k8s.V1ConfigMap;
  try {
    cm = await core.readNamespacedConfigMap({ name: configMapName(name), namespace });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw kubeError(`reading storage location ${namespace}/${name}`, err);
  }
  let config: LocationConfig | undefined;
  try {
    config = JSON.parse(cm.data?.["location.json"] ?? "") as LocationConfig;
  } catch {
    config = undefined;
  }
  return { config, owner: ownerOf(cm) };
}

/** All locations recorded in `namespace`, sorted by name. */
export async function listLocationConfigs(kc: k8s.KubeConfig, namespace: string): Promise<LocationConfig[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    const list = await core.listNamespacedConfigMap({ namespace, labelSelector: LOCATION_LABEL });
    return list.items
      .map((cm) => cm.data?.["location.json"])
      .filter((t): t is string => !!t)
      .map((t) => JSON.parse(t) as LocationConfig)
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw kubeError(`listing storage locations in ${namespace}`, err);
  }
}

/**
 * Finds a location by name, or the default one when `name` is undefined. The error says which
 * locations exist, so a typo is easy to fix.
 */
export async function resolveLocationConfig(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string | undefined,
  field = "storageLocation",
): Promise<LocationConfig> {
  if (name) {
    const cfg = await readLocationConfig(kc, namespace, name);
    if (cfg) return cfg;
  }
  const all = await listLocationConfigs(kc, namespace);
  const names = `locations: ${all.map((l) => l.name).join(", ")}`;
  if (!name) {
    const noDefaultFix = all.length ? ` (${names})` : ": create a BackupStorageLocation first";
    const defaults = all.filter((l) => l.default);
    if (defaults.length === 1) return defaults[0];
    if (all.length === 1) return all[0];
    throw new InputError(
      field,
      defaults.length > 1
        ? `several default locations in ${namespace} (${defaults.map((l) => l.name).join(", ")}): name one`
        : `no storage location given and no default in ${namespace}${noDefaultFix}`,
    );
  }
  const fix = all.length
    ? ` (${names}): use one of them, or create it with a BackupStorageLocation`
    : ": create it with a BackupStorageLocation resource";
  throw new InputError(field, `storage location "${name}" not found in namespace ${namespace}${fix}`);
}

/** Reads the S3 credentials a location refers to; undefined for the ambient chain. */
export async function readLocationCredentials(
  kc: k8s.KubeConfig,
  config: LocationConfig,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined> {
  const src = config.credentials;
  if (src.kind === "ambient") return undefined;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let secret: k8s.V1Secret;
  try {
    secret = await core.readNamespacedSecret({ name: src.name, namespace: src.namespace });
  } catch (err) {
    if (isNotFound(err))
      throw new InputError(
        "credentialsSecretRef",
        `Secret ${src.namespace}/${src.name} of location "${config.name}" does not exist: create it (keys ` +
          `${src.accessKeyIdKey} and ${src.secretAccessKeyKey}), or fix credentialsSecretRef`,
      );
    throw kubeError(`reading credentials Secret ${src.namespace}/${src.name}`, err);
  }
  const get = (key: string | undefined) =>
    key && secret.data?.[key] ? Buffer.from(secret.data[key], "base64").toString("utf8") : undefined;
  const accessKeyId = get(src.accessKeyIdKey);
  const secretAccessKey = get(src.secretAccessKeyKey);
  if (!accessKeyId || !secretAccessKey) {
    throw new InputError(
      "credentialsSecretRef",
      `Secret ${src.namespace}/${src.name} lacks key ` +
        `"${!accessKeyId ? src.accessKeyIdKey : src.secretAccessKeyKey}": add it, or name the key with ` +
        `credentialsSecretRef.${!accessKeyId ? "accessKeyIdKey" : "secretAccessKeyKey"}`,
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken: get(src.sessionTokenKey) };
}

/**
 * Removes the location's ConfigMap and its inline-credentials Secret; absent is fine. A record of
 * another owner (format/owner.ts) is kept and returned in `kept`, never deleted.
 */
export async function deleteLocationConfig(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  who: Claimant,
): Promise<{ deleted: string[]; kept: string[] }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const errors: string[] = [];
  const out = { deleted: [] as string[], kept: [] as string[] };
  for (const r of locationRecords(namespace, name, true)) {
    try {
      const v = await judgeRecord(kc, r, { ...who, adopt: false });
      if (v.verdict === "absent") continue;
      if (v.verdict === "foreign") {
        out.kept.push(v.message);
        continue;
      }
      await (r.kind === "ConfigMap"
        ? core.deleteNamespacedConfigMap({ name: r.name, namespace })
        : core.deleteNamespacedSecret({ name: r.name, namespace }));
      out.deleted.push(`${r.kind} ${namespace}/${r.name}`);
    } catch (err) {
      if (!isNotFound(err)) errors.push(kubeError(`deleting ${r.kind} of location ${name}`, err).message);
    }
  }
  if (errors.length) throw new StorageError(errors.join("; "));
  return out;
}
