/** Reading volume records back trusts nothing: paths, parents, blob places, versions. */
import { describe, expect, it } from "vitest";
import { entryPathProblem, parseVolumeBlobList, parseVolumeIndex } from "../../../provider/format/volume-data-check";
import { IntegrityError } from "../../../provider/errors";

describe("entryPathProblem", () => {
  it.each([
    { path: "", problem: undefined },
    { path: "a/b c/ü.txt", problem: undefined },
    { path: "/etc/passwd", problem: "is absolute" },
    { path: "a/../../etc", problem: "has a '..' segment" },
    { path: "./a", problem: "has a '.' segment" },
    { path: "a//b", problem: "has an empty segment" },
    { path: "a/", problem: "has an empty segment" },
    { path: "a\0b", problem: "contains NUL" },
  ])("$path -> $problem", ({ path, problem }) => {
    expect(entryPathProblem(path)).toBe(problem);
  });
});

const B = "1".repeat(64);
const P = "a".repeat(32);
const meta = { mode: 0o644, uid: 0, gid: 0, mtimeNs: "1" };
const root = { path: "", type: "dir", ...meta };
const index = (entries: unknown[], over: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify({
      formatVersion: 1,
      kind: "hks-volume-index",
      chunkSize: 4,
      blobs: { [B]: { pack: P, offset: 0, length: 4 } },
      packs: { [P]: { encrypted: false, bytes: 4, sha256: "x" } },
      entries,
      ...over,
    }),
  );

describe("parseVolumeIndex", () => {
  it("accepts a well-formed tree", () => {
    const file = { path: "d/f", type: "file", size: 6, blobs: [B, null], ...meta };
    expect(parseVolumeIndex(index([root, { path: "d", type: "dir", ...meta }, file]), "k").entries).toHaveLength(3);
  });
  it.each([
    { name: "not JSON", body: Buffer.from("{"), match: /not valid JSON/ },
    { name: "newer format", body: index([root], { formatVersion: 2 }), match: /upgrade hks-backup/ },
    { name: "wrong kind", body: index([root], { kind: "hks-volume-blobs" }), match: /not a hks-volume-index/ },
    { name: "no root first", body: index([{ path: "f", type: "dir", ...meta }]), match: /root directory/ },
    { name: "escaping path", body: index([root, { path: "../x", type: "dir", ...meta }]), match: /'\.\.' segment/ },
    {
      name: "a file under a symlink",
      body: index([
        root,
        { path: "l", type: "symlink", target: "/etc", ...meta },
        { path: "l/passwd", type: "file", size: 0, blobs: [], ...meta },
      ]),
      match: /without, its parent directory/,
    },
    {
      name: "a blob without a place",
      body: index([root, { path: "f", type: "file", size: 4, blobs: ["2".repeat(64)], ...meta }]),
      match: /has no place/,
    },
    {
      name: "a blob count that does not fit the size",
      body: index([root, { path: "f", type: "file", size: 9, blobs: [B], ...meta }]),
      match: /1 blobs for 3/,
    },
    {
      name: "a path listed twice",
      body: index([root, { path: "d", type: "dir", ...meta }, { path: "d", type: "dir", ...meta }]),
      match: /twice/,
    },
    {
      name: "a blob in an unlisted pack",
      body: index([root], { blobs: { [B]: { pack: "b".repeat(32), offset: 0, length: 4 } } }),
      match: /not listed/,
    },
  ])("refuses $name", ({ body, match }) => {
    expect(() => parseVolumeIndex(body, "k")).toThrow(IntegrityError);
    expect(() => parseVolumeIndex(body, "k")).toThrow(match);
  });
});

describe("parseVolumeBlobList", () => {
  it("refuses an index given as a blob list", () => {
    expect(() => parseVolumeBlobList(index([root]), "k")).toThrow(/not a hks-volume-blobs record/);
  });
});
