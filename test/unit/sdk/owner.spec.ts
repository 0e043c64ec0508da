/**
 * Every resource sends its own URN as `owner` (sdk/owner.ts): the provider addresses the resource's
 * messages to it, so it must be exactly the URN the engine gives the resource, parents included.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import * as hks from "../../../sdk";

const registered = new Map<string, { type: string; inputs: Record<string, unknown> }>();

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        registered.set(a.name, { type: a.type, inputs: a.inputs });
        return { id: `${a.name}-id`, state: a.inputs };
      },
      call: () => ({}),
    },
    "shop",
    "dev",
    false,
  );
});

/** The resolved value of an Output (mocks resolve them). */
const valueOf = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("owner: the resource's URN", () => {
  it("top-level and under a component, equal to the URN the engine assigns", async () => {
    const backup = new hks.Backup("pre-migration", { target: { namespaces: ["production"] } });
    class App extends pulumi.ComponentResource {
      constructor(name: string) {
        super("shop:index:App", name);
      }
    }
    const app = new App("shop");
    const restore = new hks.Restore("clone", { backup: "b1", storageLocation: "minio" }, { parent: app });
    expect(await valueOf(backup.urn)).toBe("urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:Backup::pre-migration");
    await valueOf(restore.urn);
    expect(registered.get("pre-migration")!.inputs.owner).toBe(await valueOf(backup.urn));
    expect(registered.get("clone")!.inputs.owner).toBe(
      "urn:pulumi:dev::shop::shop:index:App$pulumi-nodejs:dynamic/hks:Restore::clone",
    );
    expect(registered.get("clone")!.inputs.owner).toBe(await valueOf(restore.urn));
  });
});
