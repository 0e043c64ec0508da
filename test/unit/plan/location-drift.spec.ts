import { describe, expect, it } from "vitest";
import { OWNER_ANNOTATION } from "../../../provider/format/owner";
import type { LocationConfig } from "../../../provider/kube/location-config";
import { locationRecordDrift } from "../../../provider/plan/location-drift";

const RECORD = "ConfigMap hks-system/hks-location-main";
const OWNER = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:BackupStorageLocation::main";
const OTHER = "urn:pulumi:prod::shop::pulumi-nodejs:dynamic/hks:BackupStorageLocation::main";
const expected: LocationConfig = {
  name: "main",
  namespace: "hks-system",
  provider: "aws",
  objectStorage: { bucket: "b", region: "us-east-1", prefix: "", endpoint: undefined },
  recipients: [],
  accessMode: "ReadWrite",
  default: false,
  credentials: { kind: "ambient" },
};

describe("locationRecordDrift", () => {
  it.each([
    {
      name: "unchanged (undefined members as JSON drops them)",
      live: { config: JSON.parse(JSON.stringify(expected)), owner: OWNER },
      messages: [],
      reflected: {},
    },
    {
      name: "deleted out of band",
      live: undefined,
      messages: [`${RECORD} is missing (deleted out of band)`],
      reflected: {},
    },
    {
      name: "default and recipients changed: reflected into the inputs",
      live: { config: { ...expected, default: true, recipients: ["age1x"] }, owner: OWNER },
      messages: [],
      reflected: { default: true, encryption: { recipients: ["age1x"] } },
    },
    {
      name: "accessMode changed: reflected",
      live: { config: { ...expected, accessMode: "ReadOnly" as const }, owner: OWNER },
      messages: [],
      reflected: { accessMode: "ReadOnly" },
    },
    {
      name: "another bucket: reported (never reflected: a replace would delete the wrong data)",
      live: { config: { ...expected, objectStorage: { ...expected.objectStorage!, bucket: "x" } }, owner: OWNER },
      messages: [expect.stringMatching(/^ConfigMap hks-system\/hks-location-main: objectStorage is .*"x"/)],
      reflected: {},
    },
    {
      name: "taken over by another stack",
      live: { config: expected, owner: OTHER },
      messages: [`${RECORD} is now owned by stack shop/prod (${OTHER})`],
      reflected: {},
    },
    {
      name: "owner annotation removed",
      live: { config: expected, owner: undefined },
      messages: [`${RECORD} lost its owner annotation`],
      reflected: {},
    },
    {
      name: "unreadable location.json",
      live: { config: undefined, owner: OWNER },
      messages: [`${RECORD} has no readable location.json`],
      reflected: {},
    },
  ])("$name", ({ live, messages, reflected }) => {
    expect(locationRecordDrift(RECORD, expected, live, OWNER)).toEqual({ messages, reflected });
  });

  it("state from before owners were recorded: an unowned record is not drift", () => {
    expect(locationRecordDrift(RECORD, expected, { config: expected }, undefined).messages).toEqual([]);
    expect(OWNER_ANNOTATION).toBe("hks.io/owner");
  });
});
