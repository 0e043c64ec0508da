import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { guardBody } from "../../../provider/store/body-guard";

describe("guardBody", () => {
  it("holds an error emitted before anyone reads the body, and throws it on demand", async () => {
    const body = new Readable({ read() {} });
    const guard = guardBody(body);
    body.destroy(new Error("boom"));
    await new Promise((r) => setImmediate(r));
    expect(() => guard.throwIfFailed()).toThrow("boom");
    guard.release();
    expect(body.listenerCount("error")).toBe(0);
  });

  it("does nothing for a healthy body", () => {
    const body = Readable.from(["ok"]);
    const guard = guardBody(body);
    expect(() => guard.throwIfFailed()).not.toThrow();
    guard.release();
  });
});
