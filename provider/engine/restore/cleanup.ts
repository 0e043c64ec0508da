/**
 * The clean-up of what a restore created as a whole, shared by the Restore resource (its create on
 * failure, its delete) and restore drills (after every run).
 */
import type { RestoreCluster } from "../../kube/target-cluster";
import { deleteCreatedNamespaces } from "./namespaces";
import type { CreatedNamespace } from "./types";
import { SNAPSHOT_API } from "./volumes";

/** How long a clean-up waits for deleted namespaces to be gone. */
export const CLEANUP_TIMEOUT_MS = 5 * 60_000;

/**
 * Deletes what a restore created as a whole: the namespaces it created (that incarnation only, by
 * uid; their content goes with them) and the pre-bound VolumeSnapshotContents (Retain, so the
 * source's snapshots stay). Objects restored into namespaces that existed before are kept. Throws
 * when a namespace is still there at the deadline (so Pulumi keeps the resource and can retry).
 */
export async function cleanupRestore(
  cluster: RestoreCluster,
  created: { namespaces: readonly CreatedNamespace[]; snapshotContents: readonly string[] },
  timeoutMs = CLEANUP_TIMEOUT_MS,
  signal?: AbortSignal,
): Promise<string[]> {
  const left = await deleteCreatedNamespaces(cluster, created.namespaces, timeoutMs, signal);
  for (const name of created.snapshotContents)
    await cluster.delete({ apiVersion: SNAPSHOT_API, kind: "VolumeSnapshotContent", name });
  if (left.length)
    throw new Error(
      `namespaces ${left.join(", ")} were asked to be deleted but still exist after ` +
        `${Math.round(timeoutMs / 1000)}s (finalizers?); check 'kubectl get ns ${left[0]} -o yaml' and retry`,
    );
  return created.namespaces.map((n) => n.name);
}
