/** The pure parts of the volume-data engine: trusted places, read plans, chunking. */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { trustedPlaces } from "../../../../provider/engine/volume-data/stored";
import { filesOf, planPackReads } from "../../../../provider/engine/volume-data/read-plan";
import { blobIdOf, isAllZero, readChunks } from "../../../../provider/engine/volume-data/chunk";
import type { VolumeBlobList, VolumeIndex } from "../../../../provider/format/volume-data";
import { cleanup, tempDir } from "./fixture";

afterAll(cleanup);

const P = (c: string) => c.repeat(32);
const B = (c: string) => c.repeat(64);
const enc = { format: "age" as const, recipientFingerprints: ["f1"] };
const list = (encryption: VolumeBlobList["encryption"], bytes = 100): VolumeBlobList => ({
  formatVersion: 1,
  kind: "hks-volume-blobs",
  backup: "b",
  namespace: "n",
  pvc: "p",
  createdAt: "",
  encryption,
  blobs: { [B("1")]: { pack: P("a"), offset: 0, length: 10 } },
  packs: { [P("a")]: { encrypted: encryption !== null, bytes, sha256: "" } },
});

describe("trustedPlaces", () => {
  it.each([
    { name: "plain list, pack listed with its size", lists: [list(null)], listed: [[P("a"), false, 100]], want: 1 },
    { name: "pack missing from the listing", lists: [list(null)], listed: [], want: 0 },
    { name: "pack listed with another size", lists: [list(null)], listed: [[P("a"), false, 99]], want: 0 },
    { name: "encrypted list for a plain push", lists: [list(enc)], listed: [[P("a"), true, 100]], want: 0 },
    {
      name: "encrypted list for the same recipients",
      lists: [list(enc)],
      listed: [[P("a"), true, 100]],
      encryption: enc,
      want: 1,
    },
    {
      name: "encrypted list for other recipients",
      lists: [list(enc)],
      listed: [[P("a"), true, 100]],
      encryption: { format: "age" as const, recipientFingerprints: ["f2"] },
      want: 0,
    },
    {
      name: "listing says plain, record says encrypted",
      lists: [list(enc)],
      listed: [[P("a"), false, 100]],
      encryption: enc,
      want: 0,
    },
  ])("$name", ({ lists, listed, encryption, want }) => {
    const m = new Map(
      listed.map(([id, encrypted, size]) => [id as string, { encrypted: encrypted as boolean, size: size as number }]),
    );
    expect(trustedPlaces(lists, m, encryption ?? null).size).toBe(want);
  });
});

describe("planPackReads", () => {
  const index: Pick<VolumeIndex, "blobs" | "chunkSize" | "entries"> = {
    chunkSize: 10,
    blobs: {
      [B("1")]: { pack: P("b"), offset: 20, length: 10 },
      [B("2")]: { pack: P("b"), offset: 0, length: 10 },
      [B("3")]: { pack: P("a"), offset: 0, length: 5 },
    },
    entries: [
      { path: "", type: "dir", mode: 0o755, uid: 0, gid: 0, mtimeNs: "0" },
      { path: "x", type: "file", size: 25, blobs: [B("1"), null, B("3")], mode: 0o644, uid: 0, gid: 0, mtimeNs: "0" },
      { path: "y", type: "file", size: 20, blobs: [B("2"), B("1")], mode: 0o644, uid: 0, gid: 0, mtimeNs: "0" },
    ],
  };
  it("groups blobs by pack in offset order, each read once with every place it goes; holes are not read", () => {
    const plan = planPackReads(index);
    expect([...plan.keys()]).toEqual([P("a"), P("b")]);
    expect(plan.get(P("b"))!.map((r) => [r.id, r.offset, r.targets])).toEqual([
      [B("2"), 0, [{ path: "y", position: 0 }]],
      [
        B("1"),
        20,
        [
          { path: "x", position: 0 },
          { path: "y", position: 10 },
        ],
      ],
    ]);
    expect(plan.get(P("a"))![0]!.targets).toEqual([{ path: "x", position: 20 }]);
    expect(filesOf(plan.get(P("b"))!)).toEqual(["y", "x"]);
  });
});

describe("chunks", () => {
  const dir = tempDir("chunk");
  it.each([
    { name: "empty file", size: 0, chunk: 4, want: [] },
    { name: "smaller than a chunk", size: 3, chunk: 4, want: [3] },
    { name: "exactly one chunk", size: 4, chunk: 4, want: [4] },
    { name: "several chunks, short last one", size: 10, chunk: 4, want: [4, 4, 2] },
  ])("$name", async ({ size, chunk, want }) => {
    const f = path.join(dir, `f${size}`);
    fs.writeFileSync(f, Buffer.alloc(size, 7));
    const got: number[] = [];
    for await (const c of readChunks(f, chunk)) got.push(c.length);
    expect(got).toEqual(want);
  });
  it("names a blob by the SHA-256 of its bytes and knows all-zero chunks", () => {
    expect(blobIdOf(Buffer.from("abc"))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(isAllZero(Buffer.alloc(5000))).toBe(true);
    expect(isAllZero(Buffer.from([0, 0, 1]))).toBe(false);
    expect(isAllZero(Buffer.alloc(0))).toBe(true);
  });
});
