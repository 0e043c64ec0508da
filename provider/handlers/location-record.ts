/**
 * The BackupStorageLocation's in-cluster record and its owner (format/owner.ts, kube/ownership.ts):
 * who claims it, the stale credentials Secret, and what refresh finds. Split from the handler.
 */
import type * as k8s from "@kubernetes/client-node";
import { credentialsSecretName, configMapName, locationRecords, readLocationRecord } from "../kube/location-config";
import { containsUnknown } from "../kinds";
import { judgeRecord, previewRefusal, type Claimant } from "../kube/ownership";
import type { CheckFailure } from "../plan/validate";
import { locationRecordDrift, type LocationDrift } from "../plan/location-drift";
import { locationConfigOf } from "../prepare/location-store";
import type { BackupStorageLocationInputs as Inputs, BackupStorageLocationOutputs as Outputs } from "../types";

/**
 * Who writes the location's records (format/owner.ts). A record without an owner is this
 * resource's own only when it existed before (`olds` with the same in-cluster name).
 */
export function claimantOf(i: Inputs, olds?: Partial<Inputs>): Claimant {
  const same = !!olds && olds.locationName === i.locationName && olds.namespace === i.namespace;
  return {
    self: i.owner,
    previous: same ? [olds.owner] : [],
    unownedIsOurs: same,
    adopt: i.adopt === true,
    nameInput: "`name` (the location's name in the cluster)",
  };
}

/** Deletes the inline-credentials Secret of an earlier apply: only ours, never the one credentialsSecretRef names. */
export async function deleteStaleCredentials(kc: k8s.KubeConfig, i: Inputs, olds?: Partial<Inputs>): Promise<void> {
  const name = credentialsSecretName(i.locationName);
  const ref = i.credentialsSecretRef;
  if (ref && ref.name === name && (ref.namespace ?? i.namespace) === i.namespace) return;
  const r = { kind: "Secret", namespace: i.namespace, name } as const;
  if ((await judgeRecord(kc, r, { ...claimantOf(i, olds), adopt: false })).verdict !== "ours") return;
  const k8s = await import("@kubernetes/client-node");
  await kc
    .makeApiClient(k8s.CoreV1Api)
    .deleteNamespacedSecret({ name, namespace: i.namespace })
    .catch(() => undefined);
}

/** Refresh of the record: reflected fields into the inputs, the rest into `drift` (plan/location-drift.ts). */
export async function readRecord(kc: k8s.KubeConfig, props: Outputs): Promise<LocationDrift> {
  const live = await readLocationRecord(kc, props.namespace, props.locationName);
  const record = `ConfigMap ${props.namespace}/${configMapName(props.locationName)}`;
  return locationRecordDrift(record, locationConfigOf(props), live, props.owner);
}

/** The ownership rule at `pulumi preview` (check): a failure on `locationName` for another owner's record. */
export async function previewOwnership(inputs: Inputs, olds: Partial<Inputs>): Promise<CheckFailure[]> {
  if (containsUnknown([inputs.locationName, inputs.namespace, inputs.kubeconfig, inputs.context])) return [];
  const refusal = await previewRefusal(
    { kubeconfig: inputs.kubeconfig, context: inputs.context },
    locationRecords(inputs.namespace, inputs.locationName, false),
    claimantOf(inputs, olds),
  );
  return refusal ? [{ property: "locationName", reason: refusal }] : [];
}

/** The rule's verdict on the location's ConfigMap for the resource in state (delete). */
export async function recordVerdict(kc: k8s.KubeConfig, props: Outputs): Promise<string> {
  const r = { kind: "ConfigMap", namespace: props.namespace, name: configMapName(props.locationName) } as const;
  return (await judgeRecord(kc, r, { ...claimantOf(props, props), adopt: false })).verdict;
}
