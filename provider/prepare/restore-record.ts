/**
 * The record of a restore in the target cluster: a ConfigMap `hks-restore-<name>` in the namespace
 * where storage locations are recorded, holding the result as JSON. The CLI has no server side, so
 * this is how `hks restore describe` finds a restore made by `hks restore create` or by the Restore
 * resource. The result holds counts, reasons and names only: no Secret data, identity or credentials.
 */
import * as k8s from "@kubernetes/client-node";
import { ConflictError } from "../errors";
import { isConflict, isNotFound, kubeError } from "../kube/client";
import { MANAGED_BY } from "../kube/location-config";
import { restoreConfigMapName } from "../plan/restore";
import type { RestoreResult } from "../engine/restore/types";

/** Label marking restore records, for listing them. */
export const RESTORE_RECORD_LABEL = "hks.io/restore-record";
/** The key of the result JSON in the ConfigMap. */
export const RESTORE_RECORD_KEY = "result.json";

function body(namespace: string, result: RestoreResult): k8s.V1ConfigMap {
  return {
    metadata: {
      name: restoreConfigMapName(result.restoreName),
      namespace,
      labels: { ...MANAGED_BY, [RESTORE_RECORD_LABEL]: "true", "hks.io/restore-phase": result.phase },
    },
    data: { [RESTORE_RECORD_KEY]: JSON.stringify(result, null, 2) },
  };
}

/**
 * Writes the record. With `overwrite` false an existing record is a ConflictError (a CLI restore
 * name is used once); with true it is replaced (a Restore resource re-creating after a failure).
 */
export async function writeRestoreRecord(
  kc: k8s.KubeConfig,
  namespace: string,
  result: RestoreResult,
  overwrite: boolean,
): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cm = body(namespace, result);
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

/** Removes a restore's record; absent is fine. */
export async function deleteRestoreRecord(kc: k8s.KubeConfig, namespace: string, restoreName: string): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.deleteNamespacedConfigMap({ name: restoreConfigMapName(restoreName), namespace });
  } catch (err) {
    if (!isNotFound(err))
      throw kubeError(`deleting restore record ${namespace}/${restoreConfigMapName(restoreName)}`, err);
  }
}
