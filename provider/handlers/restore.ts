/**
 * Restore: runs a restore during `pulumi up` into the cluster of `kubeconfig`/`context`, reading the
 * backup through the storage location recorded in that cluster. `pulumi destroy` removes what the
 * restore created as a whole (the namespaces it created, pre-bound snapshot contents) when
 * `cleanupOnDelete` is true, and nothing else. Order inside each method: parse, plan, apply, shape.
 *
 * Phases: Completed succeeds; PartiallyFailed succeeds with its failures printed (the clone is
 * usable, and the outputs say which objects are missing); Failed fails `pulumi up` after removing
 * what this attempt created (the namespaces it created and its pre-bound VolumeSnapshotContents;
 * objects it wrote into namespaces that already existed are not tracked one by one and stay), and
 * records no result ConfigMap, so create stays all-or-nothing.
 *
 * The result ConfigMap `hks-restore-<name>` carries the resource's owner (format/owner.ts): a record
 * of another stack or of `hks restore create` is refused before the restore starts (at preview when
 * the cluster can be read), unless `adopt`; delete keeps another owner's record.
 */
import { parseIdentityFile } from "../format/age-keys";
import { runRestore } from "../engine/restore/restore";
import { prepareRestore } from "../prepare/restore";
import { cleanupRestore } from "../engine/restore/cleanup";
import { KubeRestoreCluster } from "../kube/restore-cluster";
import {
  deleteRestoreRecord,
  reownRestoreRecord,
  restoreRecordRef,
  writeRestoreRecord,
} from "../prepare/restore-record";
import { identityRefusalAtPreview } from "../prepare/restore-preview";
import { claimRecords, previewRefusal, type Claimant } from "../kube/ownership";
import { containsUnknown } from "../kinds";
import { formatRestoreResult } from "../engine/restore/report";
import type { RestoreResult } from "../engine/restore/types";
import { loadKubeConfig } from "../kube/client";
import { checkRestore, diffRestore, IN_PLACE_INPUTS, restoreConfigMapName } from "../plan/restore";
import type { RestoreInputs as Inputs, RestoreOutputs as Outputs } from "../types";
import { PartialCreateError, type HandlerContext, type ResourceHandler } from "./handler";

const idOf = (i: Inputs) => `${i.namespace}/${i.restoreName}`;

/** Who writes the result record; an unowned record is this resource's own only when it existed before. */
function claimantOf(i: Inputs, olds?: Partial<Inputs>): Claimant {
  const same = !!olds && olds.restoreName === i.restoreName && olds.namespace === i.namespace;
  return {
    self: i.owner,
    previous: same ? [olds.owner] : [],
    unownedIsOurs: same,
    adopt: i.adopt === true,
    nameInput: "`name` (the restore's name in the cluster)",
  };
}

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
  // Before anything is restored: the result record must be ours to write.
  await claimRecords(kc, [restoreRecordRef(i.namespace, i.restoreName)], claimantOf(i), ctx.log);
  const identities = i.identity ? parseIdentityFile(i.identity, "identity") : [];
  const { deps, options } = await prepareRestore(kc, i, {
    identities,
    progress: ctx.progress,
    signal: ctx.signal,
    log: ctx.log,
  });
  const result = await runRestore(deps, options);
  const configMap = restoreConfigMapName(i.restoreName);
  if (result.phase === "Failed") return { result, configMap, kc }; // a failed restore records nothing
  try {
    await writeRestoreRecord(kc, i.namespace, result, { overwrite: true, owner: i.owner });
  } catch (e) {
    ctx.log(`warning: could not record the result in ConfigMap ${i.namespace}/${configMap}: ${(e as Error).message}`);
  }
  return { result, configMap, kc };
}

/** The Restore resource handler, registered in provider/index.ts. */
export const restoreHandler: ResourceHandler<Inputs, Outputs> = {
  applyDeadlineMs: 60 * 60_000,

  async check(olds, news) {
    const { inputs, failures } = checkRestore(news);
    if (failures.length) return { inputs, failures };
    // Read-only and best effort: what `up` would refuse after creating everything before it.
    const noIdentity = await identityRefusalAtPreview(inputs);
    if (noIdentity) return { inputs, failures: [{ property: "identity", reason: noIdentity }] };
    if (containsUnknown([inputs.restoreName, inputs.namespace, inputs.kubeconfig, inputs.context]))
      return { inputs, failures };
    // At preview too: a result record of another owner is refused before the restore is planned.
    const refusal = await previewRefusal(
      { kubeconfig: inputs.kubeconfig, context: inputs.context },
      [restoreRecordRef(inputs.namespace, inputs.restoreName)],
      claimantOf(inputs, olds),
    );
    return { inputs, failures: refusal ? [{ property: "restoreName", reason: refusal }] : [] };
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
      // An earlier attempt's record of ours would claim a result this attempt does not have.
      await deleteRestoreRecord(kc, inputs.namespace, inputs.restoreName, claimantOf(inputs));
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
    if (news.owner !== olds.owner) {
      // A renamed stack or an alias: the record says the new owner (once it is still, or again, ours).
      const kc = loadKubeConfig({ kubeconfig: news.kubeconfig, context: news.context });
      await claimRecords(kc, [restoreRecordRef(news.namespace, news.restoreName)], claimantOf(news, olds), () => {});
      await reownRestoreRecord(kc, news.namespace, news.restoreName, news.owner);
    }
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
    const record = await deleteRestoreRecord(kc, props.namespace, props.restoreName, claimantOf(props, props));
    if (record.outcome === "kept") ctx.log(`restore ${props.restoreName}: kept its result record: ${record.reason}`);
  },
};
