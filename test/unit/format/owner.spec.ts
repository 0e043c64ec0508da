import { describe, expect, it } from "vitest";
import {
  CLI_OWNER,
  describeOwner,
  judgeOwnership,
  OWNER_ANNOTATION,
  OWNER_STACK_ANNOTATION,
  ownerAnnotations,
  ownerOf,
  stackOfOwner,
  type OwnershipQuestion,
} from "../../../provider/format/owner";
import { checkLocation } from "../../../provider/plan/location";
import { checkBackupPlan } from "../../../provider/plan/plan";
import { checkRestore } from "../../../provider/plan/restore";

const SELF = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:BackupStorageLocation::minio";
const PREVIOUS = "urn:pulumi:old-dev::shop::pulumi-nodejs:dynamic/hks:BackupStorageLocation::minio";
const OTHER = "urn:pulumi:staging::billing::pulumi-nodejs:dynamic/hks:BackupStorageLocation::minio";
const OBJECT = "ConfigMap hks-system/hks-location-minio";

type Live = "absent" | "unowned" | "self" | "previous" | "other" | "cli";
const LIVE: Record<Live, OwnershipQuestion["live"]> = {
  absent: { exists: false },
  unowned: { exists: true },
  self: { exists: true, owner: SELF },
  previous: { exists: true, owner: PREVIOUS },
  other: { exists: true, owner: OTHER },
  cli: { exists: true, owner: CLI_OWNER },
};

function ask(live: Live, unownedIsOurs: boolean, adopt: boolean, self: string | undefined = SELF) {
  return judgeOwnership({
    object: OBJECT,
    live: LIVE[live],
    self,
    previous: [PREVIOUS],
    unownedIsOurs,
    adopt,
    nameInput: "`name`",
  }).verdict;
}

describe("judgeOwnership: every combination of live owner, unownedIsOurs and adopt", () => {
  // [live, unownedIsOurs, adopt, verdict]: 6 x 2 x 2 = 24 rows, the whole space for a writer with an owner.
  const rows: [Live, boolean, boolean, string][] = [
    ["absent", false, false, "absent"],
    ["absent", false, true, "absent"],
    ["absent", true, false, "absent"],
    ["absent", true, true, "absent"],
    ["self", false, false, "ours"],
    ["self", false, true, "ours"],
    ["self", true, false, "ours"],
    ["self", true, true, "ours"],
    ["previous", false, false, "ours"],
    ["previous", false, true, "ours"],
    ["previous", true, false, "ours"],
    ["previous", true, true, "ours"],
    ["unowned", false, false, "foreign"],
    ["unowned", false, true, "adopt"],
    ["unowned", true, false, "ours"],
    ["unowned", true, true, "ours"],
    ["other", false, false, "foreign"],
    ["other", false, true, "adopt"],
    ["other", true, false, "foreign"],
    ["other", true, true, "adopt"],
    ["cli", false, false, "foreign"],
    ["cli", false, true, "adopt"],
    ["cli", true, false, "foreign"],
    ["cli", true, true, "adopt"],
  ];
  it.each(rows)("live %s, unownedIsOurs %s, adopt %s: %s", (live, unownedIsOurs, adopt, verdict) => {
    expect(ask(live, unownedIsOurs, adopt)).toBe(verdict);
  });

  // A writer without an owner (state from before owners were recorded): only unowned objects can be its own.
  const legacy: [Live, boolean, boolean, string][] = [
    ["unowned", true, false, "ours"],
    ["unowned", false, false, "foreign"],
    ["other", true, false, "foreign"],
    ["other", true, true, "adopt"],
    ["previous", false, false, "ours"],
  ];
  it.each(legacy)("writer without owner: live %s, unownedIsOurs %s, adopt %s: %s", (live, u, adopt, verdict) => {
    expect(ask(live, u, adopt, undefined)).toBe(verdict);
  });

  it("an adopted object says whom it was taken from", () => {
    const v = judgeOwnership({
      object: OBJECT,
      live: LIVE.other,
      self: SELF,
      unownedIsOurs: false,
      adopt: true,
      nameInput: "`name`",
    });
    expect(v).toEqual({ verdict: "adopt", from: OTHER });
  });
});

