/**
 * Restore's apply pass: the spilled objects, tier by tier in `orderForRestore` order, with bounded
 * concurrency inside a tier and a barrier between tiers. Around the tiers: CRDs are waited for
 * (Established, then discovery refreshed) before anything else, target namespaces are ensured
 * before the first namespaced tier, PVCs get their snapshot source (or are filled from volume data
 * right after their tier, before the workloads), and owner references are
 * re-attached once every object is in.
 */
import pLimit from "p-limit";
import { groupResourceKey } from "../../format/archive-paths";
import { applyObject, failureReason, type ApplyDeps } from "./apply";
import { ensureNamespaces, waitForCrds } from "./namespaces";
import { orderForRestore } from "./order";
import { NO_PROGRESS, type ProgressSink } from "../progress";
import { readSpilled, type SpillIndex, type SpilledObject } from "./spill";
import type { CreatedNamespace } from "./types";
import type { VolumeRestorer } from "./volumes";

const CRD_KEY = "customresourcedefinitions.apiextensions.k8s.io";
const NAMESPACES_KEY = "namespaces";
const PVC_KEY = "persistentvolumeclaims";

/** What the apply pass needs besides the spilled objects. */
export interface TierDeps extends ApplyDeps {
  /** Namespaces this restore created; appended to as it creates them. */
  readonly created: CreatedNamespace[];
  /** Set when restoreVolumes is on. */
  readonly volumes?: VolumeRestorer;
  readonly concurrency: number;
  readonly crdTimeoutMs: number;
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
}

/**
 * Runs `fn` for every item with at most `concurrency` at once, reading `items` lazily so memory
 * stays bounded. After a failure no new item starts; the in-flight ones settle, then the first
 * error is thrown.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const limit = pLimit(concurrency);
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const p: Promise<void> = limit(() => fn(item))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= concurrency * 2) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure) throw failure.error;
}

async function* tierObjects(
  index: SpillIndex,
  keys: readonly string[],
): AsyncGenerator<{ key: string; s: SpilledObject }> {
  for (const key of keys) {
    const t = index.types.get(key);
    if (t) for await (const s of readSpilled(t.file)) yield { key, s };
  }
}

/** Applies every spilled object; see the module comment. Throws only when the restore must stop. */
export async function applyTiers(index: SpillIndex, d: TierDeps): Promise<void> {
  const progress = d.progress ?? NO_PROGRESS;
  const tiers = orderForRestore([...index.types.values()].map((t) => t.gr)).map((tier) => tier.map(groupResourceKey));
  let namespacesReady = false;
  let done = 0;
  for (const keys of tiers) {
    if (!namespacesReady && !keys.includes(CRD_KEY) && !keys.includes(NAMESPACES_KEY)) {
      await ensureNamespaces(d.cluster, index.targetNamespaces, d.created);
      namespacesReady = true;
    }
    const crds: string[] = [];
    await forEachBounded(tierObjects(index, keys), d.concurrency, async ({ key, s }) => {
      d.signal?.throwIfAborted();
      let obj = s.object;
      if (key === PVC_KEY && d.volumes && s.sourceNamespace) {
        try {
          obj = await d.volumes.prepare(obj, s.sourceNamespace);
        } catch (e) {
          d.outcomes.failed(s.item, `restoring its data from a snapshot: ${failureReason(e, obj)}`);
          progress({ step: "restore", done: ++done, total: index.total });
          return;
        }
      }
      const out = await applyObject(s, d, obj);
      // A CRD that failed to apply will never be Established: do not wait for it.
      if (key === CRD_KEY && out.action !== "failed") crds.push(obj.metadata.name);
      if (key === NAMESPACES_KEY && out.action === "created")
        d.created.push({ name: out.live.metadata.name, uid: String(out.live.metadata.uid) });
      progress({ step: "restore", done: ++done, total: index.total });
    });
    if (crds.length) await waitForCrds(d.cluster, crds, d.crdTimeoutMs, d.outcomes, d.signal);
    // Claims restored from volume data are filled before any workload that mounts them is applied.
    if (keys.includes(PVC_KEY)) await d.volumes?.fillPending(progress, d.signal);
  }
  if (!namespacesReady) await ensureNamespaces(d.cluster, index.targetNamespaces, d.created);
  await d.owners.resolveDeferred(d.outcomes);
}
