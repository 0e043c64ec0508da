/**
 * Backup: an on-demand backup taken during `pulumi up` (create). Immutable: any input change
 * replaces it with a new backup. A Failed backup fails `pulumi up` with its reasons; a
 * PartiallyFailed one succeeds and prints what is missing. Order inside each method: parse, plan,
 * apply, shape outputs.
 */
import { loadKubeConfig } from "../kube/client";
import { createKubeReader } from "../kube/discovery";
import { readLocationConfig } from "../kube/location-config";
import { openLocationStore } from "../prepare/location-store";
import { prepareBackup } from "../prepare/backup";
import { runBackup } from "../engine/backup/backup";
import { volumeDataTotals } from "../engine/backup/result";
import { deleteBackup, describeBackup } from "../engine/catalog/catalog";
import type { BackupFailure, BackupManifest } from "../format/manifest";
import { formatBytes } from "../engine/progress";
import { deleteSnapshots } from "../engine/snapshot/snapshot";
import { kubeSnapshotApi } from "../kube/snapshot-api";
import { checkBackup, diffBackup } from "../plan/backup";
import type { BackupInputs as Inputs, BackupOutputs as Outputs } from "../types";
import type { HandlerContext, ResourceHandler } from "./handler";

/** What a Backup given only `plan` should do when that plan is not installed. */
function planFix(i: Inputs): string {
  return (
    `create it first with a BackupPlan (pass the BackupPlan resource as \`plan\` so Pulumi creates it before ` +
    `this Backup), fix \`plan\`${i.planNamespace ? "" : " or `locationNamespace`"}, or give \`target\``
  );
}

/** The outputs of a finished backup. */
function outputsOf(i: Inputs, location: string, url: string, m: BackupManifest): Outputs {
  return {
    ...i,
    name: m.name,
    phase: m.phase,
    storageLocationName: location,
    url,
    itemsBackedUp: m.counts.total,
    itemsByResource: m.counts.byResource,
    bytes: m.artifacts.resources.bytes,
    uncompressedBytes: m.uncompressedBytes,
    snapshots: m.volumeSnapshots.filter((s) => s.readyToUse).map((s) => `${s.namespace}/${s.volumeSnapshot}`),
    warnings: m.warnings,
    errors: m.errors.map((e) => `${e.item}: ${e.reason}`),
    startedAt: m.startedAt,
    completedAt: m.completedAt,
  };
}

function failureMessage(f: BackupFailure, url: string): string {
  const reasons = f.errors
    .slice(0, 10)
    .map((e) => `  - ${e.item}: ${e.reason}`)
    .join("\n");
  return (
    `Backup "${f.name}" Failed (record: ` +
    `${url}failure.json):\n${reasons}${f.errors.length > 10 ? `\n  ... and ${f.errors.length - 10} more` : ""}`
  );
}

/** Opens the store of the location recorded in props; undefined when the location is gone. */
async function storeOf(props: Outputs) {
  const kc = loadKubeConfig({ kubeconfig: props.kubeconfig, context: props.context });
  const cfg = await readLocationConfig(kc, props.locationNamespace, props.storageLocationName);
  return cfg ? { kc, store: await openLocationStore(kc, cfg) } : undefined;
}

async function create(i: Inputs, ctx: HandlerContext): Promise<Outputs> {
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  const { location, deps, request } = await prepareBackup(kc, i, {
    planFix: planFix(i),
    log: ctx.log,
    signal: ctx.signal,
  });
  const name = request.name;
  ctx.log(`backup ${name}: to ${location.name} (${deps.store.describe()})`);
  const res = await runBackup(request, {
    ...deps,
    signal: ctx.signal,
    log: () => undefined,
    progress: ctx.progress,
  });
  if (res.phase === "Failed") throw new Error(failureMessage(res.record as BackupFailure, res.url));
  const m = res.record as BackupManifest;
  const snaps = m.volumeSnapshots;
  const snapshots = snaps.length ? `, ${snaps.filter((s) => s.readyToUse).length}/${snaps.length} snapshots` : "";
  const stored = formatBytes(m.artifacts.resources.bytes);
  const vd = volumeDataTotals(m.volumeData);
  const volumeData = m.volumeData?.length
    ? `, volume data ${vd.copied.length}/${m.volumeData.length} copied (${formatBytes(vd.read)} read, ` +
      `${formatBytes(vd.uploaded)} uploaded)`
    : "";
  ctx.log(`backup ${name}: ${m.phase}: ${m.counts.total} objects, ${stored} stored${snapshots}${volumeData}`);
  for (const w of m.warnings) ctx.log(`backup ${name}: warning: ${w}`);
  for (const e of m.errors) ctx.log(`backup ${name}: error: ${e.item}: ${e.reason}`);
  return outputsOf(i, location.name, res.url, m);
}

export const backupHandler: ResourceHandler<Inputs, Outputs> = {
  // Collection, upload and up to the snapshot deadline (10 minutes by default) with room to spare.
  applyDeadlineMs: 2 * 60 * 60_000,

  async check(_olds, news) {
    return checkBackup(news);
  },

  async diff(_id, olds, news) {
    const d = diffBackup(olds, news);
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
  },

  async create(inputs, ctx) {
    const outs = await create(inputs, ctx);
    return { id: `${outs.storageLocationName}/${outs.name}`, outs };
  },

  async read(id, props) {
    const opened = await storeOf(props);
    // Without its location the backup cannot be checked; keep it rather than forget real data.
    if (!opened) return { id, props };
    const desc = await describeBackup(opened.store, props.name);
    if (!desc || desc.summary.phase === "Incomplete") return {}; // deleted from storage: gone
    return { id, props: { ...props, phase: desc.manifest?.phase ?? props.phase } };
  },

  async update(_id, _olds, news) {
    // Unreachable in practice (every change replaces); kept so a provider-version bump is harmless.
    return { outs: news as Outputs };
  },

  async delete(_id, props, ctx) {
    if (props.deletionPolicy !== "Delete") {
      ctx.log(`backup ${props.name}: kept in ${props.url} (deletionPolicy ${props.deletionPolicy})`);
      return;
    }
    const opened = await storeOf(props);
    if (!opened) {
      ctx.log(
        `backup ${props.name}: location ${props.locationNamespace}/${props.storageLocationName} is gone; ` +
          `nothing to delete`,
      );
      return;
    }
    const desc = await describeBackup(opened.store, props.name);
    if (desc?.manifest?.volumeSnapshots.length) {
      const api = await kubeSnapshotApi(opened.kc, createKubeReader(opened.kc));
      const snaps = await deleteSnapshots(api, desc.manifest.volumeSnapshots);
      if (snaps.errors.length)
        throw new Error(`backup ${props.name}: deleting its VolumeSnapshots failed: ${snaps.errors.join("; ")}`);
      if (snaps.deleted.length) ctx.log(`backup ${props.name}: deleted VolumeSnapshots ${snaps.deleted.join(", ")}`);
    }
    const del = await deleteBackup(opened.store, props.name);
    ctx.log(
      `backup ${props.name}: ` +
        `${del ? `deleted ${del.keys.length} objects (${formatBytes(del.bytes)})` : "already gone"} ` +
        `(deletionPolicy Delete)`,
    );
  },
};