describe("the refusal message", () => {
  it.each([
    { name: "another stack", live: "other" as Live, names: ["stack billing/staging", OTHER] },
    { name: "the hks CLI", live: "cli" as Live, names: ["the hks CLI (hks-cli)"] },
    { name: "no owner", live: "unowned" as Live, names: ["no recorded owner"] },
  ])("names the object, both owners and both fixes: $name", ({ live, names }) => {
    const v = judgeOwnership({
      object: OBJECT,
      live: LIVE[live],
      self: SELF,
      unownedIsOurs: false,
      adopt: false,
      nameInput: "`name` (the location's name in the cluster)",
    });
    if (v.verdict !== "foreign") throw new Error(`expected foreign, got ${v.verdict}`);
    expect(v.message).toContain(`${OBJECT} is owned by`);
    for (const n of names) expect(v.message).toContain(n);
    expect(v.message).toContain(`stack shop/dev (${SELF})`);
    expect(v.message).toContain("give this resource a different `name` (the location's name in the cluster)");
    expect(v.message).toContain("set adopt: true");
  });

  it("says when the writer records no owner", () => {
    const v = judgeOwnership({
      object: OBJECT,
      live: LIVE.other,
      self: undefined,
      unownedIsOurs: true,
      adopt: false,
      nameInput: "`name`",
    });
    expect(v.verdict === "foreign" && v.message).toContain("not by this resource (which records no owner)");
  });
});

describe("owner annotations", () => {
  it.each([
    { name: "a top-level resource", owner: SELF, stack: "shop/dev" },
    {
      name: "a resource inside a component",
      owner: "urn:pulumi:prod::shop::my:index:Backups$pulumi-nodejs:dynamic/hks:Restore::clone",
      stack: "shop/prod",
    },
    { name: "the CLI", owner: CLI_OWNER, stack: undefined },
    { name: "anything else", owner: "someone", stack: undefined },
  ])("stackOfOwner and ownerAnnotations: $name", ({ owner, stack }) => {
    expect(stackOfOwner(owner)).toBe(stack);
    expect(ownerAnnotations(owner)).toEqual({
      [OWNER_ANNOTATION]: owner,
      ...(stack ? { [OWNER_STACK_ANNOTATION]: stack } : {}),
    });
  });

  it("records nothing for a writer without an owner, and reads the owner back", () => {
    expect(ownerAnnotations(undefined)).toEqual({});
    expect(ownerOf({ metadata: { annotations: ownerAnnotations(SELF) } })).toBe(SELF);
    expect(ownerOf({ metadata: { annotations: { [OWNER_ANNOTATION]: "" } } })).toBeUndefined();
    expect(ownerOf({ metadata: {} })).toBeUndefined();
    expect(ownerOf(undefined)).toBeUndefined();
  });

  it("describes owners for people", () => {
    expect(describeOwner(OTHER)).toBe(`stack billing/staging (${OTHER})`);
    expect(describeOwner(CLI_OWNER)).toBe("the hks CLI (hks-cli)");
    expect(describeOwner(undefined)).toMatch(/^no recorded owner/);
  });
});

describe("owner and adopt inputs are checked on every resource that records objects", () => {
  const bad = { owner: 5, adopt: "yes" } as unknown as Record<string, unknown>;
  it.each([
    ["BackupStorageLocation", () => checkLocation({ locationName: "m", objectStorage: { bucket: "bkt" }, ...bad })],
    [
      "BackupPlan",
      () =>
        checkBackupPlan({
          planName: "p",
          target: { namespace: "a" },
          storageLocation: "m",
          schedule: { cron: "0 2 * * *" },
          retention: { daily: 7 },
          ...bad,
        } as never),
    ],
    ["Restore", () => checkRestore({ restoreName: "r", backupName: "b", ...bad })],
  ])("%s", (_kind, check) => {
    const { failures } = check();
    expect(failures).toEqual([
      { property: "owner", reason: expect.stringContaining("must be a string") },
      { property: "adopt", reason: `must be true or false, got "yes"` },
    ]);
  });
});
