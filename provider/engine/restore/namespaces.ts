/**
 * The two steps of a restore that prepare the target before namespaced objects go in: waiting for
 * restored CRDs to be Established (then refreshing discovery, velero `restore.go#execute`), and making
 * sure every target namespace exists, recording the ones this restore created (with their uid) so
 * `cleanupOnDelete` deletes exactly those.
 */
import { KubernetesError } from "../../errors";
import type { RestoreOutcomes } from "./result";
import { type CreatedNamespace } from "./types";
import { ClusterCallError, type RestoreCluster } from "../../kube/target-cluster";

/** How often a wait polls the API server. */
export const POLL_INTERVAL_MS = 250;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function established(crd: Record<string, unknown> | undefined): boolean {
  const conds = (crd?.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conds.some((c) => c.type === "Established" && c.status === "True");
}

/**
 * Waits until each named CRD is Established, then refreshes discovery so its kinds resolve. A CRD
 * still not established at the deadline is a warning: its custom resources then fail one by one
 * with a clear reason instead of the whole restore stopping.
 */
export async function waitForCrds(
  cluster: RestoreCluster,
  names: readonly string[],
  timeoutMs: number,
  outcomes: RestoreOutcomes,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await cluster.get({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name });
      if (established(crd)) break;
      if (Date.now() > deadline) {
        outcomes.warn(
          `CustomResourceDefinition ${name} was not Established within ${Math.round(timeoutMs / 1000)}s; its ` +
            `custom resources may fail to restore`,
        );
        break;
      }
      await sleep(POLL_INTERVAL_MS, signal);
    }
  }
  cluster.refreshDiscovery();
}

/**
 * Creates each target namespace that does not exist, appending it (name, uid) to `created`. A
 * namespace being deleted stops the restore: objects cannot be created in it, and it would vanish.
 */
export async function ensureNamespaces(
  cluster: RestoreCluster,
  names: Iterable<string>,
  created: CreatedNamespace[],
): Promise<void> {
  for (const name of [...names].sort()) {
    if (created.some((c) => c.name === name)) continue;
    const ref = { apiVersion: "v1", kind: "Namespace", name };
    const live = await cluster.get(ref);
    if (live) {
      if ((live.status as { phase?: string } | undefined)?.phase === "Terminating") {
        throw new KubernetesError(
          `target namespace ${name} is being deleted; wait until it is gone (kubectl get ns ${name}) and ` +
            `restore again, or map to another namespace`,
        );
      }
      continue;
    }
    try {
      const made = await cluster.create({ ...ref, metadata: { name } });
      created.push({ name, uid: String(made.metadata.uid) });
    } catch (e) {
      if (e instanceof ClusterCallError && e.status === 409) continue; // created meanwhile by someone else: not ours
      throw new KubernetesError(`creating target namespace ${name}: ${(e as Error).message}`, { cause: e });
    }
  }
}

/**
 * Deletes the namespaces a restore created (only that incarnation: uid precondition) and waits until
 * they are gone, at most `timeoutMs`. Returns the names still present at the deadline.
 */
export async function deleteCreatedNamespaces(
  cluster: RestoreCluster,
  namespaces: readonly CreatedNamespace[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  for (const ns of namespaces) {
    try {
      await cluster.delete({ apiVersion: "v1", kind: "Namespace", name: ns.name }, { uid: ns.uid });
    } catch (e) {
      // 409: the uid precondition failed, so this is someone else's namespace of the same name.
      if (!(e instanceof ClusterCallError && e.status === 409)) throw e;
    }
  }
  const deadline = Date.now() + timeoutMs;
  let remaining = [...namespaces];
  while (remaining.length) {
    const still: CreatedNamespace[] = [];
    for (const ns of remaining) {
      const live = await cluster.get({ apiVersion: "v1", kind: "Namespace", name: ns.name });
      if (live && live.metadata.uid === ns.uid) still.push(ns);
    }
    remaining = still;
    if (!remaining.length || Date.now() > deadline) break;
    await sleep(POLL_INTERVAL_MS * 4, signal);
  }
  return remaining.map((n) => n.name);
}
