import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createCoalescer } from "../../../../provider/engine/archive/coalesce";

async function chunksThrough(input: Buffer[], chunkBytes: number): Promise<Buffer[]> {
  // 'data' events, not async iteration: read() would join whatever is buffered and hide the chunking.
  const out: Buffer[] = [];
  const joined = Readable.from(input).pipe(createCoalescer(chunkBytes));
  joined.on("data", (c: Buffer) => out.push(c));
  await new Promise((resolve, reject) => joined.on("end", resolve).on("error", reject));
  return out;
}

describe("createCoalescer", () => {
  it.each([
    { name: "many small chunks", sizes: Array.from({ length: 100 }, (_, i) => 1 + (i % 7)), chunkBytes: 64 },
    { name: "one chunk larger than the target", sizes: [1000], chunkBytes: 64 },
    { name: "a mix around the target", sizes: [10, 200, 3, 64, 64, 1, 500], chunkBytes: 64 },
    { name: "nothing", sizes: [], chunkBytes: 64 },
  ])("passes $name on byte for byte, in order", async ({ sizes, chunkBytes }) => {
    let n = 0;
    const input = sizes.map((s) => Buffer.from(Array.from({ length: s }, () => n++ % 251)));
    const out = await chunksThrough(input, chunkBytes);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(input));
  });

  it("joins small chunks into chunks of at least the target size, but for the last", async () => {
    const input = Array.from({ length: 100 }, () => Buffer.alloc(10, 1));
    const out = await chunksThrough(input, 64);
    expect(out.map((c) => c.length)).toEqual([...Array(14).fill(70), 20]);
  });

  it("passes an oversized chunk on whole, without copying or splitting it", async () => {
    const big = Buffer.alloc(1000, 2);
    const out = await chunksThrough([big], 64);
    expect(out).toHaveLength(1);
    expect(out[0].buffer).toBe(big.buffer);
  });
});
