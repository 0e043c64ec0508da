/**
 * Where the provider's messages go (provider/engine-log.ts): kept lines and ephemeral progress under
 * the resource's URN when the engine is there; stdout (and no progress) when it is not.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  engineAddressOf,
  resourceLog,
  setEngineSendForTests,
  urnOf,
  type EngineSend,
} from "../../../provider/engine-log";

const URN = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:Backup::pre-migration";

type Sent = { urn: string; severity: string; message: string; ephemeral: boolean };

function fakeEngine(fail = false): { sent: Sent[]; send: EngineSend } {
  const sent: Sent[] = [];
  return {
    sent,
    send: async (urn, severity, message, ephemeral) => {
      await new Promise((r) => setTimeout(r, Math.random() * 3)); // deliveries finish out of order
      if (fail) throw new Error("UNAVAILABLE");
      sent.push({ urn, severity, message, ephemeral });
    },
  };
}

afterEach(() => setEngineSendForTests(undefined));

describe("engineAddressOf", () => {
  it.each([
    {
      name: "Pulumi's Node.js dynamic provider",
      argv: ["/usr/bin/node", "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:40123"],
      want: "127.0.0.1:40123",
    },
    { name: "its folder form", argv: ["node", "/p/cmd/dynamic-provider", "localhost:1"], want: "localhost:1" },
    { name: "the hks CLI", argv: ["node", "/p/bin/hks.js", "backup", "list"], want: undefined },
    { name: "vitest", argv: ["node", "/p/node_modules/vitest/vitest.mjs", "run"], want: undefined },
    { name: "no address", argv: ["node", "/p/cmd/dynamic-provider/index.js"], want: undefined },
  ])("$name", ({ argv, want }) => expect(engineAddressOf(argv)).toBe(want));
});

describe("urnOf", () => {
  it("accepts URNs, with parents' types too", () => {
    expect(urnOf(URN)).toBe(URN);
    const child = "urn:pulumi:dev::shop::my:app:Stack$pulumi-nodejs:dynamic/hks:Restore::clone";
    expect(urnOf(child)).toBe(child);
  });
  it.each([undefined, "", "hks-cli", 42, "urn:pulumi:dev"])("refuses %j", (v) => expect(urnOf(v)).toBeUndefined());
});

describe("resourceLog", () => {
  it("keeps info and warnings under the resource, sends progress as ephemeral status, in order", async () => {
    const engine = fakeEngine();
    setEngineSendForTests(engine.send);
    const out: string[] = [];
    const log = resourceLog(URN, (l) => out.push(l));
    log.info("backup pre-migration-1: to minio");
    for (let i = 1; i <= 5; i++) log.status(`collect: ${i}/5`);
    log.warn("1 PVC without a snapshot class");
    log.info("backup pre-migration-1: Completed: 5 objects, 2.1 KiB stored");
    await log.flush();
    expect(out).toEqual([]);
    expect(engine.sent.map((s) => `${s.ephemeral ? "status" : s.severity} ${s.message}`)).toEqual([
      "info backup pre-migration-1: to minio",
      "status collect: 1/5",
      "status collect: 2/5",
      "status collect: 3/5",
      "status collect: 4/5",
      "status collect: 5/5",
      "warning 1 PVC without a snapshot class",
      "info backup pre-migration-1: Completed: 5 objects, 2.1 KiB stored",
    ]);
    expect(new Set(engine.sent.map((s) => s.urn))).toEqual(new Set([URN]));
  });

  it("a kept line the engine did not take goes to stdout; progress is dropped", async () => {
    setEngineSendForTests(fakeEngine(true).send);
    const out: string[] = [];
    const log = resourceLog(URN, (l) => out.push(l));
    log.info("restored");
    log.status("apply: 3/9");
    log.warn("careful");
    await log.flush();
    expect(out).toEqual(["restored", "warning: careful"]);
  });

  it("without a URN (state from an older SDK) or without an engine: stdout, no progress", async () => {
    const engine = fakeEngine();
    setEngineSendForTests(engine.send);
    const out: string[] = [];
    const old = resourceLog(undefined, (l) => out.push(l));
    old.info("a");
    old.status("read: 1");
    setEngineSendForTests(null);
    const noEngine = resourceLog(URN, (l) => out.push(l));
    noEngine.info("b");
    noEngine.status("read: 2");
    await Promise.all([old.flush(), noEngine.flush()]);
    expect(out).toEqual(["a", "b"]);
    expect(engine.sent).toEqual([]);
  });
});
