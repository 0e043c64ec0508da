/**
 * The cluster-scoped objects a namespaced backup needs in order to be restorable on its own:
 * the Namespaces it covers (their labels and annotations carry policy, e.g. pod security) and the
 * CustomResourceDefinitions of the custom resources it holds (a custom resource cannot be created
 * before its CRD). They are added after the LIST pass, when it is known what was backed up.
 */
import { isNotFound } from "../../kube/client";
import type { KubeReader } from "../../kube/discovery";
import { isOptedOut, isResourceIncluded } from "./filter";
import { listObjects } from "../../kube/list-objects";
import type { ListedObject } from "../../format/kube-object";
import type { ItemBackupper } from "../backup/items";
import type { BackupTarget } from "../../format/manifest";

const NAMESPACES = { group: "", version: "v1", resource: "namespaces", hasStatusSubresource: true } as const;
const CRDS = {
  group: "apiextensions.k8s.io",
  version: "v1",
  resource: "customresourcedefinitions",
  hasStatusSubresource: true,
} as const;

/**
 * Adds the Namespace object of every namespace named by the target (unless `*`) or holding a
 * backed-up object. Skipped when `namespaces` is excluded by `excludeResources`. Returns warnings
 * (a named namespace that does not exist).
 */
export async function backupNamespaces(
  reader: KubeReader,
  items: ItemBackupper,
  target: BackupTarget,
  signal?: AbortSignal,
): Promise<string[]> {
  if ((target.excludeResources ?? []).some((p) => p === "namespaces")) return [];
  const warnings: string[] = [];
  const named = target.namespaces.filter((n) => n !== "*" && !(target.excludeNamespaces ?? []).includes(n));
  const all = [...new Set([...named, ...items.namespacesSeen])].sort();
  for (const ns of all) {
    let obj: ListedObject;
    try {
      obj = await reader.getJson<ListedObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}`, signal);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      warnings.push(`namespace "${ns}" does not exist: nothing was backed up from it`);
      continue;
    }
    if (isOptedOut(obj)) continue;
    await items.addClusterObject(NAMESPACES, { apiVersion: "v1", kind: "Namespace", ...obj });
  }
  return warnings;
}

/**
 * Adds the CRD of every custom resource type that had objects backed up (a CRD's key is
 * `<plural>.<group>`, the same as the type's archive key). Skipped when CRDs are excluded.
 */
export async function backupCrds(
  reader: KubeReader,
  items: ItemBackupper,
  target: BackupTarget,
  signal?: AbortSignal,
): Promise<number> {
  if (!isResourceIncluded(CRDS, { excludeResources: target.excludeResources })) return 0;
  let added = 0;
  for await (const crd of listObjects(reader, CRDS, { signal })) {
    const spec = crd.spec as { group?: string; names?: { plural?: string } } | undefined;
    const key = `${spec?.names?.plural}.${spec?.group}`;
    if (!items.typesSeen.has(key)) continue;
    await items.addClusterObject(CRDS, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      ...crd,
    });
    added++;
  }
  return added;
}
