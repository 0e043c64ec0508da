/**
 * The owner URN the SDK passes to every resource (sdk/owner.ts) is the URN Pulumi gives the
 * resource: same type token as provider/kinds.ts, the stack and project, and a parent's type.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCE_KINDS, typeToken } from "../../../provider/kinds";
import { ownerUrn } from "../../../sdk/owner";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply((v) => resolve(v)));

describe("ownerUrn", () => {
  beforeAll(() => {
    pulumi.runtime.setMocks(
      {
        newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }),
        call: (a) => a.inputs,
      },
      "shop",
      "dev",
    );
  });
  afterAll(() => pulumi.runtime.resetOptions("", "", -1, "", "", false, ""));

  it.each(RESOURCE_KINDS.map((k) => [k]))("%s: urn:pulumi:<stack>::<project>::<type token>::<name>", async (kind) => {
    expect(await value(ownerUrn(kind, "main"))).toBe(`urn:pulumi:dev::shop::${typeToken(kind)}::main`);
  });

  it("a resource inside a component carries the component's type, as Pulumi's URN does", async () => {
    const parent = new pulumi.ComponentResource("acme:index:Backups", "team");
    expect(await value(ownerUrn("Restore", "clone", { parent }))).toBe(
      `urn:pulumi:dev::shop::acme:index:Backups$${typeToken("Restore")}::clone`,
    );
  });
});
