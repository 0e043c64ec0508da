/**
 * A Restore without `identity` of an encrypted backup is refused at `pulumi preview` (issue 15),
 * from what the location's record and the backup's manifest say; anything unknown is left to create.
 */
import { describe, expect, it } from "vitest";
import {
  identityRefusalAtPreview,
  missingIdentityReason,
  type EncryptionFacts,
} from "../../../provider/prepare/restore-preview";
import { UNKNOWN } from "../../../provider/kinds";
import type { RestoreInputs } from "../../../provider/types";

const location = { namespace: "hks-system", name: "offsite", recipients: 1 };

describe("missingIdentityReason", () => {
  it.each<{ name: string; facts: EncryptionFacts; want: RegExp | undefined }>([
    {
      name: "the backup's manifest says encrypted",
      facts: { location, backup: { name: "b1", encrypted: true } },
      want: /^backup b1 is encrypted \(age\) and no identity is given; give identity: .*AGE-SECRET-KEY-1/,
    },
    {
      name: "the backup is not there yet (taken in the same up): the location's record decides",
      facts: { location, backup: { name: "b1" } },
      want: /^storage location hks-system\/offsite encrypts every backup to 1 age recipient \(ConfigMap hks-system\/hks-location-offsite\), so backup b1 cannot be read without identity; give identity/,
    },
    {
      name: "the newest of a plan: the location's record decides",
      facts: { location: { ...location, recipients: 2 } },
      want: /to 2 age recipients .* so the backup cannot be read/,
    },
    {
      name: "an older unencrypted backup in a location that encrypts now",
      facts: { location, backup: { name: "old", encrypted: false } },
      want: undefined,
    },
    { name: "a location without recipients", facts: { location: { ...location, recipients: 0 } }, want: undefined },
  ])("$name", ({ facts, want }) => {
    const r = missingIdentityReason(facts);
    if (want) expect(r).toMatch(want);
    else expect(r).toBeUndefined();
  });
});

describe("identityRefusalAtPreview", () => {
  const inputs = { resourceKind: "Restore", restoreName: "r", namespace: "hks-system", storageLocation: "offsite" };
  const encrypted = async (): Promise<EncryptionFacts> => ({ location });

  it("refuses when the facts say so", async () => {
    expect(await identityRefusalAtPreview(inputs as RestoreInputs, encrypted)).toMatch(/give identity/);
  });

  it("never reads when an identity is given", async () => {
    const read = async (): Promise<EncryptionFacts> => {
      throw new Error("must not read");
    };
    const withIdentity = { ...inputs, identity: "AGE-SECRET-KEY-1..." } as RestoreInputs;
    expect(await identityRefusalAtPreview(withIdentity, read)).toBeUndefined();
  });

  it("leaves it to create when the cluster fails or is slow", async () => {
    const failing = async (): Promise<EncryptionFacts> => {
      throw new Error("connect ECONNREFUSED");
    };
    const slow = () => new Promise<EncryptionFacts>((r) => setTimeout(() => r({ location }), 200));
    expect(await identityRefusalAtPreview(inputs as RestoreInputs, failing)).toBeUndefined();
    expect(await identityRefusalAtPreview(inputs as RestoreInputs, slow, 20)).toBeUndefined();
  });

  it("reads nothing while the location's name is unknown (preview of a new location)", async () => {
    const unknown = { ...inputs, storageLocation: UNKNOWN } as RestoreInputs;
    // The real reader: it must return before touching a cluster.
    expect(await identityRefusalAtPreview(unknown)).toBeUndefined();
  });
});
