/**
 * Drift of a location's in-cluster record (ConfigMap `hks-location-<name>`) against what the
 * resource wrote. Pure: the handler's `read` fetches the record and calls this.
 *
 * Issue 15: a second stack rewrote a location's record (another bucket) and the first stack's
 * refresh said "unchanged". Now:
 * 1. fields a person may change on purpose and that only update in place (`default`, `accessMode`,
 *    the encryption recipients) are reflected into the inputs, so the diff names them;
 * 2. everything else (a deleted record, another bucket or prefix, another owner) goes into the
 *    `drift` output; a non-empty list makes the next `pulumi up` write the record again (or refuse,
 *    naming both owners, when another stack owns it now).
 */
import { canonical } from "../format/json-path";
import { describeOwner, judgeOwnership } from "../format/owner";
import type { LocationConfig } from "../kube/location-config";
import type { BackupStorageLocationInputs as Inputs } from "../types";

/** What {@link locationRecordDrift} found. */
export interface LocationDrift {
  readonly messages: string[];
  /** Live values of reflected fields that differ, to write into the inputs. */
  readonly reflected: Partial<Pick<Inputs, "default" | "accessMode" | "encryption">>;
}

/**
 * Compares the live record with the expected one.
 * @param record `ConfigMap ns/name`, for messages.
 * @param live the record, undefined when deleted; its config undefined when unreadable.
 * @param owner this resource's owner (the state's).
 */
export function locationRecordDrift(
  record: string,
  expected: LocationConfig,
  live: { config?: LocationConfig; owner?: string } | undefined,
  owner: string | undefined,
): LocationDrift {
  if (!live) return { messages: [`${record} is missing (deleted out of band)`], reflected: {} };
  const messages: string[] = [];
  const verdict = judgeOwnership({
    object: record,
    live: { exists: true, owner: live.owner },
    self: owner,
    unownedIsOurs: true,
    adopt: false,
    nameInput: "name",
  });
  if (verdict.verdict === "foreign") messages.push(`${record} is now owned by ${describeOwner(live.owner)}`);
  else if (live.owner === undefined && owner !== undefined) messages.push(`${record} lost its owner annotation`);
  if (!live.config) return { messages: [...messages, `${record} has no readable location.json`], reflected: {} };
  const reflected: LocationDrift["reflected"] = {};
  const got = live.config;
  if (got.default !== expected.default) reflected.default = got.default;
  if (got.accessMode !== expected.accessMode) reflected.accessMode = got.accessMode;
  if (canonical(got.recipients ?? []) !== canonical(expected.recipients))
    reflected.encryption = got.recipients?.length ? { recipients: got.recipients } : undefined;
  const compared = Object.keys({ ...expected, ...got }).filter(
    (k) => !["default", "accessMode", "recipients"].includes(k),
  ) as (keyof LocationConfig)[];
  for (const k of compared.sort()) {
    if (canonical(normalize(got[k])) !== canonical(normalize(expected[k])))
      messages.push(`${record}: ${k} is ${JSON.stringify(got[k])}, the resource says ${JSON.stringify(expected[k])}`);
  }
  return { messages, reflected };
}

/** Drops undefined members, as JSON (the recorded form) does. */
function normalize(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}
