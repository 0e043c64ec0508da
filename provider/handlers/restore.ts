/**
 * Restore: runs a restore during `pulumi up` into the cluster of `kubeconfig`/`context`, reading the
 * backup through the storage location recorded in that cluster. `pulumi destroy` removes what the
 * restore created as a whole (the namespaces it created, pre-bound snapshot contents) when
 * `cleanupOnDelete` is true, and nothing else. Order inside each method: parse, plan, apply, shape.
 *
 * Phases: Completed succeeds; PartiallyFailed succeeds with its failures printed (the clone is
 * usable, and the outputs say which objects are missing); Failed fails `pulumi up` after removing
 * what this attempt created, so create stays all-or-nothing.
 */
import { parseIdentityFile } from "../format/age-keys";
import { runRestore } from "../engine/restore/restore";
import { prepareRestore } from "../prepare/restore";
import { cleanupRestore } from "../engine/restore/cleanup";
import { KubeRestoreCluster } from "../kube/restore-cluster";
import { deleteRestoreRecord, writeRestoreRecord } from "../prepare/restore-record";
import { identityRefusalAtPreview } from "../prepare/restore-preview";
import { formatRestoreResult } from "../engine/restore/report";
import type { RestoreResult } from "../engine/restore/types";
import { loadKubeConfig } from "../kube/client";
import { checkRestore, diffRestore, IN_PLACE_INPUTS, restoreConfigMapName } from "../plan/restore";
import type { RestoreInputs as Inputs, RestoreOutputs as Outputs } from "../types";
import { PartialCreateError, type HandlerContext, type ResourceHandler } from "./handler";

const idOf = (i: Inputs) => `${i.namespace}/${i.restoreName}`;

function outputsOf(i: Inputs, r: RestoreResult, resultConfigMap: string): Outputs {
  return {
    ...i,
    backupName: r.backupName,
    phase: r.phase,
    counts: r.counts,
    skipped: r.skipped,
    failed: r.failed,
    warnings: r.warnings,
    createdNamespaces: r.createdNamespaces,
    createdSnapshotContents: r.createdSnapshotContents,
    volumes: r.volumes,
    storageLocationName: r.storageLocation,
    targetCluster: r.targetCluster,
    startedAt: r.startedAt,
    completedAt: r.completedAt,
    objectsPerSecond: r.objectsPerSecond,
    resultConfigMap,
  };
}

async function restore(
  i: Inputs,
  ctx: HandlerContext,
): Promise<{ result: RestoreResult; configMap: string; kc: ReturnType<typeof loadKubeConfig> }> {
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  const identities = i.identity ? parseIdentityFile(i.identity, "identity") : [];
  const { deps, options } = await prepareRestore(kc, i, {
    identities,
    progress: ctx.progress,
    signal: ctx.signal,
    log: ctx.log,
  });
  const result = await runRestore(deps, options);
  let configMap = restoreConfigMapName(i.restoreName);
  try {
    configMap = await writeRestoreRecord(kc, i.namespace, result, true);
  } catch (e) {
    ctx.log(`warning: could not record the result in ConfigMap ${i.namespace}/${configMap}: ${(e as Error).message}`);
  }
  return { result, configMap, kc };
}

/** The Restore resource handler, registered in provider/index.ts. */
export const restoreHandler: ResourceHandler<Inputs, Outputs> = {
  applyDeadlineMs: 60 * 60_000,

  async check(_olds, news) {
    const checked = checkRestore(news);
    if (checked.failures.length > 0) return checked;
    // Read-only and best effort: what `up` would refuse after creating everything before it.
    const refusal = await identityRefusalAtPreview(checked.inputs);
    return refusal ? { ...checked, failures: [{ property: "identity", reason: refusal }] } : checked;
  },

  async diff(_id, olds, news) {
    const d = diffRestore(olds, news);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: true };
  },

  async create(inputs, ctx) {
    const { result, configMap, kc } = await restore(inputs, ctx);
    ctx.log(formatRestoreResult(result).join("\n"));
    const outs = outputsOf(inputs, result, configMap);
    if (result.phase !== "Failed") return { id: idOf(inputs), outs };
    // Failed: undo this attempt so create stays all-or-nothing; if that fails, tell Pulumi what
    // exists (a partial create), so `pulumi destroy` can finish the job.
    const message =
      `restore ${inputs.restoreName} failed: ` + `${result.error ?? `all ${result.counts.failed} objects failed`}`;
    try {
      await cleanupRestore(
        new KubeRestoreCluster(kc),
        { namespaces: result.createdNamespaces, snapshotContents: result.createdSnapshotContents },
        undefined,
        ctx.signal,
      );
    } catch (e) {
      throw new PartialCreateError(
        idOf(inputs),
        outs as unknown as Record<string, unknown>,
        `${message}; cleaning up what it created failed too: ${(e as Error).message}`,
      );
    }
    throw new Error(message);
  },

  async read(id, props) {
    // A restore is an event: its outputs describe what happened and stay as they are.
    return { id, props };
  },

  async update(_id, olds, news) {
    // Only IN_PLACE_INPUTS reach here (diff replaces on everything else): take them, keep the rest.
    const outs: Outputs = { ...olds };
    for (const k of IN_PLACE_INPUTS) (outs as unknown as Record<string, unknown>)[k] = news[k];
    return { outs };
  },

  async delete(_id, props, ctx) {
    const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
    const created = props.createdNamespaces ?? [];
    if (props.cleanupOnDelete && (created.length || props.createdSnapshotContents?.length)) {
      const removed = await cleanupRestore(
        new KubeRestoreCluster(kc),
        { namespaces: created, snapshotContents: props.createdSnapshotContents ?? [] },
        undefined,
        ctx.signal,
      );
      const contents = props.createdSnapshotContents?.length;
      const andContents = contents ? ` and ${contents} VolumeSnapshotContent(s)` : "";
      const namespaces = removed.join(", ") || "none";
      ctx.log(`restore ${props.restoreName}: deleted the namespaces it created (${namespaces})${andContents}`);
    } else {
      ctx.log(
        `restore ${props.restoreName}: restored objects kept ` +
          `(${props.cleanupOnDelete ? "it created no namespace" : "cleanupOnDelete is false"})`,
      );
    }
    await deleteRestoreRecord(kc, props.namespace, props.restoreName);
  },
};
