/**
 * The cluster side of the ownership rule (format/owner.ts): reads the owner of the ConfigMaps and
 * Secrets a resource records, claims them before anything is written, and the best-effort check run
 * at `pulumi preview`. BackupPlan objects are judged in plan-install.ts with the same rule.
 */
import * as k8s from "@kubernetes/client-node";
import { ConflictError } from "../errors";
import { judgeOwnership, ownerOf, describeOwner, type OwnershipQuestion, type OwnershipVerdict } from "../format/owner";
import { isNotFound, kubeError, loadKubeConfig, type ClusterAccess } from "./client";

/** A ConfigMap or Secret a resource records. */
export interface RecordRef {
  readonly kind: "ConfigMap" | "Secret";
  readonly namespace: string;
  readonly name: string;
}

/** Who writes: everything of an {@link OwnershipQuestion} but the object. */
export type Claimant = Omit<OwnershipQuestion, "object" | "live">;

/** `ConfigMap ns/name`. */
export const describeRecord = (r: RecordRef) => `${r.kind} ${r.namespace}/${r.name}`;

/** Whether the record exists, and its recorded owner. */
export async function readRecordOwner(
  kc: k8s.KubeConfig,
  r: RecordRef,
): Promise<{ exists: boolean; owner?: string; labels?: Record<string, string> }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    const live =
      r.kind === "ConfigMap"
        ? await core.readNamespacedConfigMap({ name: r.name, namespace: r.namespace })
        : await core.readNamespacedSecret({ name: r.name, namespace: r.namespace });
    return { exists: true, owner: ownerOf(live), labels: live.metadata?.labels };
  } catch (err) {
    if (isNotFound(err)) return { exists: false };
    throw kubeError(`reading ${describeRecord(r)}`, err);
  }
}

/** The verdict on one record. */
export async function judgeRecord(kc: k8s.KubeConfig, r: RecordRef, who: Claimant): Promise<OwnershipVerdict> {
  const live = await readRecordOwner(kc, r);
  return judgeOwnership({ ...who, object: describeRecord(r), live });
}

/**
 * Claims every record before anything is written: a foreign one is a ConflictError (nothing
 * changed); an adopted one is logged with its former owner.
 */
export async function claimRecords(
  kc: k8s.KubeConfig,
  records: readonly RecordRef[],
  who: Claimant,
  log: (line: string) => void,
): Promise<void> {
  const verdicts = await Promise.all(records.map((r) => judgeRecord(kc, r, who)));
  const foreign = verdicts.find((v) => v.verdict === "foreign");
  if (foreign?.verdict === "foreign") throw new ConflictError(foreign.message);
  verdicts.forEach((v, n) => {
    if (v.verdict === "adopt")
      log(`${describeRecord(records[n])}: adopted from ${describeOwner(v.from)} (adopt: true)`);
  });
}

/** How long the preview check waits for the API server before leaving the check to create. */
export const PREVIEW_TIMEOUT_MS = 5_000;

/**
 * The same claim at `pulumi preview` (from a handler's `check`), read-only and best effort: returns
 * the refusal for a foreign record, and undefined when all are claimable OR the cluster cannot be
 * reached in {@link PREVIEW_TIMEOUT_MS} (create checks again before writing anything).
 */
export async function previewRefusal(
  access: ClusterAccess,
  records: readonly RecordRef[],
  who: Claimant,
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PREVIEW_TIMEOUT_MS);
  });
  const judge = (async () => {
    const kc = loadKubeConfig(access);
    for (const r of records) {
      const v = await judgeRecord(kc, r, who);
      if (v.verdict === "foreign") return v.message;
    }
    return undefined;
  })().catch(() => undefined);
  try {
    return await Promise.race([judge, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
