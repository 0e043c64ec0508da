import { describe, expect, it } from "vitest";
import { InputError } from "../../../provider/errors";
import { assertValidPrefix, compareKeys, keyProblem } from "../../../provider/store/object-key";

describe("keyProblem", () => {
  it.each([
    { name: "layout key", key: "team-a/hks/v1/backups/b1/manifest.json" },
    { name: "single segment", key: "x" },
    { name: "dots inside a name", key: "a/..b/c.." },
    { name: "probe object", key: ".hks-probe-0011" },
    { name: "1024 bytes", key: "a".repeat(1024) },
  ])("accepts $name", ({ key }) => {
    expect(keyProblem(key)).toBeUndefined();
  });

  it.each([
    { name: "empty", key: "", why: "empty" },
    { name: "NUL", key: "a\0", why: "NUL" },
    { name: "backslash", key: "a\\b", why: "'\\'" },
    { name: "absolute", key: "/a", why: "absolute" },
    { name: "dot-dot", key: "a/../b", why: "traversal" },
    { name: "dot", key: "./a", why: "traversal" },
    { name: "double slash", key: "a//b", why: "empty segment" },
    { name: "trailing slash", key: "a/", why: "empty segment" },
    { name: "temp-file name", key: "a/.hks-tmp-x", why: "reserved" },
    { name: "1025 bytes", key: "a".repeat(1025), why: "limit is 1024" },
    { name: "multi-byte over limit", key: "é".repeat(513), why: "1026 bytes" },
  ])("rejects $name", ({ key, why }) => {
    expect(keyProblem(key)).toContain(why);
  });
});

describe("assertValidPrefix", () => {
  it.each(["", "a", "a/", "a/b", "a/b/", "hks/v1/backups/b", "a/.."])("accepts %j", (p) => {
    expect(() => assertValidPrefix(p, "memory://x")).not.toThrow();
  });
  it.each(["/a", "../a", "a/../b", "a//b", "./", "a\0"])("rejects %j", (p) => {
    expect(() => assertValidPrefix(p, "memory://x")).toThrow(InputError);
  });
});

describe("compareKeys", () => {
  it("orders by UTF-8 bytes like S3, not by UTF-16 code units", () => {
    const keys = ["\u{1F600}", "\uFF01", "a/b", "a-c", "a"];
    // U+FF01 (EF BC 81) sorts before U+1F600 (F0 9F 98 80) in UTF-8; UTF-16 puts the surrogate first.
    expect([...keys].sort(compareKeys)).toEqual(["a", "a-c", "a/b", "\uFF01", "\u{1F600}"]);
  });
});
