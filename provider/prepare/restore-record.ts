/**
 * The record of a restore in the target cluster: a ConfigMap `hks-restore-<name>` in the namespace
 * where storage locations are recorded, holding the result as JSON. The CLI has no server side, so
 * this is how `hks restore describe` finds a restore made by `hks restore create` or by the Restore
 * resource. The result holds counts, reasons and names only: no Secret data, identity or credentials.
 * The record carries its owner (format/owner.ts): the Restore resource's URN, or `hks-cli`.
 */
import * as k8s from "@kubernetes/client-node";
import { ConflictError } from "../errors";
import { isConflict, isNotFound, kubeError } from "../kube/client";
import { MANAGED_BY } from "../kube/location-config";
import { judgeRecord, type Claimant, type RecordRef } from "../kube/ownership";
import { ownerAnnotations } from "../format/owner";
import { restoreConfigMapName } from "../plan/restore";
import type { RestoreResult } from "../engine/restore/types";

/** Label marking restore records, for listing them. */
export const RESTORE_RECORD_LABEL = "hks.io/restore-record";
/** The key of the result JSON in the ConfigMap. */
export const RESTORE_RECORD_KEY = "result.json";

/** The record of restore `restoreName`, for the ownership rule. */
export const restoreRecordRef = (namespace: string, restoreName: string): RecordRef => ({
  kind: "ConfigMap",
  namespace,
  name: restoreConfigMapName(restoreName),
});

function body(namespace: string, result: RestoreResult, owner: string | undefined): k8s.V1ConfigMap {
  return {
    metadata: {
      name: restoreConfigMapName(result.restoreName),
      namespace,
      labels: { ...MANAGED_BY, [RESTORE_RECORD_LABEL]: "true", "hks.io/restore-phase": result.phase },
      annotations: ownerAnnotations(owner),
    },
    data: { [RESTORE_RECORD_KEY]: JSON.stringify(result, null, 2) },
  };
}

/**
 * Writes the record, annotated with `owner`. With `overwrite` false an existing record is a
 * ConflictError (a CLI restore name is used once); with true it is replaced (the Restore resource,
 * which claimed the record before restoring: kube/ownership.ts `claimRecords`).
 */
export async function writeRestoreRecord(
  kc: k8s.KubeConfig,
  namespace: string,
  result: RestoreResult,
  opts: { overwrite: boolean; owner?: string },
): Promise<string> {
  const { overwrite } = opts;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cm = body(namespace, result, opts.owner);
  const name = cm.metadata!.name!;
  try {
    await core.createNamespacedConfigMap({ namespace, body: cm });
  } catch (err) {
    if (!isConflict(err))
      throw kubeError(`recording restore ${result.restoreName} in ConfigMap ${namespace}/${name}`, err);
    if (!overwrite)
      throw new ConflictError(
        `restore "${result.restoreName}" already exists (ConfigMap ${namespace}/${name}); see it with 'hks ` +
          `restore describe ${result.restoreName}' or pick another name`,
      );
    await core.replaceNamespacedConfigMap({ name, namespace, body: cm }).catch((e) => {
      throw kubeError(`updating ConfigMap ${namespace}/${name}`, e);
    });
  }
  return name;
}

/** Reads a restore's record; undefined when there is none. */
export async function readRestoreRecord(
  kc: k8s.KubeConfig,
  namespace: string,
  restoreName: string,
): Promise<RestoreResult | undefined> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = restoreConfigMapName(restoreName);
  try {
    const cm = await core.readNamespacedConfigMap({ name, namespace });
    const text = cm.data?.[RESTORE_RECORD_KEY];
    return text ? (JSON.parse(text) as RestoreResult) : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw kubeError(`reading restore record ${namespace}/${name}`, err);
  }
}

/** True when a record of that name exists. */
export async function restoreRecordExists(
  kc: k8s.KubeConfig,
  namespace: string,
  restoreName: string,
): Promise<boolean> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.readNamespacedConfigMap({ name: restoreConfigMapName(restoreName), namespace });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw kubeError(`reading restore record ${namespace}/${restoreConfigMapName(restoreName)}`, err);
  }
}

/**
 * Removes a restore's record when it is `who`'s own (format/owner.ts): "deleted", "absent", or
 * "kept" with the reason when another owner recorded it (never deleted).
 */
export async function deleteRestoreRecord(
  kc: k8s.KubeConfig,
  namespace: string,
  restoreName: string,
  who: Claimant,
): Promise<{ outcome: "deleted" | "absent" } | { outcome: "kept"; reason: string }> {
  const ref = restoreRecordRef(namespace, restoreName);
  const v = await judgeRecord(kc, ref, { ...who, adopt: false });
  if (v.verdict === "absent") return { outcome: "absent" };
  if (v.verdict === "foreign") return { outcome: "kept", reason: v.message };
  try {
    await kc.makeApiClient(k8s.CoreV1Api).deleteNamespacedConfigMap({ name: ref.name, namespace });
    return { outcome: "deleted" };
  } catch (err) {
    if (isNotFound(err)) return { outcome: "absent" };
    throw kubeError(`deleting restore record ${namespace}/${ref.name}`, err);
  }
}

/** Rewrites the owner annotations of a restore's record (a renamed stack or an alias); absent is fine. */
export async function reownRestoreRecord(
  kc: k8s.KubeConfig,
  namespace: string,
  restoreName: string,
  owner: string | undefined,
): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = restoreConfigMapName(restoreName);
  try {
    const cm = await core.readNamespacedConfigMap({ name, namespace });
    const annotations = { ...(cm.metadata?.annotations ?? {}), ...ownerAnnotations(owner) };
    await core.replaceNamespacedConfigMap({
      name,
      namespace,
      body: { ...cm, metadata: { ...cm.metadata, annotations } },
    });
  } catch (err) {
    if (!isNotFound(err)) throw kubeError(`updating the owner of restore record ${namespace}/${name}`, err);
  }
}

/** Every restore recorded in `namespace` (any order); a record that does not parse is skipped. */
export async function listRestoreRecords(kc: k8s.KubeConfig, namespace: string): Promise<RestoreResult[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core
    .listNamespacedConfigMap({ namespace, labelSelector: `${RESTORE_RECORD_LABEL}=true` })
    .catch((err: unknown) => {
      throw kubeError(`listing restore records in namespace ${namespace}`, err);
    });
  return list.items.flatMap((cm) => {
    try {
      const text = cm.data?.[RESTORE_RECORD_KEY];
      return text ? [JSON.parse(text) as RestoreResult] : [];
    } catch {
      return [];
    }
  });
}
