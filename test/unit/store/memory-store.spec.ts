import { describe, expect, it } from "vitest";
import { StorageError } from "../../../provider/errors";
import { MemoryObjectStore } from "../../../provider/store/memory-store";
import { describeStoreContract } from "./store-contract";

const store = new MemoryObjectStore("contract");
describeStoreContract("memory", () => store);

describe("MemoryObjectStore", () => {
  it("deleteMany tries every key and lists each failure with its reason", async () => {
    const s = new MemoryObjectStore("agg", new Set(["b/1", "b/3"]));
    for (const k of ["b/1", "b/2", "b/3"]) await s.put(k, k);
    const err = await s.deleteMany(["b/1", "b/2", "b/3"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/could not delete 2 of 3 objects in memory:\/\/agg/);
    expect((err as Error).message).toContain("b/1: injected delete failure");
    expect((err as Error).message).toContain("b/3: injected delete failure");
    expect(await s.head("b/2")).toBeUndefined();
    expect(await s.head("b/1")).toBeDefined();
  });
});
