/**
 * What a Restore's `check` learns from the cluster, so that `pulumi preview` refuses a restore that
 * `pulumi up` would fail (issue 15: a Restore of an encrypted backup without `identity` failed only
 * during `up`, after everything before it had been created, although the location's record says it
 * encrypts). Read-only and best effort: an unreachable cluster, an unknown input or a slow answer
 * leaves the decision to create, which checks again (engine/catalog/read-verified.ts#checkIdentities).
 */
import { containsUnknown } from "../kinds";
import { loadKubeConfig } from "../kube/client";
import { configMapName, readLocationConfig } from "../kube/location-config";
import { STORE_LAYOUT } from "../store";
import type { RestoreInputs } from "../types";
import { openLocationStore } from "./location-store";

/** How long the preview reads may take before the question is left to create. */
export const PREVIEW_READ_TIMEOUT_MS = 5_000;

/** What the cluster and the store said; `backupEncrypted` is undefined when the backup is not there (yet). */
export interface EncryptionFacts {
  readonly location: { readonly namespace: string; readonly name: string; readonly recipients: number };
  readonly backup?: { readonly name: string; readonly encrypted?: boolean };
}

/** The refusal for a restore without identity of what `facts` describe, or undefined. Pure. */
export function missingIdentityReason(facts: EncryptionFacts): string | undefined {
  const { location: l, backup: b } = facts;
  const fix =
    `give identity: the text of an age identity file (AGE-SECRET-KEY-1...) of one of the location's ` +
    `recipients, e.g. identity: config.requireSecret("ageIdentity")`;
  if (b?.encrypted === true) return `backup ${b.name} is encrypted (age) and no identity is given; ${fix}`;
  if (b?.encrypted === false || l.recipients === 0) return undefined;
  return (
    `storage location ${l.namespace}/${l.name} encrypts every backup to ${l.recipients} age ` +
    `recipient${l.recipients === 1 ? "" : "s"} (ConfigMap ${l.namespace}/${configMapName(l.name)}), ` +
    `so ${b ? `backup ${b.name}` : "the backup"} cannot be read without identity; ${fix}`
  );
}

/** Reads the facts for `i`, or undefined when the inputs do not say enough (unknowns at preview). */
async function readFacts(i: RestoreInputs): Promise<EncryptionFacts | undefined> {
  const location = i.storageLocation;
  const known = (v: unknown) => typeof v === "string" && v !== "" && !containsUnknown(v);
  if (!known(location) || !known(i.namespace) || containsUnknown(i.kubeconfig) || containsUnknown(i.context))
    return undefined;
  const kc = loadKubeConfig({ kubeconfig: i.kubeconfig, context: i.context });
  const cfg = await readLocationConfig(kc, i.namespace, location!);
  if (!cfg) return undefined;
  const facts: EncryptionFacts = {
    location: { namespace: i.namespace, name: location!, recipients: cfg.recipients?.length ?? 0 },
  };
  if (facts.location.recipients === 0 || !known(i.backupName)) return facts;
  const store = await openLocationStore(kc, cfg);
  const body = await store.tryGet(STORE_LAYOUT.backupManifestKey(i.backupName!));
  const manifest = body
    ? (JSON.parse(body.toString("utf8")) as { artifacts?: { resources?: { encrypted?: unknown } } })
    : undefined;
  const encrypted = manifest?.artifacts?.resources?.encrypted;
  return {
    ...facts,
    backup: { name: i.backupName!, encrypted: typeof encrypted === "boolean" ? encrypted : undefined },
  };
}

/**
 * The `identity` refusal `check` returns at preview, or undefined: when an identity is given, the
 * cluster says nothing (or not in time), or the backup is known to be unencrypted.
 */
export async function identityRefusalAtPreview(
  i: RestoreInputs,
  read: (i: RestoreInputs) => Promise<EncryptionFacts | undefined> = readFacts,
  timeoutMs = PREVIEW_READ_TIMEOUT_MS,
): Promise<string | undefined> {
  if (i.identity !== undefined && i.identity !== null && i.identity !== "") return undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    const facts = await Promise.race([read(i).catch(() => undefined), late]);
    return facts && missingIdentityReason(facts);
  } finally {
    clearTimeout(timer);
  }
}
